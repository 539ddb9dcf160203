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
	r->gpa = gpa;
	return 0;
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

void evring__drain(struct evring *r, const struct gmem *m)
{
	struct ivm_guest_page *p;
	uint32_t head, tail, avail;

	if (!r->gpa || !(p = gmem__ptr(m, r->gpa, sizeof(*p))))
		return;
	head = __atomic_load_n(&p->ev_head, __ATOMIC_ACQUIRE);
	tail = p->ev_tail;
	avail = head - tail;
	if (avail > IVM_EV_RING) {
		/* the guest broke the protocol: skip to the newest ring's worth */
		r->corrupt++;
		tail = head - IVM_EV_RING;
		avail = IVM_EV_RING;
	}
	for (uint32_t i = 0; i < avail; i++) {
		struct ivm_event e;

		memcpy(&e, &p->ev[(tail + i) % IVM_EV_RING], sizeof(e));
		e.cpu = r->cpu;
		keep(r, &e);
		if (r->sink)
			r->sink(r->sink_opaque, &e);
	}
	__atomic_store_n(&p->ev_tail, head, __ATOMIC_RELEASE);
	r->guest_dropped = p->ev_dropped;
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
