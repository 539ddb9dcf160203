/* SPDX-License-Identifier: MIT */
/*
 * The architectural oracle: walks a trace's records in order with an SDM
 * model of one vCPU's LAPIC (IRR/ISR/TMR, TPR/PPR), RFLAGS.IF, NMI blocking
 * and an 82093AA IOAPIC, predicts which delivery must come next, and reports
 * where the trace departs from it. A trace of several vCPUs gets one model
 * per vCPU (oracle__run_file); the guest's fixed and NMI IPIs (ITR_IPI) are
 * routed to their targets (oracle_route.c). Pure: no KVM, no files but the trace.
 * docs/ORACLE.md says what it models and what it cannot know.
 */
#ifndef TRACE_ORACLE_H
#define TRACE_ORACLE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "itr.h"

#define ORACLE_KEEP	16	/* findings kept with their text; the rest are counted */
#define ORACLE_DEPTH	64	/* nesting levels modelled */
#define ORACLE_PINS	24
#define ORACLE_CPUS	8	/* vCPUs: one model each, fed the records that are theirs */

/*
 * Each vCPU's logical APIC ID over the run, for routing logical IPIs: from
 * the guest's LDR records (ITR_LDR, version 11) and the INITs that reset one.
 */
#define ORACLE_LDR_STATES	512	/* changes followed per vCPU (LDRs, INITs); past them, unsure */
struct oracle_ldr {
	uint64_t t;		/* time_ns of the record that set it */
	uint32_t ldr;
	uint8_t model;		/* IVM_LDR_FLAT, IVM_LDR_CLUSTER, IVM_LDR_X2APIC; 0xff an INIT */
};
struct oracle_ldrs {
	bool recorded;		/* the trace holds LDR records: the guest says its logical IDs */
	bool unsure;		/* one the oracle can't follow: an unknown model, a logical INIT,
				 * too many changes */
	unsigned n[ORACLE_CPUS];
	struct oracle_ldr at[ORACLE_CPUS][ORACLE_LDR_STATES];
};

/* What kind of departure a finding is; the tag is printed in brackets. */
enum oracle_kind {
	OK_ORDER,	/* another maskable vector taken while a higher one was deliverable */
	OK_LOST,	/* a deliverable event not taken before the next guest action */
	OK_EXTRA,	/* a delivery nothing pending explains (e.g. an edge delivered twice) */
	OK_NEST,	/* delivered while an in-service vector of its class or higher blocks it */
	OK_TPR,		/* delivered while the TPR masks its class */
	OK_IF,		/* maskable interrupt delivered while IF=0 */
	OK_NMI,		/* NMI delivered while NMIs are blocked, or none was pending */
	OK_NO_IRET,	/* a delivery closed without its IRET (an outer IRET or deeper entry) */
	OK_IRET,	/* an IRET with no open delivery of its vector */
	OK_DEPTH,	/* the guest's depth disagrees with the model's */
	OK_ERRCODE,	/* an injected exception arrived with another error code */
	OK_EOI,		/* the guest saw another vector in service at its EOI */
	OK_ISR,		/* an ISR snapshot disagrees with the model */
	OK_EVIDENCE,	/* events lost, trace truncated: the verdict can't be PASS */
	OK_FRAME,	/* a CPL3 frame the SDM rules out: no stack switch, SS or CS RPL not 3,
			 * or an IRET back to CPL3 restoring another SS:RSP than was saved */
	OK_NR
};

/* Whose LAPIC the trace is judged against (docs/ORACLE.md, "Host models") */
enum oracle_host {
	ORACLE_HOST_SDM = 0,	/* the SDM: a fixed interrupt stays in service until the guest's EOI */
	ORACLE_HOST_PVM4,	/* docs/DIVERGENCES.md PVM-4: the host EOIs it at acceptance */
	ORACLE_HOST_PVM5,	/* PVM-5: an event that becomes deliverable waits for a VM exit */
	ORACLE_HOST_PVM4_5,	/* both: the PVM host's in-kernel LAPIC */
	ORACLE_HOST_NR
};

struct oracle_finding {
	enum oracle_kind kind;
	uint64_t seq;		/* record where it showed */
	uint64_t since;		/* record that created the expectation; UINT64_MAX: none */
	char text[240];
};

