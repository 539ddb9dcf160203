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

enum { EXIT_RESUME = 0, EXIT_STOP = 1 };

typedef int (*exit_handler_fn)(struct vcpu *v);

int exit__dispatch(struct vcpu *v);
const char *exit__name(uint32_t reason);

/* Handlers that live in their own files. */
int handle_io(struct vcpu *v);
int handle_mmio(struct vcpu *v);
int handle_internal_error(struct vcpu *v);

/* Queue exception @vector for the next entry (KVM_SET_VCPU_EVENTS). */
int vcpu__inject_exception(struct vcpu *v, uint8_t vector, int has_error, uint32_t error,
			   int has_cr2, uint64_t cr2);
/* Register dump, instruction at RIP and the last guest events, to @f. */
void vcpu__dump(struct vcpu *v, FILE *f);

#endif
