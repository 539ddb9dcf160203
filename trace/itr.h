/* SPDX-License-Identifier: MIT */
/*
 * The trace file (.itr): what a run recorded, guest and host merged into one
 * ordered stream. Little-endian, versioned, fixed-size records after a
 * variable header, written as a stream with bounded memory. docs/TRACE.md
 * is the normative description; this header is its C form.
 */
#ifndef TRACE_ITR_H
#define TRACE_ITR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define ITR_MAGIC	"IVMTRACE"	/* 8 bytes, no NUL */
#define ITR_VERSION	11	/* 11: ITR_LDR, the guest's logical APIC IDs; 10: ITR_UNPUBLISHED, a ring slot the guest never published, at its place; 9: ITR_PROGRESS, the VMM's answers to IVM_HC_PROGRESS; 8: ITR_IRR, the VMM's answers to IVM_PORT_IRR; 7: ITR_READ, the guest's reads of LAPIC IRR; 6: ITR_QUIET, the VMM's answers to IVM_HC_QUIET; 5: header initrd and initrd_sha256, config devices=; 4: ITR_IPI, the guest's ICR writes; 3: what replay needs: header kernel and config, ITR_DELIVER,
				 * INJECT with every parameter; 2: ITR_BAD_GUEST, END says why */
#define ITR_VERSION_MIN	1	/* the oldest version this reader still reads */
#define ITR_RECORD_SIZE	64

/* Who produced a record. */
enum itr_source {
	ITR_SRC_GUEST = 1,	/* the guest's event ring */
	ITR_SRC_VMM = 2,	/* ./vmm itself */
	ITR_SRC_KVM = 3,	/* a KVM tracepoint read through tracefs */
};

enum itr_type {
	/* guest (IVM_EV_* kinds, same meaning) */
	ITR_ENTRY = 1, ITR_IRET = 2, ITR_EOI = 3, ITR_TPR = 4, ITR_SOFTIRQ = 5,
	ITR_TASKLET = 6, ITR_SYNC = 7, ITR_MARK = 8, ITR_ISR = 9, ITR_IF = 10, ITR_RTE = 11,
	ITR_IPI = 12,		/* v4: the guest writes its ICR: vector; a = IVM_IPI_ARG (ICR bits
				 * 19:0, destination APIC ID << 24) */
	ITR_READ = 13,		/* v7: the guest read a LAPIC register the host's timing sets (IRR):
				 * vector = its index (offset >> 4), a = the value, rip = the
				 * reading instruction */
	ITR_LDR = 14,		/* v11: the guest set its logical APIC ID: vector = the model
				 * (IVM_LDR_*), a = the LDR */
	/* host */
	ITR_INJECT = 32,	/* vector; a = enum inj_kind | pin/dest << 8 | pin action << 16;
				 * b = injection point: sync N, or 1 << 63 | microseconds;
				 * err = error code (0xffffffff: none); v3: rsp = ITR_INJ_* bits
				 * and the full destination, rip = the CR2/DR6 payload */
	ITR_EXIT = 33,		/* a = KVM exit reason, rip = guest RIP when known */
	ITR_IOAPIC = 34,	/* vector = pin; a = enum ioapic_event; b, rip = its two arguments */
	ITR_VMM_DELIVERY = 35,	/* INT n delivered by the VMM: vector, rip = the INT, b = handler */
	ITR_KVM_TP = 36,	/* a KVM tracepoint: a = tracepoint id, b/rip = fields */
	ITR_MILESTONE = 37,	/* a = milestone id */
	ITR_LOST = 38,		/* a = records the guest dropped (ring full), b = slots it
				 * reserved but never published (it died mid-record) */
	ITR_BAD_GUEST = 39,	/* v2: a guest record the VMM refused: vector = its vector,
				 * a = its kind, b = enum evring_bad bits (what was wrong) */
	ITR_DELIVER = 40,	/* v3: the VMM hands vector (a = enum itr_deliver_how) to KVM for
				 * the next entry; b = the ring slots this vCPU reserved so far,
				 * err = those published; rip, rsp, rflags = where the guest is */
	ITR_QUIET = 41,		/* v6: the VMM answered this vCPU's IVM_HC_QUIET: vector = the vCPU
				 * asked about (0xff: 255 or more), a = the answer (IVM_QUIET_*),
				 * rip = the RIP it gave, b = the asker's ring slots reserved */
	ITR_IRR = 42,		/* v8: the VMM answered this vCPU's IN from IVM_PORT_IRR: a = the
				 * answer (bit w: IRR word w holds a vector), b = its ring slots
				 * reserved, rip = the IN */
	ITR_PROGRESS = 43,	/* v9: the VMM answered this vCPU's IVM_HC_PROGRESS: a = the counter's
				 * value, rsp = its GPA, b = the asker's ring slots reserved */
	ITR_UNPUBLISHED = 44,	/* v10: a slot of this vCPU's ring reserved but never published,
				 * where its record would have been: b = the slot's index,
				 * a = 1 when the end of the run cut it off (stopped mid-record),
				 * 0 when its writer was abandoned as the guest went on (lost) */
	ITR_END = 0xffff,	/* last record of a complete trace; a = b = records written
				 * before it; err = vmm exit status, vector = the signal that
				 * ended the run (0: none); v1 leaves err = 0xffffffff */
};

