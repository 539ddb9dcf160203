// SPDX-License-Identifier: MIT
/*
 * The IOAPIC model against QEMU's semantics, through a recording deliver
 * callback and event log. Links against ioapic.c alone (the mutation test
 * 40-ioapic-mutants.t compiles it with planted bugs and expects a failure).
 */
#include "vapic/ioapic.h"
#include "tap.h"

#define LOG_MAX 64

struct rec {
	unsigned ndeliver;
	unsigned pin;			/* of the last delivery */
	struct ioapic_msg msg;		/* of the last delivery */
	unsigned nev[IOAPIC_EV_COUNT];
	unsigned nlog;			/* events, the first LOG_MAX kept */
	struct {
		enum ioapic_event ev;
		unsigned pin;
		uint64_t a, b;
	} log[LOG_MAX];
};

static void rec_deliver(void *opaque, unsigned pin, const struct ioapic_msg *m)
{
	struct rec *r = opaque;

	r->ndeliver++;
	r->pin = pin;
	r->msg = *m;
}

static void rec_event(void *opaque, enum ioapic_event ev, unsigned pin, uint64_t a, uint64_t b)
{
	struct rec *r = opaque;

	r->nev[ev]++;
	if (r->nlog < LOG_MAX) {
		r->log[r->nlog].ev = ev;
		r->log[r->nlog].pin = pin;
		r->log[r->nlog].a = a;
		r->log[r->nlog].b = b;
	}
	r->nlog++;
}

static void setup(struct ioapic *io, struct rec *r)
{
	memset(r, 0, sizeof(*r));
	ioapic__init(io, rec_deliver, rec_event, r);
}

static void clear(struct rec *r)
{
	memset(r, 0, sizeof(*r));
}

static void reg_write(struct ioapic *io, unsigned idx, uint32_t val)
{
	ioapic__mmio_write(io, IOAPIC_IOREGSEL, 4, idx, 0);
	ioapic__mmio_write(io, IOAPIC_IOWIN, 4, val, 0);
}

static uint32_t reg_read(struct ioapic *io, unsigned idx)
{
	ioapic__mmio_write(io, IOAPIC_IOREGSEL, 4, idx, 0);
	return ioapic__mmio_read(io, IOAPIC_IOWIN, 4);
}

/* Program @pin's RTE, high half first so the low write (unmask) is last. */
static void rte_write(struct ioapic *io, unsigned pin, uint32_t low, uint8_t dest)
{
	reg_write(io, IOAPIC_REG_RTE(pin) + 1, (uint32_t)dest << 24);
	reg_write(io, IOAPIC_REG_RTE(pin), low);
}

static uint64_t rte_read(struct ioapic *io, unsigned pin)
{
	return reg_read(io, IOAPIC_REG_RTE(pin)) |
	       (uint64_t)reg_read(io, IOAPIC_REG_RTE(pin) + 1) << 32;
}

#define LEVEL	((uint32_t)IOAPIC_RTE_LEVEL)
#define MASKED	((uint32_t)IOAPIC_RTE_MASKED)
#define LOW	((uint32_t)IOAPIC_RTE_POLARITY)
#define RIRR	IOAPIC_RTE_REMOTE_IRR

static void test_reset(void)
{
	struct ioapic io;
	struct rec r;
	int all_masked = 1;

	setup(&io, &r);
	for (unsigned pin = 0; pin < IOAPIC_NUM_PINS; pin++)
		all_masked &= rte_read(&io, pin) == 0x10000;
	ok(all_masked, "reset: all 24 RTEs read 0x10000 (masked, vector 0)");
	is_u64(reg_read(&io, IOAPIC_REG_VER), 0x00170020, "reset: version register");
	is_u64(reg_read(&io, IOAPIC_REG_ID), 0, "reset: ID 0");
	is_u64(io.irr | io.line | io.deferred, 0, "reset: no IRR, lines low, nothing deferred");
	is_u64(ioapic__next_deadline(&io), 0, "reset: no deadline");
	is_u64(r.ndeliver, 0, "reset: no delivery");
}

