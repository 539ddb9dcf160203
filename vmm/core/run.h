/* SPDX-License-Identifier: MIT */
/* `vmm run`: load a kernel, run vCPU 0 under a watchdog, report how it ended. */
#ifndef VMM_RUN_H
#define VMM_RUN_H

#include "vm/vm.h"

/* Returns the process exit status (enum vmm_status or a guest exit code). */
int vmm__run(const struct vmm_opts *opts);

#endif
