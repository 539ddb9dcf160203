// SPDX-License-Identifier: MIT
/*
 * Loader unit tests: ELF images are built in memory, parsed, copied and
 * handed off; then damaged one field at a time and fuzzed. Every parse runs
 * on an exact-size heap copy so ASan catches any read past the end.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "boot/loader.h"
#include "tap.h"

#define MEM		(UINT64_C(64) << 20)
#define ERRLEN		256
#define IMG_MAX		0x3000

/* Image layout shared by every builder. */
#define NOTE_OFF	0x200
#define TEXT_OFF	0x1000
#define TEXT_GPA	0x100000
#define TEXT_SZ		0x1000
#define DATA_OFF	0x2000
#define DATA_GPA	0x200000
#define DATA_FILESZ	0x100
#define DATA_MEMSZ	0x3000
#define IMG_LEN		(DATA_OFF + DATA_FILESZ)
#define ELF_ENTRY	0x100020
#define PVH_ENTRY	0x100030
#define MB_ENTRY	0x100040
#define MB_OFF		TEXT_OFF

static void w16(uint8_t *b, size_t off, uint64_t v)
{
	b[off] = v;
	b[off + 1] = v >> 8;
}

static void w32(uint8_t *b, size_t off, uint64_t v)
{
	w16(b, off, v);
	w16(b, off + 2, v >> 16);
}

static void w64(uint8_t *b, size_t off, uint64_t v)
{
	w32(b, off, v);
	w32(b, off + 4, v >> 32);
}

static uint64_t r64(const uint8_t *b)
{
	uint64_t v;

	memcpy(&v, b, sizeof(v));
	return v;
}

/* Address-sized field: 8 bytes in ELF64, 4 in ELF32. */
static void waddr(uint8_t *b, int cls, size_t off, uint64_t v)
{
	if (cls == 64)
		w64(b, off, v);
	else
		w32(b, off, v);
}

enum eh { E_ENTRY, E_PHOFF, E_SHOFF, E_EHSIZE, E_PHENTSIZE, E_PHNUM, E_SHENTSIZE };
enum ph { P_TYPE, P_FLAGS, P_OFFSET, P_VADDR, P_PADDR, P_FILESZ, P_MEMSZ, P_ALIGN };

static size_t eh_off(int cls, enum eh f)
{
	static const size_t o64[] = { 24, 32, 40, 52, 54, 56, 58 };
	static const size_t o32[] = { 24, 28, 32, 40, 42, 44, 46 };

	return cls == 64 ? o64[f] : o32[f];
}

static void set_eh(uint8_t *b, int cls, enum eh f, uint64_t v)
{
	if (f <= E_SHOFF)
		waddr(b, cls, eh_off(cls, f), v);
	else
		w16(b, eh_off(cls, f), v);
}

static size_t phoff(int cls)
{
	return cls == 64 ? 64 : 52;
}

static size_t phentsize(int cls)
{
	return cls == 64 ? 56 : 32;
}

static size_t ph_off(int cls, unsigned i, enum ph f)
{
	static const size_t o64[] = { 0, 4, 8, 16, 24, 32, 40, 48 };
	static const size_t o32[] = { 0, 24, 4, 8, 12, 16, 20, 28 };

	return phoff(cls) + i * phentsize(cls) + (cls == 64 ? o64[f] : o32[f]);
}

static void set_ph(uint8_t *b, int cls, unsigned i, enum ph f, uint64_t v)
{
	if (f == P_TYPE || f == P_FLAGS)
		w32(b, ph_off(cls, i, f), v);
	else
		waddr(b, cls, ph_off(cls, i, f), v);
}

static void put_ph(uint8_t *b, int cls, unsigned i, uint32_t type, uint32_t flags,
		   uint64_t off, uint64_t gpa, uint64_t filesz, uint64_t memsz, uint64_t align)
{
	set_ph(b, cls, i, P_TYPE, type);
	set_ph(b, cls, i, P_FLAGS, flags);
	set_ph(b, cls, i, P_OFFSET, off);
	set_ph(b, cls, i, P_VADDR, gpa);
	set_ph(b, cls, i, P_PADDR, gpa);
	set_ph(b, cls, i, P_FILESZ, filesz);
	set_ph(b, cls, i, P_MEMSZ, memsz);
	set_ph(b, cls, i, P_ALIGN, align);
}

struct opts {
	int cls;
	bool pvh, mb, aout, build_id;
};

static void put_multiboot(uint8_t *b, uint32_t flags)
{
	w32(b, MB_OFF, MULTIBOOT_HEADER_MAGIC);
	w32(b, MB_OFF + 4, flags);
	w32(b, MB_OFF + 8, -(MULTIBOOT_HEADER_MAGIC + flags));
	w32(b, MB_OFF + 12, TEXT_GPA);
	w32(b, MB_OFF + 16, TEXT_GPA);
	w32(b, MB_OFF + 20, DATA_GPA + DATA_FILESZ);
	w32(b, MB_OFF + 24, DATA_GPA + DATA_MEMSZ);
	w32(b, MB_OFF + 28, MB_ENTRY);
}

/* Offset of the PVH note's descsz field (notes start at NOTE_OFF, PVH first). */
#define PVH_NOTE	NOTE_OFF

/* A valid kernel: text (RX) with an optional multiboot header, data (RW) + BSS, notes. */
static size_t build(uint8_t *b, const struct opts *o)
{
	int cls = o->cls;
	unsigned nph = 2;
	size_t n = NOTE_OFF;

	memset(b, 0, IMG_MAX);
	for (size_t i = 0; i < TEXT_SZ; i++)
		b[TEXT_OFF + i] = i * 7 + 1;
	for (size_t i = 0; i < DATA_FILESZ; i++)
		b[DATA_OFF + i] = i * 13 + 5;
	memcpy(b, "\x7f" "ELF", 4);
	b[4] = cls == 64 ? 2 : 1;
	b[5] = 1;
	b[6] = 1;
	w16(b, 16, 2);
	w16(b, 18, cls == 64 ? 62 : 3);
	w32(b, 20, 1);
	set_eh(b, cls, E_ENTRY, ELF_ENTRY);
	set_eh(b, cls, E_PHOFF, phoff(cls));
	set_eh(b, cls, E_EHSIZE, cls == 64 ? 64 : 52);
	set_eh(b, cls, E_PHENTSIZE, phentsize(cls));
	put_ph(b, cls, 0, 1, 5, TEXT_OFF, TEXT_GPA, TEXT_SZ, TEXT_SZ, 0x1000);
	put_ph(b, cls, 1, 1, 6, DATA_OFF, DATA_GPA, DATA_FILESZ, DATA_MEMSZ, 0x1000);
	if (o->pvh) {
		/* Linux uses an 8-byte desc in ELF64; exercise 4 bytes in ELF32 */
		unsigned dsz = cls == 64 ? 8 : 4;

		w32(b, n, 4);
		w32(b, n + 4, dsz);
		w32(b, n + 8, XEN_ELFNOTE_PHYS32_ENTRY);
		memcpy(b + n + 12, "Xen", 4);
		waddr(b, dsz == 8 ? 64 : 32, n + 16, PVH_ENTRY);
		n += 16 + dsz;
	}
	if (o->build_id) {
		w32(b, n, 4);
		w32(b, n + 4, 20);
		w32(b, n + 8, 3);
		memcpy(b + n + 12, "GNU", 4);
		for (int i = 0; i < 20; i++)
			b[n + 16 + i] = 0x10 + i;
		n += 36;
	}
	if (n > NOTE_OFF)
		put_ph(b, cls, nph++, 4, 4, NOTE_OFF, 0, n - NOTE_OFF, 0, 4);
	set_eh(b, cls, E_PHNUM, nph);
	if (o->mb)
		put_multiboot(b, 2 | (o->aout ? MULTIBOOT_FLAG_AOUT_KLUDGE : 0));
	return IMG_LEN;
}

/* The three reference kernels. */
static const struct opts full64 = { 64, true, true, true, true };
static const struct opts mb32 = { 32, false, true, false, false };
static const struct opts plain64 = { 64, false, false, false, false };

static int parse_mem(const uint8_t *b, size_t len, uint64_t mem, enum boot_proto want,
		     struct load_info *li, char *err)
{
	uint8_t *copy = malloc(len ? len : 1);
	int rc;

