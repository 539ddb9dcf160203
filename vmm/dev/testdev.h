/* SPDX-License-Identifier: MIT */
/*
 * QEMU pc-testdev's IOAPIC line ports (include/abi.h IVM_PORT_TESTDEV_IOAPIC):
 * kvm-unit-tests drives an IOAPIC pin's input from the guest through them.
 */
#ifndef VMM_DEV_TESTDEV_H
#define VMM_DEV_TESTDEV_H

#include "vm/vm.h"

/* pio.c's handler for a byte OUT to IVM_PORT_TESTDEV_IOAPIC + @off. */
int testdev__ioapic_write(struct vm *vm, uint16_t off, unsigned size, uint32_t val);

#endif
