// SPDX-License-Identifier: MIT
#include <inttypes.h>
#include <string.h>
#include "lib/json.h"
#include "console.h"
#include "selftest.h"

/*
 * Host behaviours observed to differ from the SDM (docs/DIVERGENCES.md):
 * this host's (PVM-N), KVM-1 (KVM's in-kernel LAPIC on any backend), and
 * SVM-2, which nested kvm_amd shows now and then.
 * A case is a known divergence only when it fails in exactly this way, so a
 * change in the platform (fixed, or broken differently) is still noticed.
 */
static const struct known_divergence known_divergences[] = {
	{ "int80-cpl3", 6, IVM_CHK_VECTOR | IVM_CHK_RIP, "PVM-2",
	  "int $0x80 at CPL3 through a DPL3 gate raises #UD at the int instruction, not vector 0x80", 0 },
	{ "int41-cpl3", 6, IVM_CHK_VECTOR | IVM_CHK_ERRCODE, "PVM-2",
	  "int $0x41 at CPL3 through a DPL0 gate raises #UD, not #GP(0x41*8+2)", 0 },
	{ "#MF-cpl0", 6, IVM_CHK_VECTOR | IVM_CHK_RIP | IVM_CHK_RESUME, "PVM-6",
	  "the host's CPL0 emulator can't execute x87 (fldcw): emulation failure, #UD", 0 },
	{ "#XM-cpl0", 6, IVM_CHK_VECTOR | IVM_CHK_RIP | IVM_CHK_RESUME, "PVM-6",
	  "the host's CPL0 emulator can't execute SSE (ldmxcsr): emulation failure, #UD", 0 },
	{ "#NM-cpl3", 0, IVM_CHK_NOFAULT, "PVM-7",
	  "an x87 instruction at CPL3 with CR0.TS=1 runs natively: no #NM", 0 },
	{ "irq-sti-shadow-cpl0", 0xe5, IVM_CHK_RIP, "PVM-5",
	  "an interrupt pending when STI sets IF is taken late (a pending event is taken only "
	  "at the next VM exit), not right after the instruction after STI", .rip_side = 1 },
	{ "apic-tpr-lower-cpl0", 0xe5, IVM_CHK_RIP, "PVM-5",
	  "an interrupt the TPR held back is taken late once the APIC's TPR register is lowered "
	  "(at the next VM exit), not at the instruction after the write", .rip_side = 1 },
	{ "lvt-error-illegal-cpl0", 0, IVM_CHK_NOFAULT, "KVM-1",
	  "a fixed self-IPI with vector 3 is accepted into IRR by KVM's in-kernel LAPIC: no ESR "
	  "send illegal vector, no LVT error interrupt", 0 },
	{ "selfipi-illegal-cpl0", 0, IVM_CHK_NOFAULT, "KVM-1",
	  "vector 3 written to the x2APIC SELF IPI register is accepted into IRR by KVM's in-kernel "
	  "LAPIC: no ESR send illegal vector, no LVT error interrupt", 0 },
	{ "lvt-error-illegal-cpl0", 0xfe, IVM_CHK_RIP, "PVM-5",
	  "the LVT error interrupt pending when STI sets IF is taken late, not right after the "
	  "instruction after STI", .rip_side = 1 },
	{ "lvt-error-illegal-cpl0", 0xfe, IVM_CHK_RIP, "SVM-2",
	  "the LVT error interrupt pending when STI sets IF is taken in STI's shadow: QEMU TCG's "
	  "VMRUN (before 9.1) drops the interrupt shadow", .rip_side = -1 },
	/* the nested kvm_amd host: a #VMEXIT inside the shadow, and QEMU's VMRUN forgets it */
	{ "irq-sti-shadow-cpl0", 0xe5, IVM_CHK_RIP, "SVM-2",
	  "an interrupt pending when STI sets IF is taken before the instruction after STI: "
	  "QEMU TCG's VMRUN (before 9.1) drops the interrupt shadow a #VMEXIT saved in the VMCB",
	  .rip_side = -1 },
	{ "#NP-cpl0", 8, IVM_CHK_VECTOR | IVM_CHK_ERRCODE | IVM_CHK_STACK, "PVM-8",
	  "#NP while delivering #UD (a benign exception) escalates to #DF; the SDM delivers #NP", 0 },
	{ "#NP-db-cpl0", 8, IVM_CHK_VECTOR | IVM_CHK_ERRCODE | IVM_CHK_STACK, "PVM-8",
	  "#NP while delivering the single-step #DB (a benign exception) escalates to #DF; the SDM "
	  "delivers #NP", 0 },
	{ "int3-dpl0-cpl3", 3, IVM_CHK_VECTOR | IVM_CHK_ERRCODE | IVM_CHK_RIP, "PVM-15",
	  "int3 at CPL3 through a DPL0 gate is delivered as #BP, the gate's DPL not checked", 0 },
	{ "movss-tf-cpl0", 1, IVM_CHK_RIP, "PVM-14",
	  "TF over mov ss at CPL0: the emulator delivers the #DB right after mov ss, not one "
	  "instruction later", 0 },
	{ "pat-rsvd-cpl0", 0, IVM_CHK_NOFAULT, "PVM-16",
	  "wrmsr of IA32_PAT with a reserved memory type in an entry is taken, no #GP(0)", 0 },
	{ "out-cpl3-iopl3", 13, IVM_CHK_VECTOR | IVM_CHK_RIP, "PVM-17",
	  "out at CPL3 with IOPL 3 raises #GP(0): the guest's IOPL is not applied at CPL3", 0 },
	{ "cli-cpl3-iopl3", 13, IVM_CHK_VECTOR | IVM_CHK_RIP, "PVM-17",
	  "cli at CPL3 with IOPL 3 raises #GP(0): the guest's IOPL is not applied at CPL3", 0 },
	{ "int1-cpl3", 1, IVM_CHK_RIP, "PVM-10",
	  "icebp at CPL3 delivers #DB with the icebp's own RIP, as a fault; the SDM has a trap", 0 },
};

