/* SPDX-License-Identifier: MIT */
/* Private to vmm/boot/: what bootinfo.c and pagetables.c share. */
#ifndef VMM_BOOT_LOADER_PRIV_H
#define VMM_BOOT_LOADER_PRIV_H

#include <stddef.h>
#include <stdint.h>
#include "loader.h"

#define LOW_RAM_END	0x9f000u	/* top of conventional RAM below the EBDA */
#define HIGH_RAM_START	0x100000u	/* 1 MiB */
#define BOOT_GDT_SIZE	0x20u		/* the ELF64 boot's GDT: null, unused, code64, data */

/* A hand-off structure's place in guest RAM, named for messages. */
struct region {
	const char *name;
	uint64_t gpa, size;
};

/* Zeroed host pointer to @r, or NULL with @err set if not RAM or over a segment. */
void *loader__region_ptr(const struct load_info *li, const struct gmem *m,
			 const struct region *r, char *err, size_t errlen);

/* The BOOT_ELF64 GDT and page tables at IVM_BOOT_GDT_GPA and IVM_BOOT_PT_GPA. */
int loader__write_long_mode(const struct load_info *li, const struct gmem *m, char *err,
			    size_t errlen);

#endif
