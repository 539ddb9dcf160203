// SPDX-License-Identifier: MIT
/*
 * The shared page (include/abi.h): counters and the event ring the VMM
 * reads without an exit per event. entry.S writes ENTRY/IRET records and
 * vector_count[] itself; C code records everything else with ev_record().
 */
#include "guest.h"

struct ivm_guest_page ivm_page __aligned(4096);

/* entry.S hard-codes these offsets (PG_* there) */
_Static_assert(offsetof(struct ivm_guest_page, ev_head) == 8, "PG_HEAD");
_Static_assert(offsetof(struct ivm_guest_page, ev_dropped) == 12, "PG_DROPPED");
_Static_assert(offsetof(struct ivm_guest_page, ev_tail) == 16, "PG_TAIL");
_Static_assert(offsetof(struct ivm_guest_page, vector_count) == 24, "PG_VCOUNT");
_Static_assert(offsetof(struct ivm_guest_page, ev) == 2672, "PG_EV");
_Static_assert(sizeof(struct ivm_event) == 16, "event size");

void trace_init(void)
{
	ivm_page.magic = IVM_PAGE_MAGIC;
	ivm_page.version = IVM_PAGE_VERSION;
	if (on_ivm)
		hc_register((uint64_t)&ivm_page);
}

/*
 * Same protocol as entry.S: write the slot, then publish it by bumping
 * ev_head. IF is off while we do it so only an NMI can interleave (NMIs
 * arrive at sync points, never in the middle of a record).
 */
void ev_record(unsigned int kind, unsigned int vector, uint32_t arg)
{
	uint64_t flags = local_irq_save();
	uint32_t head = ivm_page.ev_head;
	struct ivm_event *e;

	if (head - ivm_page.ev_tail >= IVM_EV_RING) {
		ivm_page.ev_dropped++;
	} else {
		e = &ivm_page.ev[head % IVM_EV_RING];
		e->kind = kind;
		e->vector = vector;
		e->depth = irq_depth;
		e->cpl = 0;
		e->arg = arg;
		e->tsc = rdtsc();
		asm volatile("" : : : "memory");
		ivm_page.ev_head = head + 1;
	}
	local_irq_restore(flags);
}

static const char *const ev_names[] = {
	[IVM_EV_ENTRY] = "entry", [IVM_EV_IRET] = "iret", [IVM_EV_EOI] = "eoi",
	[IVM_EV_TPR] = "tpr", [IVM_EV_SOFTIRQ] = "softirq", [IVM_EV_TASKLET] = "tasklet",
	[IVM_EV_SYNC] = "sync", [IVM_EV_MARK] = "mark", [IVM_EV_ISR] = "isr",
};

/* Under QEMU nobody reads the ring: print it (from @from) instead. */
void ev_dump(uint32_t from)
{
	uint32_t i;

	for (i = from; i != ivm_page.ev_head; i++) {
		const struct ivm_event *e = &ivm_page.ev[i % IVM_EV_RING];

		printf("ev %s vec=0x%x depth=%u cpl=%u arg=0x%x\n",
		       e->kind < ARRAY_SIZE(ev_names) && ev_names[e->kind] ? ev_names[e->kind] : "?",
		       e->vector, e->depth, e->cpl, e->arg);
	}
	printf("ev head=%u dropped=%u\n", ivm_page.ev_head, ivm_page.ev_dropped);
}