void selftest__note_vmm_delivery(struct selftest *st, uint8_t vector)
{
	st->vmm_deliveries++;
	st->vmm_last_vector = vector;
}

/* Late and early are different divergences: the side must be the one pinned */
static bool rip_side_is(int side, const struct ivm_exc_result *r)
{
	return !side || (side > 0 ? r->obs_rip > r->exp_rip : r->obs_rip < r->exp_rip);
}

const struct known_divergence *selftest__match_divergence(const struct ivm_exc_result *r)
{
	for (size_t i = 0; i < sizeof(known_divergences) / sizeof(known_divergences[0]); i++) {
		const struct known_divergence *d = &known_divergences[i];

		if (!strcmp(d->case_name, r->name) && d->obs_vector == r->obs_vector &&
		    d->mismatch == r->mismatch && rip_side_is(d->rip_side, r))
			return d;
	}
	return NULL;
}

enum st_verdict selftest__classify(const struct ivm_exc_result *r, const struct known_divergence **div)
{
	*div = NULL;
	if (!r->mismatch)
		return ST_PASS;
	*div = selftest__match_divergence(r);
	return *div ? ST_DIVERGENCE : ST_FAIL;
}

void selftest__add(struct selftest *st, const struct ivm_exc_result *r)
{
	struct st_case *c;

	if (st->n >= SELFTEST_MAX) {
		st->dropped++;
		return;
	}
	c = &st->cases[st->n++];
	c->r = *r;
	/* guest-provided: terminated and escaped before anything prints it */
	console__escape(c->r.name, sizeof(c->r.name), r->name, sizeof(r->name));
	c->via_vmm = st->vmm_deliveries && st->vmm_last_vector == r->obs_vector;
	st->vmm_deliveries = 0;
	c->verdict = selftest__classify(&c->r, &c->div);
}

