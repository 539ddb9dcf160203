/* SPDX-License-Identifier: MIT */
/*
 * PCI bus 0 behind configuration mechanism #1 (PCI Local Bus 3.0, 3.2.2.3.2):
 * CONFIG_ADDRESS at 0xcf8 (32-bit only), CONFIG_DATA at 0xcfc-0xcff (1, 2 or
 * 4 bytes at a byte offset). Each device is function 0 of a slot, with a
 * type 0 header: IDs, class, revision and subsystem read-only; the command
 * register's I/O, memory and bus-master bits writable; BARs sized (all ones
 * written, the size mask read back); cache line size, latency timer and
 * interrupt line writable; every other byte read-only. An absent slot, any
 * function but 0, any bus but 0, or CONFIG_ADDRESS with bit 31 clear reads
 * all ones and takes no write.
 *
 * CONFIG_ADDRESS is QEMU's, not the spec's: the latch keeps all 32 bits as
 * written, and its bits 1:0, which a spec-compliant host bridge ignores, are
 * OR'ed into the register with the data port's offset. kvm-unit-tests' lib
 * before its PCI_CONF1_ADDRESS mask leaves the register's low bits there and
 * reads CONFIG_DATA at 0xcfc (the device ID as outl(reg 2), inw(0xcfc)).
 *
 * Pure: no VM, no ports of its own. dev/pci.c wires it to 0xcf8 and asks
 * pci_bus__decode which BAR, if any, an I/O or MMIO access falls in: a BAR
 * decodes only while its space's enable bit is set in the command register.
 */
#ifndef VMM_MODEL_PCI_H
#define VMM_MODEL_PCI_H

#include <stdbool.h>
#include <stdint.h>

#define PCI_PORT_CONFIG		0xcf8	/* CONFIG_ADDRESS (+0..3), CONFIG_DATA (+4..7) */
#define PCI_PORT_CONFIG_LEN	8
#define PCI_CONFIG_ENABLE	0x80000000u	/* bit 31; bus 23:16, device 15:11, function 10:8 */

#define PCI_CFG_SIZE		256
#define PCI_SLOTS		32
#define PCI_NR_BARS		6
#define PCI_BUS_MAX_DEVS	4	/* devices a bus holds (it holds 2 today) */

/* type 0 header offsets */
#define PCI_VENDOR_ID		0x00
#define PCI_DEVICE_ID		0x02
#define PCI_COMMAND		0x04
#define PCI_STATUS		0x06
#define PCI_REVISION_ID		0x08
#define PCI_CLASS_PROG		0x09
#define PCI_CACHE_LINE_SIZE	0x0c
#define PCI_LATENCY_TIMER	0x0d
#define PCI_HEADER_TYPE		0x0e
#define PCI_BASE_ADDRESS_0	0x10
#define PCI_SUBSYSTEM_VENDOR_ID	0x2c
#define PCI_SUBSYSTEM_ID	0x2e
#define PCI_ROM_ADDRESS		0x30
#define PCI_INTERRUPT_LINE	0x3c
#define PCI_INTERRUPT_PIN	0x3d

#define PCI_COMMAND_IO		0x0001
#define PCI_COMMAND_MEMORY	0x0002
#define PCI_COMMAND_MASTER	0x0004
#define PCI_COMMAND_INTX_DISABLE 0x0400
/* the command bits a device here implements */
#define PCI_COMMAND_WRITABLE	(PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | \
				 PCI_COMMAND_INTX_DISABLE)

#define PCI_BAR_IO		0x1u	/* bit 0 of an I/O BAR */
#define PCI_BAR_IO_MASK		(~0x3u)
#define PCI_BAR_MEM_MASK	(~0xfu)	/* a 32-bit, non-prefetchable memory BAR */

enum pci_space { PCI_SPACE_IO, PCI_SPACE_MEM };

/* What a device is: its identity and its BARs; dev/pci.c builds these. */
struct pci_dev_info {
	uint8_t slot;			/* device number on bus 0, 0..31 */
	uint16_t vendor, device;
	uint32_t class;			/* base << 16 | sub << 8 | prog-if */
	uint8_t revision;
	uint16_t subsys_vendor, subsys;
	struct {
		uint32_t size;		/* a power of two; 0: no BAR (reads 0, takes no write) */
		enum pci_space space;
		uint32_t addr;		/* the power-on address (what firmware would assign) */
	} bar[PCI_NR_BARS];
	uint16_t command;		/* at power-on (firmware's enables) */
};

struct pci_dev {
	uint8_t slot;
	uint8_t cfg[PCI_CFG_SIZE];
	uint8_t wmask[PCI_CFG_SIZE];	/* the bits a config write may change */
	uint32_t bar_size[PCI_NR_BARS];
	enum pci_space bar_space[PCI_NR_BARS];
};

struct pci_bus {
	uint32_t config_address;	/* the CONFIG_ADDRESS latch, as written */
	unsigned ndev;
	struct pci_dev dev[PCI_BUS_MAX_DEVS];
};

/* An empty bus, CONFIG_ADDRESS 0. */
void pci_bus__init(struct pci_bus *b);
/*
 * A device at @info->slot in its power-on state. 0, or -1 if the slot is taken
 * or out of range, the bus full, or a BAR's size is not a power of two (at
 * least 16 bytes for memory, 4 for I/O) or its address not aligned to it.
 */
int pci_bus__add(struct pci_bus *b, const struct pci_dev_info *info);

/* Port access at PCI_PORT_CONFIG + @off (0..7), @size 1, 2 or 4 bytes. Only a
 * 4-byte access at +0 is CONFIG_ADDRESS; any other at +0..3 reads all ones and
 * is dropped. At +4..7, CONFIG_DATA: register (CONFIG_ADDRESS & 0xff) | (@off - 4)
 * of the device it names; an access that runs past 0xcff, or past the 256-byte
 * space, reads all ones and is dropped. */
uint32_t pci_bus__port_read(struct pci_bus *b, unsigned off, unsigned size);
void pci_bus__port_write(struct pci_bus *b, unsigned off, unsigned size, uint32_t val);

/* Configuration space directly: @size bytes (1, 2 or 4) at register @reg of
 * bus @bus, device @slot, function @fn; all ones and dropped where nothing
 * answers, or where @reg + @size passes the 256-byte space. */
uint32_t pci_bus__cfg_read(const struct pci_bus *b, unsigned bus, unsigned slot, unsigned fn,
			   unsigned reg, unsigned size);
void pci_bus__cfg_write(struct pci_bus *b, unsigned bus, unsigned slot, unsigned fn,
			unsigned reg, unsigned size, uint32_t val);

/*
 * Which BAR decodes @size bytes at @addr of @space: the slot of its device
 * (with *@bar and *@off, the offset into it), or -1. A BAR decodes only while
 * its device's command register enables the space; the access must lie wholly
 * inside it; an I/O BAR above 0xffff decodes nothing (x86 ports are 16-bit).
 */
int pci_bus__decode(const struct pci_bus *b, enum pci_space space, uint64_t addr, unsigned size,
		    unsigned *bar, uint32_t *off);
/* The current base address of BAR @bar of the device in @slot (0 if none). */
uint32_t pci_bus__bar_addr(const struct pci_bus *b, unsigned slot, unsigned bar);

#endif
