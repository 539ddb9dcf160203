// SPDX-License-Identifier: MIT
/*
 * Kernel image loader. The file is untrusted input: every field is read from
 * <elf.h>'s structs copied out of bounds-checked bytes, every sum is checked for
 * wrap-around before use, and every failure names the file offset at fault.
 * The boot hand-off is written by bootinfo.c and pagetables.c.
 */
#include <elf.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "abi.h"
#include "lib/errline.h"
#include "loader.h"
#include "loader_priv.h"

#define GIB4		(UINT64_C(1) << 32)

/* Host structs are read with memcpy: their layout is the file's only on a little-endian host */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "the loader reads ELFDATA2LSB in host order");

/* Offset of a field of the ELF header or a program header in the file's class, for messages */
#define EH_OFF(c, f)	((c)->cls == 64 ? offsetof(Elf64_Ehdr, f) : offsetof(Elf32_Ehdr, f))
#define PH_OFF(c, f)	((c)->cls == 64 ? offsetof(Elf64_Phdr, f) : offsetof(Elf32_Phdr, f))
#define SIZE_OF(c, t)	((unsigned)((c)->cls == 64 ? sizeof(Elf64_##t) : sizeof(Elf32_##t)))

/* The ELF header's fields in either class, widened */
struct ehdr {
	uint32_t type, machine, version;
	uint64_t entry, phoff, shoff;
	uint32_t ehsize, phentsize, phnum, shentsize;
};

/* A program header's fields in either class, widened */
struct phdr {
	uint32_t type, flags;
	uint64_t offset, paddr, filesz, memsz, align;
};