static const char *stack_name(uint8_t s, char *buf, size_t n)
{
	if (s == IVM_STACK_SAME)
		return "same";
	if (s == IVM_STACK_RSP0)
		return "rsp0";
	if (s >= IVM_STACK_IST1 && s < IVM_STACK_IST1 + 7) {
		snprintf(buf, n, "ist%u", (unsigned)(s - IVM_STACK_IST1 + 1) & 7);
		return buf;
	}
	return "?";
}

static void fmt_err(char *buf, size_t n, uint64_t e)
{
	if (e == IVM_ERR_NONE)
		snprintf(buf, n, "-");
	else
		snprintf(buf, n, "%#" PRIx64, e);
}

static void fmt_checks(char *buf, size_t n, uint32_t m)
{
	static const char *const names[] = { "vector", "errcode", "rip", "cs", "ss", "stack",
					     "if", "cr2", "resume", "nofault" };
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (m & (1u << i) && used < n)
			used += snprintf(buf + used, n - used, "%s%s", used ? "," : "", names[i]);
	if (m >> 10 && used < n)
		snprintf(buf + used, n - used, "%s0x%x", used ? "," : "", m >> 10 << 10);
}

unsigned selftest__report(const struct selftest *st, FILE *f, bool strict)
{
	unsigned pass = 0, div = 0, fail = 0;

	fprintf(f, "\nexception self-test: %u cases\n", st->n);
	fprintf(f, "  %-18s %3s %9s %15s %5s %11s %4s  %s\n", "case", "cpl", "vector", "error code",
		"rip", "stack", "via", "result");
	for (unsigned i = 0; i < st->n; i++) {
		const struct st_case *c = &st->cases[i];
		const struct ivm_exc_result *r = &c->r;
		char vec[16], err[56], ee[24], oe[24], stk[40], s1[16], s2[16], chk[96];

		snprintf(vec, sizeof(vec), "%u/%u", r->exp_vector, r->obs_vector);
		fmt_err(ee, sizeof(ee), r->exp_err);
		fmt_err(oe, sizeof(oe), r->obs_err);
		snprintf(err, sizeof(err), "%s/%s", ee, oe);
		snprintf(stk, sizeof(stk), "%s/%s", stack_name(r->exp_stack, s1, sizeof(s1)),
			 stack_name(r->obs_stack, s2, sizeof(s2)));
		fmt_checks(chk, sizeof(chk), r->mismatch);
		fprintf(f, "  %-18s %3u %9s %15s %5s %11s %4s  ", r->name, r->cpl, vec, err,
			r->mismatch & IVM_CHK_RIP ? "BAD" : "ok", stk, c->via_vmm ? "vmm" : "kvm");
		switch (c->verdict) {
		case ST_PASS:
			fprintf(f, "PASS\n");
			pass++;
			break;
		case ST_DIVERGENCE:
			fprintf(f, "DIVERGENCE (%s) [%s]\n", c->div->ref, chk);
			div++;
			break;
		case ST_FAIL:
			fprintf(f, "FAIL [%s]\n", chk);
			fail++;
			break;
		}
		if (c->verdict != ST_PASS && r->mismatch & IVM_CHK_RIP)
			fprintf(f, "  %-18s     rip expected %#" PRIx64 " observed %#" PRIx64 "\n", "",
				r->exp_rip, r->obs_rip);
		if (c->verdict == ST_DIVERGENCE)
			fprintf(f, "  %-18s     known host divergence: %s\n", "", c->div->what);
	}
	if (st->dropped)
		fprintf(f, "  (%u further results dropped: more than %d cases)\n", st->dropped,
			SELFTEST_MAX);
	fprintf(f, "self-test: %u passed, %u failed, %u known divergences%s\n", pass, fail, div,
		strict && div ? " (--strict: counted as failures)" : "");
	return fail + (strict ? div : 0) + (st->dropped ? 1 : 0);
}