static void test_registers(void)
{
	struct ioapic io;
	struct rec r;

	setup(&io, &r);
	ioapic__mmio_write(&io, IOAPIC_IOREGSEL, 4, 0x12345611, 0);
	is_u64(ioapic__mmio_read(&io, IOAPIC_IOREGSEL, 4), 0x11, "IOREGSEL keeps 8 bits");
	reg_write(&io, IOAPIC_REG_ID, 0xfa000000);
	is_u64(reg_read(&io, IOAPIC_REG_ID), 0x0a000000, "ID: bits 24-27 writable");
	is_u64(reg_read(&io, IOAPIC_REG_ARB), 0x0a000000, "arbitration ID follows ID");
	is_u64(r.nev[IOAPIC_EV_ID_WRITE], 1, "ID write reported");
	reg_write(&io, IOAPIC_REG_VER, 0);
	is_u64(reg_read(&io, IOAPIC_REG_VER), 0x00170020, "version is read-only");

	clear(&r);
	/* Writes to the read-only bits 12 and 14 are ignored. */
	rte_write(&io, 5, 0x0001ffff, 0xab);
	is_u64(rte_read(&io, 5), 0xab0000000001afffull, "RTE round trip, RO bits 12/14 stay 0");
	is_u64(r.nev[IOAPIC_EV_RTE_WRITE], 2, "two RTE writes reported");
	ok(r.nlog >= 2 && r.log[1].ev == IOAPIC_EV_RTE_WRITE && r.log[1].pin == 5 &&
	   r.log[1].b == 0xab0000000001afffull, "RTE write event carries pin and new value");
	reg_write(&io, IOAPIC_REG_RTE(5) + 1, 0xffffffff);
	is_u64(rte_read(&io, 5) >> 32, 0xff000000, "RTE high: only destination is writable");

	/* Remote IRR set by a level delivery survives a low-half rewrite. */
	rte_write(&io, 6, LEVEL | 0x40, 0);
	ioapic__set_irq(&io, 6, 1);
	reg_write(&io, IOAPIC_REG_RTE(6), LEVEL | 0x41);
	is_u64(rte_read(&io, 6), RIRR | LEVEL | 0x41, "remote IRR preserved over a level RTE write");

	clear(&r);
	is_u64(reg_read(&io, 0x03), 0, "reserved register reads 0");
	is_u64(reg_read(&io, 0x40), 0, "register past the RTEs reads 0");
	is_u64(reg_read(&io, 0xff), 0, "register 0xff reads 0");
	reg_write(&io, 0x40, 0x1234);
	is_u64(r.nev[IOAPIC_EV_BAD_REG], 4, "bad register accesses reported");
}

