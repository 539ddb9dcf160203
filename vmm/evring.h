/* SPDX-License-Identifier: MIT */
/*
 * Consumer side of the guest's event ring (include/abi.h struct
 * ivm_guest_page). The page lives in guest RAM, so every index read from it
 * is untrusted: a corrupt head never makes us read outside the ring.
 */
#ifndef VMM_EVRING_H
#define VMM_EVRING_H

#include <stdbool.h>
#include <stdint.h>
#include "abi.h"
#include "gmem.h"

#define EVRING_KEEP_MAX (1u << 20)	/* events kept for checks; more are counted, not kept */

struct evring {
	uint64_t gpa;		/* registered page, 0 = none */
	uint8_t cpu;		/* the vCPU whose page it is: stamped on every event */
	struct ivm_event *ev;	/* everything drained so far, in order */
	uint32_t n, cap;
	uint64_t not_kept;	/* drained beyond EVRING_KEEP_MAX */
	uint64_t corrupt;	/* times the guest's head was impossible */
	uint32_t guest_dropped;	/* the guest's own ev_dropped at the last drain */
	/* called for each drained event, in order (the trace recorder), may be NULL */
	void (*sink)(void *opaque, const struct ivm_event *e);
	void *sink_opaque;
};

/* Validate and remember the page at @gpa; -1 with @err if it can't be one. */
int evring__register(struct evring *r, const struct gmem *m, uint64_t gpa, char *err, size_t errlen);
/* Copy new events out of guest RAM and advance the guest-visible ev_tail. */
void evring__drain(struct evring *r, const struct gmem *m);
void evring__free(struct evring *r);
/*
 * The kept events of @n rings as one stream in guest TSC order (ties keep
 * ring order), in a malloc'd array the caller frees; NULL if out of memory.
 */
struct ivm_event *evring__merge(const struct evring *const *rings, unsigned n, size_t *total);

#endif