/* guest/selftest.c report()'s names: one parser reads both */
static const char *guest_stack_name(uint8_t s)
{
	static const char *const names[] = { "same", "rsp0", "ist1", "ist2", "ist3",
					     "ist4", "ist5", "ist6", "ist7" };

	return s < sizeof(names) / sizeof(names[0]) ? names[s] : "unknown";
}

static const char *guest_err(char *buf, size_t n, uint64_t e)
{
	if (e == IVM_ERR_NONE)
		return "none";
	snprintf(buf, n, "0x%" PRIx64, e);
	return buf;
}

void selftest__write_result(const struct st_case *c, FILE *f)
{
	const struct ivm_exc_result *r = &c->r;
	char e1[24], e2[24], v2[8];

	if (r->mismatch & IVM_CHK_NOFAULT)
		snprintf(v2, sizeof(v2), "-");
	else
		snprintf(v2, sizeof(v2), "%u", r->obs_vector);
	fprintf(f, "exc %s cpl=%u vec=%u/%s err=%s/%s rip=0x%" PRIx64 "/0x%" PRIx64
		" stack=%s/%s mismatch=0x%x %s via=%s div=%s\n", r->name, r->cpl, r->exp_vector, v2,
		guest_err(e1, sizeof(e1), r->exp_err), guest_err(e2, sizeof(e2), r->obs_err),
		r->exp_rip, r->obs_rip, guest_stack_name(r->exp_stack),
		guest_stack_name(r->obs_stack), r->mismatch, r->mismatch ? "FAIL" : "PASS",
		c->via_vmm ? "vmm" : "kvm", c->div ? c->div->ref : "-");
}

void selftest__write_results(const struct selftest *st, FILE *f)
{
	/* complete: the guest said done and every result it sent is here */
	bool done = st->done && !st->dropped && st->guest_cases == st->n;

	for (unsigned i = 0; i < st->n; i++)
		selftest__write_result(&st->cases[i], f);
	fprintf(f, "selftest done=%d cases=%u\n", done, st->n);
}

/* A TAP description: '#' would start a directive, so it and '\' get a '\' (TAP 13). */
static void tap_name(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '#' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
}

unsigned selftest__tap(const struct selftest *st, bool strict, unsigned *num, FILE *f)
{
	unsigned bad = 0;

	for (unsigned i = 0; i < st->n; i++) {
		const struct st_case *c = &st->cases[i];
		const struct ivm_exc_result *r = &c->r;
		bool skip = c->verdict == ST_DIVERGENCE && !strict;
		char ee[24], oe[24], s1[16], s2[16], chk[96], ov[16];

		fprintf(f, "%sok %u - ", c->verdict == ST_PASS || skip ? "" : "not ", ++*num);
		tap_name(f, r->name);
		if (skip)
			fprintf(f, " # SKIP known divergence %s: %s", c->div->ref, c->div->what);
		fputc('\n', f);
		if (c->verdict == ST_PASS || skip)
			continue;
		bad++;
		fmt_checks(chk, sizeof(chk), r->mismatch);
		fmt_err(ee, sizeof(ee), r->exp_err);
		fmt_err(oe, sizeof(oe), r->obs_err);
		if (r->mismatch & IVM_CHK_NOFAULT)
			snprintf(ov, sizeof(ov), "none (no fault)");
		else
			snprintf(ov, sizeof(ov), "%u", r->obs_vector);
		fprintf(f, "#   failed checks: %s\n", chk);
		fprintf(f, "#   vector: expected %u, observed %s\n", r->exp_vector, ov);
		fprintf(f, "#   error code: expected %s, observed %s\n", ee, oe);
		fprintf(f, "#   rip: expected %#" PRIx64 ", observed %#" PRIx64 "\n", r->exp_rip, r->obs_rip);
		fprintf(f, "#   stack: expected %s, observed %s\n", stack_name(r->exp_stack, s1, sizeof(s1)),
			stack_name(r->obs_stack, s2, sizeof(s2)));
		fprintf(f, "#   cpl %u, delivered by %s\n", r->cpl, c->via_vmm ? "the vmm" : "kvm");
		if (c->verdict == ST_DIVERGENCE)
			fprintf(f, "#   known host divergence %s (--strict: counted as a failure): %s\n",
				c->div->ref, c->div->what);
	}
	if (st->dropped) {
		fprintf(f, "not ok %u - self-test: every result kept\n", ++*num);
		fprintf(f, "#   %u further results dropped: more than %d cases\n", st->dropped, SELFTEST_MAX);
		bad++;
	}
	return bad;
}

