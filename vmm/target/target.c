// SPDX-License-Identifier: MIT
/* Target names, availability, and what the target files share. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "target.h"
#include "target_priv.h"

bool tfmt(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return len >= 0 && (size_t)len < n;
}

static const char *const modes[] = { "kernel", "split", "user" };

static int add(struct target *out, unsigned *n, unsigned max, enum target_kind kind,
	       const char *name, const char *mode, const char *vmm, char *err, size_t errlen)
{
	struct target *t;

	if (*n >= max) {
		tfmt(err, errlen, "--targets: at most %u targets", max);
		return -1;
	}
	t = &out[(*n)++];
	memset(t, 0, sizeof(*t));
	t->kind = kind;
	tfmt(t->name, sizeof(t->name), "%s", name);
	tfmt(t->mode, sizeof(t->mode), "%s", mode ? mode : "");
	tfmt(t->vmm, sizeof(t->vmm), "%s", vmm ? vmm : "");
	return 0;
}

int target__parse(const char *spec, struct target *out, unsigned max, char *err, size_t errlen)
{
	const char *at = strchr(spec, '@');
	char base[64], name[CONF_NAME_MAX];
	unsigned n = 0;
	size_t len = at ? (size_t)(at - spec) : strlen(spec);

	if (!len || len >= sizeof(base))
		goto bad;
	memcpy(base, spec, len);
	base[len] = 0;
	if (at && (!at[1] || strncmp(base, "kvm", 3))) {
		tfmt(err, errlen, "--targets: '%s': @PATH names another vmm, for kvm targets only", spec);
		return -1;
	}
	if (!strcmp(base, "kvm") || !strcmp(base, "nested-kvm-amd")) {
		bool nested = base[0] == 'n';

		for (unsigned i = 0; i < 3; i++) {
			tfmt(name, sizeof(name), "%s/%s%s%s", base, modes[i], at ? "@" : "",
				 at ? (strrchr(at + 1, '/') ? strrchr(at + 1, '/') + 1 : at + 1) : "");
			if (add(out, &n, max, nested ? TARGET_NESTED : TARGET_KVM, name, modes[i],
				at ? at + 1 : NULL, err, errlen))
				return -1;
		}
		return (int)n;
	}
	if (!strncmp(base, "kvm/", 4) || !strncmp(base, "nested-kvm-amd/", 15)) {
		bool nested = base[0] == 'n';
		const char *mode = base + (nested ? 15 : 4);

		for (unsigned i = 0; i < 3; i++)
			if (!strcmp(mode, modes[i])) {
				tfmt(name, sizeof(name), "%s%s%s", base, at ? "@" : "",
					 at ? (strrchr(at + 1, '/') ? strrchr(at + 1, '/') + 1 : at + 1) : "");
				if (add(out, &n, max, nested ? TARGET_NESTED : TARGET_KVM, name, mode,
					at ? at + 1 : NULL, err, errlen))
					return -1;
				return (int)n;
			}
		goto bad;
	}
	if (!strcmp(base, "qemu-tcg") && !at) {
		if (add(out, &n, max, TARGET_QEMU, "qemu-tcg", NULL, NULL, err, errlen))
			return -1;
		return (int)n;
	}
	if (!strcmp(base, "model") && !at) {
		if (add(out, &n, max, TARGET_MODEL, "model", NULL, NULL, err, errlen))
			return -1;
		return (int)n;
	}
	if (!strcmp(base, "libvirt") && !at) {
		if (add(out, &n, max, TARGET_LIBVIRT, "libvirt", NULL, NULL, err, errlen))
			return -1;
		return (int)n;
	}
bad:
	tfmt(err, errlen, "--targets: unknown target '%s' (kvm, kvm/MODE, kvm[/MODE]@VMM, qemu-tcg, "
		 "libvirt, nested-kvm-amd, nested-kvm-amd/MODE, model, all)", spec);
	return -1;
}

static bool in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[CONF_PATH_MAX];

	for (const char *p = path ? path : "/usr/bin:/bin"; *p; ) {
		size_t len = strcspn(p, ":");

		tfmt(buf, sizeof(buf), "%.*s/%s", (int)len, p, prog);
		if (!access(buf, X_OK))
			return true;
		p += len + (p[len] == ':');
	}
	return false;
}

void target__probe(struct target *t, const struct target_env *env)
{
	char path[CONF_PATH_MAX];

	t->available = false;
	switch (t->kind) {
	case TARGET_KVM:
		if (access("/dev/kvm", R_OK | W_OK)) {
			tfmt(t->why, sizeof(t->why), "/dev/kvm is absent or not readable and writable");
			return;
		}
		if (t->vmm[0] && access(t->vmm, X_OK)) {
			tfmt(t->why, sizeof(t->why), "%s: not an executable vmm", t->vmm);
			return;
		}
		break;
	case TARGET_QEMU:
		if (!in_path("qemu-system-x86_64")) {
			tfmt(t->why, sizeof(t->why), "qemu-system-x86_64 is not installed");
			return;
		}
		break;
	case TARGET_LIBVIRT:
		if (!in_path("qemu-system-x86_64")) {
			tfmt(t->why, sizeof(t->why), "qemu-system-x86_64 is not installed");
			return;
		}
		/* one connection to qemu:///system: milliseconds */
		if (!target_libvirt__connects(t->why, sizeof(t->why)))
			return;
		break;
	case TARGET_MODEL:
		break;		/* no guest runs: always there */
	case TARGET_NESTED:
		if (!in_path("qemu-system-x86_64")) {
			tfmt(t->why, sizeof(t->why), "qemu-system-x86_64 is not installed");
			return;
		}
		tfmt(path, sizeof(path), "%s/nested-initramfs.sh", env->scripts);
		if (access(path, X_OK)) {
			tfmt(t->why, sizeof(t->why), "%s: missing (the nested target needs the "
				 "source tree's scripts/, see --scripts)", path);
			return;
		}
		break;
	}
	t->available = true;
}

