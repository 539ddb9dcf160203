// SPDX-License-Identifier: MIT
/* vmm/conform: result lines read, verdicts and IDs, the matrix, its reports. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tap.h"
#include "abi.h"
#include "conform/conform.h"
#include "model/selftest.h"
#include "target/target.h"
#include "target/target_priv.h"

static const char *const int80_pvm =
	"exc int80-cpl3 cpl=3 vec=128/6 err=none/none rip=0x10904a/0x109048 stack=rsp0/rsp0 "
	"mismatch=0x5 FAIL via=kvm div=PVM-2";

static void test_parse(void)
{
	struct conf_exc e;

	ok(!conf__parse_exc(int80_pvm, &e), "a --results line parses");
	ok(!strcmp(e.name, "int80-cpl3") && e.cpl == 3 && e.exp_vector == 128 && e.obs_vector == 6,
	   "name, cpl and vectors");
	ok(e.exp_err == ~0ull && e.obs_err == ~0ull, "err none/none: no error code on either side");
	ok(e.exp_rip == 0x10904a && e.obs_rip == 0x109048 && e.mismatch == 0x5 && !e.via_vmm,
	   "rips, mismatch bits, via=kvm");
	ok(!conf__parse_exc("exc #NM-cpl3 cpl=3 vec=7/- err=none/none rip=0x108d18/0x0 "
			    "stack=rsp0/unknown mismatch=0x200 FAIL", &e) && e.obs_vector == -1 &&
	   !strcmp(e.obs_stack, "unknown"), "the guest's own line (QEMU), nothing delivered: vector -1");
	ok(!conf__parse_exc("exc #BP-cpl0 cpl=0 vec=3/3 err=none/none rip=0x1/0x1 stack=same/same "
			    "mismatch=0x0 PASS via=vmm div=-", &e) && e.via_vmm, "via=vmm");
	ok(!conf__parse_exc("exc int41-cpl3 cpl=3 vec=13/13 err=0x20a/0x412 rip=0x1/0x1 "
			    "stack=rsp0/rsp0 mismatch=0x2 FAIL", &e) && e.exp_err == 0x20a &&
	   e.obs_err == 0x412, "error codes in hex");
	/* malformed: each must be refused, never half-read */
	ok(conf__parse_exc("exc #DE-cpl0 cpl=0 vec=0/0 err=none/none rip=0x1/0x1 stack=same/same PASS", &e),
	   "no mismatch field: refused");
	ok(conf__parse_exc("exc #DE-cpl0 cpl=0 vec=zz/0 err=none/none rip=0x1/0x1 stack=same/same "
			   "mismatch=0x0 PASS", &e), "a vector that is not a number: refused");
	ok(conf__parse_exc("exc #DE-cpl0 cpl=0 vec=0/999 err=none/none rip=0x1/0x1 stack=same/same "
			   "mismatch=0x0 PASS", &e), "a vector above 255: refused");
	ok(conf__parse_exc("exc #DE-cpl0 cpl=0 vec=-/0 err=none/none rip=0x1/0x1 stack=same/same "
			   "mismatch=0x0 PASS", &e), "no expected vector: refused");
	ok(conf__parse_exc("self-test: 21 passed", &e), "not an exc line");
	ok(conf__parse_exc("exc", &e), "a bare exc: refused");
}

static void test_judge(void)
{
	struct conf_exc e;
	struct conf_cell cell;

	memset(&cell, 0, sizeof(cell));
	conf__parse_exc(int80_pvm, &e);
	conf__judge_exc(&e, &cell, "kvm/kernel");
	ok(cell.status == CONF_DIVERGENCE && !strcmp(cell.id, "PVM-2"), "int80-cpl3 as #UD: PVM-2");
	ok(strstr(cell.expected, "vector 128") && strstr(cell.expected, "rip 0x10904a") &&
	   strstr(cell.observed, "vector 6") && strstr(cell.observed, "rip 0x109048"),
	   "field by field: %s / %s", cell.expected, cell.observed);
	/* planted: the same case with one more failing check is not PVM-2 */
	e.mismatch |= IVM_CHK_STACK;
	conf__judge_exc(&e, &cell, "kvm/kernel");
	ok(cell.status == CONF_DIVERGENCE && !strcmp(cell.id, "new"),
	   "planted: one more failing check makes it new, not PVM-2");
	e.mismatch = 0;
	e.obs_vector = 128;
	conf__judge_exc(&e, &cell, "kvm/kernel");
	ok(cell.status == CONF_PASS && !cell.expected[0], "no mismatch, by the CPU: PASS");
	e.via_vmm = true;
	conf__judge_exc(&e, &cell, "kvm/kernel");
	ok(cell.status == CONF_DIVERGENCE && !strcmp(cell.id, "new"),
	   "int80 delivered by the VMM is not a signature any host has: new");
	conf__parse_exc("exc #BP-cpl0 cpl=0 vec=3/3 err=none/none rip=0x1/0x1 stack=same/same "
			"mismatch=0x0 PASS via=vmm", &e);
	conf__judge_exc(&e, &cell, "kvm/kernel");
	ok(cell.status == CONF_DIVERGENCE && !strcmp(cell.id, "PVM-1") &&
	   strstr(cell.observed, "emulation failure"), "int3 at CPL0 that the VMM delivered: PVM-1");
	conf__parse_exc("exc #SS-cpl0 cpl=0 vec=12/13 err=0x0/0x0 rip=0x1/0x1 stack=same/same "
			"mismatch=0x1 FAIL", &e);
	conf__judge_exc(&e, &cell, "kvm/kernel");
	ok(!strcmp(cell.id, "QEMU-1"), "#SS-cpl0 as #GP: QEMU-1");
	conf__parse_exc("exc #SS-cpl0 cpl=0 vec=12/14 err=0x0/0x0 rip=0x1/0x1 stack=same/same "
			"mismatch=0x1 FAIL", &e);
	conf__judge_exc(&e, &cell, "kvm/kernel");
	ok(!strcmp(cell.id, "new"), "planted: #SS-cpl0 as #PF is no known divergence");
	/* the side of the RIP tells PVM-5 (late) from SVM-2 (in the sti shadow) */
	conf__parse_exc("exc irq-sti-shadow-cpl0 cpl=0 vec=229/229 err=none/none rip=0x10b1a1/0x10b1a3 "
			"stack=same/same mismatch=0x4 FAIL via=kvm", &e);
	conf__judge_exc(&e, &cell, "kvm/kernel");
	ok(!strcmp(cell.id, "PVM-5"), "irq-sti-shadow-cpl0 taken after the trigger: PVM-5");
	e.obs_rip = 0x10b1a0;
	conf__judge_exc(&e, &cell, "kvm/kernel");
	ok(!strcmp(cell.id, "SVM-2"), "irq-sti-shadow-cpl0 taken at the nop, in the shadow: SVM-2");
	e.obs_rip = e.exp_rip;
	conf__judge_exc(&e, &cell, "kvm/kernel");
	ok(!strcmp(cell.id, "new"), "planted: a RIP mismatch at the expected RIP is neither: new");
	/* the same symptom on two hosts: each target's own platform names it */
	conf__parse_exc("exc pat-rsvd-cpl0 cpl=0 vec=13/- err=0x0/none rip=0x1/0x0 stack=same/unknown "
			"mismatch=0x200 FAIL via=kvm", &e);
	conf__judge_exc(&e, &cell, "kvm/user");
	ok(!strcmp(cell.id, "PVM-16"), "a reserved PAT type taken on kvm/user: PVM-16");
	conf__judge_exc(&e, &cell, "qemu-tcg");
	ok(!strcmp(cell.id, "QEMU-10"), "the same on qemu-tcg: QEMU-10");
	conf__judge_exc(&e, &cell, "libvirt");
	ok(!strcmp(cell.id, "QEMU-10"), "the same on libvirt (QEMU TCG): QEMU-10");
	conf__parse_exc("exc apicbase-rsvd-cpl0 cpl=0 vec=13/- err=0x0/none rip=0x1/0x0 stack=same/unknown "
			"mismatch=0x200 FAIL via=kvm", &e);
	conf__judge_exc(&e, &cell, "kvm/user");
	ok(!strcmp(cell.id, "QEMU-11"), "a symptom one platform has keeps its ID on any target (nested kvm_amd: TCG's CPU under kvm)");
}

