// SPDX-License-Identifier: MIT
/*
 * The event-ring consumer against a hostile guest: bad registrations are
 * refused, only published slots are read, in reservation order, from the
 * host's own tail; records the guest could not have made are refused and
 * reported; events come out in order with the tail written back.
 */
#include <stdlib.h>
#include "model/evring.h"
#include "tap.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define MEM (1u << 20)

static struct gmem m;

static struct ivm_guest_page *page_at(uint64_t gpa)
{
	struct ivm_guest_page *p = (struct ivm_guest_page *)(m.base + gpa);

	memset(p, 0, sizeof(*p));
	p->magic = IVM_PAGE_MAGIC;
	p->version = IVM_PAGE_VERSION;
	return p;
}

/* The guest's protocol: reserve, fill, publish with seq = reservation + 1. */
static struct ivm_event *reserve(struct ivm_guest_page *p, uint32_t *pos)
{
	struct ivm_event *e;

	*pos = p->ev_reserved++;
	e = &p->ev[*pos % IVM_EV_RING];
	memset(e, 0, sizeof(*e));
	e->kind = IVM_EV_MARK;
	return e;
}

static void produce(struct ivm_guest_page *p, uint8_t vector)
{
	uint32_t pos;
	struct ivm_event *e = reserve(p, &pos);

	e->vector = vector;
	e->seq = pos + 1;
}

static unsigned nr_bad_sinks;
static uint32_t last_bad_why;

static void bad_sink(void *opaque, const struct ivm_event *e, uint32_t why)
{
	nr_bad_sinks++;
	last_bad_why = why;
}

/* The final drain's skipped slots, in order, with the records drained before each */
struct gap {
	uint32_t slot, kept_before;
	bool cut_off;
};
static struct gap gaps[8];
static unsigned nr_gaps;

static void gap_sink(void *opaque, uint32_t slot, bool cut_off)
{
	const struct evring *r = opaque;

	if (nr_gaps < ARRAY_SIZE(gaps))
		gaps[nr_gaps] = (struct gap){ slot, r->n, cut_off };
	nr_gaps++;
}

