// SPDX-License-Identifier: MIT
/* Boot hand-off: the command line, PVH hvm_start_info or multiboot_info, a module. */
#include <inttypes.h>
#include <string.h>

#include "abi.h"
#include "lib/errline.h"
#include "loader.h"
#include "loader_priv.h"

#define GIB4		(UINT64_C(1) << 32)

/* The module list and module 0's string share the boot info's page (0x6000). */
#define MODLIST_GPA	(IVM_BOOT_INFO_GPA + 0x800)
#define MODSTR_GPA	(IVM_BOOT_INFO_GPA + 0xc00)
#define MULTIBOOT_INFO_MODS	(1u << 3)

struct multiboot_mod {
	uint32_t mod_start, mod_end;	/* [start, end) */
	uint32_t string;
	uint32_t reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr, size;
	uint64_t cmdline_paddr;
	uint64_t reserved;
};

int loader__place_module(const struct load_info *li, uint64_t mem_size, struct boot_module *mod,
			 char *err, size_t errlen)
{
	const char *name = mod->name ? mod->name : "module";
	uint64_t top = mem_size < GIB4 ? mem_size : GIB4;
	uint64_t lo = UINT64_MAX, hi = li->nsegs ? li->hi : HIGH_RAM_START, after;
	size_t n = strlen(name);

	/* modules stay above 1 MiB: "below the kernel" is below its lowest segment up there */
	for (unsigned i = 0; i < li->nsegs && i < LOADER_MAX_SEGS; i++) {
		const struct load_seg *s = &li->segs[i];

		if (s->gpa + s->memsz > HIGH_RAM_START && s->gpa < lo)
			lo = s->gpa;
	}
	if (lo == UINT64_MAX || hi < HIGH_RAM_START)
		lo = hi = HIGH_RAM_START;
	lo = lo > HIGH_RAM_START ? lo : HIGH_RAM_START;
	after = (hi + 0xfff) & ~UINT64_C(0xfff);

	if (n >= LOADER_MODSTR_MAX) {
		errline__set(err, errlen, "%.64s...: the module's name is %zu bytes, the limit is %u",
			name, n, LOADER_MODSTR_MAX - 1);
		return -1;
	}
	if (after <= top && mod->len <= top - after) {
		mod->gpa = after;
		return 0;
	}
	if (mod->len <= lo - HIGH_RAM_START) {
		mod->gpa = HIGH_RAM_START;
		return 0;
	}
	errline__set(err, errlen, "%s: 0x%" PRIx64 " bytes do not fit in guest RAM: 0x%" PRIx64
		" bytes free after the kernel (from 0x%" PRIx64 " to 0x%" PRIx64 "), 0x%" PRIx64
		" below it", name, mod->len, after < top ? top - after : 0, after, top,
		lo > HIGH_RAM_START ? lo - HIGH_RAM_START : 0);
	return -1;
}

/* Module 0's bytes at mod->gpa and its string; the list is the protocol's. */
static int write_module_data(const struct load_info *li, const struct gmem *m,
			     const struct boot_module *mod, char *err, size_t errlen)
{
	const char *name = mod->name ? mod->name : "";
	const struct region rd = { "module 0", mod->gpa, mod->len };
	const struct region rs = { "module 0's string", MODSTR_GPA, strlen(name) + 1 };
	uint8_t *d, *s;

	if (rs.size > LOADER_MODSTR_MAX) {
		errline__set(err, errlen, "module 0's string is %zu bytes, the limit is %u",
			strlen(name), LOADER_MODSTR_MAX - 1);
		return -1;
	}
	/* below 1 MiB: boot info, command line, GDT, AP trampoline, page tables, low segments */
	if (mod->gpa < HIGH_RAM_START || mod->gpa > GIB4 || mod->len > GIB4 - mod->gpa) {
		errline__set(err, errlen, "module 0 [0x%" PRIx64 ", +0x%" PRIx64 ") is not between "
			"1 MiB and 4 GiB", mod->gpa, mod->len);
		return -1;
	}
	d = loader__region_ptr(li, m, &rd, err, errlen);
	if (!d)
		return -1;
	if (mod->len)
		memcpy(d, mod->data, mod->len);
	s = loader__region_ptr(li, m, &rs, err, errlen);
	if (!s)
		return -1;
	memcpy(s, name, rs.size);
	return 0;
}

/* Each hand-off region must be RAM and must not clobber the kernel. */
void *loader__region_ptr(const struct load_info *li, const struct gmem *m,
			 const struct region *r, char *err, size_t errlen)
{
	void *p = gmem__ptr(m, r->gpa, r->size);

	if (!p) {
		errline__set(err, errlen, "%s [0x%" PRIx64 ", 0x%" PRIx64
			") is outside guest memory (0x%" PRIx64 " bytes)", r->name, r->gpa,
			r->gpa + r->size, m->size);
		return NULL;
	}
	for (unsigned i = 0; i < li->nsegs && i < LOADER_MAX_SEGS; i++) {
		const struct load_seg *s = &li->segs[i];

		if (r->gpa < s->gpa + s->memsz && s->gpa < r->gpa + r->size) {
			errline__set(err, errlen, "%s [0x%" PRIx64 ", 0x%" PRIx64
				") overlaps the segment at 0x%" PRIx64, r->name, r->gpa,
				r->gpa + r->size, s->gpa);
			return NULL;
		}
	}
	memset(p, 0, r->size);
	return p;
}

