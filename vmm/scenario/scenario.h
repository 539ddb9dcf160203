/* SPDX-License-Identifier: MIT */
/*
 * Scenario configs (configs/NAME.yaml): what the guest runs, what the VMM
 * injects and when, and what must be observed. Parsed with libyaml; any
 * error is one line "FILE:LINE:COL: what is wrong".
 */
#ifndef VMM_SCENARIO_H
#define VMM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "trace/itr.h"

#define SC_MAX_STEPS	32	/* in a config file */
#define SC_MAX_PLAN_STEPS 4096	/* in a plan made by a program: a replay, a storm */
#define SC_MAX_INJ	16	/* per step */
#define SC_MAX_CHECKS	32
#define SC_MAX_VALUES	32	/* per expected/observed list */
#define SC_MAX_VCPUS	8	/* a config's vcpus: (vm.h's VMM_MAX_VCPUS) */

enum irqchip_mode { IRQCHIP_KERNEL = 0, IRQCHIP_SPLIT = 1, IRQCHIP_USER = 2, IRQCHIP_NR };
#define IRQCHIP_ALL ((1u << IRQCHIP_NR) - 1)

/* enum inj_kind and enum pin_action: the trace's INJECT encoding (trace/itr.h) */
struct injection {
	enum inj_kind kind;
	uint8_t vector;
	uint32_t dest;		/* APIC ID (MSI) or vCPU index (every other kind); default 0 */
	uint8_t delivery;	/* MSI delivery mode: 0 fixed, 1 lowest, 2 SMI, 4 NMI, 5 INIT, 7 ExtINT */
	bool level;		/* MSI trigger mode */
	unsigned pin;		/* IOAPIC pin 0..23 */
	enum pin_action action;
	bool has_error;
	uint32_t error_code;
	bool has_cr2;
	uint64_t cr2;		/* #PF payload */
	bool has_dr6;
	uint64_t dr6;		/* #DB payload */
	bool pending;		/* exception queued as pending, not injected */
	bool by_guest;		/* made by the guest's own device write (pc-testdev), not a config */
	unsigned line;		/* config line, for messages */
};

enum step_at { AT_SYNC, AT_DELAY_US };

struct step {
	enum step_at at;
	uint64_t n;		/* sync point number, or microseconds after start */
	unsigned ninj;
	struct injection inj[SC_MAX_INJ];
	unsigned line;
};

/* What a check measures, from the guest's event ring (include/abi.h IVM_EV_*). */
enum check_kind {
	CHK_ENTRIES,	/* vectors of IVM_EV_ENTRY events with vector >= 0x20, in order */
	CHK_COUNT,	/* number of IVM_EV_ENTRY events for .vector: one value */
	CHK_ISR_AT_ENTRY, /* IVM_EV_ISR args (0/1) for .vector, in order */
	CHK_SOFTIRQS,	/* IVM_EV_SOFTIRQ args, in order */
	CHK_TASKLETS,	/* IVM_EV_TASKLET args, in order */
	CHK_MARKS,	/* IVM_EV_MARK args, in order */
	CHK_EOIS,	/* IVM_EV_EOI vectors, in order */
	CHK_INTACT,	/* [broken promises, guest counts confirmed]: check.c "intact" */
};

struct check_values {
	unsigned n;
	int64_t v[SC_MAX_VALUES];
};

struct check {
	char name[64];
	enum check_kind kind;
	uint8_t vector;		/* CHK_COUNT, CHK_ISR_AT_ENTRY */
	bool has_cpu;		/* only vCPU .cpu's events; else all, merged in TSC order */
	uint8_t cpu;
	struct check_values expect;
	/* a host known to differ, per irqchip mode: what it does instead */
	struct {
		bool set;
		char ref[48];	/* "PVM-4" */
		struct check_values observed;
	} known[IRQCHIP_NR];
	unsigned line;
};

struct scenario {
	char name[64];
	char description[256];
	char guest[64];		/* guest program: passed as "scenario=GUEST" on its command line */
	unsigned guest_line, guest_col;	/* where guest: is, for messages */
	unsigned irqchips;	/* bit per enum irqchip_mode it runs under; default IRQCHIP_ALL */
	unsigned vcpus;		/* 1..SC_MAX_VCPUS; default 1 */
	double timeout_s;	/* default 10 */
	unsigned nsteps, steps_cap;
	struct step *steps;	/* heap: scenario__add_step, scenario__free */
	unsigned nchecks;
	struct check checks[SC_MAX_CHECKS];
	/*
	 * Vectors whose handler frames (ENTRY to its IRET, all between) the
	 * checks do not see: a storm's own injections (`hide:`, docs/STORM.md).
	 * The oracle still judges every delivery.
	 */
	uint64_t hide[4];
	unsigned nhide;
};

static inline bool scenario__hides(const struct scenario *sc, unsigned v)
{
	return v < 256 && (sc->hide[v / 64] >> (v % 64) & 1);
}

/*
 * One more step, zeroed, at the end of @sc's steps; NULL when @sc already has
 * @max or memory ran out. A scenario owns its steps: scenario__free.
 */
struct step *scenario__add_step(struct scenario *sc, unsigned max);
/* Release the steps and zero @sc (zeroed or loaded before). */
void scenario__free(struct scenario *sc);

/* Load and validate @path (@sc zeroed, or loaded before: its steps are released). On error returns -1 with "PATH:LINE:COL: message" in @err. */
int scenario__load(const char *path, struct scenario *sc, char *err, size_t errlen);
/* The same from a buffer (unit tests); @name stands for the path in messages. */
int scenario__parse(const char *buf, size_t len, const char *name, struct scenario *sc,
		    char *err, size_t errlen);

/* guest.elf's scenario programs, NULL-terminated; and whether @sc names one of
 * them (-1 with "PATH:LINE:COL: ..." in @err if not). */
const char *const *scenario__guest_programs(void);
int scenario__check_guest(const struct scenario *sc, const char *path, char *err, size_t errlen);
/*
 * The same against @programs, the scenario programs @kernel registers
 * (NULL-terminated): -1 with "PATH:LINE:COL: guest: ..." naming @kernel.
 */
int scenario__check_guest_in(const struct scenario *sc, const char *path, const char *const *programs,
			     const char *kernel, char *err, size_t errlen);

const char *irqchip_mode__name(enum irqchip_mode m);
/* Whether exception @v pushes an error code (SDM vol. 3 table 6-1) */
bool scenario__exc_has_error(unsigned v);
/* The words of the language, as a config spells them */
const char *scenario__inj_kind_name(enum inj_kind k);
const char *scenario__action_name(enum pin_action a);
const char *scenario__expect_name(enum check_kind k);
/*
 * @sc as a config (docs/SCENARIOS.md) that scenario__parse reads back to the
 * same steps and checks; @comment (may be NULL) heads it as "# " lines.
 */
int scenario__write(const struct scenario *sc, const char *comment, FILE *f);
int irqchip_mode__parse(const char *s, enum irqchip_mode *m);

#endif
