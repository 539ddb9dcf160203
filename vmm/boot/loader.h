/* SPDX-License-Identifier: MIT */
/*
 * Kernel image loader: parses an ELF file held in memory, decides the boot
 * protocol, and copies the segments into guest RAM. Pure: no KVM, no I/O
 * beyond the caller's buffers, so malformed files are unit-tested directly.
 */
#ifndef VMM_LOADER_H
#define VMM_LOADER_H

#include <stddef.h>
#include <stdint.h>
#include "lib/gmem.h"

enum boot_proto {
	BOOT_AUTO = 0,		/* PVH note > multiboot header > plain ELF64 */
	BOOT_PVH,		/* 32-bit flat protected mode, EBX = hvm_start_info */
	BOOT_MULTIBOOT,		/* 32-bit flat, EAX = 0x2BADB002, EBX = multiboot_info */
	BOOT_ELF64,		/* 64-bit long mode at e_entry, VMM page tables */
};

#define LOADER_MAX_SEGS 16

struct load_seg {
	uint64_t gpa;		/* p_paddr */
	uint64_t filesz, memsz;
	uint64_t offset;	/* file offset */
};

struct load_info {
	enum boot_proto proto;	/* chosen protocol */
	int elf_class;		/* 32 or 64 */
	uint64_t entry;		/* where the vCPU starts for proto */
	uint64_t pvh_entry;	/* 0 when no PVH note */
	uint64_t mb_entry;	/* 0 when no multiboot header */
	uint64_t elf_entry;	/* e_entry */
	uint64_t lo, hi;	/* lowest and highest+1 loaded GPA */
	unsigned nsegs;
	struct load_seg segs[LOADER_MAX_SEGS];
	uint8_t build_id[20];	/* GNU build-id note, zeros if absent */
	unsigned build_id_len;
};

/*
 * Parse @buf (@len bytes, named @path for messages) for a guest of
 * @mem_size bytes, choosing @want (BOOT_AUTO picks). On failure returns -1
 * and writes one line "PATH: offset 0xN: what is wrong" into @err.
 */
int loader__parse(const uint8_t *buf, size_t len, const char *path, uint64_t mem_size,
		  enum boot_proto want, struct load_info *li, char *err, size_t errlen);

/* Copy segments and zero their BSS into @m; the info must come from loader__parse. */
int loader__copy(const uint8_t *buf, size_t len, const struct load_info *li,
		 const struct gmem *m, char *err, size_t errlen);

/*
 * Write the boot hand-off structures for li->proto (hvm_start_info or
 * multiboot_info, the command line, and for BOOT_ELF64 the GDT and page
 * tables at IVM_BOOT_*_GPA). Fails if @cmdline is longer than IVM_CMDLINE_MAX-1.
 */
int loader__write_boot_info(const struct load_info *li, const struct gmem *m,
			    const char *cmdline, char *err, size_t errlen);

/*
 * A boot module (vmm run --initrd, vmm qemu -initrd): multiboot module 0
 * (mods_count, mods_addr), or entry 0 of PVH's modlist. Its string (the
 * multiboot module's command line, PVH's cmdline_paddr) is @name.
 */
struct boot_module {
	const uint8_t *data;	/* the file's bytes */
	uint64_t len;
	const char *name;	/* the file as named: messages, and the module's string */
	uint64_t gpa;		/* set by loader__place_module */
};

#define LOADER_MODSTR_MAX	0x400	/* a module's string, its NUL included */

/*
 * Choose @mod->gpa for a guest of @mem_size bytes: the first page after the
 * kernel's last loaded byte (as QEMU places multiboot modules) or 1 MiB if
 * that is higher, else 1 MiB when it fits below the kernel's lowest segment
 * above 1 MiB; never below 1 MiB (the boot structures, page tables, AP
 * trampoline and low segments live there) nor at or above 4 GiB. -1 with one line
 * "NAME: ..." in @err when it fits nowhere or its name is too long.
 */
int loader__place_module(const struct load_info *li, uint64_t mem_size, struct boot_module *mod,
			 char *err, size_t errlen);

/*
 * loader__write_boot_info, and @mod (NULL: none; placed by
 * loader__place_module) copied in and listed in the hand-off structure.
 */
int loader__write_boot_info_mod(const struct load_info *li, const struct gmem *m,
				const char *cmdline, const struct boot_module *mod, char *err,
				size_t errlen);

const char *boot_proto__name(enum boot_proto p);
int boot_proto__parse(const char *s, enum boot_proto *p);

#endif
