// SPDX-License-Identifier: MIT
/*
 * The kvm targets: this host's KVM through ./vmm (or another vmm build,
 * kvm/MODE@PATH), one irqchip mode each. Cases run as `vmm run --results`,
 * scenarios as `vmm check`, whose oracle divergences are then named by the
 * host model that explains them; the emulation check reads KVM's own
 * tracepoints from the trace.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "scenario/scenario.h"
#include "trace/itr.h"
#include "target_priv.h"

/* a vmm check or run that its own watchdog did not stop in time */
#define KVM_SLACK_S	30

static const char *vmm_of(const struct target *t, const struct target_env *env)
{
	return t->vmm[0] ? t->vmm : env->self;
}

/* append @from to @to: the console after the results, for notes */
static void append_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "r"), *out = in ? fopen(to, "a") : NULL;
	char buf[4096];
	size_t n;

	while (out && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, out);
	if (out)
		fclose(out);
	if (in)
		fclose(in);
}

static int run_cases(const struct target *t, const struct target_env *env, const char *only,
		     const char *log, const char *trace, struct spawn_result *res,
		     char *note, size_t notelen)
{
	char irq[32], timeout[32], results[CONF_PATH_MAX + 16], tr[CONF_PATH_MAX + 16];
	char cmdline[2200], console[CONF_PATH_MAX + 16];
	char *argv[] = { (char *)vmm_of(t, env), "run", irq, timeout, results, tr, cmdline,
			 (char *)env->kernel, NULL };
	int rc;

	tfmt(irq, sizeof(irq), "--irqchip=%s", t->mode);
	tfmt(timeout, sizeof(timeout), "--timeout=%g", env->timeout_s);
	tfmt(results, sizeof(results), "--results=%s", log);
	tfmt(tr, sizeof(tr), "--trace=%s", trace);
	tfmt(cmdline, sizeof(cmdline), "--cmdline=test=conformance%s%s", only ? " only=" : "",
		 only ? only : "");
	tfmt(console, sizeof(console), "%s.console", log);
	unlink(console);
	rc = spawn__run(argv, console, env->timeout_s + KVM_SLACK_S, res, note, notelen);
	append_file(console, log);
	unlink(console);
	return rc;
}

/* KVM's failed emulations of an iretq (48 cf) or iret (cf) in @trace; -1 if unreadable */
static long iret_failures(const char *trace, uint64_t *first_rip, char *err, size_t errlen)
{
	struct itr_header h;
	struct itr_reader *r = itr_reader__open(trace, &h, err, errlen);
	struct itr_record rec;
	long n = 0;
	int rc;

	if (!r)
		return -1;
	while ((rc = itr_reader__next(r, &rec, err, errlen)) == 1) {
		uint8_t b0 = ITR_TP_INSN_BYTE(rec.b, 0), b1 = ITR_TP_INSN_BYTE(rec.b, 1);

		if (rec.type != ITR_KVM_TP || rec.a != ITR_TP_EMULATE_FAILED)
			continue;
		if ((b0 == 0x48 && b1 == 0xcf && rec.vector == 2) || (b0 == 0xcf && rec.vector == 1)) {
			if (!n)
				*first_rip = rec.rip;
			n++;
		}
	}
	itr_reader__close(r);
	return rc < 0 ? -1 : n;
}

