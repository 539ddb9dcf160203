/* SPDX-License-Identifier: MIT */
/*
 * KVM's own tracepoints (kvm_inj_virq, kvm_inj_exception, kvm_apic_accept_irq,
 * kvm_eoi, kvm_msi_set_irq, kvm_ioapic_set_irq, and kvm_emulate_insn's failures
 * only) read through libtracefs from a private tracefs instance, filtered to
 * this VMM's thread, on the monotonic clock: an independent, host-kernel record
 * of what KVM injected and of the instructions its emulator reported failed.
 */
#ifndef VMM_KVMTRACE_H
#define VMM_KVMTRACE_H

#include <stddef.h>
#include <stdint.h>
#include "trace/itr.h"

struct kvmtrace;

/* Start tracing; NULL with the reason in @why when tracefs isn't usable here. */
struct kvmtrace *kvmtrace__start(char *why, size_t whylen);
/* Hand every event recorded so far to @emit, oldest first (time in CLOCK_MONOTONIC ns). */
void kvmtrace__collect(struct kvmtrace *k, void (*emit)(void *opaque, struct itr_record *r,
							uint64_t mono_ns), void *opaque);
void kvmtrace__stop(struct kvmtrace *k);

#endif
