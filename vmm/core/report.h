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

#endif
