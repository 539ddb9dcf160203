// SPDX-License-Identifier: MIT
/*
 * IOAPIC state machine; semantics of QEMU hw/intc/ioapic.c (see ioapic.h).
 *
 * Differences from QEMU, each on purpose:
 * - Polarity is applied here (QEMU leaves it to the board), and an edge pin
 *   fires on a rising edge of the asserted level, not on every set_irq(1).
 * - The storm guard delivers IOAPIC_STORM_MAX re-asserts and defers the next
 *   one (QEMU defers the 10000th).
 * - Reserved RTE bits (17-55) read as 0: the model has no interrupt
 *   remapping or extended destination ID that would give them a meaning.
 * - A storm-deferred pin is left alone by the service of other pins, so
 *   the 10 ms pause is not skipped when an unrelated line fires.
 */
#include <stddef.h>

#include "ioapic.h"

/* Bits of the low dword a guest may write: all but 12 and 14, none above 16. */
#define RTE_LOW_RW	(IOAPIC_RTE_VECTOR | (7ull << IOAPIC_RTE_DELMODE_SHIFT) |	\
			 IOAPIC_RTE_DESTMODE | IOAPIC_RTE_POLARITY |		\
			 IOAPIC_RTE_LEVEL | IOAPIC_RTE_MASKED)
#define RTE_RO		(IOAPIC_RTE_DELIVS | IOAPIC_RTE_REMOTE_IRR)
#define RTE_HIGH_RW	(0xffull << IOAPIC_RTE_DEST_SHIFT)

static void ioapic_event(struct ioapic *io, enum ioapic_event ev, unsigned pin,
			 uint64_t a, uint64_t b)
{
	if (io->event)
		io->event(io->opaque, ev, pin, a, b);
}

void ioapic__rte_to_msg(uint64_t rte, struct ioapic_msg *m)
{
	m->vector = rte & IOAPIC_RTE_VECTOR;
	m->dest = rte >> IOAPIC_RTE_DEST_SHIFT;
	m->dest_mode = !!(rte & IOAPIC_RTE_DESTMODE);
	m->delivery_mode = (rte >> IOAPIC_RTE_DELMODE_SHIFT) & 7;
	m->level = !!(rte & IOAPIC_RTE_LEVEL);
	m->polarity = !!(rte & IOAPIC_RTE_POLARITY);
	/* RH stays 0: a set RH would make KVM treat fixed as lowest priority. */
	m->msi_addr = 0xfee00000ull | (uint64_t)m->dest << 12 | (uint64_t)m->dest_mode << 2;
	/* Bit 14 is the assert bit, meaningful only for level messages. */
	m->msi_data = (uint32_t)m->level << 15 | (uint32_t)m->level << 14 |
		      (uint32_t)m->delivery_mode << 8 | m->vector;
}

static void ioapic_deliver(struct ioapic *io, unsigned pin)
{
	struct ioapic_msg m;

	ioapic__rte_to_msg(io->rte[pin], &m);
	if (io->deliver)
		io->deliver(io->opaque, pin, &m);
}

/* Deliver @pin if it is pending, unmasked, not deferred and not in service. */
static void ioapic_service_pin(struct ioapic *io, unsigned pin)
{
	uint32_t mask = 1u << pin;
	uint64_t rte = io->rte[pin];

	if (!(io->irr & mask) || (io->deferred & mask) || (rte & IOAPIC_RTE_MASKED))
		return;
	if (rte & IOAPIC_RTE_LEVEL) {
		/* Level: one message per EOI; the line stays pending in IRR. */
		if (rte & IOAPIC_RTE_REMOTE_IRR)
			return;
		io->rte[pin] |= IOAPIC_RTE_REMOTE_IRR;
		ioapic_event(io, IOAPIC_EV_REMOTE_IRR_SET, pin, rte & IOAPIC_RTE_VECTOR, 0);
	} else {
		io->irr &= ~mask;
	}
	ioapic_deliver(io, pin);
}

static void ioapic_service(struct ioapic *io)
{
	for (unsigned pin = 0; pin < IOAPIC_NUM_PINS; pin++)
		ioapic_service_pin(io, pin);
}

void ioapic__reset(struct ioapic *io)
{
	io->id = 0;
	io->ioregsel = 0;
	for (unsigned pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
		io->rte[pin] = IOAPIC_RTE_RESET;
		io->eoi_count[pin] = 0;
		io->deadline[pin] = 0;
	}
	io->irr = 0;
	io->line = 0;
	io->deferred = 0;
}

void ioapic__init(struct ioapic *io, ioapic_deliver_fn *deliver,
		  ioapic_event_fn *event, void *opaque)
{
	io->deliver = deliver;
	io->event = event;
	io->opaque = opaque;
	ioapic__reset(io);
}

static int pin_asserted(const struct ioapic *io, unsigned pin)
{
	return ((io->line >> pin) & 1) ^ !!(io->rte[pin] & IOAPIC_RTE_POLARITY);
}

