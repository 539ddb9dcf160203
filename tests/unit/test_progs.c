// SPDX-License-Identifier: MIT
/*
 * progs__read: a kernel's registered programs from its ELF. A small ELF64
 * with a name table, an .ivm_programs table and section headers is built in
 * memory, read, then damaged one field at a time (truncated, a section out
 * of bounds, an unterminated name, ...) and fuzzed. Every read runs on an
 * exact-size heap copy so ASan catches a read past the end.
 */
#include <elf.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "boot/progs.h"
#include "tap.h"

#define ERRLEN		256
#define BASE		0x100000	/* address of file offset 0, as guest.ld lays it out */
#define RO_OFF		0x100		/* .rodata: the names */
#define PROG_OFF	0x200		/* .ivm_programs */
#define STR_OFF		0x300		/* .shstrtab */
#define SH_OFF		0x400		/* section headers: null, .rodata, .ivm_programs, .shstrtab */
#define NSECT		4
#define IMG_LEN		(SH_OFF + NSECT * sizeof(Elf64_Shdr))

static const char names[] = "alpha\0beta\0gamma\0knob";	/* the last NUL is the array's */
static const char shstr[] = "\0.rodata\0.ivm_programs\0.shstrtab";
#define SHSTR_RODATA	1
#define SHSTR_PROGS	9
#define SHSTR_STRTAB	23

static uint8_t img[IMG_LEN];

static void put_entry(unsigned k, uint64_t name_off, int kind)
{
	uint64_t e[5] = { BASE + RO_OFF + name_off, 0, 0, 0, 0 };

	e[1 + kind] = 0x100000 + 0x10 * (k + 1);	/* a function's address */
	memcpy(img + PROG_OFF + k * IVM_PROGRAM_SIZE, e, sizeof(e));
}

static Elf64_Shdr *sh(unsigned i)
{
	return (Elf64_Shdr *)(void *)(img + SH_OFF + i * sizeof(Elf64_Shdr));
}

/* The good image: scenario alpha, test beta, scenario gamma, option knob */
static void build(void)
{
	Elf64_Ehdr *e = (Elf64_Ehdr *)(void *)img;

	memset(img, 0, sizeof(img));
	memcpy(e->e_ident, ELFMAG, SELFMAG);
	e->e_ident[EI_CLASS] = ELFCLASS64;
	e->e_ident[EI_DATA] = ELFDATA2LSB;
	e->e_ident[EI_VERSION] = EV_CURRENT;
	e->e_type = ET_EXEC;
	e->e_machine = EM_X86_64;
	e->e_version = EV_CURRENT;
	e->e_ehsize = sizeof(*e);
	e->e_shoff = SH_OFF;
	e->e_shentsize = sizeof(Elf64_Shdr);
	e->e_shnum = NSECT;
	e->e_shstrndx = 3;
	memcpy(img + RO_OFF, names, sizeof(names));
	put_entry(0, 0, 0);
	put_entry(1, 6, 1);
	put_entry(2, 11, 0);
	put_entry(3, 17, 2);
	memcpy(img + STR_OFF, shstr, sizeof(shstr));
	*sh(1) = (Elf64_Shdr){ .sh_name = SHSTR_RODATA, .sh_type = SHT_PROGBITS, .sh_flags = SHF_ALLOC,
			       .sh_addr = BASE + RO_OFF, .sh_offset = RO_OFF, .sh_size = sizeof(names) };
	*sh(2) = (Elf64_Shdr){ .sh_name = SHSTR_PROGS, .sh_type = SHT_PROGBITS, .sh_flags = SHF_ALLOC,
			       .sh_addr = BASE + PROG_OFF, .sh_offset = PROG_OFF,
			       .sh_size = 4 * IVM_PROGRAM_SIZE, .sh_addralign = 8 };
	*sh(3) = (Elf64_Shdr){ .sh_name = SHSTR_STRTAB, .sh_type = SHT_STRTAB, .sh_offset = STR_OFF,
			       .sh_size = sizeof(shstr) };
}

static struct progs got;
static char err[ERRLEN];

/* progs__read on an exact-size copy of the first @len bytes of img */
static int rd(size_t len)
{
	uint8_t *b = malloc(len ? len : 1);
	int rc;

	memcpy(b, img, len);
	memset(err, 0, sizeof(err));
	rc = progs__read(b, len, "k.elf", &got, err, sizeof(err));
	free(b);
	return rc;
}

static bool one_line(void)
{
	return err[0] && !strchr(err, '\n');
}

/* A damaged image: -1, one line naming the file, and @want in it */
static void bad(const char *what, const char *want)
{
	int rc = rd(IMG_LEN);

	if (!ok(rc == -1 && one_line() && !strncmp(err, "k.elf: offset 0x", 16) && strstr(err, want),
		"%s: rejected, '%s'", what, want))
		printf("#   rc %d, err '%s'\n", rc, err);
	build();
}