/* ITR_INJECT a & 0xff: what was injected (scenarios and storms use the same kinds). */
enum inj_kind {
	INJ_MSI,	/* vector, dest, delivery, level */
	INJ_PIN,	/* pin, action */
	INJ_NMI,
	INJ_EXCEPTION,	/* vector, error_code (has_error), cr2 (has_cr2), pending */
	INJ_INIT,	/* dest vCPU */
	INJ_SIPI,	/* dest vCPU, vector = start page */
	INJ_SPURIOUS,	/* the LAPIC's spurious vector, as the INTA race produces */
};

/* ITR_INJECT (a >> 16) & 0xff for INJ_PIN. */
enum pin_action { PIN_ASSERT, PIN_DEASSERT, PIN_PULSE };

/* ITR_INJECT rsp (v3): the destination (low 32 bits), MSI delivery mode, flags. */
#define ITR_INJ_DEST(rsp)	((uint32_t)(rsp))
#define ITR_INJ_DELIVERY(rsp)	((uint8_t)((rsp) >> 32 & 7))
#define ITR_INJ_LEVEL		(1ull << 40)	/* MSI trigger mode level */
#define ITR_INJ_HAS_CR2		(1ull << 41)	/* rip is the #PF payload */
#define ITR_INJ_HAS_DR6		(1ull << 42)	/* rip is the #DB payload */
#define ITR_INJ_PENDING		(1ull << 43)	/* exception queued as pending */
#define ITR_INJ_BY_GUEST	(1ull << 44)	/* the guest's own device write made it (pc-testdev):
						 * not a host input, so a replay leaves it to the guest */

/*
 * The control bits of RFLAGS (TF IF DF IOPL NT RF VM AC ...): the arithmetic
 * flags in a saved RFLAGS are the interrupted code's data, not delivery, and
 * two correct runs can differ there. What diff and replay compare by default.
 */
#define ITR_RFLAGS_CONTROL (0x3fffffu & ~0x8d5u)

/* ITR_DELIVER a: how the VMM handed it over; or where a vCPU stood when another ended the run. */
enum itr_deliver_how {
	ITR_DELIVER_IRQ = 0, ITR_DELIVER_NMI = 1, ITR_DELIVER_STOP = 2,
	ITR_DELIVER_TIMER = 3,	/* user irqchip: the LAPIC timer fired err times by this LAPIC access */
	ITR_DELIVER_STEP = 4,	/* vCPU 0 stood here when the host clock made a delay step */
};

/*
 * ITR_DELIVER of an NMI, its depth field: whether NMIs were blocked at the hand-over
 * (KVM_GET_VCPU_EVENTS nmi.masked: inside an NMI handler, up to its IRETQ); 0 in traces
 * written before it was recorded. Blocked, KVM keeps one of those handed over, not two.
 */
