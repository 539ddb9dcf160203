/* SPDX-License-Identifier: MIT */
/*
 * One injection API for scenarios now and storms later: MSI, IOAPIC pin
 * assert/deassert/pulse, NMI, exceptions (injected or pending, with payload),
 * INIT/SIPI, spurious. Each kind is routed per irqchip mode.
 */
#ifndef VMM_INJECT_H
#define VMM_INJECT_H

#include "scenario/scenario.h"
#include "vm/vm.h"

/* Perform @inj now (the vCPU is stopped). -1 with a one-line @err if this
 * irqchip mode can't do it, or KVM refused. */
int inject__do(struct vm *vm, const struct injection *inj, char *err, size_t errlen);
const char *inject__kind_name(enum inj_kind k);
/* On @v's thread: the injections other threads queued for it, in order. */
void inject__run_queued(struct vcpu *v);

#endif