int ioapic__set_irq(struct ioapic *io, unsigned pin, int level)
{
	uint32_t mask;
	uint64_t rte;
	int was, now;

	if (pin >= IOAPIC_NUM_PINS) {
		ioapic_event(io, IOAPIC_EV_BAD_PIN, IOAPIC_NO_PIN, pin, !!level);
		return -1;
	}
	mask = 1u << pin;
	rte = io->rte[pin];
	was = pin_asserted(io, pin);
	if (level)
		io->line |= mask;
	else
		io->line &= ~mask;
	now = pin_asserted(io, pin);

	if (rte & IOAPIC_RTE_LEVEL) {
		if (!now) {
			/* The line went low: nothing pending, the storm is over. */
			io->irr &= ~mask;
			io->eoi_count[pin] = 0;
			io->deferred &= ~mask;
			return 0;
		}
		io->irr |= mask;
		if (rte & IOAPIC_RTE_REMOTE_IRR) {
			/* Still in service: stays pending in IRR until the EOI. */
			ioapic_event(io, IOAPIC_EV_COALESCED, pin, rte & IOAPIC_RTE_VECTOR, 0);
			return 0;
		}
		ioapic_service(io);
		return 0;
	}

	if (!now || was)
		return 0;
	if (rte & IOAPIC_RTE_MASKED) {
		/* 82093AA: an edge arriving on a masked pin is lost, not latched. */
		ioapic_event(io, IOAPIC_EV_MASKED_EDGE_DROPPED, pin, rte, 0);
		return 0;
	}
	io->irr |= mask;
	ioapic_service(io);
	return 0;
}

void ioapic__eoi(struct ioapic *io, uint8_t vector, uint64_t now_ns)
{
	uint32_t match = 0;

	for (unsigned pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
		uint64_t rte = io->rte[pin];

		if ((rte & IOAPIC_RTE_VECTOR) == vector && (rte & IOAPIC_RTE_LEVEL) &&
		    (rte & IOAPIC_RTE_REMOTE_IRR))
			match |= 1u << pin;
	}
	ioapic_event(io, IOAPIC_EV_EOI, IOAPIC_NO_PIN, vector, match);

	for (unsigned pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
		uint32_t mask = 1u << pin;

		if (!(match & mask))
			continue;
		io->rte[pin] &= ~IOAPIC_RTE_REMOTE_IRR;
		ioapic_event(io, IOAPIC_EV_REMOTE_IRR_CLEAR, pin, vector, IOAPIC_CLEAR_EOI);
		if ((io->rte[pin] & IOAPIC_RTE_MASKED) || !(io->irr & mask)) {
			io->eoi_count[pin] = 0;
			continue;
		}
		if (io->eoi_count[pin] >= IOAPIC_STORM_MAX) {
			/* A guest that EOIs without quieting the device still progresses. */
			io->deferred |= mask;
			io->deadline[pin] = now_ns + IOAPIC_STORM_DELAY_NS;
			ioapic_event(io, IOAPIC_EV_STORM_DEFERRED, pin, io->deadline[pin],
				     io->eoi_count[pin]);
			io->eoi_count[pin] = 0;
			continue;
		}
		io->eoi_count[pin]++;
		/* The line is still high: re-assert, or the interrupt is lost (CH #5260). */
		ioapic_service_pin(io, pin);
	}
}

uint64_t ioapic__next_deadline(const struct ioapic *io)
{
	uint64_t next = 0;

	for (unsigned pin = 0; pin < IOAPIC_NUM_PINS; pin++)
		if ((io->deferred & (1u << pin)) && (!next || io->deadline[pin] < next))
			next = io->deadline[pin];
	return next;
}

void ioapic__tick(struct ioapic *io, uint64_t now_ns)
{
	for (unsigned pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
		uint32_t mask = 1u << pin;

		if (!(io->deferred & mask) || io->deadline[pin] > now_ns)
			continue;
		io->deferred &= ~mask;
		ioapic_event(io, IOAPIC_EV_STORM_RELEASED, pin, now_ns, io->deadline[pin]);
		ioapic_service_pin(io, pin);
	}
}

static void ioapic_rte_write(struct ioapic *io, unsigned pin, int high, uint32_t val)
{
	uint64_t old = io->rte[pin], rte;

	if (high)
		rte = (old & ~RTE_HIGH_RW) | (((uint64_t)val << 32) & RTE_HIGH_RW);
	else
		rte = (old & (RTE_RO | RTE_HIGH_RW)) | (val & RTE_LOW_RW);
	/* Remote IRR means nothing for edge; a stale one would block level later. */
	if (!(rte & IOAPIC_RTE_LEVEL))
		rte &= ~IOAPIC_RTE_REMOTE_IRR;
	io->rte[pin] = rte;
	/* A reprogrammed pin starts a fresh storm count, as in QEMU. */
	io->eoi_count[pin] = 0;
	io->deferred &= ~(1u << pin);
	ioapic_event(io, IOAPIC_EV_RTE_WRITE, pin, old, rte);
	if ((old & IOAPIC_RTE_REMOTE_IRR) && !(rte & IOAPIC_RTE_REMOTE_IRR))
		ioapic_event(io, IOAPIC_EV_REMOTE_IRR_CLEAR, pin, rte & IOAPIC_RTE_VECTOR,
			     IOAPIC_CLEAR_EDGE);
	/* Unmasking a pin whose level line is pending must deliver it now. */
	ioapic_service(io);
}

