/* SPDX-License-Identifier: MIT */
/* Scenario checks: what the guest's events show, and whether that is right. */
#ifndef VMM_CHECK_H
#define VMM_CHECK_H

#include <stdio.h>
#include "abi.h"
#include "scenario.h"

enum check_verdict { CHECK_PASS, CHECK_DIVERGENCE, CHECK_FAIL };

/*
 * Drop from @ev[0..@n) the handler frames of the vectors @sc hides (`hide:`):
 * on each CPU, from a hidden vector's ENTRY through its own IRET, with all
 * that happens between. Returns the events left, compacted in place.
 */
size_t check__hide_frames(const struct scenario *sc, struct ivm_event *ev, size_t n);

/* Reduce the event stream to the values @c looks at. */
void check__observe(const struct check *c, const struct ivm_event *ev, size_t n,
		    struct check_values *obs);
/* PASS if @obs is what the SDM says, DIVERGENCE if it is exactly what @mode is known to do. */
enum check_verdict check__judge(const struct check *c, enum irqchip_mode mode,
				const struct check_values *obs);
/*
 * Judge every check of @sc and print one line each, titled with @where
 * ("irqchip user", "qemu-tcg"). @mode picks the pinned divergences; IRQCHIP_NR
 * means none apply. Returns the failures (divergences too when @strict).
 */
unsigned check__report(const struct scenario *sc, enum irqchip_mode mode, const char *where,
		       const struct ivm_event *ev, size_t n, bool strict, FILE *f);
/*
 * The same judgement as TAP test points (vmm run --tap), numbered on from
 * *@num, which counts them: "ok N - SCENARIO (WHERE): CHECK"; a pinned
 * divergence "ok N - ... # SKIP known divergence REF" (with @strict "not ok");
 * a failure "not ok N - ..." then "#   expected [...] observed [...]".
 * Returns what check__report returns.
 */
unsigned check__tap(const struct scenario *sc, enum irqchip_mode mode, const char *where,
		    const struct ivm_event *ev, size_t n, bool strict, unsigned *num, FILE *f);
/*
 * The same judgement as one JSON object (vmm run --json): "scenario", "where",
 * "irqchip", then per check its name, verdict (PASS, DIVERGENCE, FAIL), the
 * divergence's ID, and the values expected and observed; the totals.
 * Returns what check__report returns.
 */
unsigned check__json(const struct scenario *sc, enum irqchip_mode mode, const char *where,
		     const struct ivm_event *ev, size_t n, bool strict, FILE *f);
/*
 * One TAP test point: "ok N - DESC" or "not ok N - DESC", then " # DIRECTIVE"
 * if not NULL ("SKIP why"). In DESC a '#' or a backslash gets a backslash
 * before it (TAP 13), and a control character is written as '?'.
 */
void check__tap_point(FILE *f, unsigned num, bool ok, const char *desc, const char *directive);

/*
 * Read the event lines a guest prints when it has no VMM to hand its ring to
 * (under QEMU): "ev KIND vec=0xV depth=D cpl=C arg=0xA" and the closing
 * "ev head=H dropped=X". Other lines are skipped. -1 with "PATH:LINE: ..." in
 * @err on a malformed event line or an unreadable file. *@dropped is the
 * guest's own count of lost events; the caller owns *@ev.
 */
int check__read_event_log(const char *path, struct ivm_event **ev, size_t *n, uint32_t *dropped,
			  char *err, size_t errlen);

#endif
