/* SPDX-License-Identifier: MIT */
/*
 * Exit handling: one handler per KVM exit reason, in a table indexed by the
 * reason (as kvm_vmx_exit_handlers[] is in KVM). Handlers return
 * EXIT_RESUME to re-enter the guest or EXIT_STOP after vm__stop().
 */
#ifndef VMM_EXIT_H
#define VMM_EXIT_H

#include <stdint.h>
#include "vm/vm.h"

typedef int (*exit_handler_fn)(struct vcpu *v);

int exit__dispatch(struct vcpu *v);
const char *exit__name(uint32_t reason);
/* Replay, split: the level EOIs held (replay/eoi.c) that are due now, made (@at_exit: before its work) */
void exit__make_due_eois(struct vcpu *v, bool at_exit);

/* KVM_EXIT_INTERNAL_ERROR (emulfail.c); the IO and MMIO handlers are dev/'s. */
int handle_internal_error(struct vcpu *v);

#endif
