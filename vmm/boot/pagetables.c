// SPDX-License-Identifier: MIT
/* Long-mode entry state in guest RAM: the flat GDT and the identity-map page tables. */
#include <stdint.h>

#include "abi.h"
#include "loader.h"
#include "loader_priv.h"

static void wr64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = v >> (8 * i);
}

/* Flat GDT and a 4 GiB identity map in 2 MiB pages for the 64-bit entry. */
int loader__write_long_mode(const struct load_info *li, const struct gmem *m, char *err,
			    size_t errlen)
{
	static const uint64_t gdt[BOOT_GDT_SIZE / 8] = {
		0, 0,			/* null; 0x08 unused so CS=0x10/DS=0x18 match abi.h */
		0x00af9b000000ffffull,	/* 0x10: 64-bit code, DPL 0 */
		0x00cf93000000ffffull,	/* 0x18: flat data */
	};
	const struct region rg = { "GDT", IVM_BOOT_GDT_GPA, sizeof(gdt) };
	const struct region rp = { "page tables", IVM_BOOT_PT_GPA, IVM_BOOT_PT_SIZE };
	const uint64_t pte_p_rw = 3, pte_ps = 0x80;
	uint8_t *g, *pt;

	g = loader__region_ptr(li, m, &rg, err, errlen);
	if (!g)
		return -1;
	pt = loader__region_ptr(li, m, &rp, err, errlen);
	if (!pt)
		return -1;
	for (int i = 0; i < 4; i++)
		wr64(g + 8 * i, gdt[i]);
	wr64(pt, (IVM_BOOT_PT_GPA + 0x1000) | pte_p_rw);
	for (uint64_t i = 0; i < 4; i++) {
		uint64_t pd = IVM_BOOT_PT_GPA + 0x2000 + 0x1000 * i;

		wr64(pt + 0x1000 + 8 * i, pd | pte_p_rw);
		for (uint64_t j = 0; j < 512; j++)
			wr64(pt + 0x2000 + 0x1000 * i + 8 * j,
			     ((i << 30) + (j << 21)) | pte_p_rw | pte_ps);
	}
	return 0;
}
