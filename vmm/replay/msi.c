// SPDX-License-Identifier: MIT
/*
 * Two MSIs of one vector to one vCPU merge in its IRR when the second comes
 * before the first is taken: one ENTRY for both. Where the recording had
 * such a merge, a replay whose target reaches the place sooner than the
 * sender reaches its second sync point takes the first alone there, and the
 * second then sits in IRR with no place of its own (storm seed 2, kernel:
 * v=97 sent at sync 50 and 53, taken once). So that place waits until the
 * replay has made as many MSIs of its vector to that vCPU as the recording
 * had merged into it; order.c is the other half (not sooner than then).
 * A spurious INTA the user LAPIC owes is one flag: two merge so too.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include "lib/clock.h"
#include "replay.h"

#define MSI_WAIT_NS 10000000000ull	/* for the sender to reach the MSI's sync point */

/*
 * The guest's spurious vector (include/abi.h SPURIOUS_APIC_VECTOR, Linux's):
 * where a spurious injection is taken. With another SVR vector no place
 * counts, and nothing waits.
 */
#define GUEST_SPURIOUS_VECTOR 0xff

int replay__merging_vector(const struct replay *rp, const struct injection *inj)
{
	if (inj->dest >= rp->vcpus)
		return -1;
	if (inj->kind == INJ_MSI && !inj->delivery && !inj->level)
		return inj->vector;
	return inj->kind == INJ_SPURIOUS ? GUEST_SPURIOUS_VECTOR : -1;
}

/*
 * A vector sent n times and taken at m places (m < n: merges): the k-th place
 * (from 1) took what was sent before its record in the file, at most, and
 * leaves at least one for each later place: min(before, n - (m - k)). Taking
 * the most a place can is as good as any split: the guest sees one ENTRY
 * there either way. A record the file has before the ENTRY may have been
 * made after the CPU took it (the guest's ring drains at its exits): the
 * bound keeps the later places theirs. n <= m: nothing merged, no wait.
 */
void replay__msi_needs(struct replay *rp)
{
	for (unsigned c = 0; c < rp->vcpus; c++) {
		uint32_t m[256] = { 0 }, k[256] = { 0 };

		for (size_t i = 0; i < rp->cpu[c].n; i++)
			m[rp->cpu[c].p[i].vector] += rp->cpu[c].p[i].how == ITR_DELIVER_IRQ;
		for (size_t i = 0; i < rp->cpu[c].n; i++) {
			struct replay_point *p = &rp->cpu[c].p[i];
			uint32_t n = rp->msis[c][p->vector], left;

			if (p->how != ITR_DELIVER_IRQ || n <= m[p->vector]) {
				p->msis_needed = 0;
				continue;
			}
			left = n - (m[p->vector] - ++k[p->vector]);
			p->msis_needed = p->msis_needed < left ? p->msis_needed : left;
		}
	}
}

void replay__msi_made(struct vm *vm, const struct injection *inj)
{
	struct replay *rp = vm->replay;
	int vector = rp ? replay__merging_vector(rp, inj) : -1;

	if (vector < 0)
		return;
	rp->cpu[inj->dest].msis_made[vector]++;
	pthread_cond_broadcast(&vm->wake);	/* a place waiting for it looks again */
}

enum replay_where replay__msi_wait(struct vcpu *v, const struct replay_point *p)
{
	struct replay_cpu *c = &v->vm->replay->cpu[v->id];
	uint64_t now;
	static char why[320];

	if (p->how != ITR_DELIVER_IRQ || c->msis_made[p->vector] >= p->msis_needed) {
		c->msi_wait_since = 0;
		return REPLAY_HERE;
	}
	now = clock__now_ns();
	if (!c->msi_wait_since) {
		c->msi_wait_since = now;
		v->vm->replay->msi_waited++;
	} else if (now - c->msi_wait_since > MSI_WAIT_NS) {
		snprintf(why, sizeof(why), "replay: cpu %u at the place of recorded record %" PRIu64
			 " (interrupt v=%02x): the recording had made %" PRIu32 " injections of that vector "
			 "by then (merged), here %" PRIu32 " after %llu s", v->id, p->seq, p->vector,
			 p->msis_needed, c->msis_made[p->vector], MSI_WAIT_NS / 1000000000ull);
		vm__stop_now(v->vm, VMM_GUEST_FAILED, why);
		return REPLAY_PAST;
	}
	return REPLAY_NOT_YET;
}