/* A case whose CPU lacks what it needs: the guest's line, read as UNSUPPORTED, never a PASS */
static void test_unsupported(void)
{
	static const char *const targets[] = { "kvm/user" };
	char name[CONF_NAME_MAX], why[CONF_TEXT_MAX], log[] = "/tmp/test_conform.XXXXXX", err[256];
	struct conf_catalogue cat;
	struct conf_matrix m;
	struct conf_exc e;
	struct conf_cell cell;
	bool seen[4] = { false };
	int fd, c;
	FILE *f;

	ok(conf__parse_unsupported("selftest: selfipi-illegal-cpl0: unsupported: no x2APIC: "
				   "CPUID.1:ECX[21] is clear\n", name, sizeof(name), why, sizeof(why)) == 1 &&
	   !strcmp(name, "selfipi-illegal-cpl0") && !strcmp(why, "no x2APIC: CPUID.1:ECX[21] is clear"),
	   "the guest's unsupported line: the case and why");
	ok(conf__parse_unsupported("selftest: lvt-error-illegal-cpl0: vector 0xfe never pending in IRR",
				   name, sizeof(name), why, sizeof(why)) == 0, "another selftest line is not one");
	ok(conf__parse_unsupported("selftest: a b: unsupported: x", name, sizeof(name), why,
				   sizeof(why)) == 0, "a name with a space: refused");
	ok(conf__parse_unsupported("selftest: : unsupported: x", name, sizeof(name), why,
				   sizeof(why)) == 0, "no name: refused");

	/* read from a target's log beside the result lines; the case is seen (not re-run) */
	ok(!conf__catalogue(&cat, NULL, "illegal", err, sizeof(err)) && cat.n == 2,
	   "the catalogue's two illegal-vector checks");
	conf__matrix_init(&m, &cat, targets, 1);
	fd = mkstemp(log);
	f = fd < 0 ? NULL : fdopen(fd, "w");
	if (f) {
		fputs("exc lvt-error-illegal-cpl0 cpl=0 vec=254/254 err=none/none rip=0x1/0x1 "
		      "stack=same/same mismatch=0x0 PASS via=kvm div=-\n"
		      "selftest: selfipi-illegal-cpl0: unsupported: no x2APIC: CPUID.1:ECX[21] is clear\n"
		      "selftest done=1 cases=1\n", f);
		fclose(f);
	}
	ok(target__read_cases(log, &m, 0, "repro %s", NULL, seen), "the log is complete");
	c = conf__find_check(&cat, "selfipi-illegal-cpl0");
	ok(c >= 0 && seen[c] && conf__cell(&m, (unsigned)c, 0)->status == CONF_UNSUPPORTED &&
	   strstr(conf__cell(&m, (unsigned)c, 0)->note, "CPUID.1:ECX[21]"),
	   "selfipi-illegal-cpl0: UNSUPPORTED, the note names the CPUID bit");
	c = conf__find_check(&cat, "lvt-error-illegal-cpl0");
	ok(c >= 0 && seen[c] && conf__cell(&m, (unsigned)c, 0)->status == CONF_PASS,
	   "lvt-error-illegal-cpl0 beside it: PASS");
	unlink(log);
	conf__matrix_free(&m);
	conf__catalogue_free(&cat);

	/* where it ran: KVM's in-kernel LAPIC takes vector 3 from MSR 0x83f into IRR (KVM-1) */
	memset(&cell, 0, sizeof(cell));
	conf__parse_exc("exc selfipi-illegal-cpl0 cpl=0 vec=254/- err=none/none rip=0x1/0x0 "
			"stack=same/unknown mismatch=0x200 FAIL via=kvm div=KVM-1", &e);
	conf__judge_exc(&e, &cell, "kvm/kernel");
	ok(cell.status == CONF_DIVERGENCE && !strcmp(cell.id, "KVM-1"),
	   "selfipi-illegal-cpl0, nothing delivered: KVM-1");
	/* planted: the error interrupt, but on the wrong vector, is not KVM-1 */
	conf__parse_exc("exc selfipi-illegal-cpl0 cpl=0 vec=254/3 err=none/none rip=0x1/0x1 "
			"stack=same/same mismatch=0x1 FAIL via=kvm", &e);
	conf__judge_exc(&e, &cell, "kvm/kernel");
	ok(!strcmp(cell.id, "new"), "planted: vector 3 delivered through MSR 0x83f is new, not KVM-1");
}

/* What the fake target's run does: its console, and how it ends */
static const char *fake_console;
static int fake_status;

static int fake_run(const struct target *t, const struct target_env *env, const char *only,
		    const char *log, const char *trace, struct spawn_result *res, char *note,
		    size_t notelen)
{
	FILE *f = fopen(log, "w");

	(void)t; (void)env; (void)trace; (void)note; (void)notelen;
	if (f) {
		fprintf(f, "only=%s\n%s", only ? only : "(all)", fake_console);
		fclose(f);
	}
	memset(res, 0, sizeof(*res));
	res->status = fake_status;
	return 0;
}

/* One run of #DF-shutdown-cpl0 alone on a fake @kind target: its cell's status (and id) */
static enum conf_status shutdown_on(enum target_kind kind, const char *console, int status,
				    char *id, size_t idn)
{
	struct conf_catalogue cat;
	struct conf_matrix m;
	const char *targets[] = { kind == TARGET_QEMU ? "qemu-tcg" : "kvm/kernel" };
	struct target t = { .kind = kind, .available = true };
	char dir[] = "/tmp/test_conform_sd.XXXXXX", err[256], cmd[64];
	struct target_env env = { .kernel = "guest.elf", .timeout_s = 1 };
	enum conf_status st = CONF_NOT_RUN;

	snprintf(t.name, sizeof(t.name), "%s", targets[0]);
	if (!mkdtemp(dir) || conf__catalogue(&cat, NULL, "#DF-shutdown", err, sizeof(err)) || cat.n != 1)
		return st;
	env.out = dir;
	conf__matrix_init(&m, &cat, targets, 1);
	fake_console = console;
	fake_status = status;
	target__run_cases(&t, &env, &m, 0, fake_run, "repro %s");
	st = conf__cell(&m, 0, 0)->status;
	snprintf(id, idn, "%s", conf__cell(&m, 0, 0)->id);
	conf__matrix_free(&m);
	conf__catalogue_free(&cat);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		printf("# could not remove %s\n", dir);
	return st;
}