enum itr_nmi_blocking { ITR_NMI_UNKNOWN = 0, ITR_NMI_OPEN = 1, ITR_NMI_BLOCKED = 2 };

/*
 * ITR_DELIVER of an NMI, its stack field: what KVM held before this one went to it
 * (KVM_GET_VCPU_EVENTS, which first takes in those handed over before it): bit 7 set
 * when recorded (0 in traces written before), bits 1:0 nmi.pending (at most 3; a
 * count since Linux 6.4, a flag before), bit 2 nmi.injected. KVM keeps one more only
 * below its limit (process_nmi: 1 while NMIs are blocked or one is being injected,
 * else 2); past it the NMI merges, with one of this hand-over or of an earlier one.
 */
#define ITR_NMI_HELD_KNOWN		0x80u
#define ITR_NMI_HELD(pending, injected)	(ITR_NMI_HELD_KNOWN | ((injected) ? 4u : 0u) | \
					 ((pending) > 3 ? 3u : (unsigned)(pending)))
#define ITR_NMI_HELD_PENDING(stack)	((stack) & 3u)
#define ITR_NMI_HELD_INJECTED(stack)	((stack) >> 2 & 1u)

#define ITR_HOST_LAST	ITR_UNPUBLISHED	/* the highest host record type */
#define ITR_GUEST_LAST	ITR_LDR	/* the highest guest record type */

/* ITR_QUIET vector: the vCPU a QUIET question named, 0xff for 255 or more */
static inline uint8_t itr_quiet__asked(uint64_t vcpu)
{
	return vcpu < 0xff ? (uint8_t)vcpu : 0xff;
}

/* ITR_KVM_TP: which tracepoint (a); vector and b/rip hold its fields (docs/TRACE.md). */
enum itr_kvm_tp {
	ITR_TP_INJ_VIRQ = 1,		/* vector = irq */
	ITR_TP_INJ_EXCEPTION = 2,	/* vector = exception, b = has_error, rip = error_code */
	ITR_TP_APIC_ACCEPT_IRQ = 3,	/* vector = vec, b = apicid, rip = dm << 8 | tm */
	ITR_TP_EOI = 4,			/* vector = vector, b = apicid */
	ITR_TP_MSI_SET_IRQ = 5,		/* vector = data & 0xff, b = address, rip = data */
	ITR_TP_IOAPIC_SET_IRQ = 6,	/* vector = pin, b = e (RTE), rip = coalesced */
	ITR_TP_EMULATE_FAILED = 7,	/* kvm_emulate_insn with failed != 0 only: rip = rip,
					 * vector = len, b = insn[0..3] | flags << 32 */
	ITR_TP_NR
};
const char *itr_kvm_tp__name(uint32_t id);

/* ITR_TP_EMULATE_FAILED b: the first (up to) 4 instruction bytes, byte i in bits 8i+7:8i,
 * and the kernel's emulation mode (flags: 0 real, 3 vm16, 1 prot16, 5 prot32, 9 prot64). */
#define ITR_TP_INSN_KEPT	4
#define ITR_TP_INSN_BYTE(b, i)	((uint8_t)((b) >> (8 * (i))))
#define ITR_TP_INSN_FLAGS(b)	((uint8_t)((b) >> 32))
/* The emulation mode's name as the kernel prints it ("prot64"), NULL for another value. */
const char *itr_kvm_emul_mode__name(uint8_t flags);

/* One record: 64 bytes on disk, in this order, little-endian. */
struct itr_record {
	uint16_t type;		/* enum itr_type */
	uint8_t source;		/* enum itr_source */
	uint8_t vcpu;
	uint8_t vector;
	uint8_t cpl;
	uint8_t depth;
	uint8_t stack;		/* enum ivm_stack_id (ENTRY) */
	uint64_t seq;		/* position in the merged stream, from 0 */
	uint64_t time_ns;	/* host CLOCK_MONOTONIC ns since the run started */
	uint64_t rip;
	uint64_t rsp;
	uint32_t rflags;
	uint16_t cs, ss;
	uint32_t err;		/* error code, 0xffffffff = none */
	uint32_t a;
	uint64_t b;
};

