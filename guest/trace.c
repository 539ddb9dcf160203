// SPDX-License-Identifier: MIT
/*
 * The shared page (include/abi.h): counters and the event ring the VMM
 * reads without an exit per event. entry.S writes ENTRY/IRET records and
 * vector_count[] itself; C code records everything else with ev_record().
 */
#include "guest.h"

struct ivm_guest_page ivm_page __aligned(4096) __percpu;

/* ev_asm.h hard-codes these offsets (PG_* there) */
_Static_assert(offsetof(struct ivm_guest_page, ev_reserved) == 8, "PG_RESERVED");
_Static_assert(offsetof(struct ivm_guest_page, ev_dropped) == 12, "PG_DROPPED");
_Static_assert(offsetof(struct ivm_guest_page, ev_tail) == 16, "PG_TAIL");
_Static_assert(offsetof(struct ivm_guest_page, vector_count) == 24, "PG_VCOUNT");
_Static_assert(offsetof(struct ivm_guest_page, ev) == 2672, "PG_EV");
_Static_assert(sizeof(struct ivm_event) == IVM_EVENT_SIZE && IVM_EVENT_SIZE == 56, "EV_SIZE");
_Static_assert(IVM_STACK_UNKNOWN == 15 && IVM_STACK_RSP0 == 1 && IVM_STACK_IST1 == 2,
	       "STACK_UNKNOWN, EV_STACK_ID's stack ids");
/* and these struct ivm_event offsets (EV_* there) */
_Static_assert(offsetof(struct ivm_event, kind) == 0, "EV_KIND");
_Static_assert(offsetof(struct ivm_event, vector) == 1, "EV_VECTOR");
_Static_assert(offsetof(struct ivm_event, depth) == 2, "EV_DEPTH");
_Static_assert(offsetof(struct ivm_event, cpl) == 3, "EV_CPL");
_Static_assert(offsetof(struct ivm_event, arg) == 4, "EV_ARG");
_Static_assert(offsetof(struct ivm_event, tsc) == 8, "EV_TSC");
_Static_assert(offsetof(struct ivm_event, rip) == 16, "EV_RIP");
_Static_assert(offsetof(struct ivm_event, rsp) == 24, "EV_RSP");
_Static_assert(offsetof(struct ivm_event, rflags) == 32, "EV_RFLAGS");
_Static_assert(offsetof(struct ivm_event, cs) == 36, "EV_CS");
_Static_assert(offsetof(struct ivm_event, ss) == 38, "EV_SS");
_Static_assert(offsetof(struct ivm_event, stack) == 40, "EV_STACK");
_Static_assert(offsetof(struct ivm_event, seq) == 44, "EV_SEQ");
_Static_assert(offsetof(struct ivm_event, aux) == 48, "EV_AUX");
/* pt_regs offsets (PTR_* there) */
_Static_assert(offsetof(struct pt_regs, vector) == 15 * 8, "PTR_VECTOR");
_Static_assert(offsetof(struct pt_regs, orig_ax) == 16 * 8, "PTR_ORIG_AX");
_Static_assert(offsetof(struct pt_regs, ip) == 17 * 8, "PTR_IP");
_Static_assert(offsetof(struct pt_regs, cs) == 18 * 8, "PTR_CS");
_Static_assert(offsetof(struct pt_regs, flags) == 19 * 8, "PTR_FLAGS");
_Static_assert(offsetof(struct pt_regs, sp) == 20 * 8, "PTR_SP");
_Static_assert(offsetof(struct pt_regs, ss) == 21 * 8, "PTR_SS");
_Static_assert(sizeof(struct pt_regs) == 22 * 8, "PTR_TOP");

void trace_init(void)
{
	ivm_page.magic = IVM_PAGE_MAGIC;
	ivm_page.version = IVM_PAGE_VERSION;
	if (on_ivm)
		hc_register(virt_to_phys(&ivm_page));
}

/*
 * Reserve the next slot, or return false when the ring is full. One CMPXCHG
 * (no LOCK: only this CPU writes the page) is atomic against an NMI or an
 * exception that records in between; losing the race just means retrying
 * after the interrupter's own slots.
 */
