// SPDX-License-Identifier: MIT
/*
 * Shrinking a failing storm plan (Zeller and Hildebrandt's ddmin): test
 * chunks of the injections and their complements, keep any that still
 * fails, refine the chunks until none can go. The result is 1-minimal: it
 * fails, and removing any one injection makes it pass.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "storm.h"

/* One injection of the plan, with the sync point it is made at (on a base: its step) */
struct item {
	struct injection inj;
	uint64_t sync;
};

struct shrink {
	struct scenario *sc;	/* the plan; rebuilt from the items for each run */
	const struct scenario *base;	/* its steps stay; items go after their own */
	storm_fails_fn fails;
	void *ctx;
	long runs;
	unsigned max_runs;
};

/* @sc's steps := @items[0..n), one step per sync point, in order */
static int rebuild_on(struct scenario *sc, const struct scenario *base, const struct item *items,
		      size_t n)
{
	sc->nsteps = 0;
	for (unsigned i = 0; i < base->nsteps; i++) {
		struct step *st = scenario__add_step(sc, SC_MAX_PLAN_STEPS);

		if (!st)
			return -1;
		*st = base->steps[i];
	}
	for (size_t i = 0; i < n; i++) {
		struct step *st = &sc->steps[items[i].sync];

		if (st->ninj == SC_MAX_INJ)
			return -1;	/* can't be: the plan had them there */
		st->inj[st->ninj++] = items[i].inj;
	}
	return 0;
}

static int rebuild(struct scenario *sc, const struct scenario *base, const struct item *items, size_t n)
{
	struct step *st = NULL;

	if (base)
		return rebuild_on(sc, base, items, n);
	sc->nsteps = 0;
	for (size_t i = 0; i < n; i++) {
		if (!st || st->n != items[i].sync || st->ninj == SC_MAX_INJ) {
			if (!(st = scenario__add_step(sc, SC_MAX_PLAN_STEPS)))
				return -1;
			st->at = AT_SYNC;
			st->n = items[i].sync;
		}
		st->inj[st->ninj++] = items[i].inj;
	}
	return 0;
}

static int try_items(struct shrink *sh, const struct item *items, size_t n, bool *failed)
{
	if (rebuild(sh->sc, sh->base, items, n) < 0)
		return -1;
	sh->runs++;
	*failed = sh->fails(sh->sc, sh->ctx);
	return 0;
}

/* Keep @items[lo..hi) (@keep_chunk) or everything but it into @out; its length */
static size_t select_items(const struct item *items, size_t n, size_t lo, size_t hi, bool keep_chunk,
			   struct item *out)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if ((i >= lo && i < hi) == keep_chunk)
			out[k++] = items[i];
	return k;
}

static long ddmin(struct shrink *sh, struct item *c, size_t n, size_t *out_n)
{
	struct item *t = malloc((n ? n : 1) * sizeof(*t));
	size_t chunks = 2;
	bool failed;

	if (!t)
		return -1;
	while (n >= 2 && sh->runs < sh->max_runs) {
		bool reduced = false;

		for (int pass = 0; pass < 2 && !reduced; pass++) {
			/* pass 0: a chunk alone; pass 1: all but a chunk */
			for (size_t i = 0; i < chunks && !reduced && sh->runs < sh->max_runs; i++) {
				size_t lo = n * i / chunks, hi = n * (i + 1) / chunks;
				size_t k = select_items(c, n, lo, hi, pass == 0, t);

				if (k == 0 || k == n)
					continue;
				if (try_items(sh, t, k, &failed) < 0) {
					free(t);
					return -1;
				}
				if (!failed)
					continue;
				memcpy(c, t, k * sizeof(*t));
				n = k;
				chunks = pass == 0 ? 2 : (chunks > 2 ? chunks - 1 : 2);
				reduced = true;
			}
		}
		if (reduced)
			continue;
		if (chunks >= n)
			break;
		chunks = chunks * 2 < n ? chunks * 2 : n;
	}
	free(t);
	*out_n = n;
	return 0;
}

long storm__shrink(struct scenario *sc, storm_fails_fn fails, void *ctx, unsigned max_runs)
{
	return storm__shrink_on(sc, NULL, fails, ctx, max_runs);
}

long storm__shrink_on(struct scenario *sc, const struct scenario *base, storm_fails_fn fails,
		      void *ctx, unsigned max_runs)
{
	struct shrink sh = { .sc = sc, .base = base, .fails = fails, .ctx = ctx,
			     .max_runs = max_runs };
	size_t n = 0, total = storm__count(sc);
	struct item *items = malloc((total ? total : 1) * sizeof(*items));
	bool failed;
	long ret = 0;

	if (!items)
		return -1;
	for (unsigned i = 0; i < sc->nsteps; i++)
		/* on a base, its own injections come first in each of its steps, and stay */
		for (unsigned j = base ? (i < base->nsteps ? base->steps[i].ninj : UINT_MAX) : 0;
		     j < sc->steps[i].ninj; j++)
			items[n++] = (struct item){ .inj = sc->steps[i].inj[j],
						    .sync = base ? i : sc->steps[i].n };
	/* a violation without any injection is the guest's own */
	if (try_items(&sh, items, 0, &failed) < 0 || (!failed && ddmin(&sh, items, n, &n) < 0))
		ret = -1;
	else if (failed)
		n = 0;
	/* the sync points renumbered 1, 2, ... if it still fails so: easier to read */
	if (ret == 0 && n && !base && sh.runs < max_runs) {
		struct item *k = malloc(n * sizeof(*k));
		uint64_t sync = 0, prev = 0;

		for (size_t i = 0; k && i < n; i++) {
			k[i] = items[i];
			if (i == 0 || items[i].sync != prev)
				sync++;
			prev = items[i].sync;
			k[i].sync = sync;
		}
		if (k && try_items(&sh, k, n, &failed) == 0 && failed)
			memcpy(items, k, n * sizeof(*k));
		free(k);
	}
	if (rebuild(sc, base, items, n) < 0)
		ret = -1;
	free(items);
	return ret < 0 ? -1 : sh.runs;
}
