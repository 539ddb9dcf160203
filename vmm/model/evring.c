// SPDX-License-Identifier: MIT
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "evring.h"

int evring__register(struct evring *r, const struct gmem *m, uint64_t gpa, char *err, size_t errlen)
{
	const struct ivm_guest_page *p = gmem__ptr(m, gpa, sizeof(*p));

	if (!p || gpa & 7) {
		snprintf(err, errlen, "guest page at %#llx: not an aligned %zu-byte block in RAM",
			 (unsigned long long)gpa, sizeof(*p));
		return -1;
	}
	if (p->magic != IVM_PAGE_MAGIC || p->version != IVM_PAGE_VERSION) {
		snprintf(err, errlen, "guest page at %#llx: magic %#x version %u, expected %#x version %u",
			 (unsigned long long)gpa, p->magic, p->version, IVM_PAGE_MAGIC, IVM_PAGE_VERSION);
		return -1;
	}
	if (r->gpa != gpa)
		r->tail = 0;	/* a new page starts at its own beginning; the same page goes on */
	r->gpa = gpa;
	return 0;
}

void evring__set_tsc_khz(const struct evring *r, const struct gmem *m, uint32_t khz)
{
	struct ivm_guest_page *p = r->gpa ? gmem__ptr(m, r->gpa, sizeof(*p)) : NULL;

	if (p)
		__atomic_store_n(&p->tsc_khz, khz, __ATOMIC_RELAXED);
}

static void keep(struct evring *r, const struct ivm_event *e)
{
	if (r->n == r->cap) {
		uint32_t cap = r->cap ? r->cap * 2 : 1024;
		struct ivm_event *ev;

		if (r->n >= EVRING_KEEP_MAX || !(ev = realloc(r->ev, (size_t)cap * sizeof(*ev)))) {
			r->not_kept++;
			return;
		}
		r->ev = ev;
		r->cap = cap;
	}
	r->ev[r->n++] = *e;
}

/* Vectors 0-31 that push an error code (SDM 3A table 6-1): DF TS NP SS GP PF AC CP VC SX */
#define ERRCODE_VECTORS	(1u << 8 | 1u << 10 | 1u << 11 | 1u << 12 | 1u << 13 | 1u << 14 | \
			 1u << 17 | 1u << 21 | 1u << 29 | 1u << 30)

uint32_t evring__check(const struct ivm_event *e)
{
	bool framed = e->kind == IVM_EV_ENTRY || e->kind == IVM_EV_IRET;
	uint32_t why = 0;

	if (e->kind < 1 || e->kind > IVM_EV_MAX)
		return EVRING_BAD_KIND;
	if (e->depth > IVM_MAX_DEPTH)
		why |= EVRING_BAD_DEPTH;
	if (e->cpl > 3 || (!framed && e->cpl))
		why |= EVRING_BAD_CPL;
	if (e->stack > IVM_STACK_UNKNOWN || (e->kind != IVM_EV_ENTRY && e->stack))
		why |= EVRING_BAD_STACK;
	if (e->kind == IVM_EV_ENTRY) {
		bool has_err = e->vector < 32 && (ERRCODE_VECTORS >> e->vector & 1);

		/* error codes are 16 bits wide but for #PF (bit 15 SGX, bit 31 RMP) */
		if (!has_err ? e->arg != 0xffffffffu :
		    e->vector == 14 ? (e->arg & 0x7fff0000u) != 0 : e->arg > 0xffffu)
			why |= EVRING_BAD_ERR;
	}
	return why;
}

static void consume(struct evring *r, const struct ivm_event *slot)
{
	struct ivm_event e;
	uint32_t why;

	memcpy(&e, slot, sizeof(e));
	e.cpu = r->cpu;
	why = evring__check(&e);
	if (why) {
		r->bad++;
		if (r->bad_sink)
			r->bad_sink(r->sink_opaque, &e, why);
		return;
	}
	keep(r, &e);
	if (r->sink)
		r->sink(r->sink_opaque, &e);
}

/* Slot @slot, never published, skipped: the trace keeps its place in the slot order (replay counts it) */
static void gap(struct evring *r, uint32_t slot, bool cut_off)
{
	if (cut_off)
		r->cut_off++;
	else
		r->unpublished++;
	if (r->gap_sink)
		r->gap_sink(r->sink_opaque, slot, cut_off);
}

/*
 * Whether every record published in (@from, @end) lies inside a delivery
 * that began after @from: only an NMI or an exception (vector < 32) can
 * interrupt a record being written (IF is 0 there).
 */