/* A case whose outcome is a shutdown (#DF-shutdown-cpl0): run alone, read from how the run ended */
static void test_shutdown(void)
{
	static const char announce[] = "selftest: #DF-shutdown-cpl0: shutdown expected\n";
	const struct conf_model_case *x = conf__model_case("#DF-shutdown-cpl0");
	struct conf_catalogue cat;
	struct conf_cell cell;
	struct conf_exc e;
	char name[CONF_NAME_MAX], err[256], id[32], buf[256];
	int obs = 0, c;

	ok(conf__parse_shutdown("selftest: #DF-shutdown-cpl0: shutdown expected", name, sizeof(name),
				&obs) == 1 && !strcmp(name, "#DF-shutdown-cpl0"), "the announcement line");
	ok(conf__parse_shutdown("selftest: #DF-shutdown-cpl0: no shutdown: vector 8", name,
				sizeof(name), &obs) == 2 && obs == 8, "no shutdown, #DF delivered: vector 8");
	ok(conf__parse_shutdown("selftest: #DF-shutdown-cpl0: no shutdown: nothing delivered", name,
				sizeof(name), &obs) == 2 && obs == -1, "no shutdown, nothing delivered: -1");
	ok(!conf__parse_shutdown("selftest: #DF-shutdown-cpl0: no shutdown: vector 300", name,
				 sizeof(name), &obs) &&
	   !conf__parse_shutdown("selftest: #DF-shutdown-cpl0: no shutdown: vector 8x", name,
				 sizeof(name), &obs) &&
	   !conf__parse_shutdown("selftest: #DF-shutdown-cpl0: no shutdown: vector ", name,
				 sizeof(name), &obs) &&
	   !conf__parse_shutdown("selftest: #DF-shutdown-cpl0: shutdown expected soon", name,
				 sizeof(name), &obs) &&
	   !conf__parse_shutdown("selftest: a b: shutdown expected", name, sizeof(name), &obs) &&
	   !conf__parse_shutdown("selftest: : shutdown expected", name, sizeof(name), &obs),
	   "planted malformed shutdown lines: refused");

	ok(x && x->vector == CONF_MODEL_SHUTDOWN && x->resume == CONF_RESUME_SHUTDOWN,
	   "the model: #DF-shutdown-cpl0 is a shutdown");
	conf__model_short(x, buf, sizeof(buf));
	ok(!strcmp(buf, "shutdown"), "the model's word for it");
	ok(!conf__catalogue(&cat, NULL, NULL, err, sizeof(err)) &&
	   (c = conf__find_check(&cat, "#DF-shutdown-cpl0")) >= 0 && cat.checks[c].alone &&
	   !cat.checks[conf__find_check(&cat, "#DF-cpl0")].alone, "in the catalogue, to run alone");
	conf__catalogue_free(&cat);
	ok(conf__nr_plain_cases() == conf__nr_cases() - 1, "a plain run (no only=) leaves it out");

	conf__shutdown_exc("#DF-shutdown-cpl0", CONF_MODEL_SHUTDOWN, &e);
	memset(&cell, 0, sizeof(cell));
	conf__judge_exc(&e, &cell, "kvm/kernel");
	ok(cell.status == CONF_PASS && !cell.vs_model[0], "shut down: PASS, as the model has it");
	conf__shutdown_exc("#DF-shutdown-cpl0", 8, &e);
	conf__judge_exc(&e, &cell, "kvm/kernel");
	ok(cell.status == CONF_DIVERGENCE && !strcmp(cell.id, "new") &&
	   strstr(cell.observed, "no shutdown: vector 8"), "#DF delivered instead: a new divergence");

	ok(shutdown_on(TARGET_KVM, announce, 4, id, sizeof(id)) == CONF_PASS,
	   "kvm: announced, then vmm's status 4 (KVM_EXIT_SHUTDOWN): PASS");
	ok(shutdown_on(TARGET_QEMU, announce, 0, id, sizeof(id)) == CONF_PASS,
	   "qemu-tcg: announced, then QEMU's exit 0 (-no-reboot): PASS");
	/* planted: a VMM that ends a triple fault as a clean exit is not a shutdown seen */
	ok(shutdown_on(TARGET_KVM, announce, 0, id, sizeof(id)) == CONF_ERROR,
	   "planted: kvm, announced, the run ends 0: ERROR, not PASS");
	ok(shutdown_on(TARGET_KVM, "", 4, id, sizeof(id)) == CONF_ERROR,
	   "a shutdown before the announcement: ERROR, not PASS");
	ok(shutdown_on(TARGET_QEMU, announce, 1, id, sizeof(id)) == CONF_ERROR,
	   "qemu-tcg: the guest's own end (odd status) after the announcement: ERROR");
	ok(shutdown_on(TARGET_LIBVIRT, announce, 0, id, sizeof(id)) == CONF_UNSUPPORTED,
	   "libvirt: a domain gone can't tell a shutdown: UNSUPPORTED, never a PASS");
	ok(shutdown_on(TARGET_KVM, "selftest: #DF-shutdown-cpl0: shutdown expected\n"
		       "selftest: #DF-shutdown-cpl0: no shutdown: vector 8\nselftest done=1\n", 0,
		       id, sizeof(id)) == CONF_DIVERGENCE && !strcmp(id, "new"),
	   "planted: a host that delivers #DF on a not-present gate: DIVERGENCE new");
}

/* The host checks: vmm probe's payload lines read into cells */
static void test_host(void)
{
	struct conf_catalogue cat;
	struct conf_check ck = { .kind = CONF_HOST };
	struct conf_cell cell;
	char err[256];

	ok(!conf__catalogue(&cat, NULL, "host:", err, sizeof(err)) && cat.n == 3 &&
	   cat.checks[0].kind == CONF_HOST && !strcmp(cat.checks[0].case_name, "pending #PF, CR2 payload") &&
	   !strcmp(cat.checks[1].case_name, "pending #DB, DR6 payload") &&
	   !strcmp(cat.checks[2].case_name, "pending #PF in STI shadow"), "the three host checks, by their probe line");
	conf__catalogue_free(&cat);
	ok(conf__parse_host_line("  pending #PF, CR2 payload:    deferred to delivery: CR2 0x5a5a5000 after "
				 "the injection, 0x7e57f000 in the handler", "pending #PF, CR2 payload",
				 &cell) == 1 && cell.status == CONF_PASS, "deferred: PASS");
	ok(conf__parse_host_line("  pending #PF, CR2 payload:    SET AT INJECTION (not deferred): CR2 "
				 "0x7e57f000 after the injection", "pending #PF, CR2 payload", &cell) == 1 &&
	   cell.status == CONF_DIVERGENCE && !strcmp(cell.id, "new") &&
	   strstr(cell.observed, "SET AT INJECTION"), "planted: CR2 set at injection: DIVERGENCE new, what was seen");
	ok(conf__parse_host_line("  pending #DB, DR6 payload:    cannot check: no KVM_CAP_EXCEPTION_PAYLOAD "
				 "(no pending exceptions)", "pending #DB, DR6 payload", &cell) == 1 &&
	   cell.status == CONF_UNSUPPORTED && strstr(cell.note, "KVM_CAP_EXCEPTION_PAYLOAD"),
	   "no capability: UNSUPPORTED with the reason, never a PASS");
	ok(!conf__parse_host_line("  pending #DB, DR6 payload:    deferred to delivery: x", "pending #PF, CR2 payload",
				  &cell) && !conf__parse_host_line("  pending #PF, CR2 payload:", "pending #PF, CR2 payload",
				  &cell) && !conf__parse_host_line("  pending #PF, CR2 payloads: deferred to delivery: x",
				  "pending #PF, CR2 payload", &cell),
	   "another check's line, an empty verdict, a longer head: not this check's");
	snprintf(ck.case_name, sizeof(ck.case_name), "pending #PF, CR2 payload");
	conf__model_cell(&ck, &cell);
	ok(cell.status == CONF_EXPECTED && !strcmp(cell.id, "deferred"), "the model: deferred to delivery");
}

/* SDM 6.15 Table 6-5's double faults, and the bus-lock #DB's active-low DR6 bit, in the model */
static void test_double_faults(void)
{
	const struct conf_model_case *x;
	struct conf_cell cell;
	struct conf_exc e;
	char buf[CONF_TEXT_MAX];

	x = conf__model_case("#DF-pf-pf-cpl0");
	ok(x && x->vector == 8 && x->err == 0 && !strcmp(conf__model_stack(x), "ist1"),
	   "#DF-pf-pf-cpl0: page fault then page fault, #DF(0) on IST1");
	x = conf__model_case("#DF-pf-np-cpl0");
	ok(x && x->vector == 8 && x->err == 0, "#DF-pf-np-cpl0: page fault then contributory, #DF(0)");
	x = conf__model_case("#DB-buslock-cpl3");
	ok(x && x->vector == 1 && x->resume == CONF_RESUME_AFTER_TRIGGER && x->dr6_clear == 1u << 11 &&
	   !x->dr6, "#DB-buslock-cpl3: a trap, DR6.BLD (bit 11) clear");
	if (x)
		conf__model_text(x, buf, sizeof(buf));
	ok(x && strstr(buf, "dr6 lacks 0x800"), "... said in the model's text: %s", x ? buf : "");
	/* QEMU TCG's NULL SS on the IST switch is the only field it gets wrong: QEMU-2 */
	memset(&cell, 0, sizeof(cell));
	conf__parse_exc("exc #DF-pf-pf-cpl0 cpl=0 vec=8/8 err=0x0/0x0 rip=0x1/0x1 stack=ist1/ist1 "
			"mismatch=0x10 FAIL", &e);
	conf__judge_exc(&e, &cell, "qemu-tcg");
	ok(cell.status == CONF_DIVERGENCE && !strcmp(cell.id, "QEMU-2"), "#DF-pf-pf-cpl0, SS only: QEMU-2");
	/* planted: a #PF delivered instead of the #DF is no known divergence */
	conf__parse_exc("exc #DF-pf-np-cpl0 cpl=0 vec=8/14 err=0x0/0x0 rip=0x1/0x1 stack=ist1/same "
			"mismatch=0x21 FAIL", &e);
	conf__judge_exc(&e, &cell, "kvm/kernel");
	ok(cell.status == CONF_DIVERGENCE && !strcmp(cell.id, "new"),
	   "planted: #DF-pf-np-cpl0 delivered as #PF is new");
}

static void test_check_line(void)
{
	struct conf_cell cell;

	ok(conf__parse_check_line("check isr irqchip=kernel: oracle DIVERGENCE (2 findings: eoi 1, "
				  "isr 1), first at seq 11 [isr]; expected pass; FAIL\n", "isr", "kernel",
				  &cell) == 1 && cell.status == CONF_DIVERGENCE &&
	   strstr(cell.observed, "2 findings"), "vmm check's DIVERGENCE line");
	ok(conf__parse_check_line("check isr irqchip=user: oracle PASS (1 deliveries checked); "
				  "expected pass; OK", "isr", "user", &cell) == 1 &&
	   cell.status == CONF_PASS, "vmm check's PASS line");
	ok(conf__parse_check_line("check isr irqchip=user: oracle PASS", "isr", "kernel", &cell) == 0,
	   "another mode's line is not this cell's");
	ok(conf__parse_check_line("check isr irqchip=user: run failed: watchdog; oracle -", "isr",
				  "user", &cell) == 1 && cell.status == CONF_ERROR &&
	   strstr(cell.note, "watchdog"), "a failed run: ERROR with why");
}