void target__fill(struct conf_matrix *m, unsigned col, enum conf_kind kind, enum conf_status st,
		  const char *note)
{
	for (unsigned c = 0; c < m->cat->n; c++) {
		struct conf_cell *cell = conf__cell(m, c, col);

		if (m->cat->checks[c].kind != kind || cell->status != CONF_NOT_RUN)
			continue;
		cell->status = st;
		tfmt(cell->note, sizeof(cell->note), "%s", note);
	}
}

void target__file_name(const char *name, char *out, size_t n)
{
	size_t j = 0;

	for (const char *p = name; *p && j + 1 < n; p++) {
		char ch = *p;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    ch == '-' || ch == '.' || ch == '_')
			out[j++] = ch;
		else if (ch == '/' || ch == ':' || ch == '@')
			out[j++] = '-';
	}
	out[j] = 0;
}

void target__last_line(const char *path, const char *needle, char *out, size_t n)
{
	FILE *f = fopen(path, "r");
	char line[512];

	out[0] = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = 0;
		if (line[0] && (!needle || strstr(line, needle)))
			tfmt(out, n, "%s", line);
	}
	fclose(f);
}

/* Case @c's cell of column @col: @e judged, its reproducer and trace */
static void judge_cell(struct conf_matrix *m, unsigned c, unsigned col, const struct conf_exc *e,
		       const char *repro_fmt, const char *trace)
{
	struct conf_cell *cell = conf__cell(m, c, col);

	memset(cell, 0, sizeof(*cell));
	conf__judge_exc(e, cell, m->targets[col]);
	tfmt(cell->repro, sizeof(cell->repro), repro_fmt, e->name);
	tfmt(cell->trace, sizeof(cell->trace), "%s", trace ? trace : "");
}

