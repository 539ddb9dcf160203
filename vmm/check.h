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
/* Judge every check of @sc and print one line each; returns the number of failures
 * (divergences too when @strict). */
unsigned check__report(const struct scenario *sc, enum irqchip_mode mode, const struct ivm_event *ev,
		       size_t n, bool strict, FILE *f);

#endif
