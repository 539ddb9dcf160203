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
#include "lib/gmem.h"

#define EVRING_KEEP_MAX (1u << 20)	/* events kept for checks; more are counted, not kept */

/* What evring__check found wrong with a guest record (ITR_BAD_GUEST b). */
enum evring_bad {
	EVRING_BAD_KIND = 1 << 0,	/* not an IVM_EV_* kind */
	EVRING_BAD_DEPTH = 1 << 1,	/* deeper than IVM_MAX_DEPTH */
	EVRING_BAD_CPL = 1 << 2,	/* above 3, or set on a kind without a frame */
	EVRING_BAD_STACK = 1 << 3,	/* not an enum ivm_stack_id */
	EVRING_BAD_ERR = 1 << 4,	/* an error code the vector can't have */
};

struct evring {
	uint64_t gpa;		/* registered page, 0 = none */
	uint8_t cpu;		/* the vCPU whose page it is: stamped on every event */
	uint32_t tail;		/* records consumed: ours, never read back from the page */
	struct ivm_event *ev;	/* every good record drained so far, in order */
	uint32_t n, cap;
	uint64_t not_kept;	/* drained beyond EVRING_KEEP_MAX */
	uint64_t bad;		/* records refused by evring__check */
	uint64_t unpublished;	/* slots never published, with published ones after them: lost */
	uint64_t cut_off;	/* last slots still being written when the run ended */
	uint32_t guest_dropped;	/* the guest's own ev_dropped at the last drain */
	/* called for each drained event, in order (the trace recorder), may be NULL */
	void (*sink)(void *opaque, const struct ivm_event *e);
	/* called for each refused record with its enum evring_bad bits, may be NULL */
	void (*bad_sink)(void *opaque, const struct ivm_event *e, uint32_t why);
	/* called for each slot a final drain skips, in slot order (@cut_off or lost), may be NULL */
	void (*gap_sink)(void *opaque, uint32_t slot, bool cut_off);
	void *sink_opaque;
};

/* Validate and remember the page at @gpa; -1 with @err if it can't be one. */
int evring__register(struct evring *r, const struct gmem *m, uint64_t gpa, char *err, size_t errlen);
/* Tell the guest, in its registered page, its TSC's rate in kHz (0: unknown); nothing without a page */
void evring__set_tsc_khz(const struct evring *r, const struct gmem *m, uint32_t khz);
/*
 * Copy out the records published since the last drain, in slot order,
 * stopping at the first slot not yet published (its writer was interrupted
 * and will finish). @final: the guest will run no more, so a reserved slot
 * that was never published is skipped: counted in @unpublished when records
 * follow it, in @cut_off when it was the vCPU's last (stopped mid-record).
 */
void evring__drain(struct evring *r, const struct gmem *m, bool final);
/* enum evring_bad bits for @e; 0 when it is a record the guest can make. */
uint32_t evring__check(const struct ivm_event *e);
void evring__free(struct evring *r);
/*
 * The slots the guest has reserved in its ring so far (its ev_reserved, 0 with
 * no page): the records before anything it records next, in trace order, even
 * inside a record it has reserved but not yet published.
 */
uint32_t evring__reserved(const struct evring *r, const struct gmem *m);
/*
 * The kept events of @n rings as one stream in guest TSC order (ties keep
 * ring order), in a malloc'd array the caller frees; NULL if out of memory.
 */
struct ivm_event *evring__merge(const struct evring *const *rings, unsigned n, size_t *total);

#endif