bool target__read_cases(const char *log, struct conf_matrix *m, unsigned col, const char *repro_fmt,
			const char *trace, bool *seen)
{
	FILE *f = fopen(log, "r");
	char line[512], why[CONF_TEXT_MAX];
	bool done = false;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		struct conf_exc e;
		struct conf_cell *cell;
		int c;

		line[strcspn(line, "\r\n")] = 0;
		/* a case whose outcome is a shutdown, and the guest went on: what it saw instead */
		if (conf__parse_shutdown(line, e.name, sizeof(e.name), &e.obs_vector) == 2) {
			int obs = e.obs_vector;

			if ((c = conf__find_check(m->cat, e.name)) < 0 || !m->cat->checks[c].alone)
				continue;
			conf__shutdown_exc(m->cat->checks[c].name, obs, &e);
			judge_cell(m, (unsigned)c, col, &e, repro_fmt, trace);
			seen[c] = true;
			continue;
		}
		/* the VMM's --results end, or the guest's own summary on another host */
		if (!strncmp(line, "selftest done=1", 15) ||
		    (!strncmp(line, "selftest: ", 10) && line[10] >= '0' && line[10] <= '9'))
			done = true;
		if (conf__parse_unsupported(line, e.name, sizeof(e.name), why, sizeof(why)) == 1) {
			if ((c = conf__find_check(m->cat, e.name)) < 0 ||
			    m->cat->checks[c].kind != CONF_EXC)
				continue;
			cell = conf__cell(m, (unsigned)c, col);
			memset(cell, 0, sizeof(*cell));
			cell->status = CONF_UNSUPPORTED;
			tfmt(cell->note, sizeof(cell->note), "%s", why);
			tfmt(cell->repro, sizeof(cell->repro), repro_fmt, e.name);
			seen[c] = true;
			continue;
		}
		if (conf__parse_exc(line, &e) || (c = conf__find_check(m->cat, e.name)) < 0 ||
		    m->cat->checks[c].kind != CONF_EXC)
			continue;
		judge_cell(m, (unsigned)c, col, &e, repro_fmt, trace);
		seen[c] = true;
	}
	fclose(f);
	return done;
}

/* The case in flight when a run stopped early: HANG or ERROR, with where */
static void stopped_in(const struct target *t, const struct target_env *env, struct conf_matrix *m,
		       unsigned col, unsigned flight, const struct spawn_result *res, const char *log,
		       const char *trace, const char *repro_fmt)
{
	struct conf_cell *cell = conf__cell(m, flight, col);
	bool hang = res->timed_out || (t->kind == TARGET_KVM && res->status == 6);
	char last[200];

	target__last_line(log, hang ? "  rip " : NULL, last, sizeof(last));
	cell->status = hang ? CONF_HANG : CONF_ERROR;
	if (hang)
		tfmt(cell->note, sizeof(cell->note), "the watchdog (%.1f s) stopped the run in "
			 "this case%s%s", env->timeout_s, last[0] ? ": " : "", last);
	else
		tfmt(cell->note, sizeof(cell->note), "the run ended (status %d) in this case%s%s",
			 res->status, last[0] ? ": " : "", last);
	tfmt(cell->repro, sizeof(cell->repro), repro_fmt, m->cat->checks[flight].name);
	tfmt(cell->trace, sizeof(cell->trace), "%s", t->kind == TARGET_KVM ? trace : log);
}

/* Did the guest say "selftest: NAME: shutdown expected" in @log? */
static bool shutdown_announced(const char *log, const char *name)
{
	FILE *f = fopen(log, "r");
	char line[512], who[CONF_NAME_MAX];
	bool yes = false;
	int obs;

	if (!f)
		return false;
	while (!yes && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = 0;
		yes = conf__parse_shutdown(line, who, sizeof(who), &obs) == 1 && !strcmp(who, name);
	}
	fclose(f);
	return yes;
}

/*
 * Whether a run ended in the guest's shutdown (a triple fault), as the target
 * tells it: vmm run's status 4 (KVM_EXIT_SHUTDOWN); QEMU with -no-reboot
 * exits 0 on a shutdown, where the guest's own end (isa-debug-exit) is odd.
 * A libvirt domain is gone whatever ended QEMU: -1, it can't tell.
 */
