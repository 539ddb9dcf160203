// SPDX-License-Identifier: MIT
/*
 * Kernel image loader. The file is untrusted input: every field is read
 * through bounds-checked little-endian accessors, every sum is checked for
 * wrap-around before use, and every failure names the file offset at fault.
 * The boot hand-off is written by bootinfo.c and pagetables.c.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "abi.h"
#include "lib/errline.h"
#include "loader.h"

/* ELF constants we need; spelled out so the loader does not depend on <elf.h>. */
#define EI_NIDENT	16
#define ELFCLASS32	1
#define ELFCLASS64	2
#define ELFDATA2LSB	1
#define EV_CURRENT	1
#define ET_EXEC		2
#define EM_386		3
#define EM_X86_64	62
#define PT_LOAD		1
#define PT_NOTE		4
#define PF_X		1
#define PN_XNUM		0xffff
#define NT_GNU_BUILD_ID	3

#define GIB4		(UINT64_C(1) << 32)

/* Field offsets in the ELF header that differ between the classes. */
struct elf_layout {
	unsigned ehsize, phentsize, shentsize;
	unsigned e_entry, e_phoff, e_shoff, e_ehsize, e_phentsize, e_phnum, e_shentsize;
	/* program header fields */
	unsigned p_flags, p_offset, p_paddr, p_filesz, p_memsz, p_align;
	unsigned sh_info;
	unsigned addr_size;
};

static const struct elf_layout elf64_layout = {
	.ehsize = 64, .phentsize = 56, .shentsize = 64,
	.e_entry = 24, .e_phoff = 32, .e_shoff = 40, .e_ehsize = 52,
	.e_phentsize = 54, .e_phnum = 56, .e_shentsize = 58,
	.p_flags = 4, .p_offset = 8, .p_paddr = 24, .p_filesz = 32, .p_memsz = 40,
	.p_align = 48, .sh_info = 44, .addr_size = 8,
};

static const struct elf_layout elf32_layout = {
	.ehsize = 52, .phentsize = 32, .shentsize = 40,
	.e_entry = 24, .e_phoff = 28, .e_shoff = 32, .e_ehsize = 40,
	.e_phentsize = 42, .e_phnum = 44, .e_shentsize = 46,
	.p_flags = 24, .p_offset = 4, .p_paddr = 12, .p_filesz = 16, .p_memsz = 20,
	.p_align = 28, .sh_info = 28, .addr_size = 4,
};

struct ctx {
	const uint8_t *buf;
	size_t len;
	const char *path;
	char *err;
	size_t errlen;
	const struct elf_layout *l;
};


