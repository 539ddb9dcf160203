/* SPDX-License-Identifier: MIT */
/* KVM_EXIT_IO: a table of port ranges and their devices (COM1, 0xe9, exit, hypercall). */
#ifndef VMM_PIO_H
#define VMM_PIO_H

#include "vm/vm.h"

/* EXIT_RESUME, or EXIT_STOP after vm__stop(). */
int handle_io(struct vcpu *v);

#endif