	if (len)
		memcpy(copy, b, len);
	memset(err, 'x', ERRLEN);
	rc = loader__parse(copy, len, "guest.elf", mem, want, li, err, ERRLEN);
	free(copy);
	return rc;
}

static int parse(const uint8_t *b, size_t len, enum boot_proto want, struct load_info *li,
		 char *err)
{
	return parse_mem(b, len, MEM, want, li, err);
}

static bool one_line_err(const char *err)
{
	return !strncmp(err, "guest.elf: offset 0x", 20) && !strchr(err, '\n') &&
	       strlen(err) < ERRLEN;
}

static void expect_fail(const uint8_t *b, size_t len, enum boot_proto want, const char *frag,
			const char *name)
{
	struct load_info li;
	char err[ERRLEN];
	int rc = parse(b, len, want, &li, err);

	if (!ok(rc == -1 && strstr(err, frag) && one_line_err(err), "reject %s", name))
		printf("#   rc %d, err \"%s\", want \"%s\"\n", rc, rc ? err : "", frag);
}

static void expect_err(const uint8_t *b, size_t len, enum boot_proto want, const char *exact,
		       const char *name)
{
	struct load_info li;
	char err[ERRLEN];
	int rc = parse(b, len, want, &li, err);

	if (!ok(rc == -1 && !strcmp(err, exact), "reject %s (exact message)", name))
		printf("#   rc %d, err \"%s\", want \"%s\"\n", rc, rc ? err : "", exact);
}

static void expect_ok(const uint8_t *b, size_t len, enum boot_proto want, enum boot_proto proto,
		      uint64_t entry, const char *name)
{
	struct load_info li;
	char err[ERRLEN];
	int rc = parse(b, len, want, &li, err);

	if (!ok(rc == 0 && li.proto == proto && li.entry == entry, "parse %s", name)) {
		if (rc)
			printf("#   err \"%s\"\n", err);
		else
			printf("#   proto %s entry 0x%" PRIx64 "\n", boot_proto__name(li.proto),
			       li.entry);
	}
}

static void test_valid(void)
{
	uint8_t b[IMG_MAX];
	struct load_info li;
	char err[ERRLEN];
	size_t len = build(b, &full64);
	int rc;

	rc = parse(b, len, BOOT_AUTO, &li, err);
	ok(rc == 0, "full ELF64 parses (%s)", rc ? err : "ok");
	is_u64(li.proto, BOOT_PVH, "auto picks PVH over multiboot");
	is_u64(li.entry, PVH_ENTRY, "entry is the PVH note's");
	is_u64(li.elf_class, 64, "class 64");
	is_u64(li.pvh_entry, PVH_ENTRY, "pvh_entry");
	is_u64(li.mb_entry, MB_ENTRY, "mb_entry from the a.out kludge even when PVH wins");
	is_u64(li.elf_entry, ELF_ENTRY, "elf_entry");
	is_u64(li.nsegs, 2, "two segments");
	ok(li.segs[0].gpa == TEXT_GPA && li.segs[0].filesz == TEXT_SZ &&
	   li.segs[0].memsz == TEXT_SZ && li.segs[0].offset == TEXT_OFF, "text segment");
	ok(li.segs[1].gpa == DATA_GPA && li.segs[1].filesz == DATA_FILESZ &&
	   li.segs[1].memsz == DATA_MEMSZ && li.segs[1].offset == DATA_OFF, "data segment");
	ok(li.lo == TEXT_GPA && li.hi == DATA_GPA + DATA_MEMSZ, "lo/hi span the segments");
	ok(li.build_id_len == 20 && li.build_id[0] == 0x10 && li.build_id[19] == 0x23,
	   "GNU build-id");

	expect_ok(b, len, BOOT_PVH, BOOT_PVH, PVH_ENTRY, "full ELF64 as pvh");
	expect_ok(b, len, BOOT_MULTIBOOT, BOOT_MULTIBOOT, MB_ENTRY, "full ELF64 as multiboot");
	expect_ok(b, len, BOOT_ELF64, BOOT_ELF64, ELF_ENTRY, "full ELF64 as elf64");

	len = build(b, &mb32);
	rc = parse(b, len, BOOT_AUTO, &li, err);
	ok(rc == 0 && li.proto == BOOT_MULTIBOOT && li.entry == ELF_ENTRY && li.elf_class == 32 &&
	   li.nsegs == 2 && li.pvh_entry == 0 && li.build_id_len == 0 && li.mb_entry == ELF_ENTRY,
	   "ELF32 multiboot: auto -> multiboot at e_entry (%s)", rc ? err : "ok");
	ok(li.segs[1].gpa == DATA_GPA && li.segs[1].memsz == DATA_MEMSZ, "ELF32 data segment");
	expect_ok(b, len, BOOT_MULTIBOOT, BOOT_MULTIBOOT, ELF_ENTRY, "ELF32 as multiboot");
	expect_fail(b, len, BOOT_ELF64, "image is ELF32", "elf64 requested on ELF32");
	expect_fail(b, len, BOOT_PVH, "no XEN_ELFNOTE_PHYS32_ENTRY", "pvh requested, no note");

	len = build(b, &plain64);
	rc = parse(b, len, BOOT_AUTO, &li, err);
	ok(rc == 0 && li.proto == BOOT_ELF64 && li.entry == ELF_ENTRY && li.pvh_entry == 0 &&
	   li.mb_entry == 0, "plain ELF64: auto -> elf64 at e_entry (%s)", rc ? err : "ok");
	expect_ok(b, len, BOOT_ELF64, BOOT_ELF64, ELF_ENTRY, "plain ELF64 as elf64");
	expect_fail(b, len, BOOT_MULTIBOOT, "no multiboot header", "multiboot requested, none");
	expect_fail(b, len, BOOT_PVH, "no XEN_ELFNOTE_PHYS32_ENTRY", "pvh requested on plain");

	len = build(b, &(struct opts){ 64, false, true, true, false });
	expect_ok(b, len, BOOT_AUTO, BOOT_MULTIBOOT, MB_ENTRY, "ELF64 multiboot-only: auto");
	len = build(b, &(struct opts){ 32, true, false, false, false });
	expect_ok(b, len, BOOT_AUTO, BOOT_PVH, PVH_ENTRY, "ELF32 PVH (4-byte desc): auto");
	len = build(b, &(struct opts){ 32, false, false, false, false });
	expect_fail(b, len, BOOT_AUTO, "no boot protocol", "ELF32 without PVH or multiboot");

	/* a larger build-id is kept as a 20-byte prefix */
	len = build(b, &(struct opts){ 64, false, false, false, true });
	w32(b, NOTE_OFF + 4, 24);
	set_ph(b, 64, 2, P_FILESZ, 40);
	rc = parse(b, len, BOOT_AUTO, &li, err);
	ok(rc == 0 && li.build_id_len == 20, "24-byte build-id truncated to 20 (%s)",
	   rc ? err : "ok");

	/* notes padded to 8 when the PT_NOTE is 8-aligned (GNU property style) */
	len = build(b, &(struct opts){ 64, false, false, false, false });
	w32(b, NOTE_OFF, 4);
	w32(b, NOTE_OFF + 4, 4);
	w32(b, NOTE_OFF + 8, 5);
	memcpy(b + NOTE_OFF + 12, "GNU", 4);
	w32(b, NOTE_OFF + 24, 4);	/* desc at align8(12 + 4), next at align8(16 + 4) */
	w32(b, NOTE_OFF + 28, 8);
	w32(b, NOTE_OFF + 32, XEN_ELFNOTE_PHYS32_ENTRY);
	memcpy(b + NOTE_OFF + 36, "Xen", 4);
	w64(b, NOTE_OFF + 40, PVH_ENTRY);
	put_ph(b, 64, 2, 4, 4, NOTE_OFF, 0, 48, 0, 8);
	set_eh(b, 64, E_PHNUM, 3);
	expect_ok(b, len, BOOT_AUTO, BOOT_PVH, PVH_ENTRY, "8-aligned PT_NOTE");
}