int main(void)
{
	struct evring r = { 0 };
	struct ivm_guest_page *p;
	char err[160];

	m.base = calloc(1, MEM);
	m.size = MEM;

	p = page_at(0x1000);
	p->magic = 0;
	ok(evring__register(&r, &m, 0x1000, err, sizeof(err)) < 0 && strstr(err, "magic"),
	   "a page without the magic is refused");
	p = page_at(0x1000);
	p->version = 99;
	ok(evring__register(&r, &m, 0x1000, err, sizeof(err)) < 0, "a page of another version is refused");
	ok(evring__register(&r, &m, MEM - 64, err, sizeof(err)) < 0, "a page running past RAM is refused");
	ok(evring__register(&r, &m, ~0ull - 8, err, sizeof(err)) < 0, "a GPA that would overflow is refused");
	ok(evring__register(&r, &m, 0x1004, err, sizeof(err)) < 0, "an unaligned page is refused");
	memset(&r, 0, sizeof(r));
	evring__set_tsc_khz(&r, &m, 2596122);	/* no page registered: nowhere to write */
	p = page_at(0x1000);
	is_u64(p->tsc_khz, 0, "the TSC's rate: nothing written before a page is registered");

	p = page_at(0x1000);
	ok(evring__register(&r, &m, 0x1000, err, sizeof(err)) == 0, "a proper page is registered");
	evring__set_tsc_khz(&r, &m, 2596122);
	is_u64(p->tsc_khz, 2596122, "the TSC's rate written into the registered page, for the guest's waits");
	r.gap_sink = gap_sink;
	r.sink_opaque = &r;
	for (int i = 0; i < 10; i++)
		produce(p, 0x40 + i);
	evring__drain(&r, &m, false);
	ok(r.n == 10 && r.ev[0].vector == 0x40 && r.ev[9].vector == 0x49, "10 events drained in order");
	is_u64(p->ev_tail, 10, "the tail is written back to the guest");
	evring__drain(&r, &m, false);
	ok(r.n == 10, "draining again adds nothing");

	/* the ring wraps: head and tail are free-running counters */
	for (int i = 0; i < IVM_EV_RING - 1; i++)
		produce(p, (uint8_t)i);
	evring__drain(&r, &m, false);
	ok(r.n == 10 + IVM_EV_RING - 1 && r.ev[r.n - 1].vector == (uint8_t)(IVM_EV_RING - 2),
	   "a ring's worth minus one, across the wrap, drained in order");

	/* the guest rewinds the tail it sees, and lies about what it reserved */
	{
		uint32_t before = r.n;

		p->ev_tail = 0;
		p->ev_reserved += 0x80000000u;
		evring__drain(&r, &m, false);
		ok(r.n == before, "a rewound tail and a wild reservation count read nothing again");
		p->ev_reserved -= 0x80000000u;
		evring__drain(&r, &m, true);
		ok(r.n == before && r.unpublished == 0, "nor does the final drain invent records");
	}

	/* a writer interrupted mid-record (an NMI records after it) */
	{
		uint32_t before = r.n, pos_outer, pos_nmi;
		struct ivm_event *outer = reserve(p, &pos_outer), *nmi = reserve(p, &pos_nmi);

		nmi->vector = 2;
		nmi->seq = pos_nmi + 1;
		evring__drain(&r, &m, false);
		ok(r.n == before, "a published slot behind an unpublished one waits");
		outer->vector = 0x41;
		outer->seq = pos_outer + 1;
		evring__drain(&r, &m, false);
		ok(r.n == before + 2 && r.ev[before].vector == 0x41 && r.ev[before + 1].vector == 2,
		   "once the interrupted writer publishes, both come out in slot order");

		/* a slot from the previous lap must not pass for this one */
		pos_outer = p->ev_reserved++;
		p->ev[pos_outer % IVM_EV_RING].seq = pos_outer + 1 - IVM_EV_RING;
		produce(p, 0x42);
		evring__drain(&r, &m, false);
		ok(r.n == before + 2, "a stale seq from the last lap is not published");
		nr_gaps = 0;
		evring__drain(&r, &m, true);
		ok(r.n == before + 3 && r.ev[r.n - 1].vector == 0x42 && r.unpublished == 1,
		   "the final drain counts the never-published slot and reads past it");
		ok(nr_gaps == 1 && gaps[0].slot == pos_outer && !gaps[0].cut_off && gaps[0].kept_before == before + 2,
		   "the gap sink hears of it, lost, by its slot, before the record after it");
		is_u64(p->ev_tail, p->ev_reserved, "and the tail ends at the reservation count");

		/* the vCPU stopped while writing its last records: cut off, not lost */
		reserve(p, &pos_outer);
		reserve(p, &pos_nmi);
		nr_gaps = 0;
		evring__drain(&r, &m, true);
		ok(r.unpublished == 1 && r.cut_off == 2 && r.n == before + 3,
		   "the last two slots, never published: cut off by the end, not counted lost");
		ok(nr_gaps == 2 && gaps[0].slot == pos_outer && gaps[1].slot == pos_nmi &&
		   gaps[0].cut_off && gaps[1].cut_off, "the gap sink hears of both, cut off, in slot order");
		is_u64(p->ev_tail, p->ev_reserved, "and the tail ends at the reservation count again");

		/* stopped inside an NMI that came while a record was being written */
		{
			uint32_t pos, n0 = r.n, lost0 = r.unpublished, cut0 = r.cut_off;
			struct ivm_event *e;

			reserve(p, &pos);			/* the interrupted record */
			e = reserve(p, &pos);			/* the NMI's entry */
			e->kind = IVM_EV_ENTRY;
			e->vector = 2;
			e->arg = ~0u;
			e->depth = 1;
			e->seq = pos + 1;
			produce(p, 0x43);			/* its handler's mark */
			reserve(p, &pos);			/* its IRET, being written */
			nr_gaps = 0;
			evring__drain(&r, &m, true);
			ok(r.cut_off == cut0 + 2 && r.unpublished == lost0 && r.n == n0 + 2 &&
			   r.ev[n0].vector == 2 && r.ev[n0 + 1].vector == 0x43,
			   "in-flight writers nested to the end: cut off, the NMI's records kept");
			/* a replay counts the NMI's place from the slots before it, the cut-off one too */
			ok(nr_gaps == 2 && gaps[0].kept_before == n0 && gaps[0].slot == pos - 3 &&
			   gaps[1].kept_before == n0 + 2 && gaps[1].slot == pos && gaps[0].cut_off && gaps[1].cut_off,
			   "the gap sink hears of the interrupted record before the NMI's and of the IRET after");
		}
	}

	/* records the guest could not have made */
	{
		static const struct { struct ivm_event e; uint32_t why; const char *what; } bad[] = {
			{ { .kind = 0 }, EVRING_BAD_KIND, "kind 0" },
			{ { .kind = 32 }, EVRING_BAD_KIND, "a host record's kind (INJECT)" },
			{ { .kind = IVM_EV_MAX + 1 }, EVRING_BAD_KIND, "the kind after LDR" },
			{ { .kind = IVM_EV_READ, .vector = 0x27, .stack = 1 }, EVRING_BAD_STACK, "a stack on a READ" },
			{ { .kind = IVM_EV_IPI, .vector = 0xfd, .cpl = 1 }, EVRING_BAD_CPL, "a cpl on an IPI" },
			{ { .kind = IVM_EV_MARK, .depth = IVM_MAX_DEPTH + 1 }, EVRING_BAD_DEPTH, "depth 65" },
			{ { .kind = IVM_EV_ENTRY, .vector = 0x30, .cpl = 4, .arg = ~0u }, EVRING_BAD_CPL, "cpl 4" },
			{ { .kind = IVM_EV_MARK, .cpl = 3 }, EVRING_BAD_CPL, "a cpl on a MARK" },
			{ { .kind = IVM_EV_ENTRY, .vector = 0x30, .stack = 16, .arg = ~0u }, EVRING_BAD_STACK, "stack 16" },
			{ { .kind = IVM_EV_IRET, .stack = 2 }, EVRING_BAD_STACK, "a stack on an IRET" },
			{ { .kind = IVM_EV_ENTRY, .vector = 0x30, .arg = 5 }, EVRING_BAD_ERR, "an error code on an irq" },
			{ { .kind = IVM_EV_ENTRY, .vector = 13, .arg = 0x10000 }, EVRING_BAD_ERR, "#GP error code > 16 bits" },
			{ { .kind = IVM_EV_ENTRY, .vector = 14, .arg = 0x10000 }, EVRING_BAD_ERR, "#PF reserved bit 16" },
		};
		static const struct ivm_event good[] = {
			{ .kind = IVM_EV_ENTRY, .vector = 14, .arg = 0x80008007u, .cpl = 3, .stack = 1 },
			{ .kind = IVM_EV_ENTRY, .vector = 8, .arg = 0, .stack = IVM_STACK_IST1 },
			{ .kind = IVM_EV_ENTRY, .vector = 2, .arg = ~0u, .stack = IVM_STACK_UNKNOWN },
			{ .kind = IVM_EV_RTE, .vector = 23, .arg = 0x1a030, .depth = IVM_MAX_DEPTH },
			{ .kind = IVM_EV_IPI, .vector = 0xfd, .arg = IVM_IPI_ARG(3u << 18 | 0xfd, 0u), .depth = 2 },
			{ .kind = IVM_EV_READ, .vector = 0x27, .arg = 0x1000, .rip = 0x1089a5, .depth = 1 },
			{ .kind = IVM_EV_LDR, .vector = IVM_LDR_FLAT, .arg = 1u << 25 },
		};
		uint32_t before = r.n;

		for (unsigned i = 0; i < ARRAY_SIZE(bad); i++)
			ok(evring__check(&bad[i].e) == bad[i].why, "refused: %s", bad[i].what);
		for (unsigned i = 0; i < ARRAY_SIZE(good); i++)
			ok(evring__check(&good[i]) == 0, "accepted: good record %u", i);

		r.bad_sink = bad_sink;
		for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
			uint32_t pos;
			struct ivm_event *e = reserve(p, &pos);

			*e = bad[i].e;
			e->seq = pos + 1;
		}
		produce(p, 0x43);
		evring__drain(&r, &m, false);
		ok(r.bad == ARRAY_SIZE(bad) && nr_bad_sinks == ARRAY_SIZE(bad) &&
		   last_bad_why == EVRING_BAD_ERR, "each refused record is counted and reported");
		ok(r.n == before + 1 && r.ev[r.n - 1].vector == 0x43,
		   "refused records are not kept; the stream goes on after them");
	}

	p->ev_dropped = 7;
	evring__drain(&r, &m, false);
	is_u64(r.guest_dropped, 7, "the guest's own drop count is reported");
	evring__free(&r);

	/* two vCPUs: each event stamped with its ring's vCPU, merged in TSC order */
	{
		struct evring a = { .cpu = 0 }, b = { .cpu = 1 };
		struct ivm_guest_page *pa = page_at(0x20000), *pb = page_at(0x40000);
		const struct evring *both[2] = { &a, &b };
		static const uint64_t tsc_a[] = { 10, 30, 30, 50 }, tsc_b[] = { 20, 30, 40 };
		struct ivm_event *ev;
		size_t n;

		ok(evring__register(&a, &m, 0x20000, err, sizeof(err)) == 0 &&
		   evring__register(&b, &m, 0x40000, err, sizeof(err)) == 0, "two pages registered");
		pb->ev[0].cpu = 9;	/* whatever the guest writes there, the ring's vCPU wins */
		for (unsigned i = 0; i < 4; i++) {
			pa->ev[pa->ev_reserved % IVM_EV_RING] = (struct ivm_event){ .kind = IVM_EV_MARK,
				.arg = 0xa0 + i, .tsc = tsc_a[i], .seq = pa->ev_reserved + 1 };
			pa->ev_reserved++;
		}
		for (unsigned i = 0; i < 3; i++) {
			pb->ev[pb->ev_reserved % IVM_EV_RING] = (struct ivm_event){ .kind = IVM_EV_MARK,
				.arg = 0xb0 + i, .tsc = tsc_b[i], .cpu = 9, .seq = pb->ev_reserved + 1 };
			pb->ev_reserved++;
		}
		evring__drain(&a, &m, false);
		evring__drain(&b, &m, false);
		ok(a.ev[0].cpu == 0 && b.ev[0].cpu == 1 && b.ev[2].cpu == 1,
		   "drained events carry their ring's vCPU, not the guest's byte");
		ev = evring__merge(both, 2, &n);
		ok(ev && n == 7, "merged: every event of both rings");
		ok(ev && ev[0].arg == 0xa0 && ev[1].arg == 0xb0 && ev[2].arg == 0xa1 &&
		   ev[3].arg == 0xa2 && ev[4].arg == 0xb1 && ev[5].arg == 0xb2 && ev[6].arg == 0xa3,
		   "merged in TSC order; equal TSCs keep ring order, each ring its own order");
		free(ev);
		ev = evring__merge(both, 9, &n);
		ok(!ev, "more rings than the merge handles: refused, not overrun");
		evring__free(&a);
		evring__free(&b);
	}
	free(m.base);
	return tap_done();
}
