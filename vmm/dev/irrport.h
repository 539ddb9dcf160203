/* SPDX-License-Identifier: MIT */
/*
 * IVM_PORT_IRR (include/abi.h): which IRR words of the asking vCPU's LAPIC
 * hold a vector, answered at that exit, recorded, and given back by a replay.
 */
#ifndef VMM_DEV_IRRPORT_H
#define VMM_DEV_IRRPORT_H

#include "vm/vm.h"

/* pio.c's handler for a 32-bit IN from IVM_PORT_IRR: the answer, ~0 outside a vCPU's thread. */
uint32_t irrport__read(struct vm *vm, uint16_t off, unsigned size);

#endif
