/* SPDX-License-Identifier: MIT */
/* Between the target files: each target's runner, and the guest-case loop they share. */
#ifndef VMM_TARGET_PRIV_H
#define VMM_TARGET_PRIV_H

#include "lib/spawn.h"
#include "target.h"

/*
 * snprintf that says whether it all fitted: paths built from --out and the
 * check's names must be whole; a cut note or reproducer is only cut.
 */
bool tfmt(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * Run the guest's cases once on @t (test=conformance, only=@only when not
 * NULL), console to @log, the trace (if the target makes one) to @trace.
 * -1 with @note when the target could not be started at all.
 */
typedef int (*case_run_fn)(const struct target *t, const struct target_env *env, const char *only,
			   const char *log, const char *trace, struct spawn_result *res,
			   char *note, size_t notelen);

/*
 * Every CONF_EXC check of @m on @t: run, read, and when a run stops early
 * (a hang, a death), the case in flight is that cell's HANG or ERROR and
 * the rest run again. @repro_fmt has one "%s" for the case's name.
 */
void target__run_cases(const struct target *t, const struct target_env *env, struct conf_matrix *m,
		       unsigned col, case_run_fn run, const char *repro_fmt);

/*
 * The instruction sweep's lines in @log into the CONF_SWEEP cells of column
 * @col; a family that printed nothing before the run stopped gets @st and
 * @note. Whether the sweep's "insn done" line was seen.
 */
bool target__read_sweep(const char *log, struct conf_matrix *m, unsigned col, const char *repro,
			enum conf_status st, const char *note);

/*
 * After a check's run on @t: ERROR with @err when it could not start (@rc),
 * HANG when it passed its limit @limit_s (@what, the last line of @log); the
 * progress line either way. True when the run went to its end.
 */
bool target__ran(const struct target *t, const struct target_env *env, const struct conf_check *ck,
		 int rc, const char *err, const struct spawn_result *res, const char *what,
		 double limit_s, const char *log, struct conf_cell *cell);

/*
 * The sweep (once, if the catalogue has it) and each scenario of a QEMU TCG
 * column, after its cases; the emulation checks are n/a (no KVM tracepoints).
 */
typedef void (*sweep_run_fn)(const struct target *t, const struct target_env *env,
			     struct conf_matrix *m, unsigned col);
typedef void (*scenario_run_fn)(const struct target *t, const struct target_env *env,
				struct conf_matrix *m, unsigned col, unsigned c);
/* Why a QEMU TCG target has no host check */
#define TARGET_NO_HOST_STEP "QEMU TCG has no KVM_SET_VCPU_EVENTS: no VMM of ours injects there, " \
	"so the host step (inject, read the register back before the entry) can't be made"

void target__run_tcg_rest(const struct target *t, const struct target_env *env,
			  struct conf_matrix *m, unsigned col, sweep_run_fn sweep,
			  scenario_run_fn scenario);

/*
 * Scenario @ck's own checks failed (@log says which): UNSUPPORTED when the
 * target's CPU lacks a feature the scenario needs, else a new DIVERGENCE
 * observing @observed.
 */
void target__checks_failed(const struct conf_check *ck, const char *log, const char *observed,
			   struct conf_cell *cell);
/* A scenario that can't run without our VMM: UNSUPPORTED with why, and true. */
bool target__scenario_unsupported(const struct conf_check *ck, struct conf_cell *cell);
/* The verdict of `vmm judge` on the guest's console @log of scenario @ck. */
void target__judge_console(const struct target_env *env, const struct conf_check *ck,
			   const char *log, struct conf_cell *cell);

void target_model__run(const struct target *t, const struct target_env *env, struct conf_matrix *m,
		       unsigned col);
void target_kvm__run(const struct target *t, const struct target_env *env, struct conf_matrix *m,
		     unsigned col);
void target_qemu__run(const struct target *t, const struct target_env *env, struct conf_matrix *m,
		      unsigned col);
void target_libvirt__run(const struct target *t, const struct target_env *env, struct conf_matrix *m,
			 unsigned col);
/* Whether qemu:///system answers: false with @why (one line) when it does not. */
bool target_libvirt__connects(char *why, size_t n);
/*
 * The last line of QEMU's log @qlog (libvirt's per-domain file) into @out,
 * libvirt's own "shutting down, reason=" line skipped; "" if none or no file.
 */
void target_libvirt__log_tail(const char *qlog, char *out, size_t n);

/* The libvirt target's transient domain (libvirt_xml.c, pure). */
struct lv_domain {
	const char *name;	/* unique: "vmm-conformance-PID-N" */
	const char *kernel;	/* a copy of guest.elf that libvirt-qemu can read */
	const char *cmdline;	/* the guest's command line */
	const char *console;	/* the file the debug console (port 0xe9) is written to */
};

/*
 * The domain XML for @d into @buf (values escaped): false, and @buf empty,
 * when it does not fit or a name or path is missing.
 */
bool target_libvirt__xml(char *buf, size_t n, const struct lv_domain *d);

#endif