struct ctx {
	const uint8_t *buf;
	size_t len;
	const char *path;
	char *err;
	size_t errlen;
	int cls;		/* 32 or 64, once check_ident has passed */
	struct ehdr eh;		/* read by check_ehdr */
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

/* Not ELF structures (multiboot, a note's desc); callers have checked the bytes are in the file. */
static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* The ELF header, its size checked against the file by the caller. */
static void read_ehdr(const struct ctx *c, struct ehdr *e)
{
	if (c->cls == 64) {
		Elf64_Ehdr h;

		memcpy(&h, c->buf, sizeof(h));
		*e = (struct ehdr){ h.e_type, h.e_machine, h.e_version, h.e_entry, h.e_phoff,
				    h.e_shoff, h.e_ehsize, h.e_phentsize, h.e_phnum, h.e_shentsize };
	} else {
		Elf32_Ehdr h;

		memcpy(&h, c->buf, sizeof(h));
		*e = (struct ehdr){ h.e_type, h.e_machine, h.e_version, h.e_entry, h.e_phoff,
				    h.e_shoff, h.e_ehsize, h.e_phentsize, h.e_phnum, h.e_shentsize };
	}
}

/* The program header at @off, inside the table check_phdr_table checked. */
static void read_phdr(const struct ctx *c, uint64_t off, struct phdr *p)
{
	if (c->cls == 64) {
		Elf64_Phdr h;

		memcpy(&h, c->buf + off, sizeof(h));
		*p = (struct phdr){ h.p_type, h.p_flags, h.p_offset, h.p_paddr, h.p_filesz,
				    h.p_memsz, h.p_align };
	} else {
		Elf32_Phdr h;

		memcpy(&h, c->buf + off, sizeof(h));
		*p = (struct phdr){ h.p_type, h.p_flags, h.p_offset, h.p_paddr, h.p_filesz,
				    h.p_memsz, h.p_align };
	}
}

/* True when [off, off + n) lies inside the file (overflow-safe). */
static bool in_file(const struct ctx *c, uint64_t off, uint64_t n)
{
	return off <= c->len && n <= c->len - off;
}

/* Per-segment facts the public load_seg does not carry. */
struct seg_extra {
	uint64_t phdr_off;
	uint64_t phdr_idx;
	bool exec;
};

/* A range below 1 MiB no segment may load over: [lo, hi), for one protocol or all. */
struct reserved {
	uint64_t lo, hi;
	const char *what;
	bool elf64_only;
};

/* The modules' list and string share the boot info's page, so this covers them */
_Static_assert(IVM_BOOT_INFO_GPA + 0x1000 == IVM_CMDLINE_GPA,
	       "the boot info page and the command line are one range");

static const struct reserved reserved[] = {
	/* the guest's firmware area in a PC layout: the real-mode IVT and the BIOS data area */
	{ 0, IVM_KERNEL_MIN_GPA, "the real-mode IVT and BIOS data area", false },
	{ IVM_BOOT_INFO_GPA, IVM_CMDLINE_GPA + IVM_CMDLINE_MAX, "the boot info and command line",
	  false },
	{ IVM_BOOT_GDT_GPA, IVM_BOOT_GDT_GPA + BOOT_GDT_SIZE, "the elf64 boot's GDT", true },
	{ IVM_BOOT_PT_GPA, IVM_BOOT_PT_GPA + IVM_BOOT_PT_SIZE, "the elf64 boot's page tables",
	  true },
	/* the memory map handed to the guest says this is not RAM */
	{ LOW_RAM_END, HIGH_RAM_START, "the EBDA and ROM hole", false },
};

static int check_ident(const struct ctx *c, int *cls)
{
	static const uint8_t magic[4] = { 0x7f, 'E', 'L', 'F' };
	size_t n = c->len < 4 ? c->len : 4;

	/* Compare what is there first: a short non-ELF file is "not ELF", not "short". */
	for (size_t i = 0; i < n; i++)
		if (c->buf[i] != magic[i])
			return fail(c, i, "bad ELF magic (not an ELF file)");
	if (c->len < EI_NIDENT)
		return fail(c, c->len, "file truncated: %zu bytes, ELF identification needs %u",
			    c->len, EI_NIDENT);
	if (c->buf[4] != ELFCLASS32 && c->buf[4] != ELFCLASS64)
		return fail(c, 4, "EI_CLASS %u is not ELFCLASS32 or ELFCLASS64", c->buf[4]);
	if (c->buf[5] != ELFDATA2LSB)
		return fail(c, 5, "EI_DATA %u is not little-endian (ELFDATA2LSB)%s", c->buf[5],
			    c->buf[5] == 2 ? ": big-endian images are not supported" : "");
	if (c->buf[6] != EV_CURRENT)
		return fail(c, 6, "EI_VERSION %u is not 1", c->buf[6]);
	*cls = c->buf[4] == ELFCLASS64 ? 64 : 32;
	return 0;
}

static int check_ehdr(struct ctx *c, int cls)
{
	const struct ehdr *e = &c->eh;
	uint32_t want_machine;

	if (c->len < SIZE_OF(c, Ehdr))
		return fail(c, c->len, "file truncated: %zu bytes, ELF%d header needs %u",
			    c->len, cls, SIZE_OF(c, Ehdr));
	read_ehdr(c, &c->eh);
	if (e->type != ET_EXEC)
		return fail(c, EH_OFF(c, e_type), "e_type 0x%x is not ET_EXEC", e->type);
	if (e->machine != EM_X86_64 && e->machine != EM_386)
		return fail(c, EH_OFF(c, e_machine), "e_machine 0x%x is not x86-64 or i386", e->machine);
	want_machine = cls == 64 ? EM_X86_64 : EM_386;
	if (e->machine != want_machine)
		return fail(c, EH_OFF(c, e_machine), "e_machine 0x%x does not match ELFCLASS%d",
			    e->machine, cls);
	if (e->version != EV_CURRENT)
		return fail(c, EH_OFF(c, e_version), "e_version %u is not 1", e->version);
	if (e->ehsize != SIZE_OF(c, Ehdr))
		return fail(c, EH_OFF(c, e_ehsize), "e_ehsize %u is not %u", e->ehsize,
			    SIZE_OF(c, Ehdr));
	if (e->phentsize != SIZE_OF(c, Phdr))
		return fail(c, EH_OFF(c, e_phentsize), "e_phentsize %u is not %u", e->phentsize,
			    SIZE_OF(c, Phdr));
	return 0;
}

/* With PN_XNUM the real count lives in section header 0's sh_info. */
static int xnum_phnum(const struct ctx *c, uint64_t *phnum)
{
	uint64_t shoff = c->eh.shoff;

	if (!shoff)
		return fail(c, EH_OFF(c, e_shoff), "e_phnum is PN_XNUM but there is no section header 0");
	if (c->eh.shentsize != SIZE_OF(c, Shdr))
		return fail(c, EH_OFF(c, e_shentsize), "e_shentsize %u is not %u (needed for PN_XNUM)",
			    c->eh.shentsize, SIZE_OF(c, Shdr));
	if (!in_file(c, shoff, SIZE_OF(c, Shdr)))
		return fail(c, EH_OFF(c, e_shoff), "e_shoff 0x%" PRIx64
			    ": section header 0 is past the end of the file (PN_XNUM)", shoff);
	if (c->cls == 64) {
		Elf64_Shdr sh;

		memcpy(&sh, c->buf + shoff, sizeof(sh));
		*phnum = sh.sh_info;
	} else {
		Elf32_Shdr sh;

		memcpy(&sh, c->buf + shoff, sizeof(sh));
		*phnum = sh.sh_info;
	}
	return 0;
}

static int check_phdr_table(const struct ctx *c, uint64_t *phoff, uint64_t *phnum)
{
	uint64_t size;

	*phoff = c->eh.phoff;
	*phnum = c->eh.phnum;
	if (*phnum == PN_XNUM && xnum_phnum(c, phnum))
		return -1;
	/* u32 count times a u16 entry size cannot wrap a u64 */
	size = *phnum * SIZE_OF(c, Phdr);
	if (*phoff > UINT64_MAX - size)
		return fail(c, EH_OFF(c, e_phoff), "e_phoff 0x%" PRIx64 " + %" PRIu64
			    " program headers overflows", *phoff, *phnum);
	if (*phoff > c->len)
		return fail(c, EH_OFF(c, e_phoff), "e_phoff 0x%" PRIx64
			    " is past the end of the file (0x%zx bytes)", *phoff, c->len);
	if (size > c->len - *phoff)
		return fail(c, EH_OFF(c, e_phoff), "program header table [0x%" PRIx64 ", 0x%" PRIx64
			    ") truncated: file is 0x%zx bytes", *phoff, *phoff + size, c->len);
	return 0;
}

static int add_load(const struct ctx *c, uint64_t ph, uint64_t idx, uint64_t mem_size,
		    struct load_info *li, struct seg_extra *extra)
{
	struct phdr p;
	uint64_t offset, paddr, filesz, memsz;
	struct load_seg *s;

