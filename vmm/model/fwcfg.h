/* SPDX-License-Identifier: MIT */
/*
 * QEMU's fw_cfg, the traditional I/O port interface (docs/specs/fw_cfg.rst
 * in QEMU): a 16-bit selector picks an item, then each byte read returns the
 * item's next byte, and zero once the item is used up. The items are the few
 * that kvm-unit-tests' lib/x86 reads. No DMA, no files, no writes.
 *
 * Pure: the machine's facts come in as arguments; the state is two numbers
 * and all zeros is the power-on state (key 0, the signature, at offset 0),
 * as after QEMU's fw_cfg_reset.
 */
#ifndef VMM_MODEL_FWCFG_H
#define VMM_MODEL_FWCFG_H

#include <stdint.h>
#include "abi.h"

/* Keys (QEMU include/standard-headers/linux/qemu_fw_cfg.h) */
#define FW_CFG_SIGNATURE	0x0000	/* "QEMU" */
#define FW_CFG_ID		0x0001	/* 32-bit feature bitmap */
#define FW_CFG_RAM_SIZE		IVM_FWCFG_RAM_SIZE	/* 64-bit: RAM size in bytes (abi.h: the guest reads it) */
#define FW_CFG_NB_CPUS		IVM_FWCFG_NB_CPUS	/* 16-bit: vCPUs at boot (abi.h: the guest reads it) */
#define FW_CFG_MAX_CPUS		0x000f	/* 16-bit: APIC ID limit */
#define FW_CFG_WRITE_CHANNEL	0x4000	/* ignored: writes are not supported */
#define FW_CFG_ARCH_LOCAL	0x8000	/* the arch's own items: none here */
#define FW_CFG_ENTRY_MASK	0x3fff

#define FW_CFG_VERSION		0x01	/* FW_CFG_ID: the traditional interface only */
#define FW_CFG_ITEM_MAX		8	/* the longest item, in bytes */

/* What the items describe; the device fills it from the VM on each access. */
struct fwcfg_machine {
	uint64_t ram_size;
	uint16_t nb_cpus;
	uint16_t max_cpus;
};

struct fwcfg {
	uint16_t key;		/* the selector as written */
	uint8_t off;		/* the next byte of the item; stops at its length */
};

void fwcfg__reset(struct fwcfg *f);
/* A selector write: item @key, from its first byte. */
void fwcfg__select(struct fwcfg *f, uint16_t key);
/* A data read: the next byte of the selected item, 0 past its end or for an
 * item this device does not have (QEMU reads zeros there too). */
uint8_t fwcfg__read(struct fwcfg *f, const struct fwcfg_machine *m);
/* Item @key's bytes into @buf (FW_CFG_ITEM_MAX); its length, 0 for none. */
unsigned fwcfg__item(uint16_t key, const struct fwcfg_machine *m, uint8_t *buf);

#endif