/* A scenario's checks pinned as known divergences name its cell: "KVM-2+PVM-4" with the oracle's */
static void test_known_checks(void)
{
	char path[] = "/tmp/test_conform.XXXXXX", id[32], small[8], obs[CONF_TEXT_MAX] = "oracle DIVERGENCE";
	int fd = mkstemp(path);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "w");

	snprintf(id, sizeof(id), "PVM-4+PVM-5");
	ok(conf__id_add(id, sizeof(id), "KVM-2") && !strcmp(id, "KVM-2+PVM-4+PVM-5"),
	   "id_add: parts kept sorted (%s)", id);
	ok(conf__id_add(id, sizeof(id), "PVM-5") && !strcmp(id, "KVM-2+PVM-4+PVM-5"), "id_add: once");
	ok(!conf__id_add(id, sizeof(id), "A+B") && !conf__id_add(id, sizeof(id), ""),
	   "id_add: one part at a time");
	snprintf(small, sizeof(small), "PVM-4");
	ok(!conf__id_add(small, sizeof(small), "KVM-2") && !strcmp(small, "PVM-4"),
	   "id_add: what won't fit is refused, the ID unchanged");
	id[0] = 0;
	ok(conf__id_add(id, sizeof(id), "KVM-2") && !strcmp(id, "KVM-2"), "id_add: to an empty ID");
	snprintf(id, sizeof(id), "A-1+B-1+C-1+D-1+E-1+F-1+G-1+H-1");
	ok(!conf__id_add(id, sizeof(id), "K-1") && !strcmp(id, "A-1+B-1+C-1+D-1+E-1+F-1+G-1+H-1"),
	   "id_add: an ID of more parts than a cell holds is refused, unchanged");
	if (!f) {
		ok(0, "a temporary log");
		return;
	}
	fputs("== stray-sipi, irqchip kernel\n\nscenario stray-sipi (irqchip kernel): 5 checks\n"
	      "  cpu 1 halted with IF=0 wakes at the NMI, not the SIPI DIVERGENCE (KVM-2)\n"
	      "                                           expected [0x1] observed [0]\n"
	      "  cpu 1 takes the IPI that parks it        PASS\n"
	      "  a check that failed                      FAIL\n"
	      "  EOI order                                DIVERGENCE (PVM-4)\n"
	      "  cut short                                DIVERGENCE (PVM-4\n"
	      "  not an ID                                DIVERGENCE (2 findings)\n"
	      "check stray-sipi irqchip=kernel: oracle DIVERGENCE (1 finding: eoi 1); FAIL\n", f);
	fclose(f);
	snprintf(id, sizeof(id), "PVM-4");
	ok(conf__known_checks(path, id, sizeof(id), obs, sizeof(obs)) == 2 && !strcmp(id, "KVM-2+PVM-4"),
	   "known checks: KVM-2 and PVM-4 read, the cut and the non-ID lines not (%s)", id);
	ok(!strcmp(obs, "oracle DIVERGENCE; known: cpu 1 halted with IF=0 wakes at the NMI, not the SIPI "
		   "(KVM-2); known: EOI order (PVM-4)"), "known checks: each named in observed");
	unlink(path);
	id[0] = obs[0] = 0;
	ok(conf__known_checks(path, id, sizeof(id), obs, sizeof(obs)) == 0 && !id[0] && !obs[0],
	   "known checks: no log, none");
}

/*
 * The failing checks of a scenario's table: each with what it observed, a
 * FAIL right after a FAIL read as a line of its own (the look-ahead goes
 * back), the verdict line ("check ...: FAIL") and the PASSes left out.
 */
static void test_failed_checks(void)
{
	char path[] = "/tmp/test_conform.XXXXXX", out[CONF_TEXT_MAX], small[24];
	int fd = mkstemp(path);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "w");

	if (!ok(f != NULL, "failed checks: a temporary log"))
		return;
	fputs("scenario level (irqchip user): 5 checks\n"
	      "  a check                                  FAIL\n"
	      "                                           expected [0x1] observed [0]\n"
	      "  second, not a FAIL of its own            FAIL\n"
	      "  third, whose name is longer than forty characters FAIL\n"
	      "                                                    expected [0x1] observed [0x2]\n"
	      "  fine                                     PASS\n"
	      "check level irqchip=user: oracle PASS; FAIL\n"
	      "  last                                     FAIL\n", f);
	fclose(f);
	conf__failed_checks(path, out, sizeof(out));
	ok(!strcmp(out, "failing checks: a check (observed [0]); second, not a FAIL of its own; third, whose name is longer than "
		   "forty characters (observed [0x2]); last"),
	   "failed checks: each with what it observed, a FAIL after a FAIL its own, the verdict line out: %s", out);
	conf__failed_checks(path, small, sizeof(small));
	ok(strlen(small) == sizeof(small) - 1, "failed checks: cut at the buffer, never past it");
	unlink(path);
	conf__failed_checks(path, out, sizeof(out));
	ok(!out[0], "failed checks: no log, none");
}

static void test_expect(void)
{
	ok(conf__expected("PVM-2,QEMU-1", "PVM-2") && !conf__expected("PVM-2,QEMU-1", "PVM-1"),
	   "--expect list");
	ok(!conf__expected("PVM-22", "PVM-2") && !conf__expected("PVM-2", "PVM-22"), "whole IDs only");
	ok(conf__expected("known", "PVM-4+PVM-5") && !conf__expected("known", "PVM-4+PVM-99"),
	   "known: every part of a model's ID");
	ok(!conf__expected("known", "new") && !conf__expected(NULL, "PVM-2"), "new is never expected");
	ok(conf__id_has("PVM-4+PVM-5", "PVM-5") && !conf__id_has("PVM-4+PVM-5", "PVM-"), "id parts");
	for (const struct conf_divergence *d = conf__divergences(); d->id; d++)
		if (!d->host || !d->sdm || !d->seen) {
			ok(0, "%s: every field of the table", d->id);
			return;
		}
	ok(1, "every divergence has its host, the SDM and what is seen");
}

static char *slurp(FILE *f)
{
	long n;
	char *buf;

	fflush(f);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n)
		buf[0] = 0;
	return buf;
}

/* what @fn writes of @m, as a string (free it) */
static char *report_of(void (*fn)(const struct conf_matrix *, const char *, FILE *),
		       const struct conf_matrix *m, const char *expect)
{
	FILE *f = tmpfile();
	char *text;

	if (!f)
		return NULL;
	fn(m, expect, f);
	text = slurp(f);
	fclose(f);
	return text;
}

