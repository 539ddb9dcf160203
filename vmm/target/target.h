/* SPDX-License-Identifier: MIT */
/*
 * Conformance targets: where the catalogue's checks run. Each target runs
 * the guest as a separate program (./vmm, QEMU, a nested Linux running
 * ./vmm), so a hang or a crash is one cell of the report, never the end
 * of it, and fills its column of the matrix.
 */
#ifndef VMM_TARGET_H
#define VMM_TARGET_H

#include <stdbool.h>
#include "conform/conform.h"

enum target_kind {
	TARGET_KVM,		/* this host's KVM through ./vmm, one irqchip mode */
	TARGET_QEMU,		/* QEMU TCG, -M microvm */
	TARGET_NESTED,		/* kvm_amd nested in QEMU TCG, running ./vmm conformance itself */
	TARGET_LIBVIRT,		/* QEMU TCG again, as a transient domain of libvirtd (qemu:///system) */
	TARGET_MODEL,		/* no run: the architecture's expectation (conform/model.c) */
};

struct target {
	char name[CONF_NAME_MAX];	/* the column: "kvm/user", "qemu-tcg", "kvm/user@vmm-x" */
	enum target_kind kind;
	char mode[8];			/* kvm, nested: the irqchip mode */
	char vmm[CONF_PATH_MAX];	/* kvm: the vmm that runs it (another build, for @PATH) */
	bool available;
	char why[CONF_TEXT_MAX];	/* when not available */
};

struct target_env {
	const char *self;		/* this vmm, for kvm targets without @PATH */
	const char *kernel;		/* guest.elf */
	const char *configs;		/* the scenario configs directory */
	const char *scripts;		/* scripts/ of the source tree (nested) */
	const char *nested_work;	/* where the nested kernel is fetched and unpacked */
	const char *out;		/* traces and logs go here */
	const char *filter;		/* --filter, passed on to a nested run */
	double timeout_s;		/* each guest run's watchdog */
	/* called after each run a target makes, for the progress line */
	void (*progress)(void *opaque, const char *target, const char *what);
	void *opaque;
};

/*
 * Expand one --targets item into @out (kvm: its three modes; nested-kvm-amd:
 * its three): the number added, or -1 with @err on an unknown name.
 */
int target__parse(const char *spec, struct target *out, unsigned max, char *err, size_t errlen);
/* Whether @t can run here; @t->why says why not. */
void target__probe(struct target *t, const struct target_env *env);
/* Run every check of @m's catalogue on @t, filling column @col. */
void target__run(const struct target *t, const struct target_env *env, struct conf_matrix *m,
		 unsigned col);
/*
 * Several targets that share one run (the nested ones: one boot for all
 * three modes). @cols[i] is the column of @t[i].
 */
void target__run_nested(const struct target *t, const unsigned *cols, unsigned n,
			const struct target_env *env, struct conf_matrix *m);

/* ---- shared by the target files ---- */

/* Mark every cell of column @col with no verdict yet as @st with @note. */
void target__fill(struct conf_matrix *m, unsigned col, enum conf_kind kind, enum conf_status st,
		  const char *note);
/* A file name from a target or check name: "kvm/user" -> "kvm-user", "#DE" -> "DE". */
void target__file_name(const char *name, char *out, size_t n);
/* The last line of @path that contains @needle (NULL: the last line), for notes. */
void target__last_line(const char *path, const char *needle, char *out, size_t n);
/*
 * The guest's result lines in @log: each parsed "exc" line judged into its
 * check's cell of column @col (with @repro_fmt's "%s" as the case name, and
 * @trace); returns whether the table's end ("selftest done=1" or the guest's
 * "selftest:" summary) was seen.
 */
bool target__read_cases(const char *log, struct conf_matrix *m, unsigned col, const char *repro_fmt,
			const char *trace, bool *seen);

#endif
