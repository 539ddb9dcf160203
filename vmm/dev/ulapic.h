/* SPDX-License-Identifier: MIT */
/*
 * --irqchip=user: our LAPIC model (vapic/lapic.c) wired to KVM with no
 * in-kernel irqchip. xAPIC MMIO and the APIC base and TSC-deadline MSRs
 * (through a user-space MSR filter) reach the model; x2APIC is offered only
 * if the guest's CPUID says so (it does not: kvm.c hides it). CR8 and TPR
 * are kept one register through kvm_run->cr8. Interrupts go in with
 * KVM_INTERRUPT when the guest can take one, else an interrupt window is
 * requested.
 */
#ifndef VMM_ULAPIC_H
#define VMM_ULAPIC_H

#include <stdbool.h>
#include <stdint.h>
#include "vm/vm.h"

int ulapic__init(struct vm *vm, char *err, size_t errlen);
/*
 * Before KVM_RUN, on @v's thread: INIT/SIPI, then inject the highest
 * deliverable vector or ask for a window. False: @v waits for a SIPI.
 */
bool ulapic__pre_run(struct vcpu *v);
/* An MSR exit: 0 handled (run->msr filled), -1 not ours. */
int ulapic__msr(struct vcpu *v, struct kvm_run *run);
/* An MSI (address/data) arriving at the LAPICs: routed by destination. */
void ulapic__msi(struct vm *vm, uint64_t addr, uint32_t data);
/* User mode: an IOAPIC message arriving at our LAPICs. */
struct ioapic_msg;
void ulapic__accept(struct vm *vm, const struct ioapic_msg *m);
/*
 * Before a guest access to @v's LAPIC: the guest's CR8 into TPR, the timer's
 * expiries, recorded or replayed.
 */
void ulapic__timer_input(struct vcpu *v);
/* The INTA race: the spurious vector, straight to @v's CPU. */
void ulapic__spurious(struct vcpu *v);
/*
 * Replay: @v is about to write @icr_low to its ICR (xAPIC). A fixed IPI to
 * another vCPU waits here until that vCPU has taken as many of its vector as
 * the recording's had when it was sent (else the two merge in its IRR where
 * the recording's did not); 10 s at most, then the run stops.
 */
void ulapic__before_icr(struct vcpu *v, uint32_t icr_low);

#endif