static int fail(const struct ctx *c, uint64_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(const struct ctx *c, uint64_t off, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	errline__set(c->err, c->errlen, "%s: offset 0x%" PRIx64 ": %s",
		c->path ? c->path : "image", off, msg);
	return -1;
}

/* Callers have checked [off, off + n) against the file; these never do. */
static uint32_t rd16(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t rd32(const uint8_t *p)
{
	return rd16(p) | rd16(p + 2) << 16;
}

static uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* An address-sized field: 4 bytes in ELF32, 8 in ELF64. */
static uint64_t rd_addr(const struct ctx *c, uint64_t off)
{
	return c->l->addr_size == 8 ? rd64(c->buf + off) : rd32(c->buf + off);
}

/* True when [off, off + n) lies inside the file (overflow-safe). */
static bool in_file(const struct ctx *c, uint64_t off, uint64_t n)
{
	return off <= c->len && n <= c->len - off;
}

/* Per-segment facts the public load_seg does not carry. */
struct seg_extra {
	uint64_t phdr_off;
	bool exec;
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
	const struct elf_layout *l = c->l;
	uint32_t type, machine, want_machine;

	if (c->len < l->ehsize)
		return fail(c, c->len, "file truncated: %zu bytes, ELF%d header needs %u",
			    c->len, cls, l->ehsize);
	type = rd16(c->buf + 16);
	if (type != ET_EXEC)
		return fail(c, 16, "e_type 0x%x is not ET_EXEC", type);
	machine = rd16(c->buf + 18);
	if (machine != EM_X86_64 && machine != EM_386)
		return fail(c, 18, "e_machine 0x%x is not x86-64 or i386", machine);
	want_machine = cls == 64 ? EM_X86_64 : EM_386;
	if (machine != want_machine)
		return fail(c, 18, "e_machine 0x%x does not match ELFCLASS%d", machine, cls);
	if (rd32(c->buf + 20) != EV_CURRENT)
		return fail(c, 20, "e_version %u is not 1", rd32(c->buf + 20));
	if (rd16(c->buf + l->e_ehsize) != l->ehsize)
		return fail(c, l->e_ehsize, "e_ehsize %u is not %u", rd16(c->buf + l->e_ehsize),
			    l->ehsize);
	if (rd16(c->buf + l->e_phentsize) != l->phentsize)
		return fail(c, l->e_phentsize, "e_phentsize %u is not %u",
			    rd16(c->buf + l->e_phentsize), l->phentsize);
	return 0;
}

/* With PN_XNUM the real count lives in section header 0's sh_info. */
static int xnum_phnum(const struct ctx *c, uint64_t *phnum)
{
	const struct elf_layout *l = c->l;
	uint64_t shoff = rd_addr(c, l->e_shoff);
	uint32_t shentsize = rd16(c->buf + l->e_shentsize);

	if (!shoff)
		return fail(c, l->e_shoff, "e_phnum is PN_XNUM but there is no section header 0");
	if (shentsize != l->shentsize)
		return fail(c, l->e_shentsize, "e_shentsize %u is not %u (needed for PN_XNUM)",
			    shentsize, l->shentsize);
	if (!in_file(c, shoff, l->shentsize))
		return fail(c, l->e_shoff, "e_shoff 0x%" PRIx64
			    ": section header 0 is past the end of the file (PN_XNUM)", shoff);
	*phnum = rd32(c->buf + shoff + l->sh_info);
	return 0;
}

static int check_phdr_table(const struct ctx *c, uint64_t *phoff, uint64_t *phnum)
{
	const struct elf_layout *l = c->l;
	uint64_t size;

	*phoff = rd_addr(c, l->e_phoff);
	*phnum = rd16(c->buf + l->e_phnum);
	if (*phnum == PN_XNUM && xnum_phnum(c, phnum))
		return -1;
	/* u32 count times a u16 entry size cannot wrap a u64 */
	size = *phnum * l->phentsize;
	if (*phoff > UINT64_MAX - size)
		return fail(c, l->e_phoff, "e_phoff 0x%" PRIx64 " + %" PRIu64
			    " program headers overflows", *phoff, *phnum);
	if (*phoff > c->len)
		return fail(c, l->e_phoff, "e_phoff 0x%" PRIx64
			    " is past the end of the file (0x%zx bytes)", *phoff, c->len);
	if (size > c->len - *phoff)
		return fail(c, l->e_phoff, "program header table [0x%" PRIx64 ", 0x%" PRIx64
			    ") truncated: file is 0x%zx bytes", *phoff, *phoff + size, c->len);
	return 0;
}

static int add_load(const struct ctx *c, uint64_t ph, uint64_t mem_size, struct load_info *li,
		    struct seg_extra *extra)
{
	const struct elf_layout *l = c->l;
	uint64_t offset = rd_addr(c, ph + l->p_offset);
	uint64_t paddr = rd_addr(c, ph + l->p_paddr);
	uint64_t filesz = rd_addr(c, ph + l->p_filesz);
	uint64_t memsz = rd_addr(c, ph + l->p_memsz);
	uint32_t flags = rd32(c->buf + ph + l->p_flags);
	struct load_seg *s;

	if (filesz > memsz)
		return fail(c, ph + l->p_filesz, "PT_LOAD p_filesz 0x%" PRIx64
			    " > p_memsz 0x%" PRIx64, filesz, memsz);
	if (!in_file(c, offset, filesz))
		return fail(c, ph + l->p_offset, "PT_LOAD p_offset 0x%" PRIx64 " + p_filesz 0x%"
			    PRIx64 " is past the end of the file (0x%zx bytes)", offset, filesz,
			    c->len);
	/* An empty segment occupies nothing and cannot hold the entry point. */
	if (!memsz)
		return 0;
	if (paddr < IVM_KERNEL_MIN_GPA)
		return fail(c, ph + l->p_paddr, "PT_LOAD p_paddr 0x%" PRIx64
			    " is below 0x%x (1 MiB)", paddr, IVM_KERNEL_MIN_GPA);
	if (paddr > mem_size || memsz > mem_size - paddr)
		return fail(c, ph + l->p_paddr, "PT_LOAD p_paddr 0x%" PRIx64 " + p_memsz 0x%"
			    PRIx64 " is outside guest memory (0x%" PRIx64 " bytes)", paddr, memsz,
			    mem_size);
	for (unsigned i = 0; i < li->nsegs; i++) {
		const struct load_seg *o = &li->segs[i];

		/* both ranges lie inside guest memory, so the ends cannot wrap */
		if (paddr < o->gpa + o->memsz && o->gpa < paddr + memsz)
			return fail(c, ph + l->p_paddr, "PT_LOAD [0x%" PRIx64 ", 0x%" PRIx64
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
	extra[li->nsegs].exec = flags & PF_X;
	li->nsegs++;
	return 0;
}

struct notes {
	bool pvh;
	uint64_t pvh_off;	/* file offset of the PVH desc, for messages */
};

static int walk_note(const struct ctx *c, uint64_t ph, struct load_info *li, struct notes *n)
{
	const struct elf_layout *l = c->l;
	uint64_t off = rd_addr(c, ph + l->p_offset);
	uint64_t size = rd_addr(c, ph + l->p_filesz);
	uint64_t align = rd_addr(c, ph + l->p_align);
	uint64_t pos;

	if (!in_file(c, off, size))
		return fail(c, ph + l->p_offset, "PT_NOTE p_offset 0x%" PRIx64 " + p_filesz 0x%"
			    PRIx64 " is past the end of the file (0x%zx bytes)", off, size, c->len);
	/*
	 * GNU property notes in ELF64 are 8-aligned, everything else 4. As in
	 * binutils, desc starts at align(12 + namesz) and the next note at
	 * align(desc + descsz), both relative to the (aligned) segment start.
	 */
	align = align == 8 ? 8 : 4;
	for (pos = 0; size - pos >= 12;) {
		const uint8_t *h = c->buf + off + pos;
		uint32_t namesz = rd32(h), descsz = rd32(h + 4), type = rd32(h + 8);
		uint64_t name = pos + 12, desc, next;

		if (namesz > size - name)
			return fail(c, off + pos, "note namesz 0x%x runs past the end of the "
				    "PT_NOTE segment at 0x%" PRIx64, namesz, off);
		/* name + namesz <= size, a buffer length: rounding up cannot wrap */
		desc = (name + namesz + align - 1) & ~(align - 1);
		if (desc > size || descsz > size - desc)
			return fail(c, off + pos + 4, "note descsz 0x%x runs past the end of the "
				    "PT_NOTE segment at 0x%" PRIx64, descsz, off);
		if (namesz == 4 && !memcmp(c->buf + off + name, "Xen", 4) &&
		    type == XEN_ELFNOTE_PHYS32_ENTRY && !n->pvh) {
			const uint8_t *d = c->buf + off + desc;
			uint64_t e;

			if (descsz != 4 && descsz != 8)
				return fail(c, off + pos + 4, "XEN_ELFNOTE_PHYS32_ENTRY descsz %u "
					    "is not 4 or 8", descsz);
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
		mb->entry_off = c->l->e_entry;
		mb->entry = e_entry;
		if (e_entry > UINT32_MAX)
			return fail(c, c->l->e_entry, "e_entry 0x%" PRIx64
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
		*entry_off = c->l->e_entry;
		break;
	default:
		return fail(c, 0, "unknown boot protocol %d requested", (int)want);
	}
	li->proto = p;
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
	c.l = cls == 64 ? &elf64_layout : &elf32_layout;
	if (check_ehdr(&c, cls) || check_phdr_table(&c, &phoff, &phnum))
		return -1;
	li->elf_class = cls;
	li->elf_entry = rd_addr(&c, c.l->e_entry);

	for (uint64_t i = 0; i < phnum; i++) {
		uint64_t ph = phoff + i * c.l->phentsize;
		uint32_t type = rd32(buf + ph);

		if (type == PT_LOAD && add_load(&c, ph, mem_size, li, extra))
			return -1;
		if (type == PT_NOTE && walk_note(&c, ph, li, &notes))
			return -1;
	}
	if (!li->nsegs)
		return fail(&c, c.l->e_phnum, "no PT_LOAD segment");

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
	if (choose_proto(&c, want, cls, &mb, &notes, li, &entry_off))
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