static void test_seg_limits(void)
{
	uint8_t b[IMG_MAX];
	size_t len;
	unsigned i;

	/* PN_XNUM: the program header count comes from section header 0 */
	len = build(b, &plain64);
	memset(b + len, 0, 64);
	w32(b, len + 44, 2);
	set_eh(b, 64, E_SHOFF, len);
	set_eh(b, 64, E_SHENTSIZE, 64);
	set_eh(b, 64, E_PHNUM, 0xffff);
	expect_ok(b, len + 64, BOOT_AUTO, BOOT_ELF64, ELF_ENTRY, "PN_XNUM with sh_info = 2");
	expect_fail(b, len + 63, BOOT_AUTO, "PN_XNUM", "PN_XNUM, section header 0 truncated");
	set_eh(b, 64, E_SHOFF, 0);
	expect_fail(b, len, BOOT_AUTO, "PN_XNUM", "PN_XNUM without section headers");

	/* LOADER_MAX_SEGS PT_LOADs fit, one more does not */
	len = build(b, &plain64);
	for (i = 1; i <= LOADER_MAX_SEGS; i++)
		put_ph(b, 64, i, 1, 6, DATA_OFF, DATA_GPA + 0x10000 * i, 0x10, 0x1000, 0x1000);
	set_eh(b, 64, E_PHNUM, LOADER_MAX_SEGS);
	expect_ok(b, len, BOOT_AUTO, BOOT_ELF64, ELF_ENTRY, "16 PT_LOADs");
	set_eh(b, 64, E_PHNUM, LOADER_MAX_SEGS + 1);
	expect_fail(b, len, BOOT_AUTO, "more than 16 PT_LOAD", "17 PT_LOADs");

	/* an empty PT_LOAD is ignored */
	len = build(b, &plain64);
	put_ph(b, 64, 2, 1, 5, 0, 0, 0, 0, 0);
	set_eh(b, 64, E_PHNUM, 3);
	expect_ok(b, len, BOOT_AUTO, BOOT_ELF64, ELF_ENTRY, "empty PT_LOAD at GPA 0 ignored");
}

static void test_truncated(void)
{
	static const struct opts *imgs[] = { &full64, &mb32 };
	uint8_t b[IMG_MAX];

	for (unsigned k = 0; k < 2; k++) {
		int cls = imgs[k]->cls;
		size_t ehsize = cls == 64 ? 64 : 52, bad = SIZE_MAX;
		struct load_info li;
		char err[ERRLEN];

		build(b, imgs[k]);
		for (size_t len = 0; len <= ehsize && bad == SIZE_MAX; len++) {
			int rc = parse(b, len, BOOT_AUTO, &li, err);

			if (rc != -1 || !strstr(err, "truncated") || !one_line_err(err))
				bad = len;
		}
		if (!ok(bad == SIZE_MAX, "ELF%d truncated at every length 0..%zu rejected", cls, ehsize))
			printf("#   length %zu: \"%s\"\n", bad, err);
		expect_fail(b, phoff(cls) + phentsize(cls) + 7, BOOT_AUTO,
			    "program header table", "truncated program header table");
		expect_fail(b, TEXT_OFF + 10, BOOT_AUTO, "past the end of the file",
			    "truncated inside the text segment");
	}
	build(b, &full64);
	expect_err(b, 20, BOOT_AUTO,
		   "guest.elf: offset 0x14: file truncated: 20 bytes, ELF64 header needs 64",
		   "20-byte file");
}

static void test_ehdr(void)
{
	uint8_t b[IMG_MAX];
	size_t len;

	len = build(b, &full64);
	b[1] = 'X';
	expect_err(b, len, BOOT_AUTO, "guest.elf: offset 0x1: bad ELF magic (not an ELF file)",
		   "bad magic");
	expect_fail(b, 3, BOOT_AUTO, "bad ELF magic", "3-byte non-ELF file");

	len = build(b, &full64);
	b[4] = 3;
	expect_fail(b, len, BOOT_AUTO, "EI_CLASS 3", "wrong class");
	b[4] = 0;
	expect_fail(b, len, BOOT_AUTO, "EI_CLASS 0", "class none");

	len = build(b, &full64);
	b[5] = 2;
	expect_err(b, len, BOOT_AUTO, "guest.elf: offset 0x5: EI_DATA 2 is not little-endian "
		   "(ELFDATA2LSB): big-endian images are not supported", "big-endian");

	len = build(b, &full64);
	b[6] = 0;
	expect_fail(b, len, BOOT_AUTO, "EI_VERSION 0", "EI_VERSION 0");

	len = build(b, &full64);
	w16(b, 18, 0x28);
	expect_err(b, len, BOOT_AUTO, "guest.elf: offset 0x12: e_machine 0x28 is not x86-64 or i386",
		   "ARM e_machine");
	w16(b, 18, 3);
	expect_fail(b, len, BOOT_AUTO, "does not match ELFCLASS64", "i386 machine in ELF64");
	len = build(b, &mb32);
	w16(b, 18, 62);
	expect_fail(b, len, BOOT_AUTO, "does not match ELFCLASS32", "x86-64 machine in ELF32");

	len = build(b, &full64);
	w16(b, 16, 3);
	expect_err(b, len, BOOT_AUTO, "guest.elf: offset 0x10: e_type 0x3 is not ET_EXEC",
		   "ET_DYN");
	w16(b, 16, 1);
	expect_fail(b, len, BOOT_AUTO, "not ET_EXEC", "ET_REL");

	len = build(b, &full64);
	w32(b, 20, 2);
	expect_fail(b, len, BOOT_AUTO, "e_version 2", "e_version 2");

	len = build(b, &full64);
	set_eh(b, 64, E_EHSIZE, 52);
	expect_fail(b, len, BOOT_AUTO, "e_ehsize 52 is not 64", "bad e_ehsize");

	len = build(b, &full64);
	set_eh(b, 64, E_PHENTSIZE, 55);
	expect_err(b, len, BOOT_AUTO, "guest.elf: offset 0x36: e_phentsize 55 is not 56",
		   "bad e_phentsize");
	len = build(b, &mb32);
	set_eh(b, 32, E_PHENTSIZE, 56);
	expect_fail(b, len, BOOT_AUTO, "e_phentsize 56 is not 32", "ELF32 with ELF64 e_phentsize");

	len = build(b, &full64);
	set_eh(b, 64, E_PHOFF, 0x10000);
	expect_err(b, len, BOOT_AUTO, "guest.elf: offset 0x20: e_phoff 0x10000 is past the end "
		   "of the file (0x2100 bytes)", "phoff past end");
	set_eh(b, 64, E_PHOFF, len);
	expect_fail(b, len, BOOT_AUTO, "program header table", "phoff at end of file");
	set_eh(b, 64, E_PHOFF, UINT64_MAX - 0x20);
	expect_fail(b, len, BOOT_AUTO, "overflows", "phoff + phnum * phentsize overflow");
	set_eh(b, 64, E_PHOFF, len - 2 * 56);
	expect_fail(b, len, BOOT_AUTO, "program header table", "table runs off the end");
	len = build(b, &mb32);
	set_eh(b, 32, E_PHOFF, 0xffffffff);
	expect_fail(b, len, BOOT_AUTO, "past the end", "ELF32 phoff 0xffffffff");

	len = build(b, &full64);
	set_eh(b, 64, E_PHNUM, 0);
	expect_err(b, len, BOOT_AUTO, "guest.elf: offset 0x38: no PT_LOAD segment", "e_phnum 0");
}