/* ITR_TP_EMULATE_FAILED: its bytes as the kernel prints them ("48 cf"; past 4 bytes
 * "0f ae 15 3c... len=7"); the characters written, as snprintf. */
int itr_kvm_tp__insn(const struct itr_record *r, char *buf, size_t n);

/* Header: fixed part, then strings; all lengths bounded. */
#define ITR_STR_MAX 256
struct itr_header {
	uint16_t version;
	uint8_t build_id[20];	/* guest ELF build-id */
	char scenario[64];	/* "" when none */
	char irqchip[16];	/* "kernel", "split", "user" */
	char host[ITR_STR_MAX];	/* host facts, one line: "kvm_pvm; api 12; cpl0 emulated" */
	char cmdline[ITR_STR_MAX];	/* guest command line */
	char kernel[ITR_STR_MAX];	/* v3: the KERNEL path as given ("" in older traces) */
	char config[ITR_STR_MAX];	/* v3: "vcpus=N mem=BYTES boot=PROTO" ("" in older traces);
					 * v5: then " devices=none|pci-testdev" */
	char initrd[ITR_STR_MAX];	/* v5: the --initrd path as given ("" none, or longer) */
	char initrd_sha256[ITR_STR_MAX];	/* v5: its content's SHA-256, 64 lowercase hex digits
						 * ("" without an initrd) */
	uint64_t start_unix_ns;	/* wall clock at the start of the run */
};

/* Writer: streams records, at most one buffer of memory whatever the length. */
struct itr_writer;
struct itr_writer *itr_writer__open(const char *path, const struct itr_header *h, char *err, size_t errlen);
/* Assigns rec->seq; -1 on an I/O error (reported once by itr_writer__close). */
int itr_writer__put(struct itr_writer *w, struct itr_record *rec);
/* Writes ITR_END, flushes, closes; fsyncs too if set_durable() asked. -1 with @err if anything failed. */
int itr_writer__close(struct itr_writer *w, char *err, size_t errlen);
/* Make close() fsync the file (power loss); off by default: write(2) alone survives a crash of the VMM. */
void itr_writer__set_durable(struct itr_writer *w, bool on);
/* Why the run ended, for ITR_END (exit status, signal or 0); async-signal-safe. */
void itr_writer__set_end(struct itr_writer *w, uint32_t status, uint8_t sig);
/* For signal paths: flush what is buffered and write ITR_END; async-signal-safe. */
void itr_writer__emergency_close(struct itr_writer *w);

/* Reader: header then records one at a time. */
struct itr_reader;
struct itr_reader *itr_reader__open(const char *path, struct itr_header *h, char *err, size_t errlen);
/* 1 = a record, 0 = end of stream, -1 = error (@err: "PATH: offset 0xN: what"). */
int itr_reader__next(struct itr_reader *r, struct itr_record *rec, char *err, size_t errlen);
/*
 * Bulk form of next() for readers that compare rather than decode (diff):
 * up to @max whole records, each checked as next() checks it, left in the
 * reader's buffer in file layout (ITR_RECORD_SIZE bytes each, little-endian)
 * at *@p, valid until the next call on @r. Returns how many (at least 1; a
 * bad record ends the batch before it and is the next call's -1), 0 = end of
 * stream, -1 = error, as next(). The two may be mixed.
 */
long itr_reader__next_raw(struct itr_reader *r, const uint8_t **p, size_t max, char *err, size_t errlen);
/* After 0 from next(): whether ITR_END was seen (false: truncated trace), and the
 * number of trailing bytes that did not form a whole record. */
bool itr_reader__complete(const struct itr_reader *r);
uint64_t itr_reader__trailing_bytes(const struct itr_reader *r);
void itr_reader__close(struct itr_reader *r);

const char *itr_type__name(uint16_t type);

#endif
