/* SPDX-License-Identifier: MIT */
/*
 * QEMU's fw_cfg at ports 0x510 (selector) and 0x511 (data), wired to the VM:
 * the items describe this VM's RAM and vCPUs (model/fwcfg.c is the device).
 */
#ifndef VMM_DEV_FWCFG_H
#define VMM_DEV_FWCFG_H

#include "vm/vm.h"

#define FWCFG_PORT_LEN	2	/* IVM_PORT_FWCFG (selector) and IVM_PORT_FWCFG_DATA */

/* pio.c's handlers; @off is from IVM_PORT_FWCFG, the size one pio.c let through */
uint32_t fwcfg_port__read(struct vm *vm, uint16_t off, unsigned size);
int fwcfg_port__write(struct vm *vm, uint16_t off, unsigned size, uint32_t val);

#endif