struct oracle_frame {
	uint8_t vector;
	uint8_t what;		/* enum oracle_src */
	bool tentative;		/* its ISR bit was set on an assumption (unmodelled source) */
	uint8_t skew;		/* NMI: 1 if it came inside a stub that had counted its own
				 * delivery but not yet recorded it (its depth is one more) */
	int8_t ifl_before;	/* NMI: the model's IF when it came, which its IRET restores */
	uint8_t cpl;		/* the CPL it interrupted (the ENTRY's) */
	uint16_t cs, ss;	/* the frame it saved: CS, SS, RSP (checked at its IRET to CPL3) */
	uint64_t rsp;
	uint64_t seq;
};

struct oracle {
	/* inputs the caller may set after oracle__init */
	int if_records;		/* 1: the guest records IF changes; 0: it doesn't; -1: learn */
	bool smp;		/* other vCPUs exist: an NMI may be their IPI, unrecorded */
	unsigned cpu;		/* smp: which vCPU this model is */
	enum oracle_host host;	/* ORACLE_HOST_SDM unless set */

	/* LAPIC */
	uint32_t irr[8], isr[8], tmr[8], tent[8];
	uint32_t accepted[8];	/* taken by the host, ENTRY to come: the VMM's INTA (DELIVER), or
				 * PVM-4 under split (its EOI exit came first) */
	uint32_t remote[8];	/* smp: its latest arrival was sent from another vCPU's thread */
	uint32_t may_repeat[8];	/* smp: sent again from another vCPU's thread while pending: the
				 * target may have accepted the first in between (two deliveries) */
	uint64_t irr_since[256];
	uint64_t repeat_since[256];	/* may_repeat: the seq of the send that may not have merged */
	uint8_t tpr;
	int ifl;		/* RFLAGS.IF: 0, 1, -1 unknown */
	bool nmi_pending, nmi_blocked;
	bool nmi_second;	/* a second NMI came while one was pending: it may be taken too */
	uint64_t nmi_since;
	bool exc_pending, spur_pending;
	unsigned spur_accepted;	/* spurious vectors the VMM handed to KVM (DELIVER), ENTRY to come */
	uint8_t exc_vector, spur_vector;
	uint32_t exc_err;
	uint64_t exc_since, spur_since;
	int soft_vector;	/* INT n the VMM is delivering (VMM_DELIVERY); -1 none */
	uint32_t modelled[8];	/* vectors with a source the trace shows (INJECT, RTE) */

	/*
	 * The guest's fixed IPIs (ITR_IPI, trace version 4). oracle__run_file's
	 * first pass fills ipi_vec and ipi_ahead; a model fed by hand may too.
	 */
	uint32_t ipi_vec[8];	/* vectors the guest sends IPIs of: an ENTRY of one needs a source */
	uint32_t ipi_soft[8];	/* sent from another vCPU, ENTRY to come, arrival time unknown */
	uint64_t ipi_since[256];	/* when ipi_soft's bit was set */
	uint32_t ipi_ahead[256];	/* IPI records for this vCPU from others, not yet fed */
	uint32_t ipi_early[256];	/* ENTRYs taken as IPIs whose record is still to come */
	uint32_t ipi_may[256];	/* sent again from another vCPU while one was pending: each may
				 * have merged with it, or come after it was taken */
	bool ipi_noted;		/* the note that some IPIs are not modelled was made */
	const struct oracle_ldrs *ldrs;	/* logical IPIs' routing and INITs (oracle__run_file's); NULL: none */
	uint64_t ipi_time[256];	/* time_ns of the latest send of each vector in ipi_soft */
	/*
	 * INIT (trace version 11): the vCPU's restart is its first LDR record
	 * after an INIT reached it (in time: @ldrs holds the INITs), where the
	 * model goes back to the power-up state (SDM 11.4.7.3); an IPI or NMI sent
	 * before it is gone with the INIT, or was taken before it.
	 */
	uint64_t ldr_time;	/* time_ns of this vCPU's latest LDR record */
	uint64_t restart_time;	/* time_ns of its latest restart (0: none) */
	uint64_t nmi_owed_time;	/* time_ns of the latest NMI IPI owed */
	/*
	 * The guest's NMI IPIs (ITR_IPI of delivery mode 4; guests record them
	 * since 2026-12-05): each owes its target an NMI, at a time the model
	 * can't know. Where the trace has them, every one routed (nmi_ipis), an
	 * NMI that no injection and no send explains is a finding; a trace
	 * without them keeps another vCPU's NMI unmodelled. The first pass fills
	 * nmi_ipis and nmi_ahead.
	 */
	bool nmi_ipis;
	uint32_t nmi_owed;	/* sent to this vCPU, not yet taken (one merged with another stays) */
	uint64_t nmi_owed_since;
	uint32_t nmi_ahead;	/* NMI IPI records for this vCPU from others, not yet fed */
	uint32_t nmi_early;	/* NMIs taken as such sends whose record is still to come */

