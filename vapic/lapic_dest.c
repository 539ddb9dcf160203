// SPDX-License-Identifier: MIT
/* Local APIC destination matching: physical, logical flat/cluster, x2APIC cluster. */
#include "lapic.h"

/*
 * SDM 10.6.2: does a message for @dest (physical or logical) select this
 * LAPIC? xAPIC: 8-bit IDs, broadcast 0xff, logical flat (DFR model 1111)
 * or cluster (0000) against LDR[31:24]. x2APIC: 32-bit IDs, broadcast
 * 0xffffffff, logical is always cluster: LDR[31:16] cluster, [15:0] mask.
 */
bool lapic__match_dest(const struct lapic *l, uint32_t dest, bool logical)
{
	if (l->x2apic) {
		if (dest == 0xffffffffu)
			return true;
		if (!logical)
			return dest == l->apic_id;
		return (dest >> 16) == (l->ldr >> 16) && (dest & l->ldr & 0xffff);
	}
	dest &= 0xff;
	if (dest == 0xff)
		return true;
	if (!logical)
		return dest == (l->apic_id & 0xff);
	if ((l->dfr >> 28) == 0xf)	/* flat */
		return dest & (l->ldr >> 24);
	/* cluster: high nibble the cluster, low nibble a mask within it */
	return (dest >> 4) == (l->ldr >> 28) && (dest & (l->ldr >> 24) & 0xf);
}