static bool nested_to_the_end(const struct ivm_guest_page *p, uint32_t from, uint32_t end)
{
	unsigned depth = 0;

	for (uint32_t j = from + 1; j != end; j++) {
		const struct ivm_event *e = &p->ev[j % IVM_EV_RING];

		if (__atomic_load_n(&e->seq, __ATOMIC_ACQUIRE) != j + 1)
			continue;	/* also being written when the vCPU stopped */
		if (!depth && (e->kind != IVM_EV_ENTRY || e->vector >= 32))
			return false;
		if (e->kind == IVM_EV_ENTRY)
			depth++;
		else if (e->kind == IVM_EV_IRET)
			depth--;
	}
	return true;
}

void evring__drain(struct evring *r, const struct gmem *m, bool final)
{
	struct ivm_guest_page *p;
	uint32_t reserved;

	if (!r->gpa || !(p = gmem__ptr(m, r->gpa, sizeof(*p))))
		return;
	/* at most a ring's worth a call: a guest that keeps publishing can't hold us here */
	for (uint32_t i = 0; i < IVM_EV_RING; i++) {
		const struct ivm_event *slot = &p->ev[r->tail % IVM_EV_RING];

		/* acquire: the slot's other fields were written before its seq */
		if (__atomic_load_n(&slot->seq, __ATOMIC_ACQUIRE) != r->tail + 1)
			break;
		consume(r, slot);
		r->tail++;
	}
	reserved = __atomic_load_n(&p->ev_reserved, __ATOMIC_RELAXED);
	/*
	 * The guest runs no more, and the slot at the tail will never be
	 * published. If everything recorded after it nests inside it (NMIs or
	 * exceptions that came while it was being written, themselves perhaps
	 * still being written), the vCPU was stopped mid-record: cut off by the
	 * end of the run. Otherwise its writer was abandoned while the guest
	 * went on: that record is lost.
	 */
	while (final && reserved - r->tail - 1 < IVM_EV_RING &&
	       __atomic_load_n(&p->ev[r->tail % IVM_EV_RING].seq, __ATOMIC_ACQUIRE) != r->tail + 1) {
		uint32_t later = r->tail + 1;

		if (nested_to_the_end(p, r->tail, reserved)) {
			for (; r->tail != reserved; r->tail++) {
				const struct ivm_event *slot = &p->ev[r->tail % IVM_EV_RING];

				if (__atomic_load_n(&slot->seq, __ATOMIC_ACQUIRE) == r->tail + 1)
					consume(r, slot);
				else
					gap(r, r->tail, true);
			}
			break;
		}
		while (later != reserved &&
		       __atomic_load_n(&p->ev[later % IVM_EV_RING].seq, __ATOMIC_ACQUIRE) != later + 1)
			later++;
		for (; r->tail != later; r->tail++)
			gap(r, r->tail, false);
		evring__drain(r, m, false);
	}
	__atomic_store_n(&p->ev_tail, r->tail, __ATOMIC_RELEASE);
	r->guest_dropped = __atomic_load_n(&p->ev_dropped, __ATOMIC_RELAXED);
}

uint32_t evring__reserved(const struct evring *r, const struct gmem *m)
{
	const struct ivm_guest_page *g = r->gpa ? gmem__ptr(m, r->gpa, sizeof(*g)) : NULL;

	return g ? __atomic_load_n(&g->ev_reserved, __ATOMIC_ACQUIRE) : 0;
}

void evring__free(struct evring *r)
{
	free(r->ev);
	r->ev = NULL;
	r->n = r->cap = 0;
}

struct ivm_event *evring__merge(const struct evring *const *rings, unsigned n, size_t *total)
{
	size_t pos[8] = { 0 }, k = 0;
	struct ivm_event *out;

	*total = 0;
	if (n > 8)
		return NULL;
	for (unsigned i = 0; i < n; i++)
		*total += rings[i]->n;
	out = malloc((*total ? *total : 1) * sizeof(*out));
	if (!out)
		return NULL;
	while (k < *total) {
		int best = -1;

		/* each ring is in order already: take the earliest head, lowest ring on ties */
		for (unsigned i = 0; i < n; i++)
			if (pos[i] < rings[i]->n &&
			    (best < 0 || rings[i]->ev[pos[i]].tsc < rings[best]->ev[pos[best]].tsc))
				best = i;
		out[k++] = rings[best]->ev[pos[best]++];
	}
	return out;
}
