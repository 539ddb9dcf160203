// SPDX-License-Identifier: MIT
/*
 * IVM_PORT_IRR: the guest asks, with an exit, which of its IRR words hold a
 * vector. What IRR holds at a given guest point is the host's timing (a KVM
 * timer tick, another vCPU's IPI), and the guest branches on it: each answer
 * is recorded (ITR_IRR) and a replay gives the recorded one back
 * (replay__irr), as ReVirt logs every input.
 */
#include <string.h>
#include <sys/ioctl.h>
#include "record/record.h"
#include "replay/replay.h"
#include "vm/lapic_state.h"
#include "irrport.h"

/* Bit w set: IRR word w of @v's LAPIC (KVM's, or the model under user) holds a vector; -1: KVM would not say */
static int64_t irr_words(struct vcpu *v)
{
	struct kvm_lapic_state s;
	uint32_t words = 0;

	if (v->vm->opts.irqchip == IRQCHIP_USER) {
		for (unsigned w = 0; w < 8; w++)
			words |= (uint32_t)(v->lapic.irr[w] != 0) << w;
		return words;
	}
	if (ioctl(v->fd, KVM_GET_LAPIC, &s) < 0)
		return -1;
	return lapic_state__irr_words(&s);
}

uint32_t irrport__read(struct vm *vm, uint16_t off, unsigned size)
{
	struct vcpu *v = vcpu__current();
	int64_t live;
	uint32_t words;

	if (!v || off)
		return 0xffffffffu;	/* no vCPU asks (or not at the port itself): no answer */
	live = irr_words(v);
	/* KVM would not say: every word, so a guest that waits for IRR to drain waits on */
	words = live < 0 ? 0xffu : (uint32_t)live;
	switch (vm->replay ? replay__irr(v, words, &words) : REPLAY_NONE) {
	case REPLAY_PAST:
		return 0xffu;	/* the replay was stopped: the guest runs no more */
	default:
		break;
	}
	record__irr(v, words);
	return words;
}
