/* SPDX-License-Identifier: MIT */
/*
 * The programs a kernel linked against libivm-guest.a registers (guest/ivm.h
 * IVM_SCENARIO, IVM_TEST, IVM_OPTION), read from its ELF's .ivm_programs
 * section (include/abi.h IVM_PROGRAM_*). Pure: the file is untrusted bytes
 * in the caller's buffer, every offset, size and string bounds-checked.
 */
#ifndef VMM_BOOT_PROGS_H
#define VMM_BOOT_PROGS_H

#include <stddef.h>
#include <stdint.h>

#define PROGS_MAX	256	/* registrations one kernel may hold */
#define PROGS_NAME_MAX	64	/* a name's bytes, its NUL included */

enum prog_kind { PROG_SCENARIO, PROG_TEST, PROG_OPTION };

struct prog {
	char name[PROGS_NAME_MAX];
	enum prog_kind kind;
};

struct progs {
	unsigned n;
	struct prog p[PROGS_MAX];
};

/*
 * Read the registrations of the ELF in @buf (@len bytes, named @path in
 * messages) into @out, in the table's order. 0 when read; 1 when the file is
 * an ELF64 with no .ivm_programs section (not a kernel of the library's
 * linker script); -1 with one line "PATH: offset 0xN: what is wrong" in @err.
 */
int progs__read(const uint8_t *buf, size_t len, const char *path, struct progs *out,
		char *err, size_t errlen);

/*
 * The scenario programs' names of @p into @names (room for PROGS_MAX + 1),
 * NULL-terminated, pointing into @p; their count.
 */
unsigned progs__scenarios(const struct progs *p, const char **names);

const char *prog_kind__name(enum prog_kind k);

#endif
