/* SPDX-License-Identifier: MIT */
/* KVM's LAPIC state page (KVM_GET_LAPIC, KVM_SET_LAPIC): each register at its xAPIC offset */
#ifndef VMM_LAPIC_STATE_H
#define VMM_LAPIC_STATE_H

#include <stdint.h>
#include <string.h>
#include <linux/kvm.h>
#include "vapic/lapic.h"

static inline uint32_t lapic_state__get(const struct kvm_lapic_state *s, unsigned off)
{
	uint32_t v;

	memcpy(&v, s->regs + off, sizeof(v));	/* the page is char[]: no aligned load */
	return v;
}

static inline void lapic_state__set(struct kvm_lapic_state *s, unsigned off, uint32_t v)
{
	memcpy(s->regs + off, &v, sizeof(v));
}

/* Bit w: IRR word w (vectors 32w..32w+31) holds a vector, as IVM_PORT_IRR answers */
static inline uint32_t lapic_state__irr_words(const struct kvm_lapic_state *s)
{
	uint32_t words = 0;

	for (unsigned w = 0; w < 8; w++)
		words |= (uint32_t)(lapic_state__get(s, LAPIC_IRR + 0x10 * w) != 0) << w;
	return words;
}

#endif