static uint32_t ioapic_reg_read(struct ioapic *io)
{
	unsigned idx = io->ioregsel;

	switch (idx) {
	case IOAPIC_REG_ID:
	case IOAPIC_REG_ARB:
		/* The arbitration ID is loaded from the ID register on write. */
		return (uint32_t)io->id << 24;
	case IOAPIC_REG_VER:
		return IOAPIC_VERSION | (uint32_t)IOAPIC_MAX_REDIR << 16;
	}
	if (idx >= IOAPIC_REG_RTE(0) && idx < IOAPIC_REG_RTE(IOAPIC_NUM_PINS)) {
		uint64_t rte = io->rte[(idx - IOAPIC_REG_RTE(0)) / 2];

		return (idx & 1) ? rte >> 32 : (uint32_t)rte;
	}
	ioapic_event(io, IOAPIC_EV_BAD_REG, IOAPIC_NO_PIN, idx, 0);
	return 0;
}

static void ioapic_reg_write(struct ioapic *io, uint32_t val)
{
	unsigned idx = io->ioregsel;

	if (idx == IOAPIC_REG_ID) {
		uint8_t old = io->id;

		io->id = (val >> 24) & 0xf;
		ioapic_event(io, IOAPIC_EV_ID_WRITE, IOAPIC_NO_PIN, old, io->id);
		return;
	}
	if (idx >= IOAPIC_REG_RTE(0) && idx < IOAPIC_REG_RTE(IOAPIC_NUM_PINS)) {
		ioapic_rte_write(io, (idx - IOAPIC_REG_RTE(0)) / 2, idx & 1, val);
		return;
	}
	/* Version and arbitration are read-only; the rest do not exist. */
	ioapic_event(io, IOAPIC_EV_BAD_REG, IOAPIC_NO_PIN, idx, 1);
}

/* Aligned 4-byte access inside the window to a register that exists. */
static int ioapic_access_ok(struct ioapic *io, uint64_t offset, unsigned size, int write)
{
	/* Exact offsets: nothing aliases, inside the 4 KiB window or beyond it. */
	if (size == 4 &&
	    (offset == IOAPIC_IOREGSEL || offset == IOAPIC_IOWIN || offset == IOAPIC_EOI))
		return 1;
	ioapic_event(io, IOAPIC_EV_BAD_ACCESS, IOAPIC_NO_PIN, offset,
		     (uint64_t)size | (uint64_t)!!write << 32);
	return 0;
}

uint32_t ioapic__mmio_read(struct ioapic *io, uint64_t offset, unsigned size)
{
	if (!ioapic_access_ok(io, offset, size, 0))
		return ~0u;
	if (offset == IOAPIC_IOREGSEL)
		return io->ioregsel;
	if (offset == IOAPIC_IOWIN)
		return ioapic_reg_read(io);
	return 0;	/* the EOI register is write-only */
}

void ioapic__mmio_write(struct ioapic *io, uint64_t offset, unsigned size,
			uint32_t val, uint64_t now_ns)
{
	if (!ioapic_access_ok(io, offset, size, 1))
		return;
	if (offset == IOAPIC_IOREGSEL)
		io->ioregsel = val & 0xff;
	else if (offset == IOAPIC_IOWIN)
		ioapic_reg_write(io, val);
	else
		ioapic__eoi(io, val & 0xff, now_ns);
}

const char *ioapic__event_name(enum ioapic_event ev)
{
	static const char *const names[IOAPIC_EV_COUNT] = {
		[IOAPIC_EV_RTE_WRITE] = "rte-write",
		[IOAPIC_EV_ID_WRITE] = "id-write",
		[IOAPIC_EV_REMOTE_IRR_SET] = "remote-irr-set",
		[IOAPIC_EV_REMOTE_IRR_CLEAR] = "remote-irr-clear",
		[IOAPIC_EV_EOI] = "eoi",
		[IOAPIC_EV_COALESCED] = "coalesced",
		[IOAPIC_EV_STORM_DEFERRED] = "storm-deferred",
		[IOAPIC_EV_STORM_RELEASED] = "storm-released",
		[IOAPIC_EV_MASKED_EDGE_DROPPED] = "masked-edge-dropped",
		[IOAPIC_EV_BAD_ACCESS] = "bad-access",
		[IOAPIC_EV_BAD_REG] = "bad-reg",
		[IOAPIC_EV_BAD_PIN] = "bad-pin",
	};

	if ((unsigned)ev >= IOAPIC_EV_COUNT)
		return "?";
	return names[ev];
}
