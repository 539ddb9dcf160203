// SPDX-License-Identifier: MIT
/*
 * The self-test checker: a planted wrong result must be reported as a
 * failure, a known host divergence only when it fails in exactly the pinned
 * way, and --strict must count divergences.
 */
#include <stdlib.h>
#include "model/selftest.h"
#include "tap.h"

static struct ivm_exc_result res(const char *name, uint8_t exp, uint8_t obs, uint32_t mismatch)
{
	struct ivm_exc_result r = { .exp_vector = exp, .obs_vector = obs, .mismatch = mismatch,
				    .exp_err = IVM_ERR_NONE, .obs_err = IVM_ERR_NONE };

	snprintf(r.name, sizeof(r.name), "%s", name);
	return r;
}

static unsigned report(struct selftest *st, bool strict, char **text)
{
	size_t len;
	FILE *f = open_memstream(text, &len);
	unsigned bad = selftest__report(st, f, strict);

	fclose(f);
	return bad;
}

static char *results(const struct selftest *st)
{
	char *text = NULL;
	size_t len;
	FILE *f = open_memstream(&text, &len);

	selftest__write_results(st, f);
	fclose(f);
	return text;
}

/* --results lines: the guest's console format, then via= and div=; a contract */
static void check_results(struct selftest *st)
{
	static struct selftest part;
	struct ivm_exc_result r = res("#PF-write-cpl0", 14, 14, 0);
	const char *want;
	char *text;

	r.cpl = 0;
	r.exp_err = r.obs_err = 3;
	r.exp_rip = r.obs_rip = 0x108e4d;
	r.exp_stack = r.obs_stack = IVM_STACK_SAME;
	selftest__add(&part, &r);
	r = res("#NM-cpl3", 7, 0, IVM_CHK_NOFAULT);
	r.cpl = 3;
	r.exp_rip = 0x108d18;
	r.exp_stack = IVM_STACK_RSP0;
	r.obs_stack = IVM_STACK_UNKNOWN;
	selftest__add(&part, &r);
	r = res("#DB-tf-cpl3", 1, 1, IVM_CHK_RIP);
	r.cpl = 3;
	r.exp_rip = 0x1092d9;
	r.obs_rip = 0x1092d8;
	r.exp_stack = r.obs_stack = IVM_STACK_IST1 + 2;
	selftest__note_vmm_delivery(&part, 1);
	selftest__add(&part, &r);
	text = results(&part);
	want = "exc #PF-write-cpl0 cpl=0 vec=14/14 err=0x3/0x3 rip=0x108e4d/0x108e4d stack=same/same "
	       "mismatch=0x0 PASS via=kvm div=-\n"
	       "exc #NM-cpl3 cpl=3 vec=7/- err=none/none rip=0x108d18/0x0 stack=rsp0/unknown "
	       "mismatch=0x200 FAIL via=kvm div=PVM-7\n"
	       "exc #DB-tf-cpl3 cpl=3 vec=1/1 err=none/none rip=0x1092d9/0x1092d8 stack=ist3/ist3 "
	       "mismatch=0x4 FAIL via=vmm div=-\n"
	       "selftest done=0 cases=3\n";
	if (!ok(!strcmp(text, want), "--results: the guest's lines plus via/div; not done before the guest says so"))
		fprintf(stderr, "# got:\n%s# want:\n%s", text, want);
	free(text);
	part.done = true;
	part.guest_cases = 3;
	text = results(&part);
	ok(strstr(text, "\nselftest done=1 cases=3\n"), "--results: done=1 once the guest said done");
	free(text);
	part.guest_cases = 4;
	text = results(&part);
	ok(strstr(text, "\nselftest done=0 cases=3\n"), "--results: done=0 when a result is missing");
	free(text);
	text = results(st);
	ok(strstr(text, "exc int80-cpl3 cpl=0 vec=128/6 ") &&
	   strstr(text, " mismatch=0x5 FAIL via=kvm div=PVM-2\n"),
	   "--results: a divergence line names its reference");
	free(text);
}

