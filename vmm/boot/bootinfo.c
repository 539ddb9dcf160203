// SPDX-License-Identifier: MIT
/* Boot hand-off: the command line and PVH hvm_start_info or multiboot_info. */
#include <inttypes.h>
#include <string.h>

#include "abi.h"
#include "lib/errline.h"
#include "loader.h"
#include "loader_priv.h"

#define LOW_RAM_END	0x9f000u	/* top of conventional RAM below the EBDA */
#define HIGH_RAM_START	0x100000u	/* 1 MiB */

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

static int write_hvm(const struct load_info *li, const struct gmem *m, char *err,
		     size_t errlen)
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
	uint8_t *p = loader__region_ptr(li, m, &r, err, errlen);

	if (!p)
		return -1;
	/* x86 host: the structs are already in guest (little-endian) layout */
	memcpy(p, &si, sizeof(si));
	memcpy(p + sizeof(si), map, sizeof(map));
	return 0;
}

static int write_multiboot(const struct load_info *li, const struct gmem *m, char *err,
			   size_t errlen)
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
	uint8_t *p = loader__region_ptr(li, m, &r, err, errlen);

	if (!p)
		return -1;
	memcpy(p, &mi, sizeof(mi));
	return 0;
}

int loader__write_boot_info(const struct load_info *li, const struct gmem *m,
			    const char *cmdline, char *err, size_t errlen)
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
		return write_hvm(li, m, err, errlen);
	case BOOT_MULTIBOOT:
		return write_multiboot(li, m, err, errlen);
	case BOOT_ELF64:
		if (write_hvm(li, m, err, errlen))
			return -1;
		return loader__write_long_mode(li, m, err, errlen);
	default:
		errline__set(err, errlen, "boot protocol %d is not resolved", (int)li->proto);
		return -1;
	}
}
