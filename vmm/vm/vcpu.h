/* SPDX-License-Identifier: MIT */
/* What a vCPU's own thread does to it: inject an exception, set an entry state, dump it. */
#ifndef VMM_VCPU_H
#define VMM_VCPU_H

#include <stdint.h>
#include <stdio.h>
#include "vm.h"

/* Queue exception @vector for the next entry (KVM_SET_VCPU_EVENTS). */
int vcpu__inject_exception(struct vcpu *v, uint8_t vector, int has_error, uint32_t error,
			   int has_cr2, uint64_t cr2);
/* An injected exception's payload, applied as KVM applies a pending one's: CR2, DR6 (NULL: none) */
int vcpu__apply_payload(struct vcpu *v, const uint64_t *cr2, const uint64_t *dr6);
/* Register dump, instruction at RIP and the last guest events, to @f. */
void vcpu__dump(struct vcpu *v, FILE *f);

/* Put vCPU 0 in the entry state of @li->proto (PVH, multiboot, ELF64). */
int vcpu__setup_boot(struct vcpu *v, const struct load_info *li, char *err, size_t errlen);
/* The state INIT then a SIPI with @vector leave an AP in (user irqchip). */
int vcpu__sipi_reset(struct vcpu *v, uint8_t vector, char *err, size_t errlen);

#endif
