/* SPDX-License-Identifier: MIT */
/* Guest virtual to physical translation by walking the guest's own page tables. */
#ifndef VMM_X86_MMU_H
#define VMM_X86_MMU_H

#include <stdint.h>
#include <linux/kvm.h>
#include "lib/gmem.h"

/* Access kinds, matching the #PF error-code bits they produce. */
#define MMU_WRITE	(1u << 1)
#define MMU_USER	(1u << 2)
#define MMU_FETCH	(1u << 4)

/* *pf_err when the failure is no #PF: unsupported paging mode, non-canonical address, or RAM miss. */
#define MMU_ERR_NOT_PF	0xffffffffu

/*
 * Translate @gva for an access of kind @acc under @sregs (CR0.PG, CR4.PAE,
 * EFER.LMA/NXE, CR3). Returns 0 with *gpa set, or -1 with *pf_err set to the
 * #PF error code the CPU would report (P, W, U, RSVD, I bits). With paging
 * off the address is physical. Every table read is bounds-checked.
 */
int mmu__translate(const struct gmem *m, const struct kvm_sregs *sregs, uint64_t gva,
		   unsigned acc, uint64_t *gpa, uint32_t *pf_err);

/* Copy @len bytes from/to guest virtual memory, page by page. -1 + *pf_err, *fault_va on a fault. */
int mmu__read(const struct gmem *m, const struct kvm_sregs *sregs, uint64_t gva, void *dst,
	      uint64_t len, unsigned acc, uint32_t *pf_err, uint64_t *fault_va);
int mmu__write(const struct gmem *m, const struct kvm_sregs *sregs, uint64_t gva, const void *src,
	       uint64_t len, unsigned acc, uint32_t *pf_err, uint64_t *fault_va);

#endif
