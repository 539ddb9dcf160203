// SPDX-License-Identifier: MIT
/*
 * The guest event-ring consumer (vmm/model/evring.c) against a hostile page: two
 * vCPUs' struct ivm_guest_page in guest RAM, which the input writes between
 * drains as a guest would (reserve, fill, publish with seq) or as it should
 * not (raw bytes anywhere, any ev_reserved). Operations, op % 6:
 *   0 publish N records (kind, vector, depth, cpl, arg, stack, tsc step from
 *     the input) in the next reserved slots, 1 reserve without publishing,
 *   2 write 8 raw bytes into the page, 3 set ev_reserved / ev_dropped,
 *   4 drain (bit 7: final), 5 register again (here, misaligned or outside RAM)
 * and last a final drain and evring__merge. Checked: only records
 * evring__check accepts are kept, stamped with their vCPU; the tail written
 * back is the consumer's own; merge keeps every record and each ring's order.
 */
#include "model/evring.h"
#include "fuzz.h"

#define PAGE_GPA(i)	(0x1000 + (uint64_t)(i) * sizeof(struct ivm_guest_page))
#define RAM		PAGE_GPA(2)

static struct gmem mem;
static struct evring ring[2];

static struct ivm_guest_page *page(unsigned i)
{
	return (struct ivm_guest_page *)(mem.base + PAGE_GPA(i));
}

static void publish(struct ivm_guest_page *p, struct fuzz_in *in, uint64_t *tsc, bool publish)
{
	uint32_t pos = p->ev_reserved++;
	struct ivm_event *e = &p->ev[pos % IVM_EV_RING];
	uint8_t b = fuzz_in__u8(in);

	memset(e, 0, sizeof(*e));
	e->kind = b & 0x80 ? fuzz_in__u8(in) : 1 + b % IVM_EV_MAX;
	e->vector = fuzz_in__u8(in);
	e->depth = b & 0x40 ? fuzz_in__u8(in) : 1;
	e->cpl = b & 0x20 ? fuzz_in__u8(in) : 0;
	e->arg = b & 0x10 ? fuzz_in__u32(in) : 0xffffffffu;
	e->stack = b & 0x08 ? fuzz_in__u8(in) : 0;
	*tsc += fuzz_in__u8(in);
	e->tsc = *tsc;
	e->cpu = fuzz_in__u8(in);	/* the guest's claim, which the VMM overwrites */
	if (publish)
		__atomic_store_n(&e->seq, pos + 1, __ATOMIC_RELEASE);
}

static void check_ring(const struct evring *r, unsigned i)
{
	fuzz_assert(r->n <= r->cap && r->n <= EVRING_KEEP_MAX);
	for (uint32_t k = 0; k < r->n; k++)
		fuzz_assert(!evring__check(&r->ev[k]) && r->ev[k].cpu == i);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct evring *rs[2] = { &ring[0], &ring[1] };
	struct fuzz_in in = { data, size };
	uint64_t tsc[2] = { 0, 0 };
	struct ivm_event *merged;
	unsigned steps = 0;
	size_t total;
	char err[160];

	if (!mem.base) {
		mem.base = malloc(RAM);	/* exact size: ASan sees a read past guest RAM */
		mem.size = RAM;
	}
	memset(mem.base, 0, RAM);
	for (unsigned i = 0; i < 2; i++) {
		evring__free(&ring[i]);
		memset(&ring[i], 0, sizeof(ring[i]));
		ring[i].cpu = i;
		page(i)->magic = IVM_PAGE_MAGIC;
		page(i)->version = IVM_PAGE_VERSION;
		fuzz_assert(!evring__register(&ring[i], &mem, PAGE_GPA(i), err, sizeof(err)));
	}
	while (in.left && steps++ < 4096) {
		uint8_t op = fuzz_in__u8(&in);
		unsigned i = op >> 3 & 1;
		struct ivm_guest_page *p = page(i);

		switch (op % 6) {
		case 0:
			for (unsigned n = (op >> 4) + 1; n--;)
				publish(p, &in, &tsc[i], true);
			break;
		case 1:
			publish(p, &in, &tsc[i], false);
			break;
		case 2: {
			uint64_t v = fuzz_in__u64(&in);
			uint32_t off = fuzz_in__u32(&in) % (sizeof(*p) - 7);

			memcpy((uint8_t *)p + off, &v, 8);
			break;
		}
		case 3:
			if (op & 0x80)
				p->ev_dropped = fuzz_in__u32(&in);
			else
				p->ev_reserved = fuzz_in__u32(&in);
			break;
		case 4: {
			uint32_t before = ring[i].tail;

			evring__drain(&ring[i], &mem, op & 0x80);
			/* forward, and bounded: a ring, then (final) a ring of unpublished slots and one more drain */
			fuzz_assert(ring[i].tail - before <= 3 * IVM_EV_RING);
			fuzz_assert(p->ev_tail == ring[i].tail);
			check_ring(&ring[i], i);
			break;
		}
		default: {
			static const uint64_t gpas[] = { 0, 4, RAM - 8, UINT64_MAX - 7 };
			uint64_t gpa = op & 0x80 ? gpas[op >> 5 & 3] + PAGE_GPA(i) * !(op >> 5 & 3) :
				       PAGE_GPA(i);

			if (evring__register(&ring[i], &mem, gpa, err, sizeof(err)))
				fuzz_assert(strnlen(err, sizeof(err)) < sizeof(err) && err[0]);
		}
		}
	}
	for (unsigned i = 0; i < 2; i++) {
		evring__drain(&ring[i], &mem, true);
		check_ring(&ring[i], i);
	}
	merged = evring__merge(rs, 2, &total);
	fuzz_assert(merged && total == ring[0].n + ring[1].n);
	{
		uint32_t pos[2] = { 0, 0 };

		/* every ring's records, each ring's in its own order */
		for (size_t k = 0; k < total; k++) {
			unsigned c = merged[k].cpu;

			fuzz_assert(c < 2 && pos[c] < ring[c].n);
			fuzz_assert(!memcmp(&merged[k], &ring[c].ev[pos[c]], sizeof(merged[k])));
			pos[c]++;
		}
	}
	free(merged);
	return 0;
}
