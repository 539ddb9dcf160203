// SPDX-License-Identifier: MIT
/*
 * The event-ring consumer against a hostile guest: bad registrations are
 * refused, a head far ahead of the tail never makes us read outside the
 * ring, and events come out in order with the tail written back.
 */
#include <stdlib.h>
#include "evring.h"
#include "tap.h"

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

static void produce(struct ivm_guest_page *p, uint8_t vector)
{
	struct ivm_event *e = &p->ev[p->ev_head % IVM_EV_RING];

	memset(e, 0, sizeof(*e));
	e->kind = IVM_EV_ENTRY;
	e->vector = vector;
	p->ev_head++;
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

	p = page_at(0x1000);
	ok(evring__register(&r, &m, 0x1000, err, sizeof(err)) == 0, "a proper page is registered");
	for (int i = 0; i < 10; i++)
		produce(p, 0x40 + i);
	evring__drain(&r, &m);
	ok(r.n == 10 && r.ev[0].vector == 0x40 && r.ev[9].vector == 0x49, "10 events drained in order");
	is_u64(p->ev_tail, 10, "the tail is written back to the guest");
	evring__drain(&r, &m);
	ok(r.n == 10, "draining again adds nothing");

	/* the ring wraps: head and tail are free-running counters */
	for (int i = 0; i < IVM_EV_RING - 1; i++)
		produce(p, (uint8_t)i);
	evring__drain(&r, &m);
	ok(r.n == 10 + IVM_EV_RING - 1 && r.ev[r.n - 1].vector == (uint8_t)(IVM_EV_RING - 2),
	   "a ring's worth minus one, across the wrap, drained in order");

	/* a hostile head: billions ahead of the tail */
	p->ev_head = p->ev_tail + 0x80000000u;
	evring__drain(&r, &m);
	ok(r.corrupt == 1, "an impossible head is counted as corrupt");
	ok(r.n == 10 + IVM_EV_RING - 1 + IVM_EV_RING, "at most one ring's worth is read for it");
	is_u64(p->ev_tail, p->ev_head, "and the consumer resynchronises to the head");

	p->ev_dropped = 7;
	evring__drain(&r, &m);
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
			pa->ev[pa->ev_head % IVM_EV_RING] = (struct ivm_event){ .kind = IVM_EV_MARK,
				.arg = 0xa0 + i, .tsc = tsc_a[i] };
			pa->ev_head++;
		}
		for (unsigned i = 0; i < 3; i++) {
			pb->ev[pb->ev_head % IVM_EV_RING] = (struct ivm_event){ .kind = IVM_EV_MARK,
				.arg = 0xb0 + i, .tsc = tsc_b[i], .cpu = 9 };
			pb->ev_head++;
		}
		evring__drain(&a, &m);
		evring__drain(&b, &m);
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