	read_phdr(c, ph, &p);
	offset = p.offset;
	paddr = p.paddr;
	filesz = p.filesz;
	memsz = p.memsz;

	if (filesz > memsz)
		return fail(c, ph + PH_OFF(c, p_filesz), "PT_LOAD p_filesz 0x%" PRIx64
			    " > p_memsz 0x%" PRIx64, filesz, memsz);
	if (!in_file(c, offset, filesz))
		return fail(c, ph + PH_OFF(c, p_offset), "PT_LOAD p_offset 0x%" PRIx64 " + p_filesz 0x%"
			    PRIx64 " is past the end of the file (0x%zx bytes)", offset, filesz,
			    c->len);
	/* An empty segment occupies nothing and cannot hold the entry point. */
	if (!memsz)
		return 0;
	if (paddr > mem_size || memsz > mem_size - paddr)
		return fail(c, ph + PH_OFF(c, p_paddr), "PT_LOAD p_paddr 0x%" PRIx64 " + p_memsz 0x%"
			    PRIx64 " is outside guest memory (0x%" PRIx64 " bytes)", paddr, memsz,
			    mem_size);
	for (unsigned i = 0; i < li->nsegs; i++) {
		const struct load_seg *o = &li->segs[i];

		/* both ranges lie inside guest memory, so the ends cannot wrap */
		if (paddr < o->gpa + o->memsz && o->gpa < paddr + memsz)
			return fail(c, ph + PH_OFF(c, p_paddr), "PT_LOAD [0x%" PRIx64 ", 0x%" PRIx64
				    ") overlaps PT_LOAD [0x%" PRIx64 ", 0x%" PRIx64
				    ") of the program header at 0x%" PRIx64, paddr, paddr + memsz,
				    o->gpa, o->gpa + o->memsz, extra[i].phdr_off);
	}
	if (li->nsegs >= LOADER_MAX_SEGS)
		return fail(c, ph, "more than %u PT_LOAD segments", LOADER_MAX_SEGS);
	s = &li->segs[li->nsegs];
	s->gpa = paddr;
	s->filesz = filesz;
	s->memsz = memsz;
	s->offset = offset;
	extra[li->nsegs].phdr_off = ph;
	extra[li->nsegs].phdr_idx = idx;
	extra[li->nsegs].exec = p.flags & PF_X;
	li->nsegs++;
	return 0;
}

struct notes {
	bool pvh;
	uint64_t pvh_off;	/* file offset of the PVH desc, for messages */
};

static int walk_note(const struct ctx *c, uint64_t ph, struct load_info *li, struct notes *n)
{
	struct phdr p;
	uint64_t off, size, align, pos;

	read_phdr(c, ph, &p);
	off = p.offset;
	size = p.filesz;
	align = p.align;

	if (!in_file(c, off, size))
		return fail(c, ph + PH_OFF(c, p_offset), "PT_NOTE p_offset 0x%" PRIx64 " + p_filesz 0x%"
			    PRIx64 " is past the end of the file (0x%zx bytes)", off, size, c->len);
	/*
	 * GNU property notes in ELF64 are 8-aligned, everything else 4. As in
	 * binutils, desc starts at align(12 + namesz) and the next note at
	 * align(desc + descsz), both relative to the (aligned) segment start.
	 */
	align = align == 8 ? 8 : 4;
	for (pos = 0; size - pos >= sizeof(Elf64_Nhdr);) {
		Elf64_Nhdr nh;	/* Elf32_Nhdr is the same three words */
		uint32_t namesz, descsz, type;
		uint64_t name = pos + sizeof(nh), desc, next;

		memcpy(&nh, c->buf + off + pos, sizeof(nh));
		namesz = nh.n_namesz;
		descsz = nh.n_descsz;
		type = nh.n_type;

		if (namesz > size - name)
			return fail(c, off + pos, "note namesz 0x%x runs past the end of the "
				    "PT_NOTE segment at 0x%" PRIx64, namesz, off);
		/* name + namesz <= size, a buffer length: rounding up cannot wrap */
		desc = (name + namesz + align - 1) & ~(align - 1);
		if (desc > size || descsz > size - desc)
			return fail(c, off + pos + offsetof(Elf64_Nhdr, n_descsz), "note descsz 0x%x "
				    "runs past the end of the PT_NOTE segment at 0x%" PRIx64, descsz, off);
		if (namesz == 4 && !memcmp(c->buf + off + name, "Xen", 4) &&
		    type == XEN_ELFNOTE_PHYS32_ENTRY && !n->pvh) {
			const uint8_t *d = c->buf + off + desc;
			uint64_t e;

			if (descsz != 4 && descsz != 8)
				return fail(c, off + pos + offsetof(Elf64_Nhdr, n_descsz),
					    "XEN_ELFNOTE_PHYS32_ENTRY descsz %u is not 4 or 8", descsz);
			e = descsz == 8 ? rd64(d) : rd32(d);
			if (e > UINT32_MAX)
				return fail(c, off + desc, "PVH entry 0x%" PRIx64
					    " is not a 32-bit address", e);
			n->pvh = true;
			n->pvh_off = off + desc;
			li->pvh_entry = e;
		} else if (namesz == 4 && !memcmp(c->buf + off + name, "GNU", 4) &&
			   type == NT_GNU_BUILD_ID && !li->build_id_len) {
			/* longer ids (--build-id=0x...) are kept as a prefix */
			li->build_id_len = descsz < sizeof(li->build_id) ? descsz : sizeof(li->build_id);
			memcpy(li->build_id, c->buf + off + desc, li->build_id_len);
		}
		/* the last note may omit its padding */
		next = (desc + descsz + align - 1) & ~(align - 1);
		if (next > size)
			break;
		pos = next;
	}
	return 0;
}

struct mb {
	bool found;		/* a header with a valid checksum */
	uint64_t off;
	uint32_t flags;
	uint64_t entry, entry_off;
	int bad;		/* -1 none, else why it cannot be used */
	uint64_t bad_sum_off;	/* magic with a wrong checksum, UINT64_MAX if none */
	uint32_t bad_sum;
};

/* Multiboot v1: 4-byte aligned, wholly inside the first MULTIBOOT_SEARCH bytes. */
static void find_multiboot(const struct ctx *c, struct mb *mb)
{
	uint64_t lim = c->len < MULTIBOOT_SEARCH ? c->len : MULTIBOOT_SEARCH;

	mb->bad_sum_off = UINT64_MAX;
	for (uint64_t off = 0; off + 12 <= lim; off += 4) {
		const uint8_t *p = c->buf + off;
		uint32_t flags, sum;

		if (rd32(p) != MULTIBOOT_HEADER_MAGIC)
			continue;
		flags = rd32(p + 4);
		sum = MULTIBOOT_HEADER_MAGIC + flags + rd32(p + 8);
		if (sum) {
			/* not a header by the spec, but worth naming if nothing else is found */
			if (mb->bad_sum_off == UINT64_MAX) {
				mb->bad_sum_off = off + 8;
				mb->bad_sum = rd32(p + 8);
			}
			continue;
		}
		mb->found = true;
		mb->off = off;
		mb->flags = flags;
		return;
	}
}

static int check_multiboot(const struct ctx *c, struct mb *mb, uint64_t e_entry)
{
	uint64_t lim = c->len < MULTIBOOT_SEARCH ? c->len : MULTIBOOT_SEARCH;
	/* bits 0-15 are "must understand": we honour 0 (page align) and 1 (mem info) */
	uint32_t unknown = mb->flags & 0xffff & ~3u;

	if (unknown & 4)
		return fail(c, mb->off + 4, "multiboot flags 0x%x request a video mode (bit 2), "
			    "which is not supported", mb->flags);
	if (unknown)
		return fail(c, mb->off + 4, "multiboot flags 0x%x have unsupported required bits 0x%x",
			    mb->flags, unknown);
	if (mb->flags & MULTIBOOT_FLAG_AOUT_KLUDGE) {
		if (mb->off + 32 > lim)
			return fail(c, mb->off, "multiboot header with the a.out kludge is "
				    "truncated (needs 32 bytes inside the first 0x%x)", MULTIBOOT_SEARCH);
		mb->entry_off = mb->off + 28;
		mb->entry = rd32(c->buf + mb->entry_off);
	} else {
		mb->entry_off = EH_OFF(c, e_entry);
		mb->entry = e_entry;
		if (e_entry > UINT32_MAX)
			return fail(c, EH_OFF(c, e_entry), "e_entry 0x%" PRIx64
				    " is not a 32-bit multiboot entry", e_entry);
	}
	return 0;
}

static int no_multiboot(const struct ctx *c, const struct mb *mb, const char *what)
{
	if (mb->bad_sum_off != UINT64_MAX)
		return fail(c, mb->bad_sum_off, "%s: multiboot magic has a bad checksum 0x%x",
			    what, mb->bad_sum);
	return fail(c, 0, "%s: no multiboot header in the first 0x%x bytes", what,
		    MULTIBOOT_SEARCH);
}

/* Pick the protocol and its entry; *entry_off names the field for errors. */
static int choose_proto(const struct ctx *c, enum boot_proto want, int cls, struct mb *mb,
			const struct notes *n, struct load_info *li, uint64_t *entry_off)
{
	enum boot_proto p = want;

	if (want == BOOT_AUTO) {
		if (n->pvh)
			p = BOOT_PVH;
		else if (mb->found)
			p = BOOT_MULTIBOOT;
		else if (cls == 64)
			p = BOOT_ELF64;
		else if (mb->bad_sum_off != UINT64_MAX)
			return no_multiboot(c, mb, "no boot protocol");
		else
			return fail(c, 4, "no boot protocol: ELF32 image has no PVH note and no "
				    "multiboot header");
	}
	switch (p) {
	case BOOT_PVH:
		if (!n->pvh)
			return fail(c, 0, "boot protocol pvh requested but the image has no "
				    "XEN_ELFNOTE_PHYS32_ENTRY note");
		li->entry = li->pvh_entry;
		*entry_off = n->pvh_off;
		break;
	case BOOT_MULTIBOOT:
		if (!mb->found)
			return no_multiboot(c, mb, "boot protocol multiboot requested");
		if (check_multiboot(c, mb, li->elf_entry))
			return -1;
		li->mb_entry = mb->entry;
		li->entry = mb->entry;
		*entry_off = mb->entry_off;
		break;
	case BOOT_ELF64:
		if (cls != 64)
			return fail(c, 4, "boot protocol elf64 requested but the image is ELF32");
		li->entry = li->elf_entry;
		*entry_off = EH_OFF(c, e_entry);
		break;
	default:
		return fail(c, 0, "unknown boot protocol %d requested", (int)want);
	}
	li->proto = p;
	return 0;
}

/* Below 1 MiB a segment may load anywhere the VMM writes nothing for li->proto. */
static int check_reserved(const struct ctx *c, const struct load_info *li,
			  const struct seg_extra *extra)
{
	for (unsigned i = 0; i < li->nsegs; i++) {
		const struct load_seg *s = &li->segs[i];

		for (size_t j = 0; j < sizeof(reserved) / sizeof(reserved[0]); j++) {
			const struct reserved *r = &reserved[j];

			if (r->elf64_only && li->proto != BOOT_ELF64)
				continue;
			/* add_load kept the segment inside guest memory: its end cannot wrap */
			if (s->gpa < r->hi && r->lo < s->gpa + s->memsz)
				return fail(c, extra[i].phdr_off + PH_OFF(c, p_paddr),
					    "PT_LOAD (program header %" PRIu64 ") [0x%" PRIx64
					    ", 0x%" PRIx64 ") overlaps %s [0x%" PRIx64 ", 0x%"
					    PRIx64 ")", extra[i].phdr_idx, s->gpa,
					    s->gpa + s->memsz, r->what, r->lo, r->hi);
		}
	}
	return 0;
}

int loader__parse(const uint8_t *buf, size_t len, const char *path, uint64_t mem_size,
		  enum boot_proto want, struct load_info *li, char *err, size_t errlen)
{
	struct ctx c = { .buf = buf, .len = buf ? len : 0, .path = path, .err = err,
			 .errlen = errlen };
	struct seg_extra extra[LOADER_MAX_SEGS];
	struct notes notes = { 0 };
	struct mb mb = { 0 };
	uint64_t phoff, phnum, entry_off = 0;
	int cls;

