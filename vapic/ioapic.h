/* SPDX-License-Identifier: MIT */
/*
 * Pure state-machine model of the x86 IOAPIC (82093AA register layout,
 * version 0x20 with the EOI register), with the semantics of QEMU's
 * hw/intc/ioapic.c. No ioctls, no I/O, no globals: the VMM feeds it MMIO
 * accesses, pin levels, EOIs and time, and receives deliveries (as an
 * RTE decode plus the equivalent MSI address/data for a split-irqchip KVM)
 * and trace events through callbacks.
 *
 * Not thread safe: the caller serialises every call on one struct ioapic.
 * Callbacks must not call back into the model (queue instead); they run in
 * the middle of a state update.
 */
#ifndef VAPIC_IOAPIC_H
#define VAPIC_IOAPIC_H

#include <stdint.h>

#define IOAPIC_DEFAULT_BASE	0xfec00000ull
#define IOAPIC_WINDOW_SIZE	0x1000u
#define IOAPIC_NUM_PINS		24
#define IOAPIC_VERSION		0x20
#define IOAPIC_MAX_REDIR	(IOAPIC_NUM_PINS - 1)

/* MMIO offsets inside the window. */
#define IOAPIC_IOREGSEL		0x00
#define IOAPIC_IOWIN		0x10
#define IOAPIC_EOI		0x40

/* Indirect registers selected by IOREGSEL. */
#define IOAPIC_REG_ID		0x00
#define IOAPIC_REG_VER		0x01
#define IOAPIC_REG_ARB		0x02
#define IOAPIC_REG_RTE(pin)	(0x10 + 2 * (pin))	/* +1: high half */

/* Redirection table entry bits. */
#define IOAPIC_RTE_VECTOR	0xffull
#define IOAPIC_RTE_DELMODE_SHIFT 8
#define IOAPIC_RTE_DESTMODE	(1ull << 11)	/* 1 = logical */
#define IOAPIC_RTE_DELIVS	(1ull << 12)	/* read-only, always 0 here */
#define IOAPIC_RTE_POLARITY	(1ull << 13)	/* 1 = active low */
#define IOAPIC_RTE_REMOTE_IRR	(1ull << 14)	/* read-only */
#define IOAPIC_RTE_LEVEL	(1ull << 15)	/* 1 = level triggered */
#define IOAPIC_RTE_MASKED	(1ull << 16)
#define IOAPIC_RTE_DEST_SHIFT	56
#define IOAPIC_RTE_RESET	IOAPIC_RTE_MASKED

#define IOAPIC_DM_FIXED		0
#define IOAPIC_DM_LOWEST	1
#define IOAPIC_DM_SMI		2
#define IOAPIC_DM_NMI		4
#define IOAPIC_DM_INIT		5
#define IOAPIC_DM_EXTINT	7

/* Storm guard: after this many back-to-back EOI re-asserts, defer one. */
#define IOAPIC_STORM_MAX	10000u
#define IOAPIC_STORM_DELAY_NS	10000000ull

/* The pin argument of events that concern no single pin. */
#define IOAPIC_NO_PIN		(~0u)

/* One interrupt message, decoded from an RTE. */
struct ioapic_msg {
	uint8_t vector;
	uint8_t dest;		/* 8-bit APIC ID or logical destination */
	uint8_t dest_mode;	/* 0 physical, 1 logical */
	uint8_t delivery_mode;	/* IOAPIC_DM_* */
	uint8_t level;		/* trigger mode: 1 = level */
	uint8_t polarity;	/* 1 = active low */
	uint64_t msi_addr;	/* 0xfee00000 | dest << 12 | dest_mode << 2 */
	uint32_t msi_data;	/* level << 15 | level << 14 | delivery << 8 | vector */
};

