// SPDX-License-Identifier: MIT
/*
 * Judging a storm round from its trace. The oracle says whether every
 * delivery was the one the SDM (or a known host model) predicts; the guest's
 * marks say what it saw break; the run's status says whether it died or hung.
 * A violation gets a signature, so shrinking keeps the same bug, not any bug.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "abi.h"
#include "trace/oracle.h"
#include "storm.h"


static const char *const broken_names[] = {
	[IVM_SB_REENTRY] = "re-entry", [IVM_SB_IF] = "IF=1 in a handler",
	[IVM_SB_DEPTH] = "nesting too deep", [IVM_SB_ISR] = "ISR not empty at the end",
	[IVM_SB_IRR] = "IRR not empty at the end", [IVM_SB_TPR] = "TPR left raised",
	[IVM_SB_REMOTE_IRR] = "remote IRR left set", [IVM_SB_PAYLOAD] = "a CR2 or DR6 other than injected",
	[IVM_SB_CPU1] = "CPU 1 did not start, finish or restart",
	[IVM_SB_TIMER_EXTRA] = "the timer fired more often than armed",
	[IVM_SB_TIMER_LOST] = "the timer armed last never fired",
	[IVM_SB_TIMER_STOPPED] = "the timer fired after it was stopped",
	[IVM_SB_CPL3] = "the CPL3 work came back wrong",
	[IVM_SB_QUIET] = "CPU 1 never came to a quiet point",
};

static const char *broken_name(unsigned what)
{
	return what < sizeof(broken_names) / sizeof(broken_names[0]) && broken_names[what] ?
	       broken_names[what] : "unknown invariant";
}

/* What the last injected #PF or #DB carried, per vCPU, until the handler's mark shows it */
struct payloads {
	uint64_t cr2[ORACLE_CPUS], dr6[ORACLE_CPUS];
	bool cr2_set[ORACLE_CPUS], dr6_set[ORACLE_CPUS];
};

/* -1: the handler saw another payload than the one injected (@r is its mark) */
static int payload_check(struct payloads *p, const struct itr_record *r)
{
	unsigned c = r->vcpu < ORACLE_CPUS ? r->vcpu : 0;
	uint32_t tag = r->a & IVM_MARK_TAG, val = r->a & ~IVM_MARK_TAG;

	if (r->type == ITR_INJECT && (r->a & 0xff) == INJ_EXCEPTION) {
		if (r->rsp & ITR_INJ_HAS_CR2) {
			p->cr2[c] = r->rip;
			p->cr2_set[c] = true;
		}
		if (r->rsp & ITR_INJ_HAS_DR6) {
			p->dr6[c] = r->rip;
			p->dr6_set[c] = true;
		}
		return 0;
	}
	if (r->type != ITR_MARK || r->source != ITR_SRC_GUEST)
		return 0;
	if (tag == IVM_MARK_CR2 && p->cr2_set[c]) {
		p->cr2_set[c] = false;
		return val == (p->cr2[c] >> 12 & 0x0fffffff) ? 0 : -1;
	}
	if (tag == IVM_MARK_DR6 && p->dr6_set[c]) {
		p->dr6_set[c] = false;
		return val == (p->dr6[c] & 0xf) ? 0 : -1;
	}
	return 0;
}

/*
 * The count of deliveries, and the guest's first broken-invariant
 * mark (@broken[0]) and first one other than a re-entry (@broken[1]); a #PF or
 * #DB whose handler saw another CR2 or DR6 than injected is the first kind
 */
static int scan(const char *path, struct storm_verdict *v, struct itr_record broken[2], bool has[2])
{
	static struct payloads pay;
	struct itr_header h;
	struct itr_record r;
	char err[256];
	struct itr_reader *rd = itr_reader__open(path, &h, err, sizeof(err));
	int k;

	has[0] = has[1] = false;
	memset(&pay, 0, sizeof(pay));
	if (!rd)
		return -1;
	while ((k = itr_reader__next(rd, &r, err, sizeof(err))) == 1) {
		if (payload_check(&pay, &r) < 0 && !has[0]) {
			/* as a broken-invariant mark of its own: what 9, the vector 14 or 1 */
			r.a = IVM_STORM_BROKEN | IVM_SB_PAYLOAD << 8 | ((r.a & IVM_MARK_TAG) == IVM_MARK_CR2 ? 14 : 1);
			broken[0] = broken[1] = r;
			has[0] = has[1] = true;
		}
		v->deliveries += r.type == ITR_ENTRY && r.source == ITR_SRC_GUEST;
		if (r.type != ITR_MARK || r.source != ITR_SRC_GUEST || (r.a & 0xffff0000u) != IVM_STORM_BROKEN)
			continue;
		for (int i = 0; i < 2; i++) {
			if (!has[i] && (i == 0 || (r.a >> 8 & 0xff) != IVM_SB_REENTRY)) {
				broken[i] = r;
				has[i] = true;
			}
		}
	}
	itr_reader__close(rd);
	return k;
}