static void test_phdrs(void)
{
	uint8_t b[IMG_MAX];
	size_t len;

	len = build(b, &full64);
	set_ph(b, 64, 1, P_FILESZ, 0x10000);
	set_ph(b, 64, 1, P_MEMSZ, 0x10000);
	expect_err(b, len, BOOT_AUTO, "guest.elf: offset 0x80: PT_LOAD p_offset 0x2000 + p_filesz "
		   "0x10000 is past the end of the file (0x2100 bytes)", "segment past end of file");
	len = build(b, &full64);
	set_ph(b, 64, 0, P_OFFSET, UINT64_MAX - 8);
	expect_fail(b, len, BOOT_AUTO, "past the end of the file", "p_offset + p_filesz wraps");
	len = build(b, &mb32);
	set_ph(b, 32, 1, P_OFFSET, 0xffffff00);
	expect_fail(b, len, BOOT_AUTO, "past the end of the file", "ELF32 p_offset huge");

	len = build(b, &full64);
	set_ph(b, 64, 1, P_MEMSZ, DATA_FILESZ - 1);
	expect_fail(b, len, BOOT_AUTO, "p_filesz 0x100 > p_memsz 0xff", "filesz > memsz");

	len = build(b, &full64);
	set_ph(b, 64, 1, P_PADDR, MEM - 0x1000);
	expect_fail(b, len, BOOT_AUTO, "outside guest memory", "segment above guest memory");
	set_ph(b, 64, 1, P_PADDR, UINT64_MAX - 0xfff);
	expect_fail(b, len, BOOT_AUTO, "outside guest memory", "p_paddr + p_memsz wraps");
	len = build(b, &full64);
	set_ph(b, 64, 1, P_MEMSZ, UINT64_MAX);
	expect_fail(b, len, BOOT_AUTO, "outside guest memory", "p_memsz 2^64-1");
	len = build(b, &full64);
	{
		struct load_info li;
		char err[ERRLEN];
		int rc = parse_mem(b, len, 0x200000, BOOT_AUTO, &li, err);

		ok(rc == -1 && strstr(err, "outside guest memory (0x200000 bytes)"),
		   "data segment beyond a 2 MiB guest (%s)", err);
	}

	/* below 1 MiB only the VMM's ranges are refused (test_low_segments): here the hole */
	len = build(b, &full64);
	set_ph(b, 64, 0, P_PADDR, 0xff000);
	expect_err(b, len, BOOT_AUTO, "guest.elf: offset 0x58: PT_LOAD (program header 0) [0xff000, "
		   "0x100000) overlaps the EBDA and ROM hole [0x9f000, 0x100000)",
		   "segment below 1 MiB in the EBDA and ROM hole");

	len = build(b, &full64);
	set_ph(b, 64, 1, P_PADDR, TEXT_GPA + 0x800);
	expect_fail(b, len, BOOT_AUTO, "overlaps PT_LOAD [0x100000, 0x101000)",
		    "overlapping segments");
	/* data below text: the later header overlaps the earlier one by one byte */
	len = build(b, &plain64);
	set_ph(b, 64, 0, P_PADDR, 0x110000);
	set_eh(b, 64, E_ENTRY, 0x110020);
	set_ph(b, 64, 1, P_PADDR, 0x110000 - DATA_MEMSZ + 1);
	expect_fail(b, len, BOOT_AUTO, "overlaps", "overlap by one byte, reverse order");
	set_ph(b, 64, 1, P_PADDR, 0x110000 - DATA_MEMSZ);
	expect_ok(b, len, BOOT_AUTO, BOOT_ELF64, 0x110020, "adjacent segments do not overlap");

	len = build(b, &full64);
	set_ph(b, 64, 0, P_TYPE, 0);
	set_ph(b, 64, 1, P_TYPE, 6);
	expect_fail(b, len, BOOT_AUTO, "no PT_LOAD segment", "no PT_LOAD");

	len = build(b, &plain64);
	set_eh(b, 64, E_ENTRY, 0x400000);
	expect_err(b, len, BOOT_AUTO, "guest.elf: offset 0x18: elf64 entry 0x400000 is outside "
		   "every PT_LOAD segment", "entry outside segments");
	set_eh(b, 64, E_ENTRY, DATA_GPA + 0x10);
	expect_fail(b, len, BOOT_AUTO, "non-executable", "entry in a data segment");
	set_eh(b, 64, E_ENTRY, TEXT_GPA + TEXT_SZ);
	expect_fail(b, len, BOOT_AUTO, "outside every PT_LOAD", "entry one past the text end");
	len = build(b, &full64);
	waddr(b, 64, PVH_NOTE + 16, 0x300000);
	expect_fail(b, len, BOOT_AUTO, "pvh entry 0x300000 is outside", "PVH entry outside");
	len = build(b, &full64);
	w32(b, MB_OFF + 28, 0x50);
	expect_fail(b, len, BOOT_MULTIBOOT, "multiboot entry 0x50 is outside",
		    "multiboot entry outside");
	expect_ok(b, len, BOOT_AUTO, BOOT_PVH, PVH_ENTRY, "bad multiboot entry irrelevant to PVH");

	/* above 4 GiB nothing is reachable by a 32-bit entry or the identity map */
	len = build(b, &plain64);
	set_ph(b, 64, 1, P_PADDR, UINT64_C(0x100000000));
	{
		struct load_info li;
		char err[ERRLEN];
		int rc = parse_mem(b, len, UINT64_C(8) << 30, BOOT_AUTO, &li, err);

		ok(rc == -1 && strstr(err, "not below 4 GiB"), "segment above 4 GiB (%s)", err);
	}
}

static void test_notes(void)
{
	uint8_t b[IMG_MAX];
	size_t len;

	len = build(b, &full64);
	w32(b, PVH_NOTE + 4, 0x100);
	expect_err(b, len, BOOT_AUTO, "guest.elf: offset 0x204: note descsz 0x100 runs past the "
		   "end of the PT_NOTE segment at 0x200", "PVH note with truncated desc");
	w32(b, PVH_NOTE + 4, 0xffffffff);
	expect_fail(b, len, BOOT_AUTO, "descsz 0xffffffff runs past", "descsz 2^32-1");

	len = build(b, &full64);
	w32(b, PVH_NOTE, 0xffffffff);
	expect_err(b, len, BOOT_AUTO, "guest.elf: offset 0x200: note namesz 0xffffffff runs past "
		   "the end of the PT_NOTE segment at 0x200", "PVH note namesz overflow");
	w32(b, PVH_NOTE, 0xfffffffd);
	expect_fail(b, len, BOOT_AUTO, "namesz", "namesz that wraps when aligned");

	len = build(b, &full64);
	w32(b, PVH_NOTE + 4, 5);
	expect_fail(b, len, BOOT_AUTO, "descsz 5 is not 4 or 8", "PVH desc of 5 bytes");

	len = build(b, &full64);
	w64(b, PVH_NOTE + 16, UINT64_C(0x100100000));
	expect_fail(b, len, BOOT_AUTO, "not a 32-bit address", "PVH entry above 4 GiB");

	len = build(b, &full64);
	set_ph(b, 64, 2, P_FILESZ, 0x10000);
	expect_fail(b, len, BOOT_AUTO, "PT_NOTE p_offset 0x200", "PT_NOTE past end of file");

	/* a trailing partial note header is not a note */
	len = build(b, &full64);
	set_ph(b, 64, 2, P_FILESZ, 20 + 36 + 8);
	expect_ok(b, len, BOOT_AUTO, BOOT_PVH, PVH_ENTRY, "PT_NOTE with 8 trailing bytes");
	/* a non-Xen note of type 18 is ignored */
	len = build(b, &full64);
	memcpy(b + PVH_NOTE + 12, "Xyz", 4);
	expect_ok(b, len, BOOT_AUTO, BOOT_MULTIBOOT, MB_ENTRY, "type 18 from another owner");
}

static void test_multiboot(void)
{
	uint8_t b[IMG_MAX];
	size_t len;

	len = build(b, &mb32);
	w32(b, MB_OFF + 8, 0x12345678);
	expect_err(b, len, BOOT_AUTO, "guest.elf: offset 0x1008: no boot protocol: multiboot magic "
		   "has a bad checksum 0x12345678", "multiboot bad checksum (auto)");
	expect_fail(b, len, BOOT_MULTIBOOT, "bad checksum", "multiboot bad checksum (explicit)");

	len = build(b, &mb32);
	put_multiboot(b, 2 | 4);
	expect_fail(b, len, BOOT_AUTO, "video mode", "multiboot video flag");
	put_multiboot(b, 2 | 0x20);
	expect_fail(b, len, BOOT_AUTO, "unsupported required bits 0x20", "multiboot bit 5");
	put_multiboot(b, 3 | 0x80000);
	expect_ok(b, len, BOOT_AUTO, BOOT_MULTIBOOT, ELF_ENTRY, "optional high flag bits ignored");

	/* the header must start 4-aligned inside the first 8 KiB */
	len = build(b, &mb32);
	memmove(b + MB_OFF + 2, b + MB_OFF, 12);
	expect_fail(b, len, BOOT_AUTO, "no boot protocol", "misaligned multiboot header");
	len = build(b, &(struct opts){ 32, false, false, false, false });
	{
		uint8_t big[0x2100 + 0x1000];

		memcpy(big, b, len);
		memset(big + len, 0, sizeof(big) - len);
		put_multiboot(big + 0x1100, 3);	/* header at 0x2100: past 8 KiB */
		expect_fail(big, sizeof(big), BOOT_AUTO, "no boot protocol",
			    "multiboot header beyond 8 KiB");
		/* last 12 bytes of the window: found; 4 bytes later: not */
		memset(big + 0x2100, 0, 32);
		put_multiboot(big + 0x1ff4 - MB_OFF, 3);
		expect_ok(big, sizeof(big), BOOT_AUTO, BOOT_MULTIBOOT, ELF_ENTRY,
			  "multiboot header ending exactly at 8 KiB");
		memset(big + 0x1ff4, 0, 12);
		put_multiboot(big + 0x1ff8 - MB_OFF, 3);
		expect_fail(big, sizeof(big), BOOT_AUTO, "no boot protocol",
			    "multiboot header straddling 8 KiB");
	}

	/* the a.out fields must also lie inside the search window */
	len = build(b, &(struct opts){ 64, false, false, false, false });
	put_multiboot(b + 0x1ff0 - MB_OFF, 2 | MULTIBOOT_FLAG_AOUT_KLUDGE);
	expect_fail(b, len, BOOT_MULTIBOOT, "a.out kludge is truncated",
		    "a.out header cut by the 8 KiB window");
	/* the a.out header without a.out: e_entry of ELF64 must be 32-bit */
	len = build(b, &(struct opts){ 64, false, true, false, false });
	expect_ok(b, len, BOOT_MULTIBOOT, BOOT_MULTIBOOT, ELF_ENTRY, "ELF64 multiboot at e_entry");
}