static void test_good(void)
{
	const char *sc[PROGS_MAX + 1];

	build();
	if (!ok(rd(IMG_LEN) == 0, "the good image is read"))
		printf("#   %s\n", err);
	is_u64(got.n, 4, "four registrations");
	ok(!strcmp(got.p[0].name, "alpha") && got.p[0].kind == PROG_SCENARIO, "0: scenario alpha");
	ok(!strcmp(got.p[1].name, "beta") && got.p[1].kind == PROG_TEST, "1: test beta");
	ok(!strcmp(got.p[2].name, "gamma") && got.p[2].kind == PROG_SCENARIO, "2: scenario gamma");
	ok(!strcmp(got.p[3].name, "knob") && got.p[3].kind == PROG_OPTION, "3: option knob");
	is_u64(progs__scenarios(&got, sc), 2, "two of them scenarios");
	ok(!strcmp(sc[0], "alpha") && !strcmp(sc[1], "gamma") && !sc[2],
	   "progs__scenarios: alpha, gamma, NULL");
	ok(!strcmp(prog_kind__name(PROG_TEST), "test"), "prog_kind__name");

	sh(2)->sh_size = 0;
	ok(rd(IMG_LEN) == 0 && got.n == 0, "an empty .ivm_programs: no programs");
	build();
}

static void test_absent(void)
{
	((Elf64_Ehdr *)(void *)img)->e_shoff = 0;
	ok(rd(IMG_LEN) == 1, "no section header table: 1 (no .ivm_programs)");
	build();
	((Elf64_Ehdr *)(void *)img)->e_shstrndx = SHN_UNDEF;
	ok(rd(IMG_LEN) == 1, "no section name table: 1");
	build();
	img[STR_OFF + SHSTR_PROGS + 12] = 'z';	/* .ivm_programz */
	ok(rd(IMG_LEN) == 1, "no section named .ivm_programs: 1");
	build();
}

static void test_truncated(void)
{
	unsigned wrong = 0;
	size_t first = 0;

	for (size_t len = 0; len < IMG_LEN; len++)
		if (rd(len) != -1 || !one_line() || strncmp(err, "k.elf: offset 0x", 16)) {
			if (!wrong++)
				first = len;
		}
	if (!ok(!wrong, "truncated at each of %zu lengths: one line naming the file", (size_t)IMG_LEN))
		printf("#   %u wrong, first at %zu bytes: '%s'\n", wrong, first, (rd(first), err));
	rd(10);
	ok(strstr(err, "file truncated: 10 bytes, ELF identification needs 16") != NULL,
	   "10 bytes: says the identification is cut");
	rd(40);
	ok(strstr(err, "ELF64 header needs 64") != NULL, "40 bytes: says the header is cut");
	rd(IMG_LEN - 1);
	ok(strstr(err, "section header table (0x400, 4 entries) beyond the end of the file") != NULL,
	   "one byte short: the section header table is beyond the end");
}

static void test_damaged(void)
{
	Elf64_Ehdr *e = (Elf64_Ehdr *)(void *)img;

	memcpy(img, "\177ELG", 4);
	bad("not ELF", "bad ELF magic");
	img[EI_CLASS] = ELFCLASS32;
	bad("ELF32", "is not ELFCLASS64");
	img[EI_DATA] = ELFDATA2MSB;
	bad("big-endian", "EI_DATA 2 is not little-endian");
	e->e_machine = EM_386;
	bad("i386", "e_machine 0x3 is not x86-64");
	e->e_shentsize = 40;
	bad("e_shentsize", "e_shentsize 40 is not 64");
	e->e_shnum = 0;
	bad("e_shnum 0", "extended section numbering");
	e->e_shoff = UINT64_MAX - 8;
	bad("e_shoff wrapping", "section header table (0xfffffffffffffff7, 4 entries) beyond the end");
	e->e_shstrndx = 9;
	bad("e_shstrndx past the table", "e_shstrndx 9 is not one of the 4 sections");
	sh(3)->sh_type = SHT_PROGBITS;
	bad("name table of the wrong type", "section name table (section 3) has sh_type 1");
	sh(3)->sh_offset = 0x10000;
	bad("name table out of bounds", "section name table (section 3: 0x10000, 0x21 bytes) beyond");
	sh(3)->sh_size = SHSTR_STRTAB + 3;	/* ".sh" with no NUL */
	bad("unterminated section name", "section 3: name not terminated");
	sh(1)->sh_name = 0x400;
	bad("section name out of bounds", "section 1: name 0x400 beyond the name table's 0x21 bytes");
	*sh(1) = *sh(2);
	bad("two .ivm_programs", "section 2: a second .ivm_programs section (the first is section 1)");
	sh(2)->sh_type = SHT_NOBITS;
	bad(".ivm_programs NOBITS", ".ivm_programs (section 2) has sh_type 8, not SHT_PROGBITS");
	sh(2)->sh_offset = IMG_LEN - 8;
	bad(".ivm_programs out of bounds", ".ivm_programs (section 2: 0x4f8, 0xa0 bytes) beyond the end");
	sh(2)->sh_offset = UINT64_MAX - 0x10;
	bad(".ivm_programs offset wrapping", ".ivm_programs (section 2: 0xffffffffffffffef");
	sh(2)->sh_size = 3 * IVM_PROGRAM_SIZE + 8;
	bad("a part entry", ".ivm_programs size 0x80 is not a whole number of 40-byte entries");
	sh(2)->sh_size = (PROGS_MAX + 1) * IVM_PROGRAM_SIZE;
	sh(2)->sh_offset = 0;	/* the count is refused before the bounds */
	bad("too many entries", "holds 257 entries, more than 256");
}

