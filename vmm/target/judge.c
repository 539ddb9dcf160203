// SPDX-License-Identifier: MIT
/*
 * A scenario on a target with no VMM of ours (QEMU, libvirt): what can run
 * there, and the verdict `vmm judge` gives on the event lines the guest
 * printed to its console.
 */
#include <string.h>
#include <unistd.h>
#include "target_priv.h"

bool target__ran(const struct target *t, const struct target_env *env, const struct conf_check *ck,
		 int rc, const char *err, const struct spawn_result *res, const char *what,
		 double limit_s, const char *log, struct conf_cell *cell)
{
	char line[256];

	if (rc) {
		cell->status = CONF_ERROR;
		tfmt(cell->note, sizeof(cell->note), "%s", err);
		return false;
	}
	if (env->progress)
		env->progress(env->opaque, t->name, ck->name);
	if (!res->timed_out)
		return true;
	cell->status = CONF_HANG;
	target__last_line(log, NULL, line, sizeof(line));
	tfmt(cell->note, sizeof(cell->note), "%s did not end within %.0f s%s; its last line: %s", what,
	     limit_s, res->unreaped ? " (nor after SIGKILL: stuck in the kernel)" : "",
	     line);
	return false;
}

bool target__scenario_unsupported(const struct conf_check *ck, struct conf_cell *cell)
{
	if (ck->needs_host_injection)
		tfmt(cell->note, sizeof(cell->note), "it needs the VMM's injections at sync points, "
		     "and QEMU has no hypercall port");
	else if (ck->vcpus > 1)
		tfmt(cell->note, sizeof(cell->note), "the guest's second vCPU reports through the VMM");
	else
		return false;
	cell->status = CONF_UNSUPPORTED;
	return true;
}

void target__judge_console(const struct target_env *env, const struct conf_check *ck,
			   const char *log, struct conf_cell *cell)
{
	char sc[CONF_PATH_MAX + 16], judged[CONF_PATH_MAX + 8], err[CONF_TEXT_MAX], line[256];
	char obs[sizeof(cell->observed)];
	char *argv[] = { (char *)env->self, "judge", sc, (char *)log, NULL };
	struct spawn_result res;

	tfmt(sc, sizeof(sc), "--scenario=%s", ck->path);
	tfmt(judged, sizeof(judged), "%s.judged", log);
	unlink(judged);
	if (spawn__run(argv, judged, 30, &res, err, sizeof(err))) {
		cell->status = CONF_ERROR;
		tfmt(cell->note, sizeof(cell->note), "%s", err);
		return;
	}
	if (res.status == 0) {
		cell->status = CONF_PASS;
		return;
	}
	if (res.status != 1) {
		cell->status = CONF_ERROR;
		target__last_line(judged, NULL, line, sizeof(line));
		tfmt(cell->note, sizeof(cell->note), "vmm judge: %s", line);
		return;
	}
	target__last_line(judged, "FAIL", line, sizeof(line));
	tfmt(obs, sizeof(obs), "failing: %s", line + strspn(line, " "));
	target__checks_failed(ck, judged, obs, cell);
	if (cell->status == CONF_DIVERGENCE)
		tfmt(cell->trace, sizeof(cell->trace), "%s", log);
}

void target__checks_failed(const struct conf_check *ck, const char *log, const char *observed,
			   struct conf_cell *cell)
{
	if (conf__lacks_feature(ck->case_name, log, cell->note, sizeof(cell->note))) {
		cell->status = CONF_UNSUPPORTED;
		return;
	}
	cell->status = CONF_DIVERGENCE;
	cell->note[0] = 0;
	tfmt(cell->id, sizeof(cell->id), "new");
	tfmt(cell->expected, sizeof(cell->expected), "every check of the config passes");
	tfmt(cell->observed, sizeof(cell->observed), "%s", observed);
}