static void test_bad_access(void)
{
	struct ioapic io;
	struct rec r;

	setup(&io, &r);
	ioapic__mmio_write(&io, IOAPIC_IOREGSEL, 4, 0x10, 0);
	is_u64(ioapic__mmio_read(&io, IOAPIC_IOWIN, 1), 0xffffffff, "1-byte read: ~0");
	is_u64(ioapic__mmio_read(&io, IOAPIC_IOWIN, 2), 0xffffffff, "2-byte read: ~0");
	is_u64(ioapic__mmio_read(&io, IOAPIC_IOWIN, 8), 0xffffffff, "8-byte read: ~0");
	is_u64(ioapic__mmio_read(&io, IOAPIC_IOWIN + 1, 4), 0xffffffff, "misaligned read: ~0");
	is_u64(ioapic__mmio_read(&io, 0x1000, 4), 0xffffffff, "read past the window: ~0");
	is_u64(ioapic__mmio_read(&io, 0x1000 + IOAPIC_IOWIN, 4), 0xffffffff,
	       "no alias past the window");
	is_u64(ioapic__mmio_read(&io, ~0ull - 3, 4), 0xffffffff, "huge offset: ~0");
	is_u64(ioapic__mmio_read(&io, 0x20, 4), 0xffffffff, "no register at 0x20: ~0");
	is_u64(ioapic__mmio_read(&io, IOAPIC_EOI, 4), 0, "EOI register reads 0");
	is_u64(r.nev[IOAPIC_EV_BAD_ACCESS], 8, "each bad read reported");

	clear(&r);
	ioapic__mmio_write(&io, IOAPIC_IOWIN, 2, 0, 0);
	ioapic__mmio_write(&io, IOAPIC_IOWIN, 1, 0, 0);
	ioapic__mmio_write(&io, IOAPIC_IOWIN + 2, 4, 0, 0);
	ioapic__mmio_write(&io, 0x1010, 4, 0, 0);
	ioapic__mmio_write(&io, IOAPIC_IOREGSEL, 2, 0x12, 0);
	is_u64(rte_read(&io, 0), 0x10000, "bad writes leave the RTE alone");
	is_u64(ioapic__mmio_read(&io, IOAPIC_IOREGSEL, 4), 0x11, "bad IOREGSEL write ignored");
	is_u64(r.nev[IOAPIC_EV_BAD_ACCESS], 5, "each bad write reported");
	is_u64(r.ndeliver, 0, "nothing delivered");
	ok(r.log[0].ev == IOAPIC_EV_BAD_ACCESS && r.log[0].pin == IOAPIC_NO_PIN &&
	   r.log[0].a == IOAPIC_IOWIN && r.log[0].b == (2ull | 1ull << 32),
	   "bad access event: offset, size, write flag");

	clear(&r);
	is_u64(ioapic__set_irq(&io, IOAPIC_NUM_PINS, 1), (uint64_t)-1, "pin 24 rejected");
	is_u64(ioapic__set_irq(&io, ~0u, 1), (uint64_t)-1, "pin ~0 rejected");
	is_u64(r.nev[IOAPIC_EV_BAD_PIN], 2, "bad pins reported");
	is_u64(io.irr | io.line, 0, "bad pins change nothing");
}

static void test_edge(void)
{
	struct ioapic io;
	struct rec r;

	setup(&io, &r);
	rte_write(&io, 3, MASKED | 0x33, 0);
	clear(&r);
	ioapic__set_irq(&io, 3, 1);
	is_u64(r.ndeliver, 0, "masked edge: not delivered");
	is_u64(r.nev[IOAPIC_EV_MASKED_EDGE_DROPPED], 1, "masked edge: dropped event");
	is_u64(io.irr, 0, "masked edge: not latched in IRR");
	ioapic__set_irq(&io, 3, 0);
	rte_write(&io, 3, 0x33, 0);
	is_u64(r.ndeliver, 0, "masked edge: lost, unmask does not deliver it");

	ioapic__set_irq(&io, 3, 1);
	is_u64(r.ndeliver, 1, "unmasked rising edge delivers");
	is_u64(r.pin, 3, "delivered on pin 3");
	is_u64(r.msg.vector, 0x33, "with the RTE vector");
	is_u64(io.irr, 0, "edge IRR cleared at delivery");
	ioapic__set_irq(&io, 3, 1);
	is_u64(r.ndeliver, 1, "holding the line high does not re-deliver");
	ioapic__eoi(&io, 0x33, 0);
	is_u64(r.ndeliver, 1, "EOI does not re-deliver an edge pin");
	ioapic__set_irq(&io, 3, 0);
	is_u64(r.ndeliver, 1, "falling edge does not deliver");
	ioapic__set_irq(&io, 3, 1);
	is_u64(r.ndeliver, 2, "next rising edge delivers again");
	ok(!(rte_read(&io, 3) & RIRR), "edge delivery does not set remote IRR");
}

