// SPDX-License-Identifier: MIT
/*
 * A kernel's registered programs, from its ELF: the section header table
 * and its string table give .ivm_programs; each entry's name is an address,
 * found in the allocated section that holds it. Every read is checked
 * against the file first, every sum for wrap-around, as loader.c does.
 */
#include <elf.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "abi.h"
#include "lib/errline.h"
#include "progs.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the reader reads ELFDATA2LSB in host order");

struct ctx {
	const uint8_t *buf;
	size_t len;
	const char *path;
	char *err;
	size_t errlen;
	Elf64_Ehdr eh;
};

static int fail(const struct ctx *c, uint64_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(const struct ctx *c, uint64_t off, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	errline__at(c->err, c->errlen, c->path, off, fmt, ap);
	va_end(ap);
	return -1;
}

/* True when [off, off + n) lies inside the file (overflow-safe). */
static bool in_file(const struct ctx *c, uint64_t off, uint64_t n)
{
	return off <= c->len && n <= c->len - off;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Section @i's header; the table was checked to lie in the file. */
static Elf64_Shdr shdr(const struct ctx *c, unsigned i)
{
	Elf64_Shdr s;

	memcpy(&s, c->buf + c->eh.e_shoff + (uint64_t)i * sizeof(s), sizeof(s));
	return s;
}

static uint64_t sh_off(const struct ctx *c, unsigned i, size_t field)
{
	return c->eh.e_shoff + (uint64_t)i * sizeof(Elf64_Shdr) + field;
}

/* What the registrations need before any section: an ELF64 x86-64 header */
static int check_ehdr(struct ctx *c)
{
	static const uint8_t magic[SELFMAG] = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3 };
	size_t n = c->len < SELFMAG ? c->len : SELFMAG;

	for (size_t i = 0; i < n; i++)
		if (c->buf[i] != magic[i])
			return fail(c, i, "bad ELF magic (not an ELF file)");
	if (c->len < EI_NIDENT)
		return fail(c, c->len, "file truncated: %zu bytes, ELF identification needs %u",
			    c->len, EI_NIDENT);
	if (c->buf[EI_CLASS] != ELFCLASS64)
		return fail(c, EI_CLASS, "EI_CLASS %u is not ELFCLASS64 (a kernel of the guest "
			    "library is ELF64)", c->buf[EI_CLASS]);
	if (c->buf[EI_DATA] != ELFDATA2LSB)
		return fail(c, EI_DATA, "EI_DATA %u is not little-endian (ELFDATA2LSB)", c->buf[EI_DATA]);
	if (c->len < sizeof(Elf64_Ehdr))
		return fail(c, c->len, "file truncated: %zu bytes, ELF64 header needs %zu", c->len,
			    sizeof(Elf64_Ehdr));
	memcpy(&c->eh, c->buf, sizeof(c->eh));
	if (c->eh.e_machine != EM_X86_64)
		return fail(c, offsetof(Elf64_Ehdr, e_machine), "e_machine 0x%x is not x86-64",
			    c->eh.e_machine);
	return 0;
}

/* 1: no section header table, so no .ivm_programs */
static int check_shdr_table(const struct ctx *c)
{
	const Elf64_Ehdr *e = &c->eh;

	if (!e->e_shoff)
		return 1;
	if (!e->e_shnum)
		return fail(c, offsetof(Elf64_Ehdr, e_shnum), "e_shnum 0 with e_shoff set (extended "
			    "section numbering) is not supported");
	if (e->e_shentsize != sizeof(Elf64_Shdr))
		return fail(c, offsetof(Elf64_Ehdr, e_shentsize), "e_shentsize %u is not %zu",
			    e->e_shentsize, sizeof(Elf64_Shdr));
	if (!in_file(c, e->e_shoff, (uint64_t)e->e_shnum * sizeof(Elf64_Shdr)))
		return fail(c, offsetof(Elf64_Ehdr, e_shoff), "section header table (0x%" PRIx64
			    ", %u entries) beyond the end of the file (%zu bytes)", e->e_shoff,
			    e->e_shnum, c->len);
	if (e->e_shstrndx == SHN_UNDEF)
		return 1;
	if (e->e_shstrndx >= e->e_shnum)
		return fail(c, offsetof(Elf64_Ehdr, e_shstrndx), "e_shstrndx %u is not one of the "
			    "%u sections", e->e_shstrndx, e->e_shnum);
	return 0;
}

/* Section @i's contents lie in the file */
static int check_contents(const struct ctx *c, unsigned i, const Elf64_Shdr *s, const char *what)
{
	if (!in_file(c, s->sh_offset, s->sh_size))
		return fail(c, sh_off(c, i, offsetof(Elf64_Shdr, sh_offset)), "%s (section %u: 0x%"
			    PRIx64 ", 0x%" PRIx64 " bytes) beyond the end of the file (%zu bytes)",
			    what, i, s->sh_offset, s->sh_size, c->len);
	return 0;
}

/* The section named .ivm_programs: its index, 0 if none, -1 on a bad name or table */
static int find_section(const struct ctx *c)
{
	Elf64_Shdr strtab = shdr(c, c->eh.e_shstrndx);
	const char *names;
	int found = 0;

	if (strtab.sh_type != SHT_STRTAB)
		return fail(c, sh_off(c, c->eh.e_shstrndx, offsetof(Elf64_Shdr, sh_type)),
			    "section name table (section %u) has sh_type %u, not SHT_STRTAB",
			    c->eh.e_shstrndx, strtab.sh_type);
	if (check_contents(c, c->eh.e_shstrndx, &strtab, "section name table") < 0)
		return -1;
	names = (const char *)c->buf + strtab.sh_offset;
	for (unsigned i = 1; i < c->eh.e_shnum; i++) {
		Elf64_Shdr s = shdr(c, i);

		if (s.sh_name >= strtab.sh_size)
			return fail(c, sh_off(c, i, offsetof(Elf64_Shdr, sh_name)), "section %u: "
				    "name 0x%x beyond the name table's 0x%" PRIx64 " bytes", i,
				    s.sh_name, strtab.sh_size);
		if (!memchr(names + s.sh_name, '\0', strtab.sh_size - s.sh_name))
			return fail(c, strtab.sh_offset + s.sh_name, "section %u: name not "
				    "terminated in the section name table", i);
		if (strcmp(names + s.sh_name, IVM_PROGRAMS_SECTION))
			continue;
		if (found)
			return fail(c, sh_off(c, i, 0), "section %u: a second %s section (the first "
				    "is section %d)", i, IVM_PROGRAMS_SECTION, found);
		found = (int)i;
	}
	return found;
}

/* The file offset of the @n bytes at address @va, in an allocated section with contents */
static bool va_to_off(const struct ctx *c, uint64_t va, uint64_t *off, uint64_t *room)
{
	for (unsigned i = 1; i < c->eh.e_shnum; i++) {
		Elf64_Shdr s = shdr(c, i);

		if (!(s.sh_flags & SHF_ALLOC) || s.sh_type == SHT_NOBITS || va < s.sh_addr ||
		    va - s.sh_addr >= s.sh_size || !in_file(c, s.sh_offset, s.sh_size))
			continue;
		*off = s.sh_offset + (va - s.sh_addr);
		*room = s.sh_size - (va - s.sh_addr);
		return true;
	}
	return false;
}

/* Entry @k at file offset @at: its name, copied and checked, and its kind */
static int read_entry(const struct ctx *c, unsigned k, uint64_t at, struct prog *p)
{
	uint64_t va = rd64(c->buf + at + IVM_PROGRAM_NAME), off, room;
	uint64_t fn[3] = { rd64(c->buf + at + IVM_PROGRAM_SCENARIO), rd64(c->buf + at + IVM_PROGRAM_TEST),
			   rd64(c->buf + at + IVM_PROGRAM_OPTION) };
	const uint8_t *s, *nul;

	if (!!fn[0] + !!fn[1] + !!fn[2] != 1)
		return fail(c, at, "%s entry %u: %d of its scenario, test and option functions set, "
			    "not one", IVM_PROGRAMS_SECTION, k, !!fn[0] + !!fn[1] + !!fn[2]);
	p->kind = fn[0] ? PROG_SCENARIO : fn[1] ? PROG_TEST : PROG_OPTION;
	if (!va_to_off(c, va, &off, &room))
		return fail(c, at + IVM_PROGRAM_NAME, "%s entry %u: name address 0x%" PRIx64
			    " is in no section of the file", IVM_PROGRAMS_SECTION, k, va);
	s = c->buf + off;
	nul = memchr(s, '\0', room < PROGS_NAME_MAX ? room : PROGS_NAME_MAX);
	if (!nul)
		return fail(c, off, "%s entry %u: name not terminated within %s", IVM_PROGRAMS_SECTION,
			    k, room < PROGS_NAME_MAX ? "its section" : "63 bytes");
	if (nul == s)
		return fail(c, off, "%s entry %u: empty name", IVM_PROGRAMS_SECTION, k);
	for (const uint8_t *q = s; q < nul; q++)
		if (*q <= ' ' || *q > '~')	/* a command line's word: no spaces, no controls */
			return fail(c, off + (uint64_t)(q - s), "%s entry %u: name has byte 0x%02x",
				    IVM_PROGRAMS_SECTION, k, *q);
	memcpy(p->name, s, (size_t)(nul - s) + 1);
	return 0;
}

int progs__read(const uint8_t *buf, size_t len, const char *path, struct progs *out,
		char *err, size_t errlen)
{
	struct ctx c = { .buf = buf, .len = len, .path = path, .err = err, .errlen = errlen };
	Elf64_Shdr s;
	int ret, i;

	out->n = 0;
	if (check_ehdr(&c) < 0 || (ret = check_shdr_table(&c)) < 0)
		return -1;
	if (ret == 1)
		return 1;
	if ((i = find_section(&c)) <= 0)
		return i < 0 ? -1 : 1;
	s = shdr(&c, (unsigned)i);
	if (s.sh_type != SHT_PROGBITS)
		return fail(&c, sh_off(&c, (unsigned)i, offsetof(Elf64_Shdr, sh_type)), "%s (section "
			    "%d) has sh_type %u, not SHT_PROGBITS", IVM_PROGRAMS_SECTION, i, s.sh_type);
	if (s.sh_size % IVM_PROGRAM_SIZE)
		return fail(&c, sh_off(&c, (unsigned)i, offsetof(Elf64_Shdr, sh_size)), "%s size 0x%"
			    PRIx64 " is not a whole number of %u-byte entries", IVM_PROGRAMS_SECTION,
			    s.sh_size, IVM_PROGRAM_SIZE);
	if (s.sh_size / IVM_PROGRAM_SIZE > PROGS_MAX)
		return fail(&c, sh_off(&c, (unsigned)i, offsetof(Elf64_Shdr, sh_size)), "%s holds %"
			    PRIu64 " entries, more than %u", IVM_PROGRAMS_SECTION,
			    s.sh_size / IVM_PROGRAM_SIZE, PROGS_MAX);
	if (check_contents(&c, (unsigned)i, &s, IVM_PROGRAMS_SECTION) < 0)
		return -1;
	for (unsigned k = 0; k < s.sh_size / IVM_PROGRAM_SIZE; k++) {
		if (read_entry(&c, k, s.sh_offset + (uint64_t)k * IVM_PROGRAM_SIZE, &out->p[k]) < 0) {
			out->n = 0;
			return -1;
		}
		out->n = k + 1;
	}
	return 0;
}

unsigned progs__scenarios(const struct progs *p, const char **names)
{
	unsigned n = 0;

	for (unsigned i = 0; i < p->n && i < PROGS_MAX; i++)
		if (p->p[i].kind == PROG_SCENARIO)
			names[n++] = p->p[i].name;
	names[n] = NULL;
	return n;
}

const char *prog_kind__name(enum prog_kind k)
{
	return k == PROG_SCENARIO ? "scenario" : k == PROG_TEST ? "test" : "option";
}
