/* SPDX-License-Identifier: MIT */
/* The guest-to-host call port (IVM_PORT_HCALL), in the spirit of KVM selftests' ucall. */
#ifndef VMM_HCALL_H
#define VMM_HCALL_H

#include <stdint.h>
#include "vm/vm.h"

/* Handle a call whose block the guest placed at @gpa. Returns EXIT_RESUME or EXIT_STOP. */
int hcall__handle(struct vm *vm, uint64_t gpa);

#endif