static void test_level(void)
{
	struct ioapic io;
	struct rec r;

	setup(&io, &r);
	rte_write(&io, 9, LEVEL | 0x59, 2);
	clear(&r);
	ioapic__set_irq(&io, 9, 1);
	is_u64(r.ndeliver, 1, "level assert delivers");
	ok(rte_read(&io, 9) & RIRR, "level delivery sets remote IRR");
	ok(io.irr & (1u << 9), "IRR stays set while the line is high");
	is_u64(r.nev[IOAPIC_EV_REMOTE_IRR_SET], 1, "remote IRR set reported");

	ioapic__set_irq(&io, 9, 1);
	is_u64(r.ndeliver, 1, "assert while remote IRR set: no delivery");
	is_u64(r.nev[IOAPIC_EV_COALESCED], 1, "coalesced reported");

	clear(&r);
	ioapic__eoi(&io, 0x58, 0);
	is_u64(r.ndeliver, 0, "EOI with the wrong vector: no delivery");
	ok(rte_read(&io, 9) & RIRR, "EOI with the wrong vector: remote IRR kept");
	is_u64(r.nev[IOAPIC_EV_EOI], 1, "EOI reported even when it matches nothing");
	is_u64(r.nev[IOAPIC_EV_REMOTE_IRR_CLEAR], 0, "no remote IRR cleared");

	clear(&r);
	ioapic__eoi(&io, 0x59, 0);
	is_u64(r.ndeliver, 1, "EOI, line still high: re-delivered");
	is_u64(r.msg.vector, 0x59, "re-delivered with the vector");
	ok(rte_read(&io, 9) & RIRR, "re-delivery sets remote IRR again");
	is_u64(r.nev[IOAPIC_EV_REMOTE_IRR_CLEAR], 1, "remote IRR clear reported");
	ok(r.nlog >= 3 && r.log[0].ev == IOAPIC_EV_EOI && r.log[0].a == 0x59 &&
	   r.log[0].b == (1u << 9) && r.log[1].ev == IOAPIC_EV_REMOTE_IRR_CLEAR &&
	   r.log[1].pin == 9 && r.log[1].b == IOAPIC_CLEAR_EOI &&
	   r.log[2].ev == IOAPIC_EV_REMOTE_IRR_SET,
	   "event order: EOI, remote IRR clear, remote IRR set");

	clear(&r);
	ioapic__set_irq(&io, 9, 0);
	is_u64(io.irr, 0, "deassert clears IRR");
	ioapic__eoi(&io, 0x59, 0);
	is_u64(r.ndeliver, 0, "deassert then EOI: no re-delivery");
	ok(!(rte_read(&io, 9) & RIRR), "EOI cleared remote IRR");
	ioapic__set_irq(&io, 9, 1);
	is_u64(r.ndeliver, 1, "next assert delivers");

	/* Two pins sharing a vector: one EOI serves both. */
	rte_write(&io, 10, LEVEL | 0x59, 2);
	ioapic__set_irq(&io, 10, 1);
	is_u64(r.ndeliver, 2, "second pin with the same vector delivers");
	ioapic__set_irq(&io, 9, 0);
	ioapic__set_irq(&io, 10, 0);
	ioapic__eoi(&io, 0x59, 0);
	ok(!(rte_read(&io, 9) & RIRR) && !(rte_read(&io, 10) & RIRR),
	   "one EOI clears remote IRR on every pin with the vector");

	/* Masked level pin: pending, delivered at unmask. */
	setup(&io, &r);
	rte_write(&io, 4, MASKED | LEVEL | 0x44, 1);
	ioapic__set_irq(&io, 4, 1);
	is_u64(r.ndeliver, 0, "masked level assert: no delivery");
	ok(io.irr & (1u << 4), "masked level assert: pending in IRR");
	reg_write(&io, IOAPIC_REG_RTE(4), LEVEL | 0x44);
	is_u64(r.ndeliver, 1, "unmask of a pending level pin delivers");
	ok(rte_read(&io, 4) & RIRR, "and sets remote IRR");

	/* Masked at EOI: remote IRR cleared, nothing delivered until unmask. */
	reg_write(&io, IOAPIC_REG_RTE(4), MASKED | LEVEL | 0x44);
	ioapic__eoi(&io, 0x44, 0);
	is_u64(r.ndeliver, 1, "EOI of a masked pin: no re-delivery");
	reg_write(&io, IOAPIC_REG_RTE(4), LEVEL | 0x44);
	is_u64(r.ndeliver, 2, "unmask after EOI with the line high delivers");

	/* Masked while low: unmask delivers nothing. */
	setup(&io, &r);
	rte_write(&io, 4, LEVEL | 0x44, 1);
	is_u64(r.ndeliver, 0, "unmask with the line low: no delivery");
}