static void test_matrix(void)
{
	static const char *const targets[] = { "kvm/user", "qemu-tcg" };
	struct conf_catalogue cat;
	struct conf_matrix m;
	struct conf_totals t;
	char err[256], check[CONF_NAME_MAX], target[CONF_NAME_MAX], *text;
	struct conf_cell *c, back;
	int de, i80;
	FILE *f;

	ok(!conf__catalogue(&cat, NULL, NULL, err, sizeof(err)), "the catalogue without scenarios");
	ok(cat.n == conf__nr_cases() + 1 + 3 + 7, "every guest case, the emulation check, the three "
	   "host checks, the sweep's seven families (%u)", cat.n);
	conf__catalogue_free(&cat);
	ok(conf__catalogue(&cat, "/nonexistent", NULL, err, sizeof(err)) < 0 &&
	   strstr(err, "/nonexistent"), "an unreadable configs directory is named");
	conf__catalogue(&cat, NULL, "cpl3", err, sizeof(err));
	ok(cat.n > 5 && conf__find_check(&cat, "#DE-cpl0") < 0 && conf__find_check(&cat, "#DE-cpl3") >= 0,
	   "--filter keeps what contains it");
	conf__catalogue_free(&cat);
	conf__catalogue(&cat, NULL, NULL, err, sizeof(err));
	conf__matrix_init(&m, &cat, targets, 2);
	de = conf__find_check(&cat, "#DE-cpl0");
	i80 = conf__find_check(&cat, "int80-cpl3");
	for (unsigned k = 0; k < cat.n; k++)
		for (unsigned j = 0; j < 2; j++)
			conf__cell(&m, k, j)->status = CONF_PASS;
	c = conf__cell(&m, (unsigned)i80, 0);
	c->status = CONF_DIVERGENCE;
	snprintf(c->id, sizeof(c->id), "PVM-2");
	snprintf(c->expected, sizeof(c->expected), "vector 128");
	snprintf(c->observed, sizeof(c->observed), "vector\t6");	/* a tab must not break a line */
	snprintf(c->repro, sizeof(c->repro), "vmm run --cmdline='test=conformance only=int80-cpl3'");
	conf__cell(&m, (unsigned)de, 1)->status = CONF_HANG;
	snprintf(conf__cell(&m, (unsigned)de, 1)->note, sizeof(c->note), "watchdog at rip 0x1234");

	conf__totals(&m, NULL, &t);
	ok(t.counts[CONF_DIVERGENCE] == 1 && t.counts[CONF_HANG] == 1 && t.unexpected == 2,
	   "totals: a divergence and a hang, both unexpected without --expect");
	conf__totals(&m, "PVM-2", &t);
	ok(t.unexpected == 1, "--expect=PVM-2: only the hang fails the run");

	text = report_of(conf__report_text, &m, "PVM-2");
	ok(text && strstr(text, "DIV PVM-2") && strstr(text, "HANG") &&
	   strstr(text, "watchdog at rip 0x1234") && strstr(text, "reproduce: vmm run") &&
	   strstr(text, "result: FAIL"), "text: matrix, the finding, its reproducer, the result");
	free(text);

	f = tmpfile();
	conf__write_lines(&m, f);
	rewind(f);
	{
		char line[4096];
		unsigned n = 0, bad = 0;
		bool found = false;

		while (fgets(line, sizeof(line), f)) {
			int r = conf__parse_line(line, check, sizeof(check), target, sizeof(target), &back);

			n++;
			bad += r != 1;
			if (r == 1 && !strcmp(check, "int80-cpl3") && !strcmp(target, "kvm/user"))
				found = back.status == CONF_DIVERGENCE && !strcmp(back.id, "PVM-2") &&
					!strcmp(back.observed, "vector 6") && strstr(back.repro, "only=int80");
		}
		ok(n == cat.n * 2 && !bad, "lines: one per cell, each read back (%u)", n);
		ok(found, "lines: a divergence survives the round trip (the tab became a space)");
	}
	fclose(f);
	ok(conf__parse_line("conf\tx\tkvm/user\tMAYBE\t\t\t\t\t\t", check, sizeof(check), target,
			    sizeof(target), &back) == -1, "a conf line with an unknown status: refused");
	ok(conf__parse_line("conf\tx\tkvm/user\tPASS", check, sizeof(check), target, sizeof(target),
			    &back) == -1, "a conf line with fields missing: refused");
	ok(conf__parse_line("exc x", check, sizeof(check), target, sizeof(target), &back) == 0,
	   "not a conf line");

	text = report_of(conf__report_json, &m, NULL);
	ok(text && text[0] == '{' && strstr(text, "\"ok\":false") &&
	   strstr(text, "\"observed\":\"vector\\t6\"") && strstr(text, "\"id\":\"PVM-2\""),
	   "json: escaped fields, the verdict");
	free(text);

	text = report_of(conf__report_html, &m, NULL);
	ok(text && strstr(text, "<table>") && strstr(text, "class=\"div\"") &&
	   strstr(text, "only=int80-cpl3") && !strstr(text, "<script"), "html: table and findings");
	free(text);

	/* a stopped run: cells nobody ran make the result INCOMPLETE, never OK, whatever ran passed */
	for (unsigned k = 0; k < cat.n; k++)
		for (unsigned j = 0; j < 2; j++)
			*conf__cell(&m, k, j) = (struct conf_cell){ .status = CONF_PASS };
	for (unsigned k = 1; k < cat.n; k++) {
		c = conf__cell(&m, k, 1);
		c->status = CONF_NOT_RUN;
		snprintf(c->note, sizeof(c->note), "interrupted (SIGINT)");
	}
	text = report_of(conf__report_text, &m, NULL);
	{
		char want[96];

		snprintf(want, sizeof(want), "result: INCOMPLETE (%u cells not run: interrupted (SIGINT))\n",
			 cat.n - 1);
		ok(text && strstr(text, want) && !strstr(text, "result: OK"),
		   "text: cells not run make the result INCOMPLETE, not OK");
	}
	free(text);
	text = report_of(conf__report_json, &m, NULL);
	ok(text && strstr(text, "\"complete\":false,\"ok\":false"), "json: not complete, so not ok");
	free(text);
	for (unsigned k = 1; k < cat.n; k++)
		conf__cell(&m, k, 1)->status = CONF_PASS;
	text = report_of(conf__report_json, &m, NULL);
	ok(text && strstr(text, "\"complete\":true,\"ok\":true"), "json: every cell ran and passed: ok");
	free(text);
	conf__matrix_free(&m);
	conf__catalogue_free(&cat);
}

/*
 * vmm run's table (vmm/model/selftest.c) names the PVM host's divergences
 * too: every live PVM signature here must get the same ID there, and any
 * other host's it names (SVM-2) too.
 */
static void test_same_ids_as_run(void)
{
	size_t n;
	const struct conf_signature *sig = conf__signatures(&n);
	unsigned checked = 0, differ = 0;

	for (size_t i = 0; i < n; i++) {
		const struct conf_divergence *d = conf__divergence(sig[i].id);
		const struct known_divergence *k;
		struct ivm_exc_result r;

		memset(&r, 0, sizeof(r));
		snprintf(r.name, sizeof(r.name), "%s", sig[i].case_name);
		r.obs_vector = sig[i].obs_vector < 0 ? 0 : (uint8_t)sig[i].obs_vector;
		r.mismatch = sig[i].mismatch;
		r.exp_rip = 0x1000;
		r.obs_rip = 0x1000 + sig[i].rip_side;
		k = selftest__match_divergence(&r);
		/* vmm run names this host's; another host's it names must be the same too */
		if (strncmp(sig[i].id, "PVM-", 4) && (!k || !strncmp(k->ref, "PVM-", 4)))
			continue;
		if (sig[i].via_vmm || !d || d->retired)
			continue;
		checked++;
		if (!k || strcmp(k->ref, sig[i].id)) {
			differ++;
			printf("# %s: vmm run says %s\n", sig[i].case_name, k ? k->ref : "FAIL");
		}
	}
	ok(checked >= 11 && !differ, "vmm run's table names each of %u PVM (and SVM-2) signatures by the same ID",
	   checked);
}

static void test_sweep(void)
{
	struct conf_insn in;
	struct conf_cell cell;

	ok(!conf__parse_insn("insn alu.adc-r64-r64 SAME", &in) && in.verdict == CONF_INSN_SAME &&
	   !strcmp(in.family, "alu") && !strcmp(in.name, "alu.adc-r64-r64"), "a SAME line");
	ok(!conf__parse_insn("insn bit.tzcnt-r32 DIFF in=0 rax=deadbeefdeadbeef/20 rflags=40/1", &in) &&
	   in.verdict == CONF_INSN_DIFF && strstr(in.detail, "rax="), "a DIFF line keeps its fields");
	ok(!conf__parse_insn("insn done forms=697 same=651 diff=4 fault=39 skip=3", &in) && in.done,
	   "the done line");
	ok(conf__parse_insn("insn bit.tzcnt-r32 MAYBE", &in) && conf__parse_insn("insn nodot SAME", &in) &&
	   conf__parse_insn("insn  SAME", &in) && conf__parse_insn("exc x", &in),
	   "malformed sweep lines: refused");

	memset(&cell, 0, sizeof(cell));
	conf__parse_insn("insn bit.bt-r64-r64 SAME", &in);
	conf__sweep_add(&cell, &in);
	conf__parse_insn("insn bit.lzcnt-r32 SKIP cpuid lacks ABM", &in);
	conf__sweep_add(&cell, &in);
	ok(cell.status == CONF_PASS && !cell.observed[0], "SAME and SKIP: PASS");
	conf__parse_insn("insn bit.popcnt-r32 FAULT cpl0=6 cpl3=-", &in);
	conf__sweep_add(&cell, &in);
	conf__parse_insn("insn bit.tzcnt-r32 DIFF in=0 rax=deadbeefdeadbeef/20 rflags=40/1", &in);
	conf__sweep_add(&cell, &in);
	ok(cell.status == CONF_DIVERGENCE && !strcmp(cell.id, "PVM-11+PVM-13") &&
	   strstr(cell.observed, "bit.popcnt-r32 FAULT cpl0=6") && strstr(cell.observed, "bit.tzcnt-r32"),
	   "known forms: both IDs, in the table's order (%s)", cell.id);
	/* planted: tzcnt faulting is not what PVM-11 is */
	conf__parse_insn("insn bit.tzcnt-r64 FAULT cpl0=6 cpl3=-", &in);
	conf__sweep_add(&cell, &in);
	ok(!strcmp(cell.id, "new") && strstr(cell.observed, "bit.tzcnt-r64 FAULT"),
	   "planted: a known form failing another way makes it new");
}

