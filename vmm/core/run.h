/* SPDX-License-Identifier: MIT */
/* `vmm run`: load a kernel, run vCPU 0 under a watchdog, report how it ended. */
#ifndef VMM_RUN_H
#define VMM_RUN_H

#include "vm/vm.h"

/* Returns the process exit status (enum vmm_status or a guest exit code). */
int vmm__run(const struct vmm_opts *opts);

/* Read a whole file into a malloc'd buffer, at most @max bytes; -1 with @err. */
int read_file(const char *path, size_t max, uint8_t **buf, size_t *len, char *err, size_t errlen);

#endif