static void run_emulation(const struct target *t, const struct target_env *env, struct conf_matrix *m,
			  unsigned col, unsigned c, const char *fname)
{
	const struct conf_check *ck = &m->cat->checks[c];
	struct conf_cell *cell = conf__cell(m, c, col);
	char irq[32], timeout[32], tr[CONF_PATH_MAX + 16], cmdline[160], log[CONF_PATH_MAX];
	char trace[CONF_PATH_MAX], cname[CONF_NAME_MAX], last[200], err[256];
	char *argv[] = { (char *)vmm_of(t, env), "run", "--quiet", "--kvm-tracepoints", irq, timeout,
			 tr, cmdline, (char *)env->kernel, NULL };
	struct spawn_result res;
	uint64_t rip = 0;
	long n;

	target__file_name(ck->name, cname, sizeof(cname));
	tfmt(trace, sizeof(trace), "%s/%s.%s.itr", env->out, cname, fname);
	tfmt(log, sizeof(log), "%s/%s.%s.log", env->out, cname, fname);
	tfmt(irq, sizeof(irq), "--irqchip=%s", t->mode);
	tfmt(timeout, sizeof(timeout), "--timeout=%g", env->timeout_s);
	tfmt(tr, sizeof(tr), "--trace=%s", trace);
	tfmt(cmdline, sizeof(cmdline), "--cmdline=test=conformance only=%s", ck->case_name);
	unlink(log);
	tfmt(cell->repro, sizeof(cell->repro), "%s run --irqchip=%s --kvm-tracepoints --trace=%s "
		 "--cmdline='test=conformance only=%s' %s && %s trace show %s | grep emulate",
		 vmm_of(t, env), t->mode, trace, ck->case_name, env->kernel, vmm_of(t, env), trace);
	if (spawn__run(argv, log, env->timeout_s + KVM_SLACK_S, &res, err, sizeof(err))) {
		cell->status = CONF_ERROR;
		tfmt(cell->note, sizeof(cell->note), "%s", err);
		return;
	}
	if (env->progress)
		env->progress(env->opaque, t->name, ck->name);
	target__last_line(log, "vmm", last, sizeof(last));
	if (res.timed_out || res.status == 6) {
		cell->status = CONF_HANG;
		tfmt(cell->note, sizeof(cell->note), "the run did not finish: %s", last);
		return;
	}
	if (res.status == 2 || res.status == 8) {
		/* no tracefs, not root, or no such event: the host can't tell us */
		cell->status = CONF_UNSUPPORTED;
		tfmt(cell->note, sizeof(cell->note), "no KVM tracepoints here: %s", last);
		return;
	}
	n = iret_failures(trace, &rip, err, sizeof(err));
	tfmt(cell->trace, sizeof(cell->trace), "%s", trace);
	if (n < 0) {
		cell->status = CONF_ERROR;
		tfmt(cell->note, sizeof(cell->note), "%s", err);
		return;
	}
	if (res.status != 0) {
		cell->status = CONF_ERROR;
		tfmt(cell->note, sizeof(cell->note), "the guest's %s case did not pass (status %d): %s",
			 ck->case_name, res.status, last);
		return;
	}
	if (!n) {
		cell->status = CONF_PASS;
		return;
	}
	cell->status = CONF_DIVERGENCE;
	tfmt(cell->id, sizeof(cell->id), "PVM-9");
	tfmt(cell->expected, sizeof(cell->expected), "no kvm_emulate_insn failure for an iretq "
		 "that completes");
	tfmt(cell->observed, sizeof(cell->observed), "%ld failed emulations of iretq (48 cf), the "
		 "first at rip 0x%llx, and the guest went on", n, (unsigned long long)rip);
}

/* The host model under which the oracle accepts @trace: "PVM-4", "PVM-5", "PVM-4+PVM-5", or "" */
static void explain(const struct target *t, const struct target_env *env, const char *trace,
		    const char *log, char *id, size_t n)
{
	static const struct { const char *model, *id; } models[] = {
		{ "pvm-4", "PVM-4" }, { "pvm-5", "PVM-5" }, { "pvm-4+pvm-5", "PVM-4+PVM-5" },
	};
	char tr[CONF_PATH_MAX + 16], hm[40], err[256];

	id[0] = 0;
	for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
		char *argv[] = { (char *)vmm_of(t, env), "check", tr, hm, NULL };
		struct spawn_result res;

		tfmt(tr, sizeof(tr), "--trace=%s", trace);
		tfmt(hm, sizeof(hm), "--host-model=%s", models[i].model);
		if (!spawn__run(argv, log, 60, &res, err, sizeof(err)) && !res.timed_out && !res.status) {
			tfmt(id, n, "%s", models[i].id);
			return;
		}
	}
}