/* Trace events; the meaning of a and b is given per event. */
enum ioapic_event {
	IOAPIC_EV_RTE_WRITE,		/* a = old RTE, b = new RTE */
	IOAPIC_EV_ID_WRITE,		/* NO_PIN; a = old ID, b = new ID */
	IOAPIC_EV_REMOTE_IRR_SET,	/* a = vector */
	IOAPIC_EV_REMOTE_IRR_CLEAR,	/* a = vector, b = IOAPIC_CLEAR_* */
	IOAPIC_EV_EOI,			/* NO_PIN; a = vector, b = pins it matched */
	IOAPIC_EV_COALESCED,		/* a = vector: asserted while remote IRR set */
	IOAPIC_EV_STORM_DEFERRED,	/* a = deadline ns, b = re-asserts before it */
	IOAPIC_EV_STORM_RELEASED,	/* a = now ns, b = deadline ns */
	IOAPIC_EV_MASKED_EDGE_DROPPED,	/* a = RTE */
	IOAPIC_EV_BAD_ACCESS,		/* NO_PIN; a = offset, b = size | is_write << 32 */
	IOAPIC_EV_BAD_REG,		/* NO_PIN; a = IOREGSEL, b = is_write */
	IOAPIC_EV_BAD_PIN,		/* NO_PIN; a = pin, b = level */
	IOAPIC_EV_COUNT
};

#define IOAPIC_CLEAR_EOI	0	/* remote IRR cleared by an EOI */
#define IOAPIC_CLEAR_EDGE	1	/* forced to 0 by an edge RTE write */

typedef void ioapic_deliver_fn(void *opaque, unsigned pin, const struct ioapic_msg *m);
typedef void ioapic_event_fn(void *opaque, enum ioapic_event ev, unsigned pin,
			     uint64_t a, uint64_t b);

struct ioapic {
	uint8_t id;				/* 4-bit IOAPIC ID */
	uint8_t ioregsel;
	uint64_t rte[IOAPIC_NUM_PINS];
	uint32_t irr;				/* pending, per pin */
	uint32_t line;				/* raw input level, per pin */
	uint32_t eoi_count[IOAPIC_NUM_PINS];	/* back-to-back EOI re-asserts */
	uint32_t deferred;			/* storm-deferred pins */
	uint64_t deadline[IOAPIC_NUM_PINS];	/* when a deferred pin fires */
	ioapic_deliver_fn *deliver;		/* may be NULL: drop */
	ioapic_event_fn *event;			/* may be NULL: no tracing */
	void *opaque;
};

/* Set the callbacks and reset (all RTEs masked, ID 0, lines low). */
void ioapic__init(struct ioapic *io, ioapic_deliver_fn *deliver,
		  ioapic_event_fn *event, void *opaque);
/* Power-on state again, keeping the callbacks. */
void ioapic__reset(struct ioapic *io);

/*
 * Guest MMIO at @offset into the 4 KiB window. Only aligned 4-byte accesses
 * to IOREGSEL, IOWIN and (write only) EOI are valid; a read of anything
 * else returns ~0 (the EOI register reads 0), a write is ignored, and both
 * are reported as IOAPIC_EV_BAD_ACCESS. @now_ns is the VMM's monotonic
 * clock, needed because an EOI register write can arm the storm guard.
 */
uint32_t ioapic__mmio_read(struct ioapic *io, uint64_t offset, unsigned size);
void ioapic__mmio_write(struct ioapic *io, uint64_t offset, unsigned size,
			uint32_t val, uint64_t now_ns);

/*
 * Drive input @pin to electrical @level (0/1); the RTE's polarity says which
 * level asserts. Returns 0, or -1 for a pin out of range (also reported).
 */
int ioapic__set_irq(struct ioapic *io, unsigned pin, int level);

/* Broadcast EOI for @vector (LAPIC, KVM_EXIT_IOAPIC_EOI, or register 0x40). */
void ioapic__eoi(struct ioapic *io, uint8_t vector, uint64_t now_ns);

/* Earliest storm-deferred delivery time, 0 if none is pending. */
uint64_t ioapic__next_deadline(const struct ioapic *io);
/* Deliver the storm-deferred interrupts whose deadline is <= @now_ns. */
void ioapic__tick(struct ioapic *io, uint64_t now_ns);

/* Decode an RTE into a message (also for building KVM MSI routes). */
void ioapic__rte_to_msg(uint64_t rte, struct ioapic_msg *m);

const char *ioapic__event_name(enum ioapic_event ev);

#endif
