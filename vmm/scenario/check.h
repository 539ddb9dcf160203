/* SPDX-License-Identifier: MIT */
/* Scenario checks: what the guest's events show, and whether that is right. */
#ifndef VMM_CHECK_H
#define VMM_CHECK_H

#include <stdio.h>
#include "abi.h"
#include "scenario.h"

enum check_verdict { CHECK_PASS, CHECK_DIVERGENCE, CHECK_FAIL };

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
 * Read the event lines a guest prints when it has no VMM to hand its ring to
 * (under QEMU): "ev KIND vec=0xV depth=D cpl=C arg=0xA" and the closing
 * "ev head=H dropped=X". Other lines are skipped. -1 with "PATH:LINE: ..." in
 * @err on a malformed event line or an unreadable file. *@dropped is the
 * guest's own count of lost events; the caller owns *@ev.
 */
int check__read_event_log(const char *path, struct ivm_event **ev, size_t *n, uint32_t *dropped,
			  char *err, size_t errlen);

#endif
