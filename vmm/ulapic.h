/* SPDX-License-Identifier: MIT */
/*
 * --irqchip=user: our LAPIC model (vapic/lapic.c) wired to KVM with no
 * in-kernel irqchip. xAPIC MMIO and x2APIC MSRs (through a user-space MSR
 * filter) reach the model; interrupts go in with KVM_INTERRUPT when the
 * guest can take one, else an interrupt window is requested.
 */
#ifndef VMM_ULAPIC_H
#define VMM_ULAPIC_H

#include <stdint.h>
#include "vmm.h"

int ulapic__init(struct vm *vm, char *err, size_t errlen);
/* Before KVM_RUN: inject the highest deliverable vector or ask for a window. */
void ulapic__pre_run(struct vm *vm);
/* An MSR exit: 0 handled (run->msr filled), -1 not ours. */
int ulapic__msr(struct vm *vm, struct kvm_run *run);
/* An MSI (address/data) arriving at our LAPIC. */
void ulapic__msi(struct vm *vm, uint64_t addr, uint32_t data);
/* The INTA race: the spurious vector, straight to the CPU. */
int ulapic__spurious(struct vm *vm, char *err, size_t errlen);

#endif