static void test_polarity(void)
{
	struct ioapic io;
	struct rec r;

	setup(&io, &r);
	rte_write(&io, 16, LEVEL | LOW | 0x70, 0);
	ioapic__set_irq(&io, 16, 1);
	is_u64(r.ndeliver, 0, "active-low level: high is idle");
	ioapic__set_irq(&io, 16, 0);
	is_u64(r.ndeliver, 1, "active-low level: low asserts");
	is_u64(r.msg.polarity, 1, "message reports active low");
	ioapic__set_irq(&io, 16, 1);
	is_u64(io.irr, 0, "active-low level: high deasserts");
	ioapic__eoi(&io, 0x70, 0);
	is_u64(r.ndeliver, 1, "active-low: deasserted then EOI, no re-delivery");

	rte_write(&io, 17, LOW | 0x71, 0);
	ioapic__set_irq(&io, 17, 1);
	is_u64(r.ndeliver, 1, "active-low edge: going high is not an edge");
	ioapic__set_irq(&io, 17, 0);
	is_u64(r.ndeliver, 2, "active-low edge: falling level is the edge");
	is_u64(r.pin, 17, "on pin 17");
	ioapic__set_irq(&io, 17, 0);
	is_u64(r.ndeliver, 2, "active-low edge: held low, once");
}

static void test_edge_clears_remote_irr(void)
{
	struct ioapic io;
	struct rec r;

	setup(&io, &r);
	rte_write(&io, 2, LEVEL | 0x22, 0);
	ioapic__set_irq(&io, 2, 1);
	ok(rte_read(&io, 2) & RIRR, "level pin in service");
	ioapic__set_irq(&io, 2, 0);
	clear(&r);
	reg_write(&io, IOAPIC_REG_RTE(2), 0x22);
	ok(!(rte_read(&io, 2) & RIRR), "edge RTE write forces remote IRR to 0");
	is_u64(r.nev[IOAPIC_EV_REMOTE_IRR_CLEAR], 1, "reported as remote IRR clear");
	ok(r.nlog >= 2 && r.log[1].ev == IOAPIC_EV_REMOTE_IRR_CLEAR &&
	   r.log[1].b == IOAPIC_CLEAR_EDGE, "with cause edge");
	reg_write(&io, IOAPIC_REG_RTE(2), LEVEL | 0x22);
	ioapic__set_irq(&io, 2, 1);
	is_u64(r.ndeliver, 1, "back to level: the next assert delivers");
}

static void test_eoi_register(void)
{
	struct ioapic io;
	struct rec r;

	setup(&io, &r);
	rte_write(&io, 11, LEVEL | 0x61, 0);
	ioapic__set_irq(&io, 11, 1);
	ioapic__mmio_write(&io, IOAPIC_EOI, 4, 0x60, 0);
	is_u64(r.ndeliver, 1, "EOI register, wrong vector: nothing");
	ok(rte_read(&io, 11) & RIRR, "EOI register, wrong vector: remote IRR kept");
	ioapic__mmio_write(&io, IOAPIC_EOI, 4, 0xffffff61, 0);
	is_u64(r.ndeliver, 2, "EOI register (low 8 bits): re-delivers, line high");
	ioapic__set_irq(&io, 11, 0);
	ioapic__mmio_write(&io, IOAPIC_EOI, 4, 0x61, 0);
	ok(!(rte_read(&io, 11) & RIRR), "EOI register clears remote IRR");
	is_u64(r.ndeliver, 2, "EOI register after deassert: no re-delivery");
	ioapic__mmio_write(&io, IOAPIC_EOI, 2, 0x61, 0);
	is_u64(r.nev[IOAPIC_EV_BAD_ACCESS], 1, "2-byte EOI register write rejected");
}