static int write_hvm(const struct load_info *li, const struct gmem *m,
		     const struct boot_module *mod, char *err, size_t errlen)
{
	const struct region r = {
		"hvm_start_info", IVM_BOOT_INFO_GPA,
		sizeof(struct hvm_start_info) + 2 * sizeof(struct hvm_memmap_table_entry),
	};
	struct hvm_start_info si = {
		.magic = XEN_HVM_START_MAGIC_VALUE,
		.version = 1,
		.cmdline_paddr = IVM_CMDLINE_GPA,
		.rsdp_paddr = 0,
		.memmap_paddr = IVM_BOOT_INFO_GPA + sizeof(struct hvm_start_info),
		.memmap_entries = 2,
	};
	const struct hvm_memmap_table_entry map[2] = {
		{ .addr = 0, .size = LOW_RAM_END, .type = 1 },
		{ .addr = HIGH_RAM_START, .size = m->size - HIGH_RAM_START, .type = 1 },
	};
	const struct region rl = { "module list", MODLIST_GPA, sizeof(struct hvm_modlist_entry) };
	uint8_t *p = loader__region_ptr(li, m, &r, err, errlen), *l;

	if (!p)
		return -1;
	if (mod) {
		const struct hvm_modlist_entry e = { .paddr = mod->gpa, .size = mod->len,
						     .cmdline_paddr = MODSTR_GPA };

		l = loader__region_ptr(li, m, &rl, err, errlen);
		if (!l || write_module_data(li, m, mod, err, errlen))
			return -1;
		memcpy(l, &e, sizeof(e));
		si.nr_modules = 1;
		si.modlist_paddr = MODLIST_GPA;
	}
	/* x86 host: the structs are already in guest (little-endian) layout */
	memcpy(p, &si, sizeof(si));
	memcpy(p + sizeof(si), map, sizeof(map));
	return 0;
}

static int write_multiboot(const struct load_info *li, const struct gmem *m,
			   const struct boot_module *mod, char *err, size_t errlen)
{
	const struct region r = { "multiboot_info", IVM_BOOT_INFO_GPA,
				  sizeof(struct multiboot_info) };
	uint64_t upper = (m->size - HIGH_RAM_START) / 1024;
	struct multiboot_info mi = {
		.flags = MULTIBOOT_INFO_MEMORY | MULTIBOOT_INFO_CMDLINE,
		.mem_lower = 639,
		.mem_upper = upper > UINT32_MAX ? UINT32_MAX : (uint32_t)upper,
		.cmdline = IVM_CMDLINE_GPA,
	};
	const struct region rl = { "module list", MODLIST_GPA, sizeof(struct multiboot_mod) };
	uint8_t *p = loader__region_ptr(li, m, &r, err, errlen), *l;

	if (!p)
		return -1;
	if (mod) {
		/* write_module_data keeps the module below 4 GiB: the fields hold it */
		const struct multiboot_mod e = { .mod_start = (uint32_t)mod->gpa,
						 .mod_end = (uint32_t)(mod->gpa + mod->len),
						 .string = MODSTR_GPA };

		l = loader__region_ptr(li, m, &rl, err, errlen);
		if (!l || write_module_data(li, m, mod, err, errlen))
			return -1;
		memcpy(l, &e, sizeof(e));
		mi.flags |= MULTIBOOT_INFO_MODS;
		mi.mods_count = 1;
		mi.mods_addr = MODLIST_GPA;
	}
	memcpy(p, &mi, sizeof(mi));
	return 0;
}

int loader__write_boot_info(const struct load_info *li, const struct gmem *m,
			    const char *cmdline, char *err, size_t errlen)
{
	return loader__write_boot_info_mod(li, m, cmdline, NULL, err, errlen);
}

int loader__write_boot_info_mod(const struct load_info *li, const struct gmem *m,
				const char *cmdline, const struct boot_module *mod, char *err,
				size_t errlen)
{
	const struct region rc = { "command line", IVM_CMDLINE_GPA, IVM_CMDLINE_MAX };
	size_t n = cmdline ? strlen(cmdline) : 0;
	uint8_t *p;

	if (n >= IVM_CMDLINE_MAX) {
		errline__set(err, errlen, "command line is %zu bytes, the limit is %u", n,
			IVM_CMDLINE_MAX - 1);
		return -1;
	}
	/* the memory map's high entry starts at 1 MiB */
	if (m->size <= HIGH_RAM_START) {
		errline__set(err, errlen, "guest memory 0x%" PRIx64 " bytes is not above 1 MiB",
			m->size);
		return -1;
	}
	p = loader__region_ptr(li, m, &rc, err, errlen);
	if (!p)
		return -1;
	if (n)
		memcpy(p, cmdline, n);

	switch (li->proto) {
	case BOOT_PVH:
		return write_hvm(li, m, mod, err, errlen);
	case BOOT_MULTIBOOT:
		return write_multiboot(li, m, mod, err, errlen);
	case BOOT_ELF64:
		if (write_hvm(li, m, mod, err, errlen))
			return -1;
		return loader__write_long_mode(li, m, err, errlen);
	default:
		errline__set(err, errlen, "boot protocol %d is not resolved", (int)li->proto);
		return -1;
	}
}