static void test_copy(void)
{
	const uint64_t size = 4 << 20;
	uint8_t b[IMG_MAX];
	struct gmem m = { malloc(size), size };
	struct load_info li;
	char err[ERRLEN];
	size_t len = build(b, &full64);
	bool zero = true;
	int rc;

	ok(parse_mem(b, len, size, BOOT_AUTO, &li, err) == 0, "parse for copy");
	memset(m.base, 0xaa, size);
	rc = loader__copy(b, len, &li, &m, err, ERRLEN);
	ok(rc == 0, "copy (%s)", rc ? err : "ok");
	ok(!memcmp(m.base + TEXT_GPA, b + TEXT_OFF, TEXT_SZ), "text copied");
	ok(!memcmp(m.base + DATA_GPA, b + DATA_OFF, DATA_FILESZ), "data copied");
	for (uint64_t i = DATA_FILESZ; i < DATA_MEMSZ; i++)
		zero &= m.base[DATA_GPA + i] == 0;
	ok(zero, "bss zeroed");
	ok(m.base[DATA_GPA + DATA_MEMSZ] == 0xaa && m.base[TEXT_GPA - 1] == 0xaa &&
	   m.base[TEXT_GPA + TEXT_SZ] == 0xaa, "nothing written outside the segments");

	m.size = 0x200000;
	rc = loader__copy(b, len, &li, &m, err, ERRLEN);
	ok(rc == -1 && strstr(err, "outside guest memory") && !strchr(err, '\n'),
	   "copy into too small a guest rejected (%s)", err);
	m.size = size;
	rc = loader__copy(b, DATA_OFF + 0x10, &li, &m, err, ERRLEN);
	ok(rc == -1 && strstr(err, "outside the"), "copy from a shorter buffer rejected (%s)",
	   err);
	free(m.base);
}

static uint8_t *gpa(const struct gmem *m, uint64_t a)
{
	return m->base + a;
}

static void test_boot_info(void)
{
	const uint64_t size = 4 << 20;
	struct gmem m = { calloc(1, size), size };
	uint8_t b[IMG_MAX];
	struct load_info li;
	struct hvm_start_info si;
	struct hvm_memmap_table_entry mm[2];
	struct multiboot_info mi;
	char err[ERRLEN], *longcmd;
	size_t len;
	bool good;
	int rc;

	len = build(b, &full64);
	parse_mem(b, len, size, BOOT_AUTO, &li, err);
	memset(m.base, 0xaa, size);
	rc = loader__write_boot_info(&li, &m, "console=ttyS0 quiet", err, ERRLEN);
	ok(rc == 0, "PVH boot info (%s)", rc ? err : "ok");
	memcpy(&si, gpa(&m, IVM_BOOT_INFO_GPA), sizeof(si));
	is_u64(si.magic, XEN_HVM_START_MAGIC_VALUE, "hvm_start_info magic");
	is_u64(si.version, 1, "hvm_start_info version");
	ok(si.flags == 0 && si.nr_modules == 0 && si.modlist_paddr == 0 && si.rsdp_paddr == 0 &&
	   si.reserved == 0, "no modules, no RSDP");
	is_u64(si.cmdline_paddr, IVM_CMDLINE_GPA, "cmdline_paddr");
	is_u64(si.memmap_paddr, IVM_BOOT_INFO_GPA + sizeof(si), "memmap right after the struct");
	is_u64(si.memmap_entries, 2, "two memmap entries");
	memcpy(mm, gpa(&m, si.memmap_paddr), sizeof(mm));
	ok(mm[0].addr == 0 && mm[0].size == 0x9f000 && mm[0].type == 1, "low RAM entry");
	ok(mm[1].addr == 0x100000 && mm[1].size == size - 0x100000 && mm[1].type == 1,
	   "high RAM entry");
	ok(!strcmp((char *)gpa(&m, IVM_CMDLINE_GPA), "console=ttyS0 quiet"), "cmdline written");
	ok(*gpa(&m, IVM_BOOT_PT_GPA) == 0xaa && *gpa(&m, IVM_BOOT_GDT_GPA) == 0xaa,
	   "PVH builds no page tables or GDT");

	len = build(b, &mb32);
	parse_mem(b, len, size, BOOT_AUTO, &li, err);
	rc = loader__write_boot_info(&li, &m, "mb", err, ERRLEN);
	ok(rc == 0, "multiboot boot info (%s)", rc ? err : "ok");
	memcpy(&mi, gpa(&m, IVM_BOOT_INFO_GPA), sizeof(mi));
	is_u64(mi.flags, MULTIBOOT_INFO_MEMORY | MULTIBOOT_INFO_CMDLINE, "multiboot flags");
	is_u64(mi.mem_lower, 639, "mem_lower");
	is_u64(mi.mem_upper, (size - 0x100000) / 1024, "mem_upper");
	is_u64(mi.cmdline, IVM_CMDLINE_GPA, "multiboot cmdline");
	ok(mi.mods_count == 0 && mi.mmap_length == 0 && mi.boot_device == 0, "rest zeroed");
	ok(!strcmp((char *)gpa(&m, IVM_CMDLINE_GPA), "mb"), "multiboot cmdline string");

	len = build(b, &plain64);
	parse_mem(b, len, size, BOOT_AUTO, &li, err);
	memset(m.base, 0xaa, size);
	rc = loader__write_boot_info(&li, &m, NULL, err, ERRLEN);
	ok(rc == 0, "elf64 boot info, NULL cmdline (%s)", rc ? err : "ok");
	ok(*gpa(&m, IVM_CMDLINE_GPA) == 0, "NULL cmdline is empty");
	memcpy(&si, gpa(&m, IVM_BOOT_INFO_GPA), sizeof(si));
	ok(si.magic == XEN_HVM_START_MAGIC_VALUE && si.memmap_entries == 2,
	   "elf64 also gets an hvm_start_info");
	ok(r64(gpa(&m, IVM_BOOT_GDT_GPA)) == 0 && r64(gpa(&m, IVM_BOOT_GDT_GPA + 8)) == 0,
	   "GDT null and 0x08 entries");
	is_u64(r64(gpa(&m, IVM_BOOT_GDT_GPA + 0x10)), 0x00af9b000000ffffull, "GDT 0x10 code64");
	is_u64(r64(gpa(&m, IVM_BOOT_GDT_GPA + 0x18)), 0x00cf93000000ffffull, "GDT 0x18 data");
	is_u64(r64(gpa(&m, IVM_BOOT_PT_GPA)), IVM_BOOT_PT_GPA + 0x1003, "PML4[0] -> PDPT, P|RW");
	good = true;
	for (int i = 1; i < 512; i++)
		good &= r64(gpa(&m, IVM_BOOT_PT_GPA + 8 * i)) == 0;
	ok(good, "PML4[1..511] empty");
	for (int i = 0; i < 4; i++)
		is_u64(r64(gpa(&m, IVM_BOOT_PT_GPA + 0x1000 + 8 * i)),
		       IVM_BOOT_PT_GPA + 0x2000 + 0x1000 * i + 3, "PDPT[%d] -> PD %d, P|RW", i, i);
	good = true;
	for (int i = 4; i < 512; i++)
		good &= r64(gpa(&m, IVM_BOOT_PT_GPA + 0x1000 + 8 * i)) == 0;
	ok(good, "PDPT[4..511] empty");
	good = true;
	for (uint64_t i = 0; i < 2048; i++)
		good &= r64(gpa(&m, IVM_BOOT_PT_GPA + 0x2000 + 8 * i)) == ((i << 21) | 0x83);
	ok(good, "2048 PDEs identity-map 0..4 GiB in 2 MiB pages (P|RW|PS)");
	is_u64(r64(gpa(&m, IVM_BOOT_PT_GPA + 0x5ff8)), 0xffe00083, "last PDE maps 4 GiB - 2 MiB");

	longcmd = malloc(IVM_CMDLINE_MAX + 1);
	memset(longcmd, 'a', IVM_CMDLINE_MAX);
	longcmd[IVM_CMDLINE_MAX] = '\0';
	rc = loader__write_boot_info(&li, &m, longcmd, err, ERRLEN);
	ok(rc == -1 && strstr(err, "command line is 4096 bytes"), "cmdline too long (%s)", err);
	longcmd[IVM_CMDLINE_MAX - 1] = '\0';
	rc = loader__write_boot_info(&li, &m, longcmd, err, ERRLEN);
	ok(rc == 0 && strlen((char *)gpa(&m, IVM_CMDLINE_GPA)) == IVM_CMDLINE_MAX - 1,
	   "cmdline of IVM_CMDLINE_MAX-1 bytes fits");
	free(longcmd);

	/* hand-made info: a segment over the page tables must not be clobbered */
	memset(&li, 0, sizeof(li));
	li.proto = BOOT_ELF64;
	li.nsegs = 1;
	li.segs[0] = (struct load_seg){ .gpa = IVM_BOOT_PT_GPA + 0x3000, .memsz = 0x10 };
	rc = loader__write_boot_info(&li, &m, "", err, ERRLEN);
	ok(rc == -1 && strstr(err, "page tables") && strstr(err, "overlaps"),
	   "page tables over a segment rejected (%s)", err);
	li.segs[0].gpa = IVM_CMDLINE_GPA + 0xfff;
	li.proto = BOOT_MULTIBOOT;
	rc = loader__write_boot_info(&li, &m, "", err, ERRLEN);
	ok(rc == -1 && strstr(err, "command line") && strstr(err, "overlaps"),
	   "cmdline over a segment rejected (%s)", err);
	li.nsegs = 0;
	li.proto = BOOT_AUTO;
	rc = loader__write_boot_info(&li, &m, "", err, ERRLEN);
	ok(rc == -1 && strstr(err, "not resolved"), "unresolved protocol rejected (%s)", err);
	li.proto = BOOT_ELF64;
	m.size = 0x100000;
	rc = loader__write_boot_info(&li, &m, "", err, ERRLEN);
	ok(rc == -1 && strstr(err, "not above 1 MiB"), "1 MiB guest rejected (%s)", err);
	free(m.base);
}