	memset(li, 0, sizeof(*li));
	if (err && errlen)
		err[0] = '\0';
	if (check_ident(&c, &cls))
		return -1;
	c.cls = cls;
	if (check_ehdr(&c, cls) || check_phdr_table(&c, &phoff, &phnum))
		return -1;
	li->elf_class = cls;
	li->elf_entry = c.eh.entry;

	for (uint64_t i = 0; i < phnum; i++) {
		uint64_t ph = phoff + i * SIZE_OF(&c, Phdr);
		uint32_t type;

		memcpy(&type, buf + ph + PH_OFF(&c, p_type), sizeof(type));
		if (type == PT_LOAD && add_load(&c, ph, i, mem_size, li, extra))
			return -1;
		if (type == PT_NOTE && walk_note(&c, ph, li, &notes))
			return -1;
	}
	if (!li->nsegs)
		return fail(&c, EH_OFF(&c, e_phnum), "no PT_LOAD segment");

	li->lo = UINT64_MAX;
	for (unsigned i = 0; i < li->nsegs; i++) {
		const struct load_seg *s = &li->segs[i];

		/* 32-bit entry and a 4 GiB identity map: nothing above can be reached */
		if (s->gpa + s->memsz > GIB4)
			return fail(&c, extra[i].phdr_off, "PT_LOAD [0x%" PRIx64 ", 0x%" PRIx64
				    ") is not below 4 GiB", s->gpa, s->gpa + s->memsz);
		if (s->gpa < li->lo)
			li->lo = s->gpa;
		if (s->gpa + s->memsz > li->hi)
			li->hi = s->gpa + s->memsz;
	}