static char *tap(const struct selftest *st, bool strict, unsigned *num, unsigned *bad)
{
	char *text = NULL;
	size_t len;
	FILE *f = open_memstream(&text, &len);

	*bad = selftest__tap(st, strict, num, f);
	fclose(f);
	return text;
}

/* --tap: the exact lines; a known divergence is a SKIP unless --strict */
static void check_tap(void)
{
	static struct selftest st;
	struct ivm_exc_result r = res("#DE-cpl0", 0, 0, 0);
	unsigned num = 0, bad;
	const char *want;
	char *text;

	r.exp_stack = r.obs_stack = IVM_STACK_SAME;
	selftest__add(&st, &r);
	r = res("#NM-cpl3", 7, 0, IVM_CHK_NOFAULT);
	r.cpl = 3;
	r.exp_rip = 0x108d18;
	r.exp_stack = IVM_STACK_RSP0;
	r.obs_stack = IVM_STACK_UNKNOWN;
	selftest__add(&st, &r);
	r = res("#GP-cpl0", 13, 14, IVM_CHK_VECTOR | IVM_CHK_ERRCODE | IVM_CHK_RIP);
	r.exp_err = 0;
	r.obs_err = 2;
	r.exp_rip = 0x1000;
	r.obs_rip = 0x1002;
	r.exp_stack = r.obs_stack = IVM_STACK_IST1 + 2;
	selftest__note_vmm_delivery(&st, 14);
	selftest__add(&st, &r);
	text = tap(&st, false, &num, &bad);
	want = "ok 1 - \\#DE-cpl0\n"
	       "ok 2 - \\#NM-cpl3 # SKIP known divergence PVM-7: an x87 instruction at CPL3 with "
	       "CR0.TS=1 runs natively: no #NM\n"
	       "not ok 3 - \\#GP-cpl0\n"
	       "#   failed checks: vector,errcode,rip\n"
	       "#   vector: expected 13, observed 14\n"
	       "#   error code: expected 0, observed 0x2\n"
	       "#   rip: expected 0x1000, observed 0x1002\n"
	       "#   stack: expected ist3, observed ist3\n"
	       "#   cpl 0, delivered by the vmm\n";
	if (!ok(!strcmp(text, want) && bad == 1 && num == 3,
		"--tap: ok, a known divergence as SKIP, a failure with expected/observed"))
		printf("# got:\n%s# want:\n%s", text, want);
	free(text);

	num = 10;
	text = tap(&st, true, &num, &bad);
	want = "ok 11 - \\#DE-cpl0\n"
	       "not ok 12 - \\#NM-cpl3\n"
	       "#   failed checks: nofault\n"
	       "#   vector: expected 7, observed none (no fault)\n"
	       "#   error code: expected -, observed -\n"
	       "#   rip: expected 0x108d18, observed 0\n"
	       "#   stack: expected rsp0, observed ?\n"
	       "#   cpl 3, delivered by kvm\n"
	       "#   known host divergence PVM-7 (--strict: counted as a failure): an x87 instruction "
	       "at CPL3 with CR0.TS=1 runs natively: no #NM\n"
	       "not ok 13 - \\#GP-cpl0\n";
	if (!ok(!strncmp(text, want, strlen(want)) && bad == 2 && num == 13,
		"--tap --strict: the known divergence is not ok, numbered on from 10"))
		printf("# got:\n%s# want:\n%s", text, want);
	free(text);

	st.dropped = 2;
	num = 0;
	text = tap(&st, false, &num, &bad);
	ok(strstr(text, "\nnot ok 4 - self-test: every result kept\n"
			"#   2 further results dropped: more than 96 cases\n") && bad == 2 && num == 4,
	   "--tap: dropped results are a point that fails");
	free(text);
}