static void test_storm(void)
{
	const uint64_t t0 = 5000000000ull;
	struct ioapic io;
	struct rec r;
	unsigned i;

	setup(&io, &r);
	rte_write(&io, 20, LEVEL | 0x80, 0);
	rte_write(&io, 21, LEVEL | 0x81, 0);
	ioapic__set_irq(&io, 20, 1);
	for (i = 0; i < IOAPIC_STORM_MAX; i++)
		ioapic__eoi(&io, 0x80, t0);
	is_u64(r.ndeliver, IOAPIC_STORM_MAX + 1, "10000 back-to-back EOI re-asserts delivered");
	is_u64(r.nev[IOAPIC_EV_STORM_DEFERRED], 0, "no deferral yet");
	is_u64(ioapic__next_deadline(&io), 0, "no deadline yet");

	clear(&r);
	ioapic__eoi(&io, 0x80, t0);
	is_u64(r.ndeliver, 0, "the next re-assert is deferred");
	is_u64(r.nev[IOAPIC_EV_STORM_DEFERRED], 1, "storm-deferred reported");
	is_u64(ioapic__next_deadline(&io), t0 + 10000000, "deadline = now + 10 ms");
	ok(!(rte_read(&io, 20) & RIRR), "remote IRR clear while deferred");

	ioapic__set_irq(&io, 21, 1);
	is_u64(r.ndeliver, 1, "another pin still delivers");
	is_u64(r.pin, 21, "only that pin");
	ioapic__set_irq(&io, 20, 1);
	is_u64(r.ndeliver, 1, "re-asserting the stormy line does not skip the pause");

	ioapic__tick(&io, t0 + 10000000 - 1);
	is_u64(r.ndeliver, 1, "tick before the deadline: nothing");
	is_u64(ioapic__next_deadline(&io), t0 + 10000000, "deadline still armed");
	ioapic__tick(&io, t0 + 10000000);
	is_u64(r.ndeliver, 2, "tick at the deadline delivers");
	is_u64(r.pin, 20, "the deferred pin");
	ok(rte_read(&io, 20) & RIRR, "deferred delivery sets remote IRR");
	is_u64(ioapic__next_deadline(&io), 0, "no deadline after");
	is_u64(r.nev[IOAPIC_EV_STORM_RELEASED], 1, "storm-released reported");
	ioapic__tick(&io, t0 + 20000000);
	is_u64(r.ndeliver, 2, "tick again: nothing more");

	/* The counter restarts after a deferral and when the line goes low. */
	clear(&r);
	for (i = 0; i < IOAPIC_STORM_MAX; i++)
		ioapic__eoi(&io, 0x80, t0);
	is_u64(r.ndeliver, IOAPIC_STORM_MAX, "after the pause, 10000 more immediate");
	ioapic__set_irq(&io, 20, 0);
	ioapic__eoi(&io, 0x80, t0);
	ioapic__set_irq(&io, 20, 1);
	ioapic__eoi(&io, 0x80, t0);
	is_u64(r.ndeliver, IOAPIC_STORM_MAX + 2, "line went low: count restarts, no deferral");
	is_u64(r.nev[IOAPIC_EV_STORM_DEFERRED], 0, "not deferred");

	/* A deferred pin that goes low is no longer pending. */
	setup(&io, &r);
	rte_write(&io, 20, LEVEL | 0x80, 0);
	ioapic__set_irq(&io, 20, 1);
	for (i = 0; i <= IOAPIC_STORM_MAX; i++)
		ioapic__eoi(&io, 0x80, t0);
	ok(ioapic__next_deadline(&io) != 0, "deferred again");
	ioapic__set_irq(&io, 20, 0);
	is_u64(ioapic__next_deadline(&io), 0, "deassert cancels the deferral");
	clear(&r);
	ioapic__tick(&io, t0 + 20000000);
	is_u64(r.ndeliver, 0, "nothing to deliver at the old deadline");

	/* RTE write resets the counter. */
	setup(&io, &r);
	rte_write(&io, 20, LEVEL | 0x80, 0);
	ioapic__set_irq(&io, 20, 1);
	for (i = 0; i < IOAPIC_STORM_MAX; i++)
		ioapic__eoi(&io, 0x80, t0);
	reg_write(&io, IOAPIC_REG_RTE(20), LEVEL | 0x80);
	ioapic__eoi(&io, 0x80, t0);
	is_u64(r.nev[IOAPIC_EV_STORM_DEFERRED], 0, "RTE write resets the storm counter");
	is_u64(r.ndeliver, IOAPIC_STORM_MAX + 2, "so the EOI after it re-delivers");
}

