// SPDX-License-Identifier: MIT
/*
 * The VMM's answers the guest consumed, given back as recorded (ReVirt logs
 * every non-deterministic input). IVM_HC_QUIET is one: whether another vCPU
 * is at a quiet point depends on the host's timing, and the guest branches
 * on it; IVM_PORT_IRR is another: what the LAPIC holds when the guest asks;
 * IVM_HC_PROGRESS a third: how far another vCPU's counter has got.
 * Each question is matched to the recording's by its order on the asking
 * vCPU and the asker's ring slot count (and for QUIET the vCPU asked about).
 */
#include <inttypes.h>
#include <stdio.h>
#include "lib/gmem.h"
#include "model/evring.h"
#include "replay.h"

enum replay_where replay__answer(struct vcpu *v, uint64_t asked, const struct replay_answer **a)
{
	struct replay *rp = v->vm->replay;
	const struct replay_answer *r;
	uint32_t count;
	uint8_t who = itr_quiet__asked(asked);
	static char why[320];

	if (!rp || !rp->answers)
		return REPLAY_NONE;
	count = evring__reserved(&v->ring, &v->vm->mem);
	if (rp->cpu[v->id].next_ans >= rp->cpu[v->id].nans) {
		snprintf(why, sizeof(why), "replay: cpu %u asked whether cpu %u is quiet (IVM_HC_QUIET) "
			 "after %" PRIu32 " guest ring slots, one question more than the recording's %zu",
			 v->id, who, count, rp->cpu[v->id].nans);
		vm__stop_now(v->vm, VMM_GUEST_FAILED, why);
		return REPLAY_PAST;
	}
	r = &rp->cpu[v->id].ans[rp->cpu[v->id].next_ans];
	if (r->asked != who || (uint32_t)r->count != count) {
		snprintf(why, sizeof(why), "replay: cpu %u asked whether cpu %u is quiet (IVM_HC_QUIET) "
			 "after %" PRIu32 " guest ring slots; the recording's next question (record %"
			 PRIu64 ") asked about cpu %u after %" PRIu64, v->id, who, count, r->seq, r->asked,
			 r->count);
		vm__stop_now(v->vm, VMM_GUEST_FAILED, why);
		return REPLAY_PAST;
	}
	rp->cpu[v->id].next_ans++;
	rp->answered++;
	*a = r;
	return REPLAY_HERE;
}

enum replay_where replay__progress(struct vcpu *v, uint64_t gpa, const struct replay_progress **p)
{
	struct replay *rp = v->vm->replay;
	struct replay_cpu *c;
	const struct replay_progress *r;
	uint32_t count;
	static char why[320];

	if (!rp || !rp->give_progress)
		return REPLAY_NONE;
	count = evring__reserved(&v->ring, &v->vm->mem);
	c = &rp->cpu[v->id];
	if (c->next_prog >= c->nprogs) {
		snprintf(why, sizeof(why), "replay: cpu %u asked how far the counter at %#" PRIx64
			 " has got (IVM_HC_PROGRESS) after %" PRIu32 " guest ring slots, one question more "
			 "than the recording's %zu", v->id, gpa, count, c->nprogs);
		vm__stop_now(v->vm, VMM_GUEST_FAILED, why);
		return REPLAY_PAST;
	}
	r = &c->progs[c->next_prog];
	if (r->gpa != gpa || (uint32_t)r->count != count) {
		snprintf(why, sizeof(why), "replay: cpu %u asked how far the counter at %#" PRIx64
			 " has got (IVM_HC_PROGRESS) after %" PRIu32 " guest ring slots; the recording's "
			 "next question (record %" PRIu64 ") asked about %#" PRIx64 " after %" PRIu64,
			 v->id, gpa, count, r->seq, r->gpa, r->count);
		vm__stop_now(v->vm, VMM_GUEST_FAILED, why);
		return REPLAY_PAST;
	}
	c->next_prog++;
	rp->progress_given++;
	*p = r;
	return REPLAY_HERE;
}

enum replay_where replay__irr(struct vcpu *v, uint32_t live, uint32_t *words)
{
	struct replay *rp = v->vm->replay;
	struct replay_cpu *c;
	uint32_t count;

	if (!rp || !rp->give_irrs)
		return REPLAY_NONE;
	count = evring__reserved(&v->ring, &v->vm->mem);
	c = &rp->cpu[v->id];

	/* the recording asked more before this count: a loop the host's clock bounded went round less */
	for (; c->next_irr < c->nirrs && (int32_t)((uint32_t)c->irrs[c->next_irr].count - count) < 0;
	     c->next_irr++)
		rp->irrs_skipped++;
	if (count != (uint32_t)c->irr_count) {
		c->irr_count = count;
		c->irr_asked = 0;
		c->irr_given = false;
	}
	c->irr_asked++;
	if (c->next_irr < c->nirrs && (uint32_t)c->irrs[c->next_irr].count == count) {
		*words = c->irrs[c->next_irr++].words;
		c->irr_given = true;
		rp->irrs_given++;
	} else if (c->irr_given) {
		*words = c->irrs[c->next_irr - 1].words;	/* round again, as the last time here */
		rp->irrs_again++;
	} else {
		rp->irrs_live++;
		return REPLAY_NONE;
	}
	rp->irrs_differed += live != *words;
	return REPLAY_HERE;
}

uint32_t replay__irrs_at(const struct vcpu *v, uint32_t count)
{
	const struct replay *rp = v->vm->replay;

	return rp && (uint32_t)rp->cpu[v->id].irr_count == count ? rp->cpu[v->id].irr_asked : 0;
}
