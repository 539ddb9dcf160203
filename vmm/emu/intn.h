/* SPDX-License-Identifier: MIT */
/*
 * Architectural delivery of a software interrupt (INT n, INT3, INTO, INT1)
 * through the guest IDT in 64-bit mode, done by the VMM when the host KVM
 * cannot emulate it (PVM-1, docs/DIVERGENCES.md). Pure: works on kvm_regs /
 * kvm_sregs and guest RAM, no ioctls, so frames are unit-tested.
 * SDM Vol. 3A 6.12 "Exception and interrupt handling", 6.14 "64-bit mode".
 */
#ifndef VMM_INTN_H
#define VMM_INTN_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>
#include "lib/gmem.h"

enum intn_kind {
	INTN_INT_N,	/* CD ib: DPL check, EXT=0 */
	INTN_INT3,	/* CC: DPL check, #BP */
	INTN_INTO,	/* CE: #UD in 64-bit mode */
	INTN_INT1,	/* F1 (ICEBP): no DPL check, #DB */
};

/* An exception the delivery raised instead, for the caller to inject. */
struct x86_fault {
	uint8_t vector;
	bool has_error;
	uint32_t error;
	bool has_cr2;
	uint64_t cr2;
};

enum intn_status {
	INTN_DELIVERED = 0,	/* regs/sregs now at the handler, frame pushed */
	INTN_FAULT = 1,		/* *fault holds the exception to inject; state untouched */
	INTN_UNSUPPORTED = 2,	/* not 64-bit mode; caller falls back to #UD */
};

struct intn_frame_info {
	uint64_t new_rsp;	/* RSP at handler entry */
	int stack;		/* enum ivm_stack_id */
	uint64_t handler;	/* gate offset */
	uint16_t handler_cs;
};

/*
 * Deliver @kind (vector @vector for INT n) that sits at regs->rip and is
 * @insn_len bytes long. On INTN_DELIVERED, @regs/@sregs hold the new state
 * and guest memory holds the pushed frame; @info (may be NULL) describes it.
 */
enum intn_status intn__deliver(struct kvm_regs *regs, struct kvm_sregs *sregs,
			       const struct gmem *m, enum intn_kind kind, uint8_t vector,
			       unsigned insn_len, struct x86_fault *fault,
			       struct intn_frame_info *info);

#endif
