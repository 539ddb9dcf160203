// SPDX-License-Identifier: MIT
/*
 * The qemu-tcg target: the same guest.elf under QEMU TCG (-M microvm), an
 * independent x86 implementation. The guest prints its results and its
 * events on the debug console (port 0xe9); `vmm judge` judges a scenario's
 * events. QEMU has no hypercall port, so what needs the VMM's injections
 * can't run there.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "target_priv.h"

#define QEMU_BASE "qemu-system-x86_64 -M microvm -accel tcg -m 64 -display none -serial none " \
		  "-monitor none -no-reboot -device isa-debug-exit,iobase=0xf4"

/* QEMU on @kernel with @append, the debug console to @log */
static int qemu(const struct target_env *env, const char *append, const char *log, double limit,
		struct spawn_result *res, char *note, size_t notelen)
{
	char debugcon[CONF_PATH_MAX + 8];
	char *argv[] = { "qemu-system-x86_64", "-M", "microvm", "-accel", "tcg", "-m", "64",
			 "-display", "none", "-serial", "none", "-monitor", "none", "-no-reboot",
			 "-device", "isa-debug-exit,iobase=0xf4", "-debugcon", debugcon,
			 "-kernel", (char *)env->kernel, "-append", (char *)append, NULL };
	char out[CONF_PATH_MAX + 8];

	tfmt(debugcon, sizeof(debugcon), "file:%s", log);
	tfmt(out, sizeof(out), "%s.qemu", log);
	unlink(out);
	return spawn__run(argv, out, limit, res, note, notelen);
}

static int run_cases(const struct target *t, const struct target_env *env, const char *only,
		     const char *log, const char *trace, struct spawn_result *res,
		     char *note, size_t notelen)
{
	char append[2200];

	tfmt(append, sizeof(append), "test=conformance%s%s", only ? " only=" : "", only ? only : "");
	return qemu(env, append, log, env->timeout_s + 20, res, note, notelen);
}

static void run_scenario(const struct target *t, const struct target_env *env, struct conf_matrix *m,
			 unsigned col, unsigned c)
{
	const struct conf_check *ck = &m->cat->checks[c];
	struct conf_cell *cell = conf__cell(m, c, col);
	char append[CONF_NAME_MAX + 16], log[CONF_PATH_MAX];
	char cname[CONF_NAME_MAX], err[256];
	int rc;
	struct spawn_result res;

	if (target__scenario_unsupported(ck, cell))
		return;
	target__file_name(ck->name, cname, sizeof(cname));
	tfmt(log, sizeof(log), "%s/%s.qemu-tcg.log", env->out, cname);
	tfmt(append, sizeof(append), "scenario=%s", ck->case_name);
	unlink(log);
	tfmt(cell->repro, sizeof(cell->repro), QEMU_BASE " -kernel %s -append '%s' -debugcon "
		 "file:%s; %s judge --scenario=%s %s", env->kernel, append, log, env->self, ck->path, log);
	rc = qemu(env, append, log, env->timeout_s + 20, &res, err, sizeof(err));
	if (target__ran(t, env, ck, rc, err, &res, "QEMU", env->timeout_s + 20, log, cell))
		target__judge_console(env, ck, log, cell);
}

static void run_sweep(const struct target *t, const struct target_env *env, struct conf_matrix *m,
		      unsigned col)
{
	char log[CONF_PATH_MAX], repro[CONF_PATH_MAX], note[CONF_TEXT_MAX], err[256];
	struct spawn_result res;

	tfmt(log, sizeof(log), "%s/sweep.qemu-tcg.log", env->out);
	tfmt(repro, sizeof(repro), QEMU_BASE " -debugcon stdio -kernel %s -append test=sweep | "
	     "grep -E '^insn (%%s\\.|done)'", env->kernel);
	unlink(log);
	if (qemu(env, "test=sweep", log, env->timeout_s + 20, &res, err, sizeof(err))) {
		target__fill(m, col, CONF_SWEEP, CONF_ERROR, err);
		return;
	}
	if (env->progress)
		env->progress(env->opaque, t->name, "instruction sweep");
	tfmt(note, sizeof(note), "%s (status %d)", res.timed_out ? "QEMU did not end in time" :
	     "the sweep ended early", res.status);
	target__read_sweep(log, m, col, repro, res.timed_out ? CONF_HANG : CONF_ERROR, note);
}

void target_qemu__run(const struct target *t, const struct target_env *env, struct conf_matrix *m,
		      unsigned col)
{
	char repro[CONF_PATH_MAX];

	tfmt(repro, sizeof(repro), QEMU_BASE " -debugcon stdio -kernel %s -append "
		 "'test=conformance only=%%s'", env->kernel);
	target__run_cases(t, env, m, col, run_cases, repro);
	target__run_tcg_rest(t, env, m, col, run_sweep, run_scenario);
}