	find_multiboot(&c, &mb);
	if (mb.found) {
		/* report mb_entry even when another protocol wins; errors only if chosen */
		struct ctx quiet = c;

		quiet.err = NULL;
		quiet.errlen = 0;
		if (!check_multiboot(&quiet, &mb, li->elf_entry))
			li->mb_entry = mb.entry;
	}
	if (choose_proto(&c, want, cls, &mb, &notes, li, &entry_off) ||
	    check_reserved(&c, li, extra))
		return -1;

	for (unsigned i = 0; i < li->nsegs; i++) {
		const struct load_seg *s = &li->segs[i];

		if (li->entry >= s->gpa && li->entry - s->gpa < s->memsz) {
			if (!extra[i].exec)
				return fail(&c, entry_off, "%s entry 0x%" PRIx64 " is in the "
					    "non-executable PT_LOAD at 0x%" PRIx64,
					    boot_proto__name(li->proto), li->entry, s->gpa);
			return 0;
		}
	}
	return fail(&c, entry_off, "%s entry 0x%" PRIx64 " is outside every PT_LOAD segment",
		    boot_proto__name(li->proto), li->entry);
}

int loader__copy(const uint8_t *buf, size_t len, const struct load_info *li,
		 const struct gmem *m, char *err, size_t errlen)
{
	if (li->nsegs > LOADER_MAX_SEGS) {
		errline__set(err, errlen, "load info has %u segments (max %u)", li->nsegs,
			LOADER_MAX_SEGS);
		return -1;
	}
	for (unsigned i = 0; i < li->nsegs; i++) {
		const struct load_seg *s = &li->segs[i];
		uint8_t *dst;

		/* re-checked: the info may not match this buffer or this memory */
		if (s->filesz > s->memsz || s->offset > len || s->filesz > len - s->offset ||
		    (s->filesz && !buf)) {
			errline__set(err, errlen, "segment %u: file range 0x%" PRIx64 "+0x%" PRIx64
				" is outside the 0x%zx byte image", i, s->offset, s->filesz, len);
			return -1;
		}
		dst = gmem__ptr(m, s->gpa, s->memsz);
		if (!dst) {
			errline__set(err, errlen, "segment %u: [0x%" PRIx64 ", +0x%" PRIx64
				") is outside guest memory (0x%" PRIx64 " bytes)", i, s->gpa,
				s->memsz, m->size);
			return -1;
		}
		if (s->filesz)
			memcpy(dst, buf + s->offset, s->filesz);
		memset(dst + s->filesz, 0, s->memsz - s->filesz);
	}
	return 0;
}

static const char *const proto_names[] = {
	[BOOT_AUTO] = "auto",
	[BOOT_PVH] = "pvh",
	[BOOT_MULTIBOOT] = "multiboot",
	[BOOT_ELF64] = "elf64",
};

const char *boot_proto__name(enum boot_proto p)
{
	if ((unsigned)p >= sizeof(proto_names) / sizeof(proto_names[0]))
		return "?";
	return proto_names[p];
}

int boot_proto__parse(const char *s, enum boot_proto *p)
{
	if (!s)
		return -1;
	for (unsigned i = 0; i < sizeof(proto_names) / sizeof(proto_names[0]); i++) {
		if (!strcmp(s, proto_names[i])) {
			*p = (enum boot_proto)i;
			return 0;
		}
	}
	return -1;
}