/* One line, no newline, that fits the buffer. */
static bool no_newline(const char *err)
{
	return err[0] && !strchr(err, '\n') && strlen(err) < ERRLEN;
}

/* --initrd: module 0's place (loader__place_module) and its hand-off, each protocol. */
static void test_modules(void)
{
	const uint64_t size = 4 << 20;
	struct gmem m = { calloc(1, size), size };
	static const uint8_t data[] = "MOD0 env\n";
	struct boot_module mod = { data, sizeof(data) - 1, "/tmp/env.1", 0 };
	struct hvm_start_info si;
	struct multiboot_info mi;
	struct load_info li;
	uint32_t mbmod[4];
	uint64_t hvmmod[4];
	uint8_t b[IMG_MAX];
	char err[ERRLEN], *longname;
	size_t len;
	int rc;

	/* the image: text [1 MiB, +0x1000), data [2 MiB, +0x3000): the page after is 0x203000 */
	len = build(b, &mb32);
	parse_mem(b, len, size, BOOT_AUTO, &li, err);
	rc = loader__place_module(&li, size, &mod, err, ERRLEN);
	ok(rc == 0, "module placed (%s)", rc ? err : "ok");
	is_u64(mod.gpa, 0x203000, "module at the first page after the kernel's last byte");
	mod.len = size - 0x203000;
	rc = loader__place_module(&li, size, &mod, err, ERRLEN);
	ok(rc == 0 && mod.gpa == 0x203000, "a module up to the end of RAM fits (%s)", rc ? err : "ok");
	mod.len++;
	rc = loader__place_module(&li, size, &mod, err, ERRLEN);
	ok(rc == -1 && no_newline(err) && strstr(err, "/tmp/env.1: 0x1fd001 bytes do not fit") &&
	   strstr(err, "0x1fd000 bytes free after the kernel"),
	   "a module one byte too big: one line naming it (%s)", err);

	/* a kernel at the top of RAM: the module goes below it, at 1 MiB */
	{
		struct load_info hi = { .proto = BOOT_MULTIBOOT, .nsegs = 1, .lo = 0x300000,
					.hi = 0x3ff000 };

		hi.segs[0] = (struct load_seg){ .gpa = 0x300000, .memsz = 0xff000 };
		mod.len = 0x2000;
		rc = loader__place_module(&hi, size, &mod, err, ERRLEN);
		ok(rc == 0 && mod.gpa == 0x100000, "no room after the kernel: at 1 MiB, below it (%s)",
		   rc ? err : "ok");
		mod.len = 0x200001;
		rc = loader__place_module(&hi, size, &mod, err, ERRLEN);
		ok(rc == -1 && strstr(err, "0x200000 below it"), "too big for below it too (%s)", err);
	}
	/* never at or above 4 GiB: the multiboot fields are 32 bits */
	mod.len = (UINT64_C(1) << 32) - 0x203000;
	rc = loader__place_module(&li, UINT64_C(8) << 30, &mod, err, ERRLEN);
	ok(rc == 0 && mod.gpa == 0x203000, "an 8 GiB guest: a module up to 4 GiB fits");
	mod.len++;
	rc = loader__place_module(&li, UINT64_C(8) << 30, &mod, err, ERRLEN);
	ok(rc == -1 && strstr(err, "do not fit"), "nor one byte past 4 GiB (%s)", err);
	longname = malloc(LOADER_MODSTR_MAX + 1);
	memset(longname, 'n', LOADER_MODSTR_MAX);
	longname[LOADER_MODSTR_MAX] = '\0';
	mod.name = longname;
	mod.len = 1;
	rc = loader__place_module(&li, size, &mod, err, ERRLEN);
	ok(rc == -1 && no_newline(err) && strstr(err, "the module's name is 1024 bytes"),
	   "a name too long for the module's string (%s)", err);
	longname[LOADER_MODSTR_MAX - 1] = '\0';
	rc = loader__place_module(&li, size, &mod, err, ERRLEN);
	ok(rc == 0, "a name of LOADER_MODSTR_MAX-1 bytes fits (%s)", rc ? err : "ok");
	free(longname);

	/* multiboot: flags bit 3, mods_count 1, the list entry, the bytes, the string */
	mod = (struct boot_module){ data, sizeof(data) - 1, "/tmp/env.1", 0 };
	loader__place_module(&li, size, &mod, err, ERRLEN);
	memset(m.base, 0xaa, size);
	rc = loader__write_boot_info_mod(&li, &m, "mb", &mod, err, ERRLEN);
	ok(rc == 0, "multiboot boot info with a module (%s)", rc ? err : "ok");
	memcpy(&mi, gpa(&m, IVM_BOOT_INFO_GPA), sizeof(mi));
	is_u64(mi.flags, MULTIBOOT_INFO_MEMORY | MULTIBOOT_INFO_CMDLINE | (1u << 3),
	       "multiboot flags: mods valid (bit 3)");
	is_u64(mi.mods_count, 1, "mods_count 1");
	ok(mi.mods_addr > IVM_BOOT_INFO_GPA + sizeof(mi) && mi.mods_addr + 16 <= IVM_CMDLINE_GPA,
	   "the module list is in the boot info's page, after the info");
	memcpy(mbmod, gpa(&m, mi.mods_addr), sizeof(mbmod));
	is_u64(mbmod[0], 0x203000, "mod_start");
	is_u64(mbmod[1], 0x203000 + sizeof(data) - 1, "mod_end: start + the file's size");
	ok(mbmod[2] && !strcmp((char *)gpa(&m, mbmod[2]), "/tmp/env.1"), "the module's string");
	is_u64(mbmod[3], 0, "reserved 0");
	ok(!memcmp(gpa(&m, 0x203000), data, sizeof(data) - 1), "module 0's bytes in RAM");
	ok(*gpa(&m, 0x203000 + sizeof(data) - 1) == 0xaa, "nothing written past its end");
	ok(!strcmp((char *)gpa(&m, IVM_CMDLINE_GPA), "mb"), "the command line intact");

	/* PVH and ELF64 (whose RSI is an hvm_start_info too): the modlist */
	for (int pass = 0; pass < 2; pass++) {
		const char *what = pass ? "elf64" : "pvh";

		len = build(b, pass ? &plain64 : &full64);
		parse_mem(b, len, size, BOOT_AUTO, &li, err);
		loader__place_module(&li, size, &mod, err, ERRLEN);
		memset(m.base, 0xaa, size);
		rc = loader__write_boot_info_mod(&li, &m, "pvh", &mod, err, ERRLEN);
		ok(rc == 0, "%s boot info with a module (%s)", what, rc ? err : "ok");
		memcpy(&si, gpa(&m, IVM_BOOT_INFO_GPA), sizeof(si));
		is_u64(si.nr_modules, 1, "%s: nr_modules 1", what);
		ok(si.modlist_paddr >= IVM_BOOT_INFO_GPA + sizeof(si) + 2 * 24 &&
		   si.modlist_paddr + 32 <= IVM_CMDLINE_GPA, "%s: modlist after the memory map", what);
		memcpy(hvmmod, gpa(&m, si.modlist_paddr), sizeof(hvmmod));
		is_u64(hvmmod[0], mod.gpa, "%s: modlist paddr", what);
		is_u64(hvmmod[1], sizeof(data) - 1, "%s: modlist size", what);
		ok(!strcmp((char *)gpa(&m, hvmmod[2]), "/tmp/env.1"), "%s: modlist cmdline", what);
		ok(!memcmp(gpa(&m, mod.gpa), data, sizeof(data) - 1), "%s: module 0's bytes", what);
		is_u64(si.memmap_entries, 2, "%s: the memory map still there", what);
	}

	/* a module put where it must not go: one line each */
	mod.gpa = 0x200000;
	rc = loader__write_boot_info_mod(&li, &m, "", &mod, err, ERRLEN);
	ok(rc == -1 && no_newline(err) && strstr(err, "module 0") && strstr(err, "overlaps"),
	   "a module over a segment rejected (%s)", err);
	mod.gpa = IVM_BOOT_PT_GPA;
	rc = loader__write_boot_info_mod(&li, &m, "", &mod, err, ERRLEN);
	ok(rc == -1 && strstr(err, "not between 1 MiB and 4 GiB"),
	   "a module over the page tables (below 1 MiB) rejected (%s)", err);
	mod.gpa = size - 4;
	rc = loader__write_boot_info_mod(&li, &m, "", &mod, err, ERRLEN);
	ok(rc == -1 && strstr(err, "outside guest memory"), "a module past the end of RAM rejected (%s)",
	   err);
	mod = (struct boot_module){ NULL, 0, "", 0 };
	loader__place_module(&li, size, &mod, err, ERRLEN);
	rc = loader__write_boot_info_mod(&li, &m, "", &mod, err, ERRLEN);
	memcpy(&si, gpa(&m, IVM_BOOT_INFO_GPA), sizeof(si));
	memcpy(hvmmod, gpa(&m, si.modlist_paddr), sizeof(hvmmod));
	ok(rc == 0 && si.nr_modules == 1 && hvmmod[1] == 0 && *gpa(&m, hvmmod[2]) == 0,
	   "an empty module with an empty name: listed, 0 bytes (%s)", rc ? err : "ok");
	free(m.base);
}

