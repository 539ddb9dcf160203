/* SPDX-License-Identifier: MIT */
/*
 * `vmm run --trace FILE`: one ordered stream of what the guest saw (its event
 * ring) and what the host did (injections, exits, IOAPIC changes, deliveries
 * the VMM performed, milestones). Before each host record the guest ring is
 * drained, so guest events that happened first are written first.
 */
#ifndef VMM_RECORD_H
#define VMM_RECORD_H

#include "trace/itr.h"
#include "vm/vm.h"

int record__open(struct vm *vm, const char *path, char *err, size_t errlen);
/* Drain every vCPU's event ring (what the guest did so far comes first); with or
 * without a trace, since the scenario checks read the same events. */
void record__drain_rings(struct vm *vm);
/* The last drain: the vCPUs run no more, a slot left half-written is counted. */
void record__drain_rings_final(struct vm *vm);
/* Write @r (type, vector, a, b, ... filled by the caller) after draining the guest ring. */
void record__host(struct vm *vm, struct itr_record *r);
/*
 * @v is about to enter with @vector handed to KVM (KVM_INTERRUPT, or KVM_NMI
 * with @how ITR_DELIVER_NMI): ITR_DELIVER with where the guest is and how many
 * of its records came before, the place a replay delivers it at again.
 */
void record__deliver(struct vcpu *v, uint8_t vector, enum itr_deliver_how how);
/* ITR_DELIVER timer: at a LAPIC access, how many times @v's LAPIC timer has fired. */
void record__timer(struct vcpu *v, uint32_t fires);
/* ITR_QUIET: the answer @v's IVM_HC_QUIET about vCPU @asked got (@bits, @rip), where @v is. */
void record__quiet(struct vcpu *v, uint64_t asked, uint32_t bits, uint64_t rip);
/* ITR_IRR: @v's IN from IVM_PORT_IRR got @words, at this exit. */
void record__irr(struct vcpu *v, uint32_t words);
/* ITR_PROGRESS: @v's IVM_HC_PROGRESS of the counter at @gpa got @value, where @v is. */
void record__progress(struct vcpu *v, uint64_t gpa, uint32_t value);
/* Drain, write ITR_LOST if the guest lost events, then ITR_END saying why the run ended. */
int record__close(struct vm *vm, int status, char *err, size_t errlen);

static inline bool record__on(const struct vm *vm)
{
	return vm->trace != NULL;
}

#endif
