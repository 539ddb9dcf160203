// SPDX-License-Identifier: MIT
#include <string.h>
#include "pci_testdev.h"

#define NR_TESTS	(2 * PCI_TESTDEV_TESTS)
#define WIDTH		1

static const char *const names[NR_TESTS] = {
	"mmio-no-eventfd", "mmio-wildcard-eventfd", "mmio-datamatch-eventfd",
	"portio-no-eventfd", "portio-wildcard-eventfd", "portio-datamatch-eventfd",
};

static int wildcard(unsigned i)
{
	return i % PCI_TESTDEV_TESTS == 1;
}

const char *pci_testdev__name(unsigned i)
{
	return i < NR_TESTS ? names[i] : NULL;
}

/* past the header at the start of the BAR's second half, as QEMU lays them out:
 * BAR size / 2 + the test's number */
uint32_t pci_testdev__offset(unsigned i)
{
	if (i >= NR_TESTS)
		return 0;
	return (i < PCI_TESTDEV_TESTS ? PCI_TESTDEV_MMIO_SIZE : PCI_TESTDEV_IO_SIZE) / 2 + i * WIDTH;
}

void pci_testdev__reset(struct pci_testdev *t)
{
	memset(t, 0, sizeof(*t));
	t->current = -1;
}

/* byte @off of test @i's header; 0 past it */
static uint8_t hdr_byte(const struct pci_testdev *t, unsigned i, uint32_t off)
{
	size_t name_len = strlen(names[i]) + 1;
	uint32_t v;

	if (off >= PCI_TESTDEV_HDR_NAME)
		return off - PCI_TESTDEV_HDR_NAME < name_len ?
		       (uint8_t)names[i][off - PCI_TESTDEV_HDR_NAME] : 0;
	switch (off & ~3u) {
	case 0: v = i | WIDTH << 8; break;
	case 4: v = pci_testdev__offset(i); break;
	case 8: v = wildcard(i) ? PCI_TESTDEV_DATA_ANY : PCI_TESTDEV_DATA_MATCH; break;
	default: v = t->count[i]; break;	/* PCI_TESTDEV_HDR_COUNT */
	}
	return (uint8_t)(v >> (8 * (off & 3)));
}

uint32_t pci_testdev__read(const struct pci_testdev *t, enum pci_testdev_bar bar, uint32_t off,
			   unsigned size)
{
	uint32_t v = 0;

	if (t->current < 0 || t->current >= NR_TESTS || size > 4)
		return 0;
	/* the header lives in whichever BAR selected it; the other BAR reads it too, as QEMU's */
	for (unsigned k = 0; k < size && off + k >= off; k++)	/* bytes past 4 GiB: 0 */
		v |= (uint32_t)hdr_byte(t, (unsigned)t->current, off + k) << (8 * k);
	return v;
}

void pci_testdev__write(struct pci_testdev *t, enum pci_testdev_bar bar, uint32_t off,
			unsigned size, uint32_t val)
{
	unsigned i;

	if (bar != PCI_TESTDEV_BAR_MMIO && bar != PCI_TESTDEV_BAR_IO)
		return;
	if (off == 0) {		/* the test byte: select, or none */
		uint8_t n = (uint8_t)val;

		t->current = -1;
		if (n < PCI_TESTDEV_TESTS) {
			t->current = (int)(bar * PCI_TESTDEV_TESTS + n);
			t->count[t->current] = 0;
		}
		return;
	}
	if (t->current < 0 || t->current >= NR_TESTS)
		return;
	i = (unsigned)t->current;
	if (i / PCI_TESTDEV_TESTS != bar || off != pci_testdev__offset(i))
		return;
	if (!wildcard(i) && (size != WIDTH || (val & 0xff) != PCI_TESTDEV_DATA_MATCH))
		return;
	t->count[i]++;
}