/* A kernel whose text (program header 0) is at @text_gpa with its entry 0x20 into it. */
static size_t build_low(uint8_t *b, const struct opts *o, uint64_t text_gpa)
{
	size_t len = build(b, o);

	set_ph(b, o->cls, 0, P_VADDR, text_gpa);
	set_ph(b, o->cls, 0, P_PADDR, text_gpa);
	set_eh(b, o->cls, E_ENTRY, text_gpa + 0x20);
	if (o->pvh)
		waddr(b, o->cls == 64 ? 64 : 32, PVH_NOTE + 16, text_gpa + 0x20);
	return len;
}

/* Segments below 1 MiB: anywhere the VMM writes nothing for the chosen protocol. */
static void test_low_segments(void)
{
	static const struct opts pvh64 = { 64, true, false, false, false };
	static const struct opts pvh32 = { 32, true, false, false, false };
	static const struct {
		const struct opts *o;
		enum boot_proto proto;
		const char *what;
	} ok_at_8000[] = {
		{ &mb32, BOOT_MULTIBOOT, "multiboot ELF32" },
		{ &pvh64, BOOT_PVH, "PVH ELF64" },
		{ &pvh32, BOOT_PVH, "PVH ELF32" },
	};
	const uint64_t size = 4 << 20;
	struct gmem m = { calloc(1, size), size };
	static const uint8_t data[] = "MOD0";
	struct boot_module mod = { data, sizeof(data) - 1, "env", 0 };
	uint8_t b[IMG_MAX];
	struct load_info li;
	char err[ERRLEN];
	size_t len;
	int rc;

	/* a real-mode test image's place: 0x8000, its bytes land there */
	for (unsigned k = 0; k < sizeof(ok_at_8000) / sizeof(ok_at_8000[0]); k++) {
		const char *what = ok_at_8000[k].what;

		len = build_low(b, ok_at_8000[k].o, 0x8000);
		expect_ok(b, len, BOOT_AUTO, ok_at_8000[k].proto, 0x8020, what);
		rc = parse_mem(b, len, size, BOOT_AUTO, &li, err);
		memset(m.base, 0xaa, size);
		if (!rc)
			rc = loader__copy(b, len, &li, &m, err, ERRLEN);
		if (!rc)
			rc = loader__write_boot_info(&li, &m, "low", err, ERRLEN);
		ok(rc == 0 && li.lo == 0x8000 && !memcmp(gpa(&m, 0x8000), b + TEXT_OFF, TEXT_SZ) &&
		   *gpa(&m, 0x8000 + TEXT_SZ) == 0xaa, "%s at 0x8000: copied there, boot info "
		   "written (%s)", what, rc ? err : "ok");
		ok(!strcmp((char *)gpa(&m, IVM_CMDLINE_GPA), "low"), "%s: command line beside it",
		   what);
	}
	len = build_low(b, &mb32, 0x8000);
	expect_ok(b, len, BOOT_MULTIBOOT, BOOT_MULTIBOOT, 0x8020, "multiboot at 0x8000, asked for");

	/* the plain ELF64 boot: the VMM's GDT and page tables are there */
	len = build_low(b, &plain64, 0x8000);
	expect_err(b, len, BOOT_AUTO, "guest.elf: offset 0x58: PT_LOAD (program header 0) [0x8000, "
		   "0x9000) overlaps the elf64 boot's GDT [0x8000, 0x8020)",
		   "elf64 segment on the GDT");
	len = build_low(b, &pvh64, 0x8000);
	expect_fail(b, len, BOOT_ELF64, "overlaps the elf64 boot's GDT",
		    "PVH image at 0x8000 booted as elf64");
	len = build_low(b, &plain64, 0x7fe0);
	expect_fail(b, len, BOOT_AUTO, "overlaps the boot info and command line",
		    "elf64 segment over the command line's end and the GDT");
	len = build_low(b, &plain64, 0x9000);
	expect_ok(b, len, BOOT_AUTO, BOOT_ELF64, 0x9020, "elf64 segment just past the GDT");
	len = build_low(b, &plain64, 0x15000);
	expect_err(b, len, BOOT_AUTO, "guest.elf: offset 0x58: PT_LOAD (program header 0) [0x15000, "
		   "0x16000) overlaps the elf64 boot's page tables [0x10000, 0x16000)",
		   "elf64 segment on the page tables' last page");
	len = build_low(b, &plain64, 0x16000);
	expect_ok(b, len, BOOT_AUTO, BOOT_ELF64, 0x16020, "elf64 segment just past the page tables");
	len = build_low(b, &mb32, 0x10000);
	expect_ok(b, len, BOOT_AUTO, BOOT_MULTIBOOT, 0x10020,
		  "multiboot segment where elf64's page tables would be");

	/* the boot info and command line, every protocol */
	len = build(b, &mb32);
	set_ph(b, 32, 1, P_PADDR, 0x6800);
	set_ph(b, 32, 1, P_MEMSZ, 0x900);
	expect_err(b, len, BOOT_AUTO, "guest.elf: offset 0x60: PT_LOAD (program header 1) [0x6800, "
		   "0x7100) overlaps the boot info and command line [0x6000, 0x8000)",
		   "multiboot data over the boot info");
	set_ph(b, 32, 1, P_PADDR, 0x5000);
	set_ph(b, 32, 1, P_MEMSZ, 0x1001);
	expect_fail(b, len, BOOT_AUTO, "overlaps the boot info", "one byte into the boot info");
	set_ph(b, 32, 1, P_MEMSZ, 0x1000);
	expect_ok(b, len, BOOT_AUTO, BOOT_MULTIBOOT, ELF_ENTRY, "data ending at the boot info");
	len = build_low(b, &pvh64, 0x7fff);
	expect_fail(b, len, BOOT_AUTO, "overlaps the boot info and command line",
		    "PVH text on the command line's last byte");

	/* the real-mode IVT and BIOS data area */
	len = build_low(b, &mb32, 0);
	expect_err(b, len, BOOT_AUTO, "guest.elf: offset 0x40: PT_LOAD (program header 0) [0x0, "
		   "0x1000) overlaps the real-mode IVT and BIOS data area [0x0, 0x500)",
		   "multiboot text at 0");
	len = build(b, &mb32);
	set_ph(b, 32, 1, P_PADDR, 0x4ff);
	set_ph(b, 32, 1, P_MEMSZ, 0x100);
	expect_fail(b, len, BOOT_AUTO, "IVT and BIOS data area [0x0, 0x500)", "data at 0x4ff");
	set_ph(b, 32, 1, P_PADDR, IVM_KERNEL_MIN_GPA);
	expect_ok(b, len, BOOT_AUTO, BOOT_MULTIBOOT, ELF_ENTRY, "data at IVM_KERNEL_MIN_GPA");

	/* the hole the memory map leaves between conventional RAM and 1 MiB */
	set_ph(b, 32, 1, P_PADDR, 0x9f000 - 0x100);
	expect_ok(b, len, BOOT_AUTO, BOOT_MULTIBOOT, ELF_ENTRY, "data ending at the EBDA");
	set_ph(b, 32, 1, P_PADDR, 0x9f000 - 0xff);
	expect_fail(b, len, BOOT_AUTO, "EBDA and ROM hole", "data one byte into the EBDA");

	/* --initrd: after the kernel's last byte, never beside a low segment */
	len = build_low(b, &mb32, 0x8000);
	parse_mem(b, len, size, BOOT_AUTO, &li, err);
	rc = loader__place_module(&li, size, &mod, err, ERRLEN);
	ok(rc == 0 && mod.gpa == 0x203000, "low text, high data: module after the data (%s)",
	   rc ? err : "ok");
	set_ph(b, 32, 1, P_PADDR, 0x20000);
	parse_mem(b, len, size, BOOT_AUTO, &li, err);
	rc = loader__place_module(&li, size, &mod, err, ERRLEN);
	ok(rc == 0 && mod.gpa == 0x100000, "a kernel wholly below 1 MiB: module at 1 MiB (%s)",
	   rc ? err : "ok");
	memset(m.base, 0xaa, size);
	rc = loader__copy(b, len, &li, &m, err, ERRLEN);
	if (!rc)
		rc = loader__write_boot_info_mod(&li, &m, "", &mod, err, ERRLEN);
	ok(rc == 0 && !memcmp(gpa(&m, 0x100000), data, sizeof(data) - 1) &&
	   !memcmp(gpa(&m, 0x8000), b + TEXT_OFF, TEXT_SZ),
	   "module at 1 MiB, the low text intact (%s)", rc ? err : "ok");
	{
		/* low text at 0x8000, high text at the top of RAM: the module goes at 1 MiB */
		struct load_info two = { .proto = BOOT_MULTIBOOT, .nsegs = 2, .lo = 0x8000,
					 .hi = 0x3ff000 };

		two.segs[0] = (struct load_seg){ .gpa = 0x8000, .memsz = 0x1000 };
		two.segs[1] = (struct load_seg){ .gpa = 0x300000, .memsz = 0xff000 };
		mod.len = 0x2000;
		rc = loader__place_module(&two, size, &mod, err, ERRLEN);
		ok(rc == 0 && mod.gpa == 0x100000, "no room after: at 1 MiB, not beside the low "
		   "segment (%s)", rc ? err : "ok");
		mod.len = 0x200001;
		rc = loader__place_module(&two, size, &mod, err, ERRLEN);
		ok(rc == -1 && no_newline(err) && strstr(err, "0x200000 below it"),
		   "room below counts from 1 MiB, not the low segment (%s)", err);
	}
	free(m.base);
}