static const char *const verdict_names[] = {
	[ST_PASS] = "PASS", [ST_DIVERGENCE] = "DIVERGENCE", [ST_FAIL] = "FAIL",
};

/* An error code as the table shows it, null when none was pushed */
static void json_err(FILE *f, uint64_t e)
{
	if (e == IVM_ERR_NONE)
		fputs("null", f);
	else
		fprintf(f, "\"0x%" PRIx64 "\"", e);
}

unsigned selftest__json(const struct selftest *st, bool strict, FILE *f)
{
	unsigned count[3] = { 0 };

	fputs("{\"cases\":[", f);
	for (unsigned i = 0; i < st->n; i++) {
		const struct st_case *c = &st->cases[i];
		const struct ivm_exc_result *r = &c->r;
		char s1[16], s2[16], chk[96], *tok, *save;

		count[c->verdict]++;
		json__key(f, i ? ",{" : "{", "name");
		json__str(f, r->name);
		fprintf(f, ",\"cpl\":%u,\"expected_vector\":%u,\"observed_vector\":", r->cpl,
			r->exp_vector);
		if (r->mismatch & IVM_CHK_NOFAULT)
			fputs("null", f);	/* the trigger did not fault */
		else
			fprintf(f, "%u", r->obs_vector);
		json__key(f, ",", "expected_error_code");
		json_err(f, r->exp_err);
		json__key(f, ",", "observed_error_code");
		json_err(f, r->obs_err);
		/* addresses as hex strings: a JSON number loses bits above 2^53 */
		fprintf(f, ",\"expected_rip\":\"0x%" PRIx64 "\"", r->exp_rip);
		fprintf(f, ",\"observed_rip\":\"0x%" PRIx64 "\"", r->obs_rip);
		json__key(f, ",", "expected_stack");
		json__str(f, stack_name(r->exp_stack, s1, sizeof(s1)));
		json__key(f, ",", "observed_stack");
		json__str(f, stack_name(r->obs_stack, s2, sizeof(s2)));
		fprintf(f, ",\"via\":\"%s\",\"verdict\":\"%s\"", c->via_vmm ? "vmm" : "kvm",
			verdict_names[c->verdict]);
		json__key(f, ",", "divergence");
		json__str_or_null(f, c->verdict == ST_DIVERGENCE ? c->div->ref : NULL);
		json__key(f, ",", "divergence_what");
		json__str_or_null(f, c->verdict == ST_DIVERGENCE ? c->div->what : NULL);
		fprintf(f, ",\"mismatch\":\"0x%x\",\"failed_checks\":[", r->mismatch);
		fmt_checks(chk, sizeof(chk), r->mismatch);
		for (tok = strtok_r(chk, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			fputs(tok == chk ? "" : ",", f);
			json__str(f, tok);
		}
		fputs("]}", f);
	}
	fprintf(f, "],\"passed\":%u,\"failed\":%u,\"divergences\":%u,\"dropped\":%u,"
		"\"strict\":%s,\"done\":%s,\"guest_cases\":%" PRIu64 ",\"guest_failed\":%" PRIu64 "}",
		count[ST_PASS], count[ST_FAIL], count[ST_DIVERGENCE], st->dropped,
		strict ? "true" : "false", st->done ? "true" : "false", st->guest_cases,
		st->guest_failed);
	return count[ST_FAIL] + (strict ? count[ST_DIVERGENCE] : 0) + (st->dropped ? 1 : 0);
}