static void test_entries(void)
{
	put_entry(1, 6, 0);
	memset(img + PROG_OFF + IVM_PROGRAM_SIZE + IVM_PROGRAM_TEST, 0x11, 8);	/* and a test */
	bad("two functions", "entry 1: 2 of its scenario, test and option functions set, not one");
	memset(img + PROG_OFF + 2 * IVM_PROGRAM_SIZE + 8, 0, 24);
	bad("no function", "entry 2: 0 of its");
	memset(img + PROG_OFF, 0x40, 8);	/* 0x4040404040404040 */
	bad("a name in no section", "entry 0: name address 0x4040404040404040 is in no section");
	put_entry(0, 0, 0);
	memset(img + PROG_OFF, 0, 8);
	bad("a NULL name", "entry 0: name address 0x0 is in no section");
	sh(1)->sh_size = sizeof(names) - 1;	/* knob's NUL outside .rodata */
	bad("unterminated name", "entry 3: name not terminated within its section");
	sh(1)->sh_flags = 0;
	bad("a name in a section not loaded", "entry 0: name address 0x100100 is in no section");
	sh(1)->sh_type = SHT_NOBITS;
	bad("a name in a NOBITS section", "entry 0: name address 0x100100 is in no section");
	sh(1)->sh_offset = 0x10000;
	bad("a name in a section beyond the file", "entry 0: name address 0x100100 is in no section");
	img[RO_OFF + 6] = '\0';
	bad("an empty name", "entry 1: empty name");
	img[RO_OFF + 7] = ' ';
	bad("a name with a space", "offset 0x107: .ivm_programs entry 1: name has byte 0x20");
	img[RO_OFF + 12] = '\n';
	bad("a name with a newline", "entry 2: name has byte 0x0a");
	memset(img + RO_OFF, 'a', 0x40);
	sh(1)->sh_size = 0x100;
	bad("a name of 64 bytes", "entry 0: name not terminated within 63 bytes");
	memset(img + RO_OFF, 'a', 63);
	img[RO_OFF + 63] = '\0';
	sh(1)->sh_size = 0x100;
	put_entry(1, 0, 1);
	put_entry(2, 0, 1);
	put_entry(3, 0, 1);
	ok(rd(IMG_LEN) == 0 && strlen(got.p[0].name) == 63, "a name of 63 bytes is read");
	build();
}

static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static void test_fuzz(void)
{
	unsigned accepted = 0, wrong = 0, iters = 50000;

	for (unsigned it = 0; it < iters; it++) {
		size_t len = IMG_LEN;
		int rc;

		build();
		for (unsigned f = 1 + rnd() % 6; f; f--) {
			/* mostly the header, the entries and the section headers */
			static const size_t at[] = { 0, PROG_OFF, SH_OFF };
			size_t o = at[rnd() % 3] + rnd() % 0xa0;

			img[o] = rnd() % 2 ? img[o] ^ (1u << (rnd() % 8)) : (uint8_t)rnd();
		}
		if (rnd() % 8 == 0)
			len = rnd() % (IMG_LEN + 1);
		rc = rd(len);
		if (rc == 0) {
			accepted++;
			for (unsigned i = 0; i < got.n; i++)
				if (!got.p[i].name[0] || strlen(got.p[i].name) >= PROGS_NAME_MAX)
					wrong++;
		} else if (rc == -1 ? !one_line() : rc != 1) {
			wrong++;
		}
	}
	ok(!wrong, "fuzz: %u damaged images, %u read, every other one 1 or one line", iters, accepted);
	ok(accepted > 0 && accepted < iters, "fuzz exercised both outcomes");
	build();
}

int main(void)
{
	test_good();
	test_absent();
	test_truncated();
	test_damaged();
	test_entries();
	test_fuzz();
	return tap_done();
}