#define DG_HASHES	"1a2b3c4d.b372e9c0.6af7ae1d.0081c5f3.56b8eb99.b0f60247.20f20213.289a4812." \
			"e330b49d.1799e0ca.93ac5af4"

/* Feed one target's sweep lines into column @col, as target__read_sweep does */
static void feed(struct conf_matrix *m, unsigned col, const char *const *lines)
{
	for (; *lines; lines++) {
		struct conf_insn in;
		struct conf_digest d;
		char name[CONF_NAME_MAX];
		int cpl;

		if (!conf__parse_insd(*lines, name, sizeof(name), &cpl, &d))
			conf__forms_digest(m, col, name, cpl, &d);
		else if (!conf__parse_insn(*lines, &in))
			conf__forms_insn(m, col, &in);
		else
			ok(0, "a test line parses: %s", *lines);
	}
}

static void test_forms(void)
{
	static const char *const targets[] = { "model", "kvm/kernel", "kvm/user", "qemu-tcg", "libvirt" };
	/* the same on every target but where a line below says otherwise */
	static const char *const kvm[] = {
		"insn alu.add-r8-r8 SAME", "insd alu.add-r8-r8 d=055,845,084,044/" DG_HASHES,
		"insn alu.adc-r64-r64 SAME", "insd alu.adc-r64-r64 d=001,845,084,044/" DG_HASHES,
		/* CPL0 wrong in rax, ZF and CF (PVM-11's way) */
		"insn bit.tzcnt-r32 DIFF in=0 rax=deadbeefdeadbeef/20 rflags=40/1",
		"insd bit.tzcnt-r32 d0=040,000,040,000/ffffffff.b372e9c0.6af7ae1d.0081c5f3.56b8eb99."
		"b0f60247.20f20213.289a4812.e330b49d.1799e0ca.93ac5af4",
		"insd bit.tzcnt-r32 d3=001,040,001,000/" DG_HASHES,
		"insn bit.popcnt-r32 FAULT cpl0=6 cpl3=-", "insd bit.popcnt-r32 d3=040,000,040,000/" DG_HASHES,
		"insn bit.lzcnt-r32 SKIP cpuid lacks lzcnt",
		"insn done forms=5 same=2 diff=1 fault=1 skip=1", NULL,
	};
	static const char *const tcg[] = {
		"insn alu.add-r8-r8 SAME", "insd alu.add-r8-r8 d=055,845,084,044/" DG_HASHES,
		/* planted: OF (0x800) clear in input 1, nothing else */
		"insn alu.adc-r64-r64 SAME", "insd alu.adc-r64-r64 d=001,045,084,044/" DG_HASHES,
		"insn bit.tzcnt-r32 SAME", "insd bit.tzcnt-r32 d=001,040,001,000/" DG_HASHES,
		"insn bit.popcnt-r32 SKIP cpuid lacks popcnt",
		"insn bit.lzcnt-r32 SKIP cpuid lacks lzcnt",
		"insn done forms=5 same=3 diff=0 fault=0 skip=2", NULL,
	};
	static const char *const lv[] = {
		"insn alu.add-r8-r8 SAME", "insd alu.add-r8-r8 d=055,845,084,044/" DG_HASHES,
		"insn alu.adc-r64-r64 SAME", "insd alu.adc-r64-r64 d=001,845,084,044/" DG_HASHES,
		"insn bit.tzcnt-r32 SAME", "insd bit.tzcnt-r32 d=001,040,001,000/" DG_HASHES,
		"insn bit.popcnt-r32 SKIP cpuid lacks popcnt",
		"insn bit.lzcnt-r32 SKIP cpuid lacks lzcnt", NULL,
	};
	struct conf_catalogue cat;
	struct conf_matrix m;
	struct conf_form_cmp c;
	struct conf_forms_totals t;
	struct conf_digest d;
	char err[256], name[CONF_NAME_MAX], x[512], *text;
	int cpl, f;
	size_t len;
	FILE *mf;

	ok(!conf__parse_insd("insd alu.adc-r64-r64 d0=001,845,084,044/" DG_HASHES, name, sizeof(name),
			     &cpl, &d) && cpl == 0 && !strcmp(name, "alu.adc-r64-r64") &&
	   d.flags[1] == 0x845 && d.hash[0] == 0x1a2b3c4d && d.hash[10] == 0x93ac5af4,
	   "a digest line: CPL, flags per input, hashes");
	ok(!conf__parse_insd("insd a.b d=001,845,084,044/" DG_HASHES "\n", name, sizeof(name), &cpl, &d) &&
	   cpl == -1, "d=: both CPLs");
	/* malformed: each refused */
	ok(conf__parse_insd("insd a.b d=001,845,084/" DG_HASHES, name, sizeof(name), &cpl, &d) &&
	   conf__parse_insd("insd a.b d=001,845,084,044/" DG_HASHES ".12345678", name, sizeof(name), &cpl, &d) &&
	   conf__parse_insd("insd a.b d=001,845,084,044/1a2b3c4d", name, sizeof(name), &cpl, &d) &&
	   conf__parse_insd("insd a.b d5=001,845,084,044/" DG_HASHES, name, sizeof(name), &cpl, &d) &&
	   conf__parse_insd("insd ab d=001,845,084,044/" DG_HASHES, name, sizeof(name), &cpl, &d) &&
	   conf__parse_insd("insd a.b d=0g1,845,084,044/" DG_HASHES, name, sizeof(name), &cpl, &d) &&
	   conf__parse_insd("insn a.b SAME", name, sizeof(name), &cpl, &d),
	   "malformed digest lines: refused (an input short, a hash more, hashes short, a CPL, "
	   "no family, a non-hex digit, an insn line)");

	conf__catalogue(&cat, NULL, "insn:", err, sizeof(err));
	conf__matrix_init(&m, &cat, targets, 5);
	feed(&m, 1, kvm);
	feed(&m, 2, kvm);
	feed(&m, 3, tcg);
	feed(&m, 4, lv);
	ok(m.forms && m.forms->n == 5, "five forms, one row each (%u)", m.forms ? m.forms->n : 0);

	f = 0;
	conf__form_compare(m.forms, (unsigned)f, &c);
	ok(!c.ndiff && c.ref_votes == 4 && c.ref_of == 4, "alu.add-r8-r8: every target agrees");

	f = 1;
	conf__form_compare(m.forms, (unsigned)f, &c);
	ok(c.ndiff == 2 && c.ref_votes == 3 && c.ref_of == 4 && c.ref_target == 1,
	   "alu.adc-r64-r64: 3 of 4 targets' CPL3 the reference, two outcomes differ");
	ok(c.fields[3][0] == (1u << 5) && c.fields[3][1] == (1u << 5),
	   "planted OF: qemu-tcg's CPL0 and CPL3 differ in OF alone");
	ok(!c.fields[0][0] && !c.fields[1][0] && !c.fields[1][1] && !c.fields[2][0] && !c.fields[2][1] &&
	   !c.fields[4][0] && !c.fields[4][1], "... and no other target is named");
	conf__form_text(&m, 1, &c, x, sizeof(x));
	ok(!strcmp(x, "qemu-tcg CPL0+CPL3: OF"), "attributed: %s", x);

	f = 2;
	conf__form_compare(m.forms, (unsigned)f, &c);
	conf__form_fields(c.fields[1][0], x, sizeof(x));
	ok(c.ndiff == 2 && !strcmp(x, "CF ZF rax") && !c.fields[1][1] && !c.fields[3][0] && !c.fields[4][0],
	   "bit.tzcnt-r32: kvm's CPL0 differs from every CPL3 in %s, nothing else does", x);
	conf__form_text(&m, 2, &c, x, sizeof(x));
	ok(!strcmp(x, "kvm/kernel, kvm/user CPL0: CF ZF rax"), "the two kvm columns grouped: %s", x);
	memset(x, 'x', sizeof(x));
	conf__form_text(&m, 2, &c, x, 16);
	ok(!strcmp(x, "kvm/kernel, ...") && x[16] == 'x', "a short buffer: cut, ' ...', nothing past it (%s)", x);

	f = 3;
	conf__form_compare(m.forms, (unsigned)f, &c);
	conf__form_text(&m, 3, &c, x, sizeof(x));
	ok(c.ref_of == 2 && c.ndiff == 2 && !strcmp(x, "kvm/kernel, kvm/user CPL0: fault 6 (reference: none)"),
	   "bit.popcnt-r32, skipped on TCG: kvm's CPL0 #UD against kvm's CPL3: %s", x);

	conf__forms_totals(&m, &t);
	ok(t.forms == 5 && t.targets == 4 && t.compared == 4 && t.agree == 1 && t.differ == 3,
	   "totals: 5 forms on 4 targets, 1 agrees, 3 differ, 1 ran nowhere (%u %u %u %u %u)",
	   t.forms, t.targets, t.compared, t.agree, t.differ);

	mf = open_memstream(&text, &len);
	conf__report_text(&m, "known", mf);
	fclose(mf);
	ok(strstr(text, "5 forms on 4 targets, 1 agree everywhere, 3 differ, 1 ran nowhere:") &&
	   strstr(text, "\n  alu.adc-r64-r64: qemu-tcg CPL0+CPL3: OF [reference: CPL3 of 3 of 4 targets") &&
	   strstr(text, "\n  bit.popcnt-r32: kvm/kernel, kvm/user CPL0: fault 6 (reference: none) "
		  "[reference: CPL3 of 2 of 2 targets (kvm/kernel's); skipped on qemu-tcg, libvirt]\n") &&
	   !strstr(text, "  alu.add-r8-r8:"), "the text report: a count, only the forms that differ, "
	   "where a target skipped one");
	free(text);
	mf = open_memstream(&text, &len);
	conf__report_json(&m, "known", mf);
	fclose(mf);
	ok(strstr(text, "\"sweep_forms\":{\"forms\":5,\"targets\":4,\"compared\":4,\"agree\":1,\"differ\":3") &&
	   strstr(text, "{\"form\":\"alu.adc-r64-r64\",\"reference\":{\"target\":\"kvm/kernel\",\"cpl\":3,"
		  "\"votes\":3,\"of\":4},\"skipped\":[],\"differ\":[{\"target\":\"qemu-tcg\",\"cpl\":0,\"fields\":[\"OF\"],"
		  "\"fault\":null},{\"target\":\"qemu-tcg\",\"cpl\":3,\"fields\":[\"OF\"],\"fault\":null}]}"),
	   "the JSON: totals, each form that differs with who and in what");
	free(text);
	mf = open_memstream(&text, &len);
	conf__report_html(&m, "known", mf);
	fclose(mf);
	ok(strstr(text, "<td class=\"n\">alu.adc-r64-r64</td><td class=\"div\">qemu-tcg CPL0+CPL3: OF</td>") != NULL,
	   "the HTML: a row per form that differs");
	free(text);
	/* the "form" lines a nested run prints, read back into a matrix of their own */
	{
		struct conf_matrix back;
		char tg[CONF_NAME_MAX], *ln, *save = NULL;
		const char *rest;
		bool same = true;
		unsigned nl = 0, bad = 0;

		mf = open_memstream(&text, &len);
		conf__write_lines(&m, mf);
		fclose(mf);
		conf__matrix_init(&back, &cat, targets, 5);
		for (ln = strtok_r(text, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
			unsigned col = 0;

			if (!(rest = conf__parse_form_line(ln, tg, sizeof(tg))))
				continue;
			nl++;
			while (col < 5 && strcmp(targets[col], tg))
				col++;
			bad += col == 5 || conf__forms_read_line(&back, col, rest);
		}
		free(text);
		ok(nl && !bad && back.forms && back.forms->n == m.forms->n,
		   "form lines: %u, each read back (%u not), every form's row (%u)", nl, bad,
		   back.forms ? back.forms->n : 0);
		for (unsigned i = 0; same && back.forms && i < m.forms->n; i++)
			for (unsigned k = 0; same && k < 5 * 2; k++) {
				const struct conf_form_out *a = &m.forms->out[i * 10 + k];
				const struct conf_form_out *b = &back.forms->out[i * 10 + k];

				same = !strcmp(m.forms->names[i], back.forms->names[i]) && a->known == b->known &&
				       a->skipped == b->skipped && (!a->known || (a->fault == b->fault &&
				       (a->fault >= 0 || !memcmp(&a->d, &b->d, sizeof(a->d)))));
			}
		ok(same, "form lines: every target's outcome at each CPL survives the round trip");
		ok(!conf__parse_form_line("form\t\tinsn a.b SAME", tg, sizeof(tg)) &&
		   !conf__parse_form_line("form kvm/user insn a.b SAME", tg, sizeof(tg)) &&
		   !conf__parse_form_line("conf\ta\tb", tg, sizeof(tg)),
		   "form lines: no target, no tab, a conf line: refused");
		conf__matrix_free(&back);
	}
	conf__matrix_free(&m);
	conf__catalogue_free(&cat);

	/* --filter=insn:alu: the other families' forms are not compared */
	conf__catalogue(&cat, NULL, "insn:alu", err, sizeof(err));
	conf__matrix_init(&m, &cat, targets, 5);
	feed(&m, 1, kvm);
	ok(m.forms && m.forms->n == 2 && !strcmp(m.forms->names[1], "alu.adc-r64-r64"),
	   "a filtered catalogue: only its families' forms have rows (%u)", m.forms ? m.forms->n : 0);
	conf__matrix_free(&m);
	conf__catalogue_free(&cat);
}

static void test_markdown(void)
{
	FILE *f = tmpfile();
	char *text;
	bool all = true;

	conf__write_markdown(f);
	text = slurp(f);
	for (const struct conf_divergence *d = conf__divergences(); d->id; d++) {
		char row[32];

		snprintf(row, sizeof(row), "| %s |", d->id);
		all &= text && strstr(text, row) != NULL;
	}
	ok(all, "markdown: a row per ID");
	ok(text && strstr(text, "**Retired:**"), "markdown: a retired ID says so");
	ok(text && strstr(text, "| PVM-10 |") && strstr(text, "**Varies by host:**"),
	   "markdown: an ID some hosts show and some not says so");
	free(text);
	fclose(f);
}

/* the guest's own result lines, as kvm/user printed them (our LAPIC, this host) */
static const char *const pf_np_user =
	"exc #PF-np-cpl3 cpl=3 vec=14/14 err=0x4/0x4 rip=0x10290d/0x10290d stack=rsp0/rsp0 "
	"mismatch=0x0 PASS via=kvm div=-";
static const char *const int1_user =
	"exc int1-cpl3 cpl=3 vec=1/1 err=none/none rip=0x102ed9/0x102ed9 stack=ist3/ist3 "
	"mismatch=0x0 PASS via=kvm div=-";
static const char *const np_pvm =
	"exc #NP-cpl0 cpl=0 vec=11/8 err=0x33/0x0 rip=0x1027e8/0x1027e8 stack=same/ist1 "
	"mismatch=0x23 FAIL via=kvm div=PVM-8";

static void test_model(void)
{
	static const char *const targets[] = { "model", "kvm/user" };
	const struct conf_model_case *x, *all;
	struct conf_model_case bad[96];
	struct conf_catalogue cat;
	struct conf_matrix m;
	struct conf_cell cell;
	struct conf_exc e;
	char err[256], *text;
	unsigned missing = 0;
	size_t n;
	int pf;
	FILE *f;

	/* the model's expectation, exactly, for cases whose fields the SDM fixes */
	x = conf__model_case("#PF-np-cpl3");
	ok(x && x->vector == 14 && x->err == 4 && x->resume == CONF_RESUME_AT_TRIGGER &&
	   x->cr2 == 0x1fc000 && !strcmp(conf__model_stack(x), "rsp0"),
	   "#PF-np-cpl3: #PF(U=4), a fault, CR2 the page, on RSP0");
	x = conf__model_case("#PF-nx-cpl0");
	ok(x && x->err == 0x11 && x->resume == CONF_RESUME_AT_CR2, "#PF-nx-cpl0: #PF(P|I), RIP = CR2");
	x = conf__model_case("#DB-tf-cpl0");
	ok(x && x->vector == 1 && x->resume == CONF_RESUME_AFTER_TRIGGER && x->dr6 == 1u << 14 &&
	   !strcmp(conf__model_stack(x), "ist3"), "#DB-tf-cpl0: a trap after the instruction, DR6.BS, IST3");
	x = conf__model_case("#DB-hwbp-cpl0");
	ok(x && x->resume == CONF_RESUME_AT_TRIGGER && x->dr6 == 1, "#DB-hwbp-cpl0: a fault, DR6.B0");
	x = conf__model_case("int1-cpl3");
	ok(x && x->vector == 1 && x->resume == CONF_RESUME_AFTER_TRIGGER && x->err == CONF_MODEL_NO_ERR,
	   "int1-cpl3: icebp is a trap, no error code");
	ok((x = conf__model_case("int41-cpl3")) && x->vector == 13 && x->err == 0x41 * 8 + 2,
	   "int41-cpl3: #GP naming the IDT entry");
	ok((x = conf__model_case("#NP-cpl0")) && x->vector == 11 && x->err == 6 * 8 + 3 &&
	   !strcmp(conf__model_stack(x), "same"), "#NP-cpl0: #NP(IDT|EXT), no IST");
	ok((x = conf__model_case("#DF-cpl0")) && !strcmp(conf__model_stack(x), "ist1"), "#DF on IST1");
	ok((x = conf__model_case("out-cpl3-iopl3")) && x->vector == CONF_MODEL_NO_VECTOR &&
	   x->resume == CONF_RESUME_NO_FAULT, "out-cpl3-iopl3: no fault");
	for (unsigned i = 0; i < conf__nr_cases(); i++)
		if (!conf__model_case(conf__case_name(i))) {
			printf("# no model for %s\n", conf__case_name(i));
			missing++;
		}
	ok(!missing, "every guest case of the catalogue has the model's expectation");

	/* the checker's expectation and the model agree: a passing line stays PASS */
	conf__parse_exc(pf_np_user, &e);
	memset(&cell, 0, sizeof(cell));
	conf__judge_exc(&e, &cell, "kvm/user");
	ok(cell.status == CONF_PASS && !cell.vs_model[0], "#PF-np-cpl3 on kvm/user: PASS, nothing off the model");
	conf__parse_exc(np_pvm, &e);
	memset(&cell, 0, sizeof(cell));
	conf__judge_exc(&e, &cell, "kvm/kernel");
	ok(cell.status == CONF_DIVERGENCE && !strcmp(cell.id, "PVM-8") &&
	   strstr(cell.vs_model, "vector: model 11, observed 8") &&
	   strstr(cell.vs_model, "error code: model 0x33, observed 0x0") &&
	   strstr(cell.vs_model, "stack: model same, observed ist1"),
	   "a divergence against the model, field by field: %s", cell.vs_model);

	/* planted: a wrong #PF error code and a #DB as a fault in the model */
	all = conf__model_cases(&n);
	ok(n <= sizeof(bad) / sizeof(bad[0]), "the table fits the test's copy");
	memcpy(bad, all, n * sizeof(bad[0]));
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(bad[i].name, "#PF-np-cpl3"))
			bad[i].err = 5;
		if (!strcmp(bad[i].name, "int1-cpl3"))
			bad[i].vector = 3;
	}
	conf__model_use(bad, n);
	conf__parse_exc(pf_np_user, &e);
	memset(&cell, 0, sizeof(cell));
	conf__judge_exc(&e, &cell, "kvm/user");
	ok(cell.status == CONF_ERROR && strstr(cell.note, "error code: model 0x5, checker 0x4") &&
	   strstr(cell.vs_model, "error code: model 0x5, observed 0x4"),
	   "a wrong model: kvm/user's passing #PF-np-cpl3 disagrees with it (%s)", cell.note);
	conf__parse_exc(int1_user, &e);
	memset(&cell, 0, sizeof(cell));
	conf__judge_exc(&e, &cell, "kvm/user");
	ok(cell.status == CONF_ERROR && strstr(cell.note, "vector: model 3, checker 1") &&
	   strstr(cell.vs_model, "stack: model rsp0, observed ist3"),
	   "... and int1-cpl3 too, its stack derived from the wrong vector");
	conf__model_use(NULL, 0);
	memset(&cell, 0, sizeof(cell));
	conf__judge_exc(&e, &cell, "kvm/user");
	ok(cell.status == CONF_PASS && !cell.vs_model[0], "the model's own table back: PASS");

	/* the column: a word per case, n/a with why where the model can't say */
	ok(!conf__catalogue(&cat, "configs", NULL, err, sizeof(err)), "the catalogue with the scenarios");
	conf__matrix_init(&m, &cat, targets, 2);
	for (unsigned c = 0; c < cat.n; c++) {
		conf__model_cell(&cat.checks[c], conf__cell(&m, c, 0));
		conf__cell(&m, c, 1)->status = CONF_PASS;
	}
	pf = conf__find_check(&cat, "#PF-np-cpl3");
	ok(pf >= 0 && conf__cell(&m, (unsigned)pf, 0)->status == CONF_EXPECTED &&
	   !strcmp(conf__cell(&m, (unsigned)pf, 0)->id, "#PF(0x4)"), "the model's cell: EXPECTED #PF(0x4)");
	{
		unsigned na_sc = 0, sc = 0, na_sw = 0, sw = 0, exp = 0, exc = 0;

		for (unsigned c = 0; c < cat.n; c++) {
			const struct conf_cell *mc = conf__cell_c(&m, c, 0);
			enum conf_kind k = cat.checks[c].kind;

			sc += k == CONF_SCENARIO;
			na_sc += k == CONF_SCENARIO && mc->status == CONF_UNSUPPORTED &&
				 strstr(mc->note, "can't predict");
			sw += k == CONF_SWEEP;
			na_sw += k == CONF_SWEEP && mc->status == CONF_UNSUPPORTED &&
				 strstr(mc->note, "CPL0 with the same form at CPL3");
			exc += k == CONF_EXC || k == CONF_EMULATION;
			exp += (k == CONF_EXC || k == CONF_EMULATION) && mc->status == CONF_EXPECTED;
		}
		ok(sc > 0 && na_sc == sc && sw == 7 && na_sw == sw,
		   "scenarios and sweep families: n/a with the reason (%u, %u)", na_sc, na_sw);
		ok(exp == exc, "every case and emulation check: an expectation (%u)", exp);
	}
	conf__parse_exc(np_pvm, &e);
	conf__judge_exc(&e, conf__cell(&m, (unsigned)conf__find_check(&cat, "#NP-cpl0"), 1), "kvm/user");

	text = report_of(conf__report_text, &m, "PVM-8");
	ok(text && strstr(text, "model") && strstr(text, "#PF(0x4)") && strstr(text, "#NP(0x33)") &&
	   strstr(text, "model:     vector 11, error code 0x33") &&
	   strstr(text, "vs model:  vector: model 11, observed 8") && strstr(text, "EXPECTED (the model)") &&
	   strstr(text, "result: OK"), "text: the model's column, a finding read against it");
	free(text);
	text = report_of(conf__report_json, &m, NULL);
	ok(text && strstr(text, "\"model\":{\"cpl\":3,\"vector\":14,\"error_code\":4,\"resume\":\"fault\","
			      "\"stack\":\"rsp0\",\"cr2\":2080768,\"dr6\":0,\"dr6_clear\":0}") &&
	   strstr(text, "\"status\":\"EXPECTED\"") && strstr(text, "\"vs_model\":\"vector: model 11") &&
	   strstr(text, "\"model\":null"), "json: the model's fields per case, each result against it");
	free(text);
	text = report_of(conf__report_html, &m, NULL);
	ok(text && strstr(text, "<th>model</th>") && strstr(text, "class=\"model\">#PF(0x4)") &&
	   strstr(text, "vs model:  vector: model 11"), "html: the model's column, the finding against it");
	free(text);
	f = tmpfile();
	conf__write_lines(&m, f);
	rewind(f);
	{
		char line[4096], check[CONF_NAME_MAX], target[CONF_NAME_MAX];
		struct conf_cell back;
		bool found = false;

		while (fgets(line, sizeof(line), f))
			if (conf__parse_line(line, check, sizeof(check), target, sizeof(target), &back) == 1 &&
			    !strcmp(check, "#NP-cpl0") && !strcmp(target, "kvm/user"))
				found = strstr(back.vs_model, "observed ist1") != NULL;
		ok(found, "lines: the comparison with the model survives the round trip");
	}
	fclose(f);
	conf__matrix_free(&m);
	conf__catalogue_free(&cat);
}

int main(void)
{
	test_parse();
	test_judge();
	test_unsupported();
	test_double_faults();
	test_shutdown();
	test_host();
	test_check_line();
	test_known_checks();
	test_failed_checks();
	test_expect();
	test_same_ids_as_run();
	test_sweep();
	test_forms();
	test_matrix();
	test_markdown();
	test_model();
	return tap_done();
}
