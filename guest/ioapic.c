// SPDX-License-Identifier: MIT
/* IOAPIC at 0xfec00000: IOREGSEL/IOWIN, redirection entries, EOI register. */
#include "guest.h"

#define IOAPIC_BASE	0xfec00000ull
#define IOAPIC_VER	0x01
#define IOAPIC_REDTBL	0x10
#define IOAPIC_EOI_OFF	0x40	/* version >= 0x20 */
#define RTE_MASKED	(1u << 16)

unsigned int ioapic_version, ioapic_nr_pins;

static volatile uint32_t *const ioapic = (volatile uint32_t *)IOAPIC_BASE;

static uint32_t io_read(uint32_t reg)
{
	ioapic[0] = reg;		/* IOREGSEL */
	return ioapic[4];		/* IOWIN at 0x10 */
}

static void io_write(uint32_t reg, uint32_t v)
{
	ioapic[0] = reg;
	ioapic[4] = v;
}

/* Low half of an RTE, recorded (IVM_EV_RTE) under IF=0 so an unmask delivers after its record */
static void rte_write_lo(unsigned int pin, uint32_t lo)
{
	uint64_t f = raw_local_irq_save();

	io_write(IOAPIC_REDTBL + 2 * pin, lo);
	ev_record(IVM_EV_RTE, pin, lo);
	raw_local_irq_restore(f);
}

void ioapic_init(void)
{
	uint32_t ver = io_read(IOAPIC_VER);
	unsigned int pin;

	ioapic_version = ver & 0xff;
	ioapic_nr_pins = ((ver >> 16) & 0xff) + 1;
	for (pin = 0; pin < ioapic_nr_pins; pin++)
		rte_write_lo(pin, RTE_MASKED);
	printf("ioapic: version 0x%x, %u pins\n", ioapic_version, ioapic_nr_pins);
}

uint64_t ioapic_read_entry(unsigned int pin)
{
	return io_read(IOAPIC_REDTBL + 2 * pin) |
	       (uint64_t)io_read(IOAPIC_REDTBL + 2 * pin + 1) << 32;
}

/* High half first, as Linux's __ioapic_write_entry: the low half may unmask */
void ioapic_write_route(unsigned int pin, const struct ioapic_route *r)
{
	uint32_t lo = r->vector | (uint32_t)(r->delivery & 7) << 8 |
		      (uint32_t)r->logical << 11 | (uint32_t)r->active_low << 13 |
		      (uint32_t)r->level << 15 | (r->masked ? RTE_MASKED : 0);

	io_write(IOAPIC_REDTBL + 2 * pin + 1, (uint32_t)r->dest << 24);
	rte_write_lo(pin, lo);
}

void ioapic_mask_pin(unsigned int pin, bool mask)
{
	uint32_t lo = io_read(IOAPIC_REDTBL + 2 * pin);

	rte_write_lo(pin, mask ? lo | RTE_MASKED : lo & ~RTE_MASKED);
}

/* Clears Remote IRR of the pins routed to @vector (no-op before version 0x20) */
void ioapic_eoi_vector(unsigned int vector)
{
	if (ioapic_version >= 0x20)
		ioapic[IOAPIC_EOI_OFF / 4] = vector;
}
