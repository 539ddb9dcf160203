/* SPDX-License-Identifier: MIT */
/*
 * The end of a run: the self-test table, the scenario's checks, the event
 * streams' completeness, the counters, how the run ended (with a register
 * dump when the guest died), and the exit status all of that decides.
 */
#ifndef VMM_REPORT_H
#define VMM_REPORT_H

#include "vm/vm.h"

/* Print the report; returns the process exit status (enum vmm_status or a guest code). */
int report__finish(struct vm *vm);
/*
 * vmm run --tap: from now on each report is TAP on @f instead of the tables
 * (the self-test's cases, a scenario's checks, a "not ok" for a run that
 * failed otherwise), one stream over the next @runs runs: "TAP version 13"
 * first, the plan "1..N" before the points when @runs is 1, else after the
 * last run's. The rest of the report (death reports, --interrupts) is not TAP.
 */
void report__tap(FILE *f, unsigned runs);
/*
 * vmm run/check --json: from now on each report (storm's excepted) also
 * writes its run as JSON members, "selftest", "scenario", "stop_reason",
 * "complete", ..., kept until report__json_take; the caller adds the braces
 * and the exit status, which vmm__run may still change after the report.
 */
void report__json(bool on);
/*
 * The last report's members (malloc'd: the caller frees), NULL if no run
 * reported since; *@complete: whether that run did all it set out to do.
 */
char *report__json_take(bool *complete);

#endif
