/* SPDX-License-Identifier: MIT */
/*
 * QEMU's pci-testdev (hw/misc/pci-testdev.c; vendor 0x1b36, device 0x0005),
 * the register protocol kvm-unit-tests' lib/pci-testdev.c drives, in either
 * BAR: BAR0 4 KiB of MMIO, BAR1 256 bytes of I/O ports. A write of T to
 * offset 0 selects test T (0..2) of that BAR and zeroes its count (any other
 * T selects none); reads then return the selected test's header, byte by
 * byte, zeros past it or with none selected:
 *
 *   +0 test (its number 0..5 over both BARs)  +1 width (1)  +4 offset (le32)
 *   +8 data  +12 count (le32)  +16 name, NUL-terminated
 *
 * A write to the test's offset counts when it matches: any write for the
 * wildcard test, exactly @width bytes of @data for the other two. QEMU counts
 * its two eventfd tests through ioeventfds (and reads 0 for them); vmm has
 * none: the access is matched where the exit is handled and counted here, so
 * every test reads the number of matching writes.
 *
 * Pure: dev/pci.c hands it the accesses its BARs decode.
 */
#ifndef VMM_MODEL_PCI_TESTDEV_H
#define VMM_MODEL_PCI_TESTDEV_H

#include <stdint.h>

#define PCI_TESTDEV_VENDOR	0x1b36	/* Red Hat */
#define PCI_TESTDEV_DEVICE	0x0005
#define PCI_TESTDEV_CLASS	0x00ff00	/* base 0x00, subclass 0xff ("other") */
#define PCI_TESTDEV_MMIO_SIZE	0x1000	/* BAR0 */
#define PCI_TESTDEV_IO_SIZE	0x100	/* BAR1 */

enum pci_testdev_bar { PCI_TESTDEV_BAR_MMIO = 0, PCI_TESTDEV_BAR_IO = 1 };

#define PCI_TESTDEV_TESTS	3	/* per BAR: no-eventfd, wildcard-eventfd, datamatch-eventfd */
#define PCI_TESTDEV_DATA_MATCH	0xfa
#define PCI_TESTDEV_DATA_ANY	0xce	/* what the wildcard test's header says; any value counts */
#define PCI_TESTDEV_HDR_COUNT	12
#define PCI_TESTDEV_HDR_NAME	16

struct pci_testdev {
	int current;		/* 0..5: the selected test (BAR * 3 + T); -1: none */
	uint32_t count[2 * PCI_TESTDEV_TESTS];
};

/* No test selected, every count 0. */
void pci_testdev__reset(struct pci_testdev *t);
/* @size (1, 2 or 4) bytes at @off of BAR @bar; little-endian. */
uint32_t pci_testdev__read(const struct pci_testdev *t, enum pci_testdev_bar bar, uint32_t off,
			   unsigned size);
void pci_testdev__write(struct pci_testdev *t, enum pci_testdev_bar bar, uint32_t off,
			unsigned size, uint32_t val);
/* Test @i's (0..5) offset in its BAR, width, data and name. */
uint32_t pci_testdev__offset(unsigned i);
const char *pci_testdev__name(unsigned i);

#endif