static bool ev_reserve(uint32_t *pos, const uint64_t *snap, uint64_t *val)
{
	uint32_t r = READ_ONCE(ivm_page.ev_reserved), seen;

	for (;;) {
		/* read between the reservation's read and its CMPXCHG: as of this slot */
		if (snap)
			*val = READ_ONCE(*snap);
		/*
		 * Signed: an interrupter may have recorded and the VMM drained
		 * since we read r, so the tail can be ahead of it; the CMPXCHG
		 * then fails and we look again.
		 */
		if ((int32_t)(r - READ_ONCE(ivm_page.ev_tail)) >= IVM_EV_RING)
			return false;
		seen = r;
		asm volatile("cmpxchgl %2, %1"
			     : "+a"(seen), "+m"(ivm_page.ev_reserved)
			     : "r"(r + 1) : "memory", "cc");
		if (seen == r)
			break;
		r = seen;
	}
	*pos = r;
	return true;
}

/*
 * Same protocol as ev_asm.h's (entry.S): reserve, write, then publish with
 * seq. IF is off so the TSC order matches the slot order for everything but
 * an NMI or an exception, and those still get slots of their own.
 */
static void ev_write(unsigned int kind, unsigned int vector, uint32_t arg, const uint64_t *snap,
		     uint64_t rip)
{
	uint64_t flags = raw_local_irq_save();	/* raw: local_irq_* record through here */
	struct ivm_event *e;
	uint64_t val = 0;
	uint32_t pos;

	if (!ev_reserve(&pos, snap, &val)) {
		asm volatile("incl %0" : "+m"(ivm_page.ev_dropped));	/* one instruction: NMI-safe */
	} else {
		e = &ivm_page.ev[pos % IVM_EV_RING];
		e->kind = kind;
		e->vector = vector;
		e->depth = irq_depth;
		e->cpl = 0;
		e->arg = arg | (uint32_t)(val & 0xfffff);
		e->tsc = rdtsc();
		/* not a delivery: no frame (the slot may hold an old one); a READ's instruction */
		e->rip = rip;
		e->rsp = 0;
		e->rflags = 0;
		e->cs = 0;
		e->ss = 0;
		e->stack = 0;
		barrier();
		WRITE_ONCE(e->seq, pos + 1);	/* publish: the VMM reads nothing before this */
	}
	raw_local_irq_restore(flags);
}

void ev_record(unsigned int kind, unsigned int vector, uint32_t arg)
{
	ev_write(kind, vector, arg, NULL, 0);
}

/* IVM_EV_READ: LAPIC register @reg (its offset) read @value at the instruction @rip */
void ev_record_read(uint32_t reg, uint32_t value, uint64_t rip)
{
	ev_write(IVM_EV_READ, reg >> 4 & 0xff, value, NULL, rip);
}

/*
 * The MARK IVM_MARK_COUNT | vector << 20 | the guest's own count of @vector's
 * deliveries, read as of this record's slot: an NMI that delivers and records
 * between the read and the reservation fails the CMPXCHG, and the count is
 * read again. So exactly that many ENTRYs of @vector precede it in the stream.
 */
void ev_record_count(unsigned int vector)
{
	ev_write(IVM_EV_MARK, 0, IVM_MARK_COUNT | (vector & 0xff) << 20,
		 &ivm_page.vector_count[vector & 0xff], 0);
}

static const char *const ev_names[] = {
	[IVM_EV_ENTRY] = "entry", [IVM_EV_IRET] = "iret", [IVM_EV_EOI] = "eoi",
	[IVM_EV_TPR] = "tpr", [IVM_EV_SOFTIRQ] = "softirq", [IVM_EV_TASKLET] = "tasklet",
	[IVM_EV_SYNC] = "sync", [IVM_EV_MARK] = "mark", [IVM_EV_ISR] = "isr",
	[IVM_EV_IF] = "if", [IVM_EV_RTE] = "rte", [IVM_EV_IPI] = "ipi",
	[IVM_EV_READ] = "read", [IVM_EV_LDR] = "ldr",
};

/* Under QEMU nobody reads the ring: print it (from @from) instead. */
void ev_dump(uint32_t from)
{
	uint32_t i;

	for (i = from; i != ivm_page.ev_reserved; i++) {
		const struct ivm_event *e = &ivm_page.ev[i % IVM_EV_RING];

		/* the host parses the prefix up to arg= and ignores the rest */
		printf("ev %s vec=0x%x depth=%u cpl=%u arg=0x%x"
		       " rip=0x%lx rsp=0x%lx rfl=0x%x cs=0x%x ss=0x%x stack=%u\n",
		       e->kind < ARRAY_SIZE(ev_names) && ev_names[e->kind] ? ev_names[e->kind] : "?",
		       e->vector, e->depth, e->cpl, e->arg,
		       e->rip, e->rsp, e->rflags, e->cs, e->ss, e->stack);
	}
	printf("ev head=%u dropped=%u\n", ivm_page.ev_reserved, ivm_page.ev_dropped);
}