	/* IOAPIC */
	uint32_t rte[ORACLE_PINS];
	bool rte_seen[ORACLE_PINS], line[ORACLE_PINS], remote_irr[ORACLE_PINS];
	bool guest_rte;		/* the guest records its RTE writes: host RTE events are redundant */
	bool host_ioapic;	/* the IOAPIC is the VMM's (split, user): it records its own EOIs */

	/* delivery stack */
	unsigned depth;
	struct oracle_frame stack[ORACLE_DEPTH];

	/* the expectation of the moment */
	int cur;		/* key of the deliverable event (-1 none) */
	uint64_t cur_since;
	bool cur_reported;

	/* results */
	uint64_t records, deliveries, unmodelled, software;
	uint64_t count[OK_NR], total;
	unsigned nkept;
	struct oracle_finding kept[ORACLE_KEEP];
	unsigned nnotes;
	char notes[8][160];
	bool ended;
};

void oracle__init(struct oracle *o);
/* Feed records in stream order (any source; END finishes). */
void oracle__feed(struct oracle *o, const struct itr_record *r);
/* For a stream without ITR_END: what is still owed at the end. */
void oracle__finish(struct oracle *o, bool complete);

enum oracle_verdict { ORACLE_PASS, ORACLE_DIVERGENCE, ORACLE_INCONCLUSIVE };
enum oracle_verdict oracle__verdict(const struct oracle *o);
const char *oracle_kind__name(enum oracle_kind k);
const char *oracle_verdict__name(enum oracle_verdict v);
/* "SDM", "PVM-4", "PVM-5", "PVM-4+PVM-5" */
const char *oracle_host__name(enum oracle_host h);
/* "sdm", "pvm-4", "pvm-5" or "pvm-4+pvm-5" (any case) into @h: 0, or -1 for anything else */
int oracle_host__parse(const char *s, enum oracle_host *h);

/* Findings, notes, then "oracle: verdict ..." lines, each prefixed with @prefix. */
void oracle__report(const struct oracle *o, FILE *f, const char *prefix);
/* One line, no newline: "DIVERGENCE (3: eoi 2, nest 1), first at seq 57 [eoi]";
 * under another host model than the SDM: "PASS under host model PVM-4 (...)". */
void oracle__summary(const struct oracle *o, char *buf, size_t n);

/*
 * Routing the guest's IPIs (oracle_route.c). Whether IPI record @r is one the
 * oracle models (fixed; a physical destination, a shorthand, or a logical one
 * when @l knows every LDR), and whether it is sent to vCPU (APIC ID) @cpu: a
 * logical one by @cpu's LDR at @r's time (NULL @l: to none).
 */
bool oracle__ipi_modelled(const struct itr_record *r, const struct oracle_ldrs *l);
/* An NMI IPI the oracle routes, on the same terms. */
bool oracle__nmi_ipi_modelled(const struct itr_record *r, const struct oracle_ldrs *l);
bool oracle__ipi_targets(const struct itr_record *r, unsigned cpu, const struct oracle_ldrs *l);
/* Whether @r's destination can be followed: a shorthand, a physical one, or a logical one @l knows */
bool oracle__ipi_routed(const struct itr_record *r, const struct oracle_ldrs *l);
void oracle_ldrs__init(struct oracle_ldrs *l);
/* The first pass, each record in stream order: LDR records, and INITs (which reset an xAPIC's) */
void oracle_ldrs__see(struct oracle_ldrs *l, const struct itr_record *r);
/* After it: each vCPU's LDR changes in time order */
void oracle_ldrs__finish(struct oracle_ldrs *l);
/* Whether an INIT reached vCPU @cpu after @from and at or before @to (time_ns) */
bool oracle_ldrs__init_between(const struct oracle_ldrs *l, unsigned cpu, uint64_t from, uint64_t to);

/* Read @path and judge it, one model per vCPU merged into @o. 0 with @o filled;
 * -1 with @err for an unreadable file. */
int oracle__run_file(const char *path, struct oracle *o, struct itr_header *h, char *err, size_t errlen);

/* How oracle__run_file_opts judges a file; all zero: as oracle__run_file */
struct oracle_opts {
	enum oracle_host host;	/* the host model every vCPU's model follows */
};

/* oracle__run_file with @opts (NULL: the defaults) */
int oracle__run_file_opts(const char *path, const struct oracle_opts *opts, struct oracle *o,
			  struct itr_header *h, char *err, size_t errlen);

#endif