static void test_msi(void)
{
	struct ioapic io;
	struct rec r;
	struct ioapic_msg m;

	setup(&io, &r);
	rte_write(&io, 0, 0x31, 0x05);
	ioapic__set_irq(&io, 0, 1);
	is_u64(r.msg.msi_addr, 0xfee05000, "physical fixed edge: address");
	is_u64(r.msg.msi_data, 0x0031, "physical fixed edge: data");
	is_u64(r.msg.dest, 5, "dest 5");
	is_u64(r.msg.dest_mode, 0, "physical");
	is_u64(r.msg.delivery_mode, IOAPIC_DM_FIXED, "fixed");
	is_u64(r.msg.level, 0, "edge");

	rte_write(&io, 1, LEVEL | (uint32_t)IOAPIC_RTE_DESTMODE | IOAPIC_DM_LOWEST << 8 | 0x42, 0x0f);
	ioapic__set_irq(&io, 1, 1);
	is_u64(r.msg.msi_addr, 0xfee0f004, "logical lowest level: address");
	is_u64(r.msg.msi_data, 0xc142, "logical lowest level: data (trigger, assert)");
	is_u64(r.msg.dest_mode, 1, "logical");
	is_u64(r.msg.delivery_mode, IOAPIC_DM_LOWEST, "lowest priority");
	is_u64(r.msg.level, 1, "level");

	rte_write(&io, 2, IOAPIC_DM_NMI << 8, 0xff);
	ioapic__set_irq(&io, 2, 1);
	is_u64(r.msg.msi_addr, 0xfeeff000, "NMI broadcast: address");
	is_u64(r.msg.msi_data, 0x0400, "NMI edge: data");
	is_u64(r.msg.delivery_mode, IOAPIC_DM_NMI, "NMI");

	ioapic__rte_to_msg(0x12000000000000ffull | LOW | (uint32_t)IOAPIC_RTE_DESTMODE |
			   IOAPIC_DM_EXTINT << 8, &m);
	is_u64(m.msi_addr, 0xfee12004, "decode: logical dest 0x12");
	is_u64(m.msi_data, 0x07ff, "decode: ExtINT edge vector 0xff");
	is_u64(m.polarity, 1, "decode: polarity");
}

static void test_names(void)
{
	ok(!strcmp(ioapic__event_name(IOAPIC_EV_STORM_DEFERRED), "storm-deferred"),
	   "event names");
	ok(!strcmp(ioapic__event_name(IOAPIC_EV_COUNT), "?"), "unknown event name");
}

int main(void)
{
	test_reset();
	test_registers();
	test_bad_access();
	test_edge();
	test_level();
	test_polarity();
	test_edge_clears_remote_irr();
	test_eoi_register();
	test_storm();
	test_msi();
	test_names();
	return tap_done();
}