static void test_names(void)
{
	static const char *names[] = { "auto", "pvh", "multiboot", "elf64" };
	enum boot_proto p;
	bool good = true;

	for (int i = 0; i < 4; i++) {
		good &= !strcmp(boot_proto__name((enum boot_proto)i), names[i]);
		good &= boot_proto__parse(names[i], &p) == 0 && p == (enum boot_proto)i;
	}
	ok(good, "boot_proto__name/parse round trip");
	ok(boot_proto__parse("PVH", &p) == -1 && boot_proto__parse("", &p) == -1 &&
	   boot_proto__parse("elf", &p) == -1, "unknown protocol names rejected");
}

/* xorshift64: fixed seed, so a failure reproduces. */
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
	static const struct opts *imgs[] = { &full64, &mb32, &plain64 };
	const uint64_t size = 4 << 20;
	static uint8_t ref[3][IMG_MAX];
	size_t reflen[3];
	struct gmem m = { calloc(1, size), size };
	unsigned accepted = 0, bad = 0, iters = 20000;
	char first_bad[ERRLEN + 64] = "";

	for (int k = 0; k < 3; k++)
		reflen[k] = build(ref[k], imgs[k]);
	for (unsigned it = 0; it < iters; it++) {
		unsigned k = rnd() % 3, flips = 1 + rnd() % 8;
		size_t len = reflen[k];
		uint8_t *b = malloc(len);
		struct load_info li;
		char err[ERRLEN];
		int rc;

		memcpy(b, ref[k], len);
		for (unsigned f = 0; f < flips; f++) {
			/* mostly headers and notes, where the parser looks */
			size_t at = rnd() % 4 ? rnd() % 0x260 : rnd() % len;

			if (rnd() % 2)
				b[at] ^= 1u << (rnd() % 8);
			else
				b[at] = rnd();
		}
		if (rnd() % 4 == 0)
			len = rnd() % (len + 1);
		memset(err, 'x', sizeof(err));
		rc = loader__parse(b, len, "guest.elf", size, (enum boot_proto)(rnd() % 4), &li,
				   err, sizeof(err));
		if (rc == 0) {
			accepted++;
			/* whatever parse accepts must copy and hand off cleanly */
			if (loader__copy(b, len, &li, &m, err, sizeof(err)) ||
			    loader__write_boot_info(&li, &m, "x", err, sizeof(err)) ||
			    li.entry < li.lo || li.entry >= li.hi || !li.nsegs) {
				if (!bad++)
					snprintf(first_bad, sizeof(first_bad),
						 "iteration %u accepted but: %s", it, err);
			}
		} else if (rc != -1 || !no_newline(err)) {
			if (!bad++) {
				err[ERRLEN - 1] = '\0';
				snprintf(first_bad, sizeof(first_bad), "iteration %u rc %d: %s",
					 it, rc, err);
			}
		}
		free(b);
	}
	if (!ok(bad == 0, "fuzz: %u mutated images, %u accepted, all others one-line errors",
		iters, accepted))
		printf("#   %u bad, first: %s\n", bad, first_bad);
	ok(accepted > 0 && accepted < iters, "fuzz exercised both outcomes");
	free(m.base);
}

int main(void)
{
	test_valid();
	test_seg_limits();
	test_truncated();
	test_ehdr();
	test_phdrs();
	test_notes();
	test_multiboot();
	test_copy();
	test_boot_info();
	test_modules();
	test_low_segments();
	test_names();
	test_fuzz();
	return tap_done();
}