int main(void)
{
	static struct selftest st;
	const struct known_divergence *d;
	struct ivm_exc_result r;
	char *text = NULL;

	r = res("#DE-cpl0", 0, 0, 0);
	ok(selftest__classify(&r, &d) == ST_PASS && !d, "no mismatch: PASS");
	r = res("#DE-cpl0", 0, 6, IVM_CHK_VECTOR);
	ok(selftest__classify(&r, &d) == ST_FAIL, "planted wrong vector: FAIL");
	r = res("int80-cpl3", 0x80, 6, IVM_CHK_VECTOR | IVM_CHK_RIP);
	ok(selftest__classify(&r, &d) == ST_DIVERGENCE && d && !strcmp(d->ref, "PVM-2"),
	   "int80-cpl3 delivering #UD at the int: known divergence PVM-2");
	r = res("int80-cpl3", 0x80, 13, IVM_CHK_VECTOR | IVM_CHK_RIP);
	ok(selftest__classify(&r, &d) == ST_FAIL, "int80-cpl3 failing with another vector: FAIL");
	r = res("int80-cpl3", 0x80, 6, IVM_CHK_VECTOR | IVM_CHK_RIP | IVM_CHK_STACK);
	ok(selftest__classify(&r, &d) == ST_FAIL, "int80-cpl3 failing one more check: FAIL");
	r = res("#NM-cpl3", 7, 0, IVM_CHK_NOFAULT);
	ok(selftest__classify(&r, &d) == ST_DIVERGENCE, "#NM-cpl3 not faulting: known divergence");
	/* the trigger (after sti; nop) is 0x1001: later is PVM-5, at the nop is SVM-2 */
	r = res("irq-sti-shadow-cpl0", 0xe5, 0xe5, IVM_CHK_RIP);
	r.exp_rip = 0x1001;
	r.obs_rip = 0x1003;
	ok(selftest__classify(&r, &d) == ST_DIVERGENCE && !strcmp(d->ref, "PVM-5"),
	   "the interrupt after STI taken late: known divergence PVM-5");
	r.obs_rip = 0x1000;
	ok(selftest__classify(&r, &d) == ST_DIVERGENCE && !strcmp(d->ref, "SVM-2"),
	   "the interrupt after STI taken in its shadow: known divergence SVM-2");
	r.obs_rip = 0x1001;
	ok(selftest__classify(&r, &d) == ST_FAIL, "a RIP check failing at the right RIP: FAIL");
	r = res("#NM-cpl0", 7, 0, IVM_CHK_NOFAULT);
	ok(selftest__classify(&r, &d) == ST_FAIL, "the same symptom on another case: FAIL");

	/* a run: 2 pass, 1 divergence, 1 planted failure (missing IRET resume) */
	selftest__note_vmm_delivery(&st, 3);
	r = res("#BP-cpl0", 3, 3, 0);
	selftest__add(&st, &r);
	ok(st.cases[0].via_vmm && !st.vmm_deliveries, "a VMM delivery of the same vector marks the case");
	r = res("#UD-cpl0", 6, 6, 0);
	selftest__add(&st, &r);
	ok(!st.cases[1].via_vmm, "the mark does not carry over to the next case");
	r = res("int80-cpl3", 0x80, 6, IVM_CHK_VECTOR | IVM_CHK_RIP);
	selftest__add(&st, &r);
	r = res("#GP-cpl0", 13, 13, IVM_CHK_RESUME);
	selftest__add(&st, &r);
	is_u64(report(&st, false, &text), 1, "report: one failure counted");
	ok(strstr(text, "self-test: 2 passed, 1 failed, 1 known divergences") != NULL, "report: summary line");
	ok(strstr(text, "FAIL [resume]") != NULL, "report: the failing check is named");
	ok(strstr(text, "DIVERGENCE (PVM-2)") != NULL, "report: divergence with its reference");
	free(text);
	is_u64(report(&st, true, &text), 2, "--strict: divergences count as failures");
	free(text);

	check_results(&st);
	check_tap();

	memset(r.name, 'A', sizeof(r.name));	/* unterminated name from a hostile guest */
	for (int i = 0; i < SELFTEST_MAX + 3; i++)
		selftest__add(&st, &r);
	ok(st.n == SELFTEST_MAX && st.dropped == 7, "results beyond SELFTEST_MAX are dropped and counted");
	ok(strlen(st.cases[SELFTEST_MAX - 1].r.name) == sizeof(r.name) - 1, "case names are terminated");
	ok(report(&st, false, &text) > 0 && strstr(text, "further results dropped"),
	   "dropped results fail the report");
	free(text);
	return tap_done();
}