/* The oracle under @host; -1 if the trace can't be read */
static int run_oracle(const char *path, enum oracle_host host, struct oracle *o)
{
	struct oracle_opts opts = { .host = host };
	struct itr_header h;
	char err[256];

	return oracle__run_file_opts(path, &opts, o, &h, err, sizeof(err));
}

static void violation(struct storm_verdict *v, const char *sig, const char *first, uint64_t seq)
{
	if (v->violated)
		return;		/* the first one found is the one reported and shrunk */
	v->violated = true;
	v->seq = v->began = seq;
	snprintf(v->sig, sizeof(v->sig), "%s", sig);
	snprintf(v->first, sizeof(v->first), "%s", first);
}

static void judge_oracle(const char *path, enum irqchip_mode mode, struct storm_verdict *v)
{
	static const enum oracle_host known[] = { ORACLE_HOST_PVM5, ORACLE_HOST_PVM4,
						  ORACLE_HOST_PVM4_5 };
	static struct oracle o;
	enum oracle_verdict ov;
	char sig[48], first[400];

	if (run_oracle(path, ORACLE_HOST_SDM, &o) < 0) {
		violation(v, "trace unreadable", "the round's trace could not be read back", UINT64_MAX);
		return;
	}
	ov = oracle__verdict(&o);
	/*
	 * A known host divergence explains the findings when the trace is exact
	 * under its model: PVM-5 (late delivery) anywhere KVM delivers, PVM-4
	 * only where KVM's LAPIC is the one (kernel, split). The simplest first.
	 */
	for (unsigned i = 0; ov == ORACLE_DIVERGENCE && i < sizeof(known) / sizeof(known[0]); i++) {
		if (mode == IRQCHIP_USER && known[i] != ORACLE_HOST_PVM5)
			continue;
		if (run_oracle(path, known[i], &o) == 0 && oracle__verdict(&o) == ORACLE_PASS) {
			v->explained = known[i];
			return;
		}
	}
	/* a divergence's findings are reported under the last, most forgiving model tried */
	if (oracle__verdict(&o) == ORACLE_PASS)
		return;
	if (!o.nkept) {
		violation(v, "oracle inconclusive", "the oracle can't judge this trace (events lost "
			  "or truncated)", UINT64_MAX);
		return;
	}
	if (v->violated)
		return;		/* how the run ended is the violation */
	snprintf(sig, sizeof(sig), "oracle [%s]", oracle_kind__name(o.kept[0].kind));
	snprintf(first, sizeof(first), "%s (host model %s)", o.kept[0].text, oracle_host__name(o.host));
	violation(v, sig, first, o.kept[0].seq);
	if (o.kept[0].seq == UINT64_MAX)
		v->began = o.kept[0].since;
}

void storm__judge(const char *path, enum irqchip_mode mode, int status, struct storm_verdict *v)
{
	struct itr_record broken[2], *b;
	char first[400], sig[48];
	bool has[2], pvm4;

	memset(v, 0, sizeof(*v));
	if (scan(path, v, broken, has) < 0) {
		violation(v, "trace unreadable", "the round's trace could not be read back", UINT64_MAX);
		return;
	}
	if (status != 0 && status != 1) {
		snprintf(sig, sizeof(sig), "run status %d", status);
		violation(v, sig, status == 6 ? "the watchdog fired: the guest hung" :
			  status == 4 ? "the guest died (triple fault, halt with IF=0 or an assertion)" :
			  "the run ended abnormally", UINT64_MAX);
	}
	judge_oracle(path, mode, v);
	/* under PVM-4 a vector's ISR bit is gone in its handler: re-entry is that divergence */
	pvm4 = v->explained == ORACLE_HOST_PVM4 || v->explained == ORACLE_HOST_PVM4_5;
	b = pvm4 ? (has[1] ? &broken[1] : NULL) : (has[0] ? &broken[0] : NULL);
	if (b) {
		snprintf(sig, sizeof(sig), "guest %s", broken_name(b->a >> 8 & 0xff));
		snprintf(first, sizeof(first), "seq %" PRIu64 ": the guest saw %s (%s %#x)", b->seq,
			 broken_name(b->a >> 8 & 0xff), (b->a >> 8 & 0xff) == IVM_SB_REMOTE_IRR ? "pin" :
			 (b->a >> 8 & 0xff) == IVM_SB_TPR ? "TPR" : "vector", b->a & 0xff);
		/*
		 * The earlier of the two is the cause: a guest that saw CPU 1 lost
		 * stops waiting for it, ends the run with it not quiet, and the
		 * oracle finds what it still held then (59-storm.t's INIT mutant).
		 */
		if (v->violated && v->began != UINT64_MAX && b->seq < v->began)
			v->violated = false;
		violation(v, sig, first, b->seq);
	}
	if (status == 1 && !has[0] && !v->violated)
		violation(v, "guest counts", "the guest's counts or the event stream's check failed "
			  "(the round's report says which)", UINT64_MAX);
}
