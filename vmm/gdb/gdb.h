/* SPDX-License-Identifier: MIT */
/* A gdbstub over the vCPUs of a run that has stopped (vmm replay --gdb). */
#ifndef VMM_GDB_H
#define VMM_GDB_H

#include <stddef.h>
#include <stdint.h>
#include "vm/vm.h"

/* A socket listening on 127.0.0.1:@port, taken before the run; -1 with "127.0.0.1:PORT: why" in @err. */
int gdb__listen(uint16_t port, char *err, size_t errlen);
/*
 * Serve @vm's stopped vCPUs to one gdb that connects to @lfd (listening on
 * @port; closed here) until it detaches, kills, or goes away, or @stop says
 * so (a signal: looked at every 100 ms). 0 when the session is over; -1 with
 * why in @err.
 */
int gdb__serve(struct vm *vm, int lfd, uint16_t port, int (*stop)(void), char *err, size_t errlen);

#endif
