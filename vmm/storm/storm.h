/* SPDX-License-Identifier: MIT */
/*
 * `vmm storm` (docs/STORM.md): seeded plans of injected interrupts and faults
 * for the guest's storm program, and the delta debugging that shrinks a plan
 * that breaks an invariant to a minimal one that still does. Pure: a plan is
 * a struct scenario; running it is the caller's (vmm/cli/storm_cmd.c).
 */
#ifndef VMM_STORM_H
#define VMM_STORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "scenario/scenario.h"

enum storm_kind {
	SK_MSI,		/* a fixed, edge MSI to one of the guest's device vectors */
	SK_EDGE,	/* an IOAPIC edge pin pulsed */
	SK_LEVEL,	/* an IOAPIC level pin asserted (the guest's handler deasserts it) */
	SK_NMI,
	SK_EXCEPTION,	/* every injectable exception, with its error code and payload */
	SK_SPURIOUS,	/* the LAPIC's spurious vector (user irqchip only) */
	SK_TIMER,	/* the guest asked (an MSI) to reprogram its LAPIC timer */
	SK_IPI,		/* a vCPU asked (an MSI) to send an IPI through its ICR (--vcpus=2 only) */
	SK_INIT,	/* CPU 0 asked (an MSI) to restart CPU 1 by INIT, SIPI at a quiet point (--vcpus=2 only) */
	SK_NR
};
#define STORM_KINDS_ALL	((1u << SK_NR) - 1)

#define STORM_MAX_SYNCS	SC_MAX_PLAN_STEPS	/* sync points in one round */

struct storm_cfg {
	uint64_t seed;
	unsigned kinds;		/* bit per enum storm_kind */
	unsigned syncs;		/* sync points a round has */
	unsigned rate;		/* injections per sync point, on average (at most 2 * rate) */
	enum irqchip_mode mode;	/* what the plan may inject under it */
	unsigned vcpus;		/* 1 or 2 (storm_cmd refuses more): with 2, MSIs, NMIs and spurious vectors go to either */
	double timeout_s;	/* a round's watchdog */
	/*
	 * --scenario: a user's scenario, stormed instead of the storm program.
	 * Its steps and checks are kept; the storm's injections are added at its
	 * sync steps, MSIs only to vectors it does not name, hidden from its
	 * checks (`hide:`). NULL: the storm program.
	 */
	const struct scenario *base;
};

/* "msi,nmi" or "all" -> bits; -1 (with the bad name in @bad) if a name is unknown. */
int storm__parse_kinds(const char *s, unsigned *kinds, char *bad, size_t badlen);
const char *storm__kind_name(enum storm_kind k);
/* The kinds @mode can inject: spurious only under user (docs/DIVERGENCES.md). */
unsigned storm__kinds_for(unsigned kinds, enum irqchip_mode mode);
/* The kinds a storm on @vcpus can make: ipi and init only on two (between them is the point). */
unsigned storm__kinds_vcpus(unsigned kinds, unsigned vcpus);

/*
 * What a storm may inject into @base (docs/STORM.md "Storming a scenario"):
 * the kinds of @kinds that can't disturb its checks (msi; nmi and spurious
 * unless it injects them itself), and in @vectors (up to IVM_STORM_NR_MSI)
 * the storm's MSI vectors it names nowhere (steps, check vectors, entries,
 * eois, isr values); their number in *@nvec. Returns the kinds.
 */
unsigned storm__kinds_base(unsigned kinds, const struct scenario *base, uint8_t *vectors,
			   unsigned *nvec);
/* Sync steps of @sc */
unsigned storm__sync_steps(const struct scenario *sc);

/*
 * Round @round of the storm @cfg describes, as a scenario for the guest's
 * storm program: sync steps 1..cfg->syncs, each with 0..2*rate injections.
 * The same seed and round always give the same plan. @sc is released first.
 * -1 on out of memory.
 */
int storm__plan(const struct storm_cfg *cfg, unsigned round, struct scenario *sc);
/* Injections in @sc's steps. */
unsigned storm__count(const struct scenario *sc);
/* The largest sync number with a step, 0 if none: the guest needs count=that. */
uint64_t storm__last_sync(const struct scenario *sc);

/*
 * Delta debugging (Zeller's ddmin) of @sc's injections: @fails(sc, ctx) runs a
 * candidate and says whether it still shows the violation. On return @sc holds
 * a 1-minimal plan that fails: no single injection can be removed. Returns
 * the runs made, or -1 on out of memory (@sc is then the smallest found).
 */
typedef bool (*storm_fails_fn)(const struct scenario *sc, void *ctx);
long storm__shrink(struct scenario *sc, storm_fails_fn fails, void *ctx, unsigned max_runs);
/*
 * The same for a plan made on @base (storm_cfg.base): @base's own injections
 * always stay, at their places; only the storm's are shrunk, and the sync
 * points, the program's, are not renumbered. @base NULL: storm__shrink.
 */
long storm__shrink_on(struct scenario *sc, const struct scenario *base, storm_fails_fn fails,
		      void *ctx, unsigned max_runs);

/*
 * A storm round judged from its trace: the oracle (under the SDM, and where
 * the SDM finds a divergence under kernel or split, under the PVM-4 host
 * model too), the guest's own broken-invariant marks, and how the run ended.
 */
struct storm_verdict {
	bool violated;
	int explained;		/* enum oracle_host whose model the trace fits exactly when the
				 * SDM's does not (a known host divergence); 0: none needed */
	char sig[48];		/* what broke, for shrinking: "oracle [lost]", "guest re-entry" */
	char first[400];	/* the first violating record, in words */
	uint64_t seq;		/* that record's seq; UINT64_MAX: none (a hang, a bad trace) */
	uint64_t began;		/* where it began: seq, or for what the oracle found at the end
				 * (a delivery never made) since when it was owed */
	uint64_t deliveries;	/* the guest's ENTRY records */
};

/* Judge the trace at @path of a round run under @mode that ended with @status. */
void storm__judge(const char *path, enum irqchip_mode mode, int status, struct storm_verdict *v);

#endif
