/* SPDX-License-Identifier: MIT */
/* The three interrupt-controller set-ups: in-kernel, split (our IOAPIC), user (ours). */
#ifndef VMM_IRQCHIP_H
#define VMM_IRQCHIP_H

#include "vm/vm.h"

/* VM-wide part, before any vCPU exists. */
int irqchip__create(struct vm *vm, char *err, size_t errlen);

#endif
