/* SPDX-License-Identifier: MIT */
/*
 * Our IOAPIC (vapic/ioapic.c) wired to KVM, for --irqchip=split and user.
 * Split: each pin is a GSI whose KVM route is the pin's MSI, rebuilt before
 * delivery whenever the RTE changed, so KVM arms KVM_EXIT_IOAPIC_EOI for
 * level-triggered pins. User: deliveries go to our LAPIC model.
 */
#ifndef VMM_UIOAPIC_H
#define VMM_UIOAPIC_H

#include <stdint.h>
#include "vm/vm.h"

int uioapic__init(struct vm *vm, char *err, size_t errlen);
/* An IOAPIC pin's input changed (scenario injection). -1 with @err on a bad pin. */
int uioapic__set_irq(struct vm *vm, unsigned pin, int level, char *err, size_t errlen);

#endif