static void run_scenario(const struct target *t, const struct target_env *env, struct conf_matrix *m,
			 unsigned col, unsigned c, const char *fname)
{
	const struct conf_check *ck = &m->cat->checks[c];
	struct conf_cell *cell = conf__cell(m, c, col);
	char sc[CONF_PATH_MAX + 16], irq[32], keep[CONF_PATH_MAX + 16], dir[CONF_PATH_MAX];
	char log[CONF_PATH_MAX], trace[CONF_PATH_MAX], cname[CONF_NAME_MAX], line[512], err[256];
	char *argv[] = { (char *)vmm_of(t, env), "check", "--quiet", sc, irq, keep,
			 (char *)env->kernel, NULL };
	enum irqchip_mode mode;
	struct spawn_result res;
	bool found = false;
	FILE *f;

	if (irqchip_mode__parse(t->mode, &mode) || !(ck->irqchips & (1u << mode))) {
		cell->status = CONF_UNSUPPORTED;
		tfmt(cell->note, sizeof(cell->note), "the config does not run under --irqchip=%s",
			 t->mode);
		return;
	}
	target__file_name(ck->name, cname, sizeof(cname));
	tfmt(dir, sizeof(dir), "%s/%s", env->out, fname);
	tfmt(log, sizeof(log), "%s/%s.log", dir, cname);
	tfmt(trace, sizeof(trace), "%s/%s.%s.itr", dir, ck->case_name, t->mode);
	tfmt(sc, sizeof(sc), "--scenario=%s", ck->path);
	tfmt(irq, sizeof(irq), "--irqchip=%s", t->mode);
	tfmt(keep, sizeof(keep), "--keep-traces=%s", dir);
	unlink(log);
	tfmt(cell->repro, sizeof(cell->repro), "%s check --scenario=%s --irqchip=%s %s",
		 vmm_of(t, env), ck->path, t->mode, env->kernel);
	if (!target__ran(t, env, ck, spawn__run(argv, log, 120, &res, err, sizeof(err)), err, &res,
			 "vmm check", 120, log, cell))
		return;
	f = fopen(log, "r");
	while (f && fgets(line, sizeof(line), f))
		if (conf__parse_check_line(line, ck->case_name, t->mode, cell) == 1) {
			found = true;
			break;
		}
	if (f)
		fclose(f);
	tfmt(cell->repro, sizeof(cell->repro), "%s check --scenario=%s --irqchip=%s %s",
		 vmm_of(t, env), ck->path, t->mode, env->kernel);
	if (!access(trace, R_OK))
		tfmt(cell->trace, sizeof(cell->trace), "%s", trace);
	if (!found) {
		cell->status = CONF_ERROR;
		target__last_line(log, "vmm", line, sizeof(line));
		tfmt(cell->note, sizeof(cell->note), "no verdict from vmm check (status %d): %s",
			 res.status, line);
		return;
	}
	if (cell->status == CONF_ERROR && strstr(cell->note, "watchdog"))
		cell->status = CONF_HANG;
	/* the run "failed" because checks of the scenario failed: a finding, not an error */
	if (cell->status == CONF_ERROR && strstr(cell->note, "checks failed")) {
		char obs[sizeof(cell->observed)];

		conf__failed_checks(log, obs, sizeof(obs));
		target__checks_failed(ck, log, obs, cell);
		return;
	}
	if (cell->status == CONF_DIVERGENCE && cell->trace[0])
		explain(t, env, cell->trace, log, cell->id, sizeof(cell->id));
	if (spawn__interrupted() && cell->status == CONF_DIVERGENCE && !cell->id[0]) {
		/* the stop cut the host models' checks short: no verdict, rather than a wrong "new" */
		cell->status = CONF_ERROR;
		tfmt(cell->note, sizeof(cell->note), "%s", spawn__interrupt_note());
		return;
	}
	if (cell->status == CONF_DIVERGENCE && !cell->id[0])
		tfmt(cell->id, sizeof(cell->id), "new");
	/* the scenario's own checks: a failure no pinned divergence explains */
	if (cell->status == CONF_PASS) {
		conf__failed_checks(log, cell->observed, sizeof(cell->observed));
		if (cell->observed[0]) {
			cell->status = CONF_DIVERGENCE;
			tfmt(cell->id, sizeof(cell->id), "new");
			tfmt(cell->expected, sizeof(cell->expected), "every check of the config passes");
			return;
		}
	}
	/* checks the config pins (`known:`) name the cell too: "KVM-2", or "KVM-2+PVM-4" with the oracle's */
	if ((cell->status == CONF_PASS || (cell->status == CONF_DIVERGENCE && strcmp(cell->id, "new"))) &&
	    conf__known_checks(log, cell->id, sizeof(cell->id), cell->observed, sizeof(cell->observed))) {
		tfmt(cell->expected, sizeof(cell->expected), cell->status == CONF_PASS ?
		     "every check of the config passes" : "every check of the config passes and every "
		     "delivery as the SDM model has it (oracle PASS)");
		cell->status = CONF_DIVERGENCE;
	}
}

