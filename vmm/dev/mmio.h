/* SPDX-License-Identifier: MIT */
/* KVM_EXIT_MMIO: the IOAPIC and LAPIC windows of the modes that model them. */
#ifndef VMM_MMIO_H
#define VMM_MMIO_H

#include "vm/vm.h"

/* EXIT_RESUME, or EXIT_STOP after vm__stop(). */
int handle_mmio(struct vcpu *v);

#endif