static int ended_in_shutdown(const struct target *t, const struct spawn_result *res)
{
	if (res->timed_out)
		return 0;
	switch (t->kind) {
	case TARGET_KVM:
		return res->status == 4;
	case TARGET_QEMU:
		return res->status == 0;
	case TARGET_LIBVIRT:
		return -1;
	case TARGET_MODEL:
	case TARGET_NESTED:
		break;
	}
	return 0;
}

/*
 * A case whose outcome ends the run (a shutdown), alone: only=NAME. The guest
 * says so right before its trigger; a run that then ends in a shutdown is
 * the outcome the model expects, observed. One that goes on says what it
 * saw instead (target__read_cases judges that line).
 */
static void run_alone(const struct target *t, const struct target_env *env, struct conf_matrix *m,
		      unsigned col, case_run_fn run, const char *repro_fmt, const char *fname,
		      unsigned c, bool *seen)
{
	const struct conf_check *ck = &m->cat->checks[c];
	struct conf_cell *cell = conf__cell(m, c, col);
	char log[CONF_PATH_MAX], trace[CONF_PATH_MAX], note[CONF_TEXT_MAX], cname[CONF_NAME_MAX];
	struct spawn_result res;
	struct conf_exc e;
	int shut;

	target__file_name(ck->name, cname, sizeof(cname));
	tfmt(log, sizeof(log), "%s/cases.%s.%s.log", env->out, fname, cname);
	tfmt(trace, sizeof(trace), "%s/cases.%s.%s.itr", env->out, fname, cname);
	unlink(log);
	if (run(t, env, ck->case_name, log, trace, &res, note, sizeof(note))) {
		cell->status = CONF_ERROR;
		tfmt(cell->note, sizeof(cell->note), "%s", note);
		return;
	}
	if (env->progress)
		env->progress(env->opaque, t->name, ck->name);
	target__read_cases(log, m, col, repro_fmt, t->kind == TARGET_KVM ? trace : NULL, seen);
	if (seen[c])
		return;		/* its unsupported line, or what it saw instead of a shutdown */
	seen[c] = true;
	shut = ended_in_shutdown(t, &res);
	if (!shutdown_announced(log, ck->case_name) || !shut) {
		stopped_in(t, env, m, col, c, &res, log, trace, repro_fmt);
		return;
	}
	memset(cell, 0, sizeof(*cell));
	tfmt(cell->repro, sizeof(cell->repro), repro_fmt, ck->case_name);
	if (shut < 0) {
		cell->status = CONF_UNSUPPORTED;
		tfmt(cell->note, sizeof(cell->note), "the guest expected a shutdown and the domain "
			 "ended, but a transient libvirt domain is gone whatever ended QEMU: a shutdown "
			 "can't be told from another end");
		return;
	}
	conf__shutdown_exc(ck->name, CONF_MODEL_SHUTDOWN, &e);
	conf__judge_exc(&e, cell, m->targets[col]);
	tfmt(cell->trace, sizeof(cell->trace), "%s", t->kind == TARGET_KVM ? trace : log);
}

