// SPDX-License-Identifier: MIT
/*
 * The VMM's answers the guest consumed, given back as recorded (ReVirt logs
 * every non-deterministic input). IVM_HC_QUIET is one: whether another vCPU
 * is at a quiet point depends on the host's timing, and the guest branches
 * on it. Each question is matched to the recording's by its order on the
 * asking vCPU, the vCPU asked about and the asker's ring slot count.
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