/* the instruction sweep, once for every family: test=sweep, the console read */
static void run_sweep(const struct target *t, const struct target_env *env, struct conf_matrix *m,
		      unsigned col, const char *fname)
{
	char irq[32], timeout[32], log[CONF_PATH_MAX], repro[CONF_PATH_MAX], note[CONF_TEXT_MAX];
	char last[200], err[256];
	char *argv[] = { (char *)vmm_of(t, env), "run", irq, timeout, "--cmdline=test=sweep",
			 (char *)env->kernel, NULL };
	struct spawn_result res;
	bool hang;

	tfmt(irq, sizeof(irq), "--irqchip=%s", t->mode);
	tfmt(timeout, sizeof(timeout), "--timeout=%g", env->timeout_s * 3);
	tfmt(log, sizeof(log), "%s/sweep.%s.log", env->out, fname);
	/* %%s: the family, filled in per check */
	tfmt(repro, sizeof(repro), "%s run --irqchip=%s --cmdline=test=sweep %s | grep -E '^insn "
	     "(%%s\\.|done)'", vmm_of(t, env), t->mode, env->kernel);
	unlink(log);
	if (spawn__run(argv, log, env->timeout_s * 3 + KVM_SLACK_S, &res, err, sizeof(err))) {
		target__fill(m, col, CONF_SWEEP, CONF_ERROR, err);
		return;
	}
	if (env->progress)
		env->progress(env->opaque, t->name, "instruction sweep");
	hang = res.timed_out || res.status == 6;
	target__last_line(log, hang ? "  rip " : "vmm", last, sizeof(last));
	tfmt(note, sizeof(note), "%s (status %d)%s%s", hang ? "the watchdog stopped the sweep" :
	     "the sweep ended early", res.status, last[0] ? ": " : "", last);
	target__read_sweep(log, m, col, repro, hang ? CONF_HANG : CONF_ERROR, note);
}

/*
 * The host checks: vmm probe (this target's vmm) injects a pending #PF and
 * #DB with payloads into its tiny guests and reads CR2 and DR6 back before
 * the next KVM_RUN; one line each. The probe's VM has the userspace irqchip:
 * the payload is KVM's exception path, the same in every mode.
 */
static void run_host(const struct target *t, const struct target_env *env, struct conf_matrix *m,
		     unsigned col, const char *fname)
{
	char log[CONF_PATH_MAX], err[256], line[512];
	char *argv[] = { (char *)vmm_of(t, env), "probe", NULL };
	struct spawn_result res;
	FILE *f;

	tfmt(log, sizeof(log), "%s/host.%s.log", env->out, fname);
	unlink(log);
	if (spawn__run(argv, log, 60, &res, err, sizeof(err))) {
		target__fill(m, col, CONF_HOST, CONF_ERROR, err);
		return;
	}
	if (env->progress)
		env->progress(env->opaque, t->name, "host checks");
	if ((f = fopen(log, "r"))) {
		while (fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\r\n")] = 0;
			for (unsigned c = 0; c < m->cat->n; c++) {
				const struct conf_check *ck = &m->cat->checks[c];
				struct conf_cell *cell = conf__cell(m, c, col);

				if (ck->kind != CONF_HOST || !conf__parse_host_line(line, ck->case_name, cell))
					continue;
				tfmt(cell->repro, sizeof(cell->repro), "%s probe | grep '%s'",
				     vmm_of(t, env), ck->case_name);
				tfmt(cell->trace, sizeof(cell->trace), "%s", log);
			}
		}
		fclose(f);
	}
	tfmt(err, sizeof(err), "vmm probe printed no line for it (status %d%s)", res.status,
	     res.timed_out ? ", timed out" : "");
	target__fill(m, col, CONF_HOST, CONF_ERROR, err);
}

void target_kvm__run(const struct target *t, const struct target_env *env, struct conf_matrix *m,
		     unsigned col)
{
	char repro[CONF_PATH_MAX], fname[CONF_NAME_MAX], dir[CONF_PATH_MAX + CONF_NAME_MAX];

	target__file_name(t->name, fname, sizeof(fname));
	tfmt(dir, sizeof(dir), "%s/%s", env->out, fname);
	mkdir(dir, 0755);	/* the scenarios' traces and logs */
	tfmt(repro, sizeof(repro), "%s run --irqchip=%s --cmdline='test=conformance only=%%s' %s",
		 vmm_of(t, env), t->mode, env->kernel);
	target__run_cases(t, env, m, col, run_cases, repro);
	for (unsigned c = 0; c < m->cat->n; c++)
		if (m->cat->checks[c].kind == CONF_SWEEP) {
			run_sweep(t, env, m, col, fname);
			break;
		}
	for (unsigned c = 0; c < m->cat->n; c++) {
		if (m->cat->checks[c].kind == CONF_EMULATION)
			run_emulation(t, env, m, col, c, fname);
		else if (m->cat->checks[c].kind == CONF_SCENARIO)
			run_scenario(t, env, m, col, c, fname);
	}
	for (unsigned c = 0; c < m->cat->n; c++)
		if (m->cat->checks[c].kind == CONF_HOST) {
			run_host(t, env, m, col, fname);
			break;
		}
}