void target__run_cases(const struct target *t, const struct target_env *env, struct conf_matrix *m,
		       unsigned col, case_run_fn run, const char *repro_fmt)
{
	const struct conf_catalogue *cat = m->cat;
	bool *seen = calloc(cat->n ? cat->n : 1, sizeof(*seen));
	unsigned wanted = 0, all = conf__nr_plain_cases();
	char fname[CONF_NAME_MAX];

	if (!seen)
		return;
	for (unsigned c = 0; c < cat->n; c++)
		wanted += cat->checks[c].kind == CONF_EXC && !cat->checks[c].alone;
	target__file_name(t->name, fname, sizeof(fname));
	/* a run that stops early is run again from the case after the one in flight */
	for (unsigned attempt = 0; attempt <= wanted; attempt++) {
		char only[2048] = "", log[CONF_PATH_MAX], trace[CONF_PATH_MAX], note[CONF_TEXT_MAX];
		unsigned left = 0;
		struct spawn_result res;
		bool complete;
		int flight = -1;

		for (unsigned c = 0; c < cat->n; c++) {
			size_t len = strlen(only);

			if (cat->checks[c].kind != CONF_EXC || cat->checks[c].alone || seen[c])
				continue;
			left++;
			tfmt(only + len, sizeof(only) - len, "%s%s", len ? "," : "", cat->checks[c].name);
		}
		if (!left)
			break;
		tfmt(log, sizeof(log), "%s/cases.%s.%u.log", env->out, fname, attempt);
		tfmt(trace, sizeof(trace), "%s/cases.%s.%u.itr", env->out, fname, attempt);
		unlink(log);
		if (run(t, env, left == all ? NULL : only, log, trace, &res, note, sizeof(note))) {
			target__fill(m, col, CONF_EXC, CONF_ERROR, note);
			break;
		}
		if (env->progress)
			env->progress(env->opaque, t->name, "cases");
		complete = target__read_cases(log, m, col, repro_fmt, t->kind == TARGET_KVM ? trace : NULL, seen);
		if (complete && !res.timed_out)
			break;
		for (unsigned c = 0; c < cat->n && flight < 0; c++)
			if (cat->checks[c].kind == CONF_EXC && !cat->checks[c].alone && !seen[c])
				flight = (int)c;
		if (flight < 0)
			break;
		stopped_in(t, env, m, col, (unsigned)flight, &res, log, trace, repro_fmt);
		seen[flight] = true;
	}
	for (unsigned c = 0; c < cat->n; c++)
		if (cat->checks[c].kind == CONF_EXC && cat->checks[c].alone && !seen[c])
			run_alone(t, env, m, col, run, repro_fmt, fname, c, seen);
	free(seen);
}

void target__run(const struct target *t, const struct target_env *env, struct conf_matrix *m,
		 unsigned col)
{
	if (!t->available) {
		for (unsigned c = 0; c < m->cat->n; c++) {
			struct conf_cell *cell = conf__cell(m, c, col);

			cell->status = CONF_UNSUPPORTED;
			tfmt(cell->note, sizeof(cell->note), "target not available: %s", t->why);
		}
		return;
	}
	switch (t->kind) {
	case TARGET_KVM:
		target_kvm__run(t, env, m, col);
		break;
	case TARGET_QEMU:
		target_qemu__run(t, env, m, col);
		break;
	case TARGET_LIBVIRT:
		target_libvirt__run(t, env, m, col);
		break;
	case TARGET_MODEL:
		target_model__run(t, env, m, col);
		break;
	case TARGET_NESTED:
		target__run_nested(t, &col, 1, env, m);
		break;
	}
}

void target__run_tcg_rest(const struct target *t, const struct target_env *env,
			  struct conf_matrix *m, unsigned col, sweep_run_fn sweep,
			  scenario_run_fn scenario)
{
	for (unsigned c = 0; c < m->cat->n; c++)
		if (m->cat->checks[c].kind == CONF_SWEEP) {
			sweep(t, env, m, col);
			break;
		}
	for (unsigned c = 0; c < m->cat->n; c++) {
		struct conf_cell *cell = conf__cell(m, c, col);

		if (m->cat->checks[c].kind == CONF_EMULATION) {
			cell->status = CONF_UNSUPPORTED;
			tfmt(cell->note, sizeof(cell->note), "TCG has no KVM tracepoints to read");
		} else if (m->cat->checks[c].kind == CONF_HOST) {
			cell->status = CONF_UNSUPPORTED;
			tfmt(cell->note, sizeof(cell->note), "%s", TARGET_NO_HOST_STEP);
		} else if (m->cat->checks[c].kind == CONF_SCENARIO) {
			scenario(t, env, m, col, c);
		}
	}
}
