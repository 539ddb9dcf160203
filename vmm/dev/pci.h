/* SPDX-License-Identifier: MIT */
/*
 * PCI bus 0 wired to the VM (model/pci.c): configuration mechanism #1 at
 * 0xcf8-0xcff through pio.c's table, and the BARs: an I/O or MMIO access no
 * fixed device claims goes to the BAR that decodes it, if any. The host
 * bridge (i440FX, slot 0) is always there; pci-testdev (slot 1) with
 * --pci-testdev.
 */
#ifndef VMM_DEV_PCI_H
#define VMM_DEV_PCI_H

#include <stdbool.h>
#include "vm/vm.h"

#define PCI_HOST_SLOT		0
#define PCI_TESTDEV_SLOT	1

/* The bus at power-on for @vm->opts: BARs assigned, decoding enabled. */
void pci__init(struct vm *vm);
/* pio.c's handlers for PCI_PORT_CONFIG + @off */
uint32_t pci_port__read(struct vm *vm, uint16_t off, unsigned size);
int pci_port__write(struct vm *vm, uint16_t off, unsigned size, uint32_t val);
/* An I/O access no fixed device took: true if a BAR decodes it (*@val read or written). */
bool pci__pio(struct vm *vm, uint16_t port, bool out, unsigned size, uint32_t *val);
/* The same for MMIO at @addr, @len bytes (1..8; more than 4 is taken as 4). */
bool pci__mmio(struct vm *vm, uint64_t addr, unsigned len, bool write, uint32_t *val);

#endif
