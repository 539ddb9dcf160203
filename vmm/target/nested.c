// SPDX-License-Identifier: MIT
/*
 * The nested-kvm-amd targets: a second, real KVM (kvm_amd, nested SVM) in
 * a Linux booted under QEMU TCG, the machinery of 80-nested-kvm.t. One boot
 * serves all three modes: inside it this vmm runs `vmm conformance
 * --targets=kvm --lines`, and its result lines fill the nested columns.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "target_priv.h"

#define NESTED_LIMIT_S	1200	/* a whole catalogue under TCG, three modes */

/* @s in single quotes for sh */
static void sh_quote(const char *s, char *out, size_t n)
{
	size_t j = 0;

	if (n < 3)
		return;
	out[j++] = '\'';
	for (; *s && j + 6 < n; s++) {
		if (*s == '\'') {
			memcpy(out + j, "'\\''", 4);
			j += 4;
		} else {
			out[j++] = *s;
		}
	}
	out[j++] = '\'';
	out[j] = 0;
}

static void fail_all(const unsigned *cols, unsigned n, struct conf_matrix *m, enum conf_status st,
		     const char *note)
{
	for (unsigned i = 0; i < n; i++)
		for (unsigned c = 0; c < m->cat->n; c++) {
			struct conf_cell *cell = conf__cell(m, c, cols[i]);

			if (cell->status != CONF_NOT_RUN)
				continue;
			cell->status = st;
			tfmt(cell->note, sizeof(cell->note), "%s", note);
		}
}

void target__run_nested(const struct target *t, const unsigned *cols, unsigned n,
			const struct target_env *env, struct conf_matrix *m)
{
	char root[CONF_PATH_MAX], log[CONF_PATH_MAX], cpio[CONF_PATH_MAX], note[CONF_TEXT_MAX];
	char cmd[1600], script[4096], targets[64] = "", filter[200] = "", q[1700], line[4096];
	char self[CONF_PATH_MAX], kernel[CONF_PATH_MAX];
	struct spawn_result res;
	FILE *f;

	if (!n)
		return;
	if (!t[0].available) {
		tfmt(note, sizeof(note), "target not available: %s", t[0].why);
		fail_all(cols, n, m, CONF_UNSUPPORTED, note);
		return;
	}
	tfmt(root, sizeof(root), "%s/..", env->scripts);
	tfmt(log, sizeof(log), "%s/nested.log", env->out);
	tfmt(cpio, sizeof(cpio), "%s/nested.cpio.gz", env->out);
	if (!realpath(env->self, self) || !realpath(env->kernel, kernel)) {
		fail_all(cols, n, m, CONF_ERROR, "cannot resolve the vmm or kernel path");
		return;
	}
	unlink(log);
	for (unsigned i = 0; i < n; i++) {
		size_t len = strlen(targets);

		tfmt(targets + len, sizeof(targets) - len, "%skvm/%s", i ? "," : "", t[i].mode);
	}
	if (env->filter) {
		char fq[160];

		sh_quote(env->filter, fq, sizeof(fq));
		tfmt(filter, sizeof(filter), " --filter=%s", fq);
	}
	tfmt(cmd, sizeof(cmd), "./vmm conformance --quiet --lines --targets=%s --configs=configs "
		 "--out=/tmp/conformance --timeout=%g%s guest.elf >/tmp/c.out 2>&1; "
		 "grep -aE '^(conf|form)\t' /tmp/c.out; tail -3 /tmp/c.out", targets, env->timeout_s * 3, filter);
	sh_quote(cmd, q, sizeof(q));
	/* fetch (cached), pack the initramfs from the source tree, boot it */
	tfmt(script, sizeof(script), "cd %s && scripts/nested-fetch.sh %s && "
		 "scripts/nested-initramfs.sh %s %s %s %s %s && "
		 "exec qemu-system-x86_64 -accel tcg -cpu EPYC -m 1024 -smp 1 -kernel $(ls %s/k/boot/vmlinuz-* | head -1) "
		 "-initrd %s -append 'console=ttyS0 panic=-1 quiet' -nographic -no-reboot",
		 root, env->nested_work, env->nested_work, self, kernel, cpio, q, env->nested_work, cpio);
	{
		char *argv[] = { "sh", "-c", script, NULL };

		if (spawn__run(argv, log, NESTED_LIMIT_S, &res, note, sizeof(note))) {
			fail_all(cols, n, m, CONF_ERROR, note);
			return;
		}
	}
	for (unsigned i = 0; i < n && env->progress; i++)
		env->progress(env->opaque, t[i].name, "nested run");
	f = fopen(log, "r");
	while (f && fgets(line, sizeof(line), f)) {
		char check[CONF_NAME_MAX], target[CONF_NAME_MAX];
		struct conf_cell cell;
		const char *rest;
		int c;

		line[strcspn(line, "\r\n")] = 0;
		/* a sweep form's outcome inside: into the comparison across targets */
		if ((rest = conf__parse_form_line(line, target, sizeof(target))) && !strncmp(target, "kvm/", 4)) {
			for (unsigned i = 0; i < n; i++)
				if (!strcmp(target + 4, t[i].mode))
					conf__forms_read_line(m, cols[i], rest);
			continue;
		}
		if (conf__parse_line(line, check, sizeof(check), target, sizeof(target), &cell) != 1 ||
		    (c = conf__find_check(m->cat, check)) < 0 || strncmp(target, "kvm/", 4))
			continue;
		for (unsigned i = 0; i < n; i++) {
			if (strcmp(target + 4, t[i].mode))
				continue;
			/* its traces stayed in the nested machine */
			cell.trace[0] = 0;
			tfmt(cell.repro, sizeof(cell.repro), "%s conformance --targets=%s --filter='%s'",
				 env->self, t[i].name, check);
			*conf__cell(m, (unsigned)c, cols[i]) = cell;
		}
	}
	if (f)
		fclose(f);
	target__last_line(log, "nested: begin", line, sizeof(line));
	if (!line[0] && !res.timed_out) {
		/* it never booted: no kernel to fetch, or no initramfs */
		target__last_line(log, NULL, line, sizeof(line));
		tfmt(note, sizeof(note), "the nested machine could not be set up: %.180s", line);
		fail_all(cols, n, m, CONF_UNSUPPORTED, note);
		return;
	}
	if (res.timed_out)
		tfmt(note, sizeof(note), "the nested run did not end within %d s (%s)", NESTED_LIMIT_S, log);
	else {
		target__last_line(log, "nested:", line, sizeof(line));
		if (!line[0])
			target__last_line(log, NULL, line, sizeof(line));
		tfmt(note, sizeof(note), "the nested run did not report it (status %d): %.150s (%s)",
			 res.status, line, log);
	}
	fail_all(cols, n, m, res.timed_out ? CONF_HANG : CONF_ERROR, note);
}
