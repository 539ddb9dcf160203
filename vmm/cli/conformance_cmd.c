// SPDX-License-Identifier: MIT
/*
 * `vmm conformance`: the catalogue of checks (vmm/conform/) on every target
 * (vmm/target/), a matrix of verdicts, each divergence named by its ID with
 * the fields that differ and a command that shows it again.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lib/clock.h"
#include "lib/opt.h"
#include "lib/spawn.h"
#include "conform/conform.h"
#include "target/target.h"
#include "vm/vm.h"
#include "runopt.h"
#include "conformance_cmd.h"

#define MAX_TARGETS	16

enum {
	OPT_HELP = 'h', OPT_TARGETS = 0x200, OPT_FILTER, OPT_EXPECT, OPT_JSON, OPT_HTML, OPT_LINES,
	OPT_MARKDOWN, OPT_CONFIGS, OPT_SCRIPTS, OPT_OUT, OPT_TIMEOUT, OPT_QUIET, OPT_LIST,
};

static const struct option options[] = {
	{ "targets", required_argument, NULL, OPT_TARGETS },
	{ "filter", required_argument, NULL, OPT_FILTER },
	{ "expect", required_argument, NULL, OPT_EXPECT },
	{ "json", required_argument, NULL, OPT_JSON },
	{ "html", required_argument, NULL, OPT_HTML },
	{ "lines", no_argument, NULL, OPT_LINES },
	{ "markdown", no_argument, NULL, OPT_MARKDOWN },
	{ "list", no_argument, NULL, OPT_LIST },
	{ "configs", required_argument, NULL, OPT_CONFIGS },
	{ "scripts", required_argument, NULL, OPT_SCRIPTS },
	{ "out", required_argument, NULL, OPT_OUT },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vmm conformance [options] [KERNEL]\n"
		"\n"
		"Runs a catalogue of checks, each a guest program with an architectural\n"
		"expectation (exception and software-interrupt delivery at CPL0 and CPL3, I/O\n"
		"and privilege, MSRs, IRET, interrupt shadows, KVM's emulation reports, every\n"
		"scenario config), on every target, and prints a matrix: PASS, DIV ID (a\n"
		"divergence, named by its docs/DIVERGENCES.md ID, or \"new\"), HANG, n/a (the\n"
		"target can't; the reason is printed) or ERROR. Each finding is listed with the\n"
		"fields that differ, a command that reproduces it, and its trace.\n"
		"KERNEL defaults to guest.elf beside this vmm.\n"
		"\n"
		"  --targets=LIST     kvm (its three irqchip modes), kvm/MODE, kvm[/MODE]@VMM (the\n"
		"                     same on another vmm build: compare two builds), qemu-tcg,\n"
		"                     libvirt (QEMU TCG as a transient libvirtd domain),\n"
		"                     nested-kvm-amd[/MODE] (kvm_amd nested in QEMU TCG: minutes),\n"
		"                     model (no run: what the architecture expects of each check,\n"
		"                     the column every finding is read against), all (every one\n"
		"                     of them); default model,kvm,qemu-tcg. A target that is not\n"
		"                     available here shows n/a with the reason\n"
		"  --filter=TEXT,...  only the checks whose name contains one of the TEXTs\n"
		"  --expect=IDS|known  divergences with these IDs (PVM-2,QEMU-1) or every known\n"
		"                     ID do not fail the run\n"
		"  --json=FILE        the matrix and every finding as JSON\n"
		"  --html=FILE        a self-contained HTML report\n"
		"  --lines            one tab-separated \"conf\" line per cell on stdout, no matrix,\n"
		"                     then a \"form\" line per sweep form, target and outcome\n"
		"  --list             list the checks and exit\n"
		"  --markdown         print the divergence-ID table of docs/DIVERGENCES.md and exit\n"
		"  --configs=DIR      the scenario configs (default: configs/ of the source tree)\n"
		"  --scripts=DIR      the source tree's scripts/, for nested-kvm-amd\n"
		"  --out=DIR          traces and logs (default conformance.out, created)\n"
		"  --timeout=SECONDS  each guest run's watchdog (default 10)\n"
		"  --quiet            no progress line\n"
		"  --help             this text\n"
		"\n"
		"exit status: 0 nothing diverged beyond --expect, no hang, no error; 1 otherwise;\n"
		"2 bad usage or input (one line on stderr); 10 interrupted (SIGINT, SIGTERM,\n"
		"SIGHUP): the run in flight is stopped with what it started, the cells that ran\n"
		"are reported, the others NOT-RUN, the result INCOMPLETE.\n");
}

static int bad(const char *msg)
{
	fprintf(stderr, "vmm conformance: %s\n", msg);
	return 2;
}

struct progress {
	struct conf_matrix *m;
	bool on;
	uint64_t t0;
};

static void progress(void *opaque, const char *target, const char *what)
{
	struct progress *p = opaque;
	unsigned done = 0, total = p->m->cat->n * p->m->ntargets, div = 0;

	if (!p->on)
		return;
	for (unsigned c = 0; c < p->m->cat->n; c++)
		for (unsigned t = 0; t < p->m->ntargets; t++) {
			const struct conf_cell *cell = conf__cell_c(p->m, c, t);

			done += cell->status != CONF_NOT_RUN;
			div += cell->status == CONF_DIVERGENCE;
		}
	fprintf(stderr, "\r\033[Kconformance: %u/%u cells, %u divergences, %.1f s: %s %s", done, total,
		div, (double)(clock__now_ns() - p->t0) / 1e9, target, what);
}

static void on_stop_signal(int sig)
{
	spawn__interrupt(sig);
}

/* ^C, SIGTERM, SIGHUP: the run in flight is killed with its group, no other starts, the report comes */
static void catch_stop_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa = { .sa_handler = on_stop_signal };

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

/* after a stop: the cells it cut or refused are NOT-RUN (not the target's ERROR); how many are */
static unsigned unrun_interrupted(struct conf_matrix *m)
{
	const char *note = spawn__interrupt_note();
	unsigned n = 0;

	for (unsigned c = 0; c < m->cat->n; c++)
		for (unsigned t = 0; t < m->ntargets; t++) {
			struct conf_cell *cell = conf__cell(m, c, t);

			if (cell->status == CONF_ERROR && !strcmp(cell->note, note))
				cell->status = CONF_NOT_RUN;
			if (cell->status == CONF_NOT_RUN) {
				snprintf(cell->note, sizeof(cell->note), "%s", note);
				n++;
			}
		}
	return n;
}

/* this vmm, its directory, and the source tree above it (build/vmm -> build, .) */
static void self_paths(char *self, char *dir, char *tree)
{
	ssize_t len = readlink("/proc/self/exe", self, PATH_MAX - 1);
	char up[PATH_MAX + 4], *slash;

	if (len <= 0) {
		strcpy(self, "vmm");
		strcpy(dir, ".");
		strcpy(tree, "..");
		return;
	}
	self[len] = 0;
	strcpy(dir, self);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	snprintf(up, sizeof(up), "%s/..", dir);
	/* reproducers name real paths: build/../configs reads as configs */
	if (!realpath(up, tree))
		snprintf(tree, PATH_MAX, "%.*s", PATH_MAX - 1, up);
}

/*
 * KERNEL and the configs when not given: guest.elf beside this vmm and the
 * source tree's configs/ (a build), else the installed ones (make install):
 * ../share/vmm/guest.elf and ../share/vmm/configs/ from it.
 */
static void default_kernel(const char *dir, char *tree, char *kernel, size_t n)
{
	char share[PATH_MAX + 32];

	snprintf(kernel, n, "%s/guest.elf", dir);
	snprintf(share, sizeof(share), "%s/../share/vmm/guest.elf", dir);
	if (access(kernel, F_OK) == 0 || access(share, F_OK) < 0)
		return;
	snprintf(share, sizeof(share), "%s/../share/vmm", dir);
	if (!realpath(share, tree))
		snprintf(tree, PATH_MAX, "%.*s", PATH_MAX - 1, share);
	snprintf(kernel, n, "%s/guest.elf", tree);
}

static int write_report(const char *path, void (*fn)(const struct conf_matrix *, const char *, FILE *),
			const struct conf_matrix *m, const char *expect)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fn(m, expect, f);
	return ferror(f) | fclose(f) ? -1 : 0;
}

int conformance_cmd__main(int argc, char **argv)
{
	static struct target targets[MAX_TARGETS];
	static const char *names[MAX_TARGETS];
	static char self[PATH_MAX], dir[PATH_MAX], tree[PATH_MAX], kernel[PATH_MAX + 16];
	static char configs[PATH_MAX + 16];
	static char scripts[PATH_MAX + 16], nested_work[PATH_MAX + 16];
	const char *target_list = "model,kvm,qemu-tcg", *filter = NULL, *expect = NULL, *json = NULL;
	const char *html = NULL, *out = "conformance.out", *configs_opt = NULL, *scripts_opt = NULL;
	bool lines = false, quiet = false, list = false;
	double timeout_s = 10;
	struct conf_catalogue cat;
	struct conf_matrix m;
	struct conf_totals tot;
	unsigned unrun = 0;
	struct target_env env;
	struct progress prog;
	unsigned nt = 0;
	char err[400];
	int o;

	optind = 1;
	opterr = 0;
	while ((o = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
		switch (o) {
		case OPT_TARGETS: target_list = optarg; break;
		case OPT_FILTER: filter = optarg; break;
		case OPT_EXPECT: expect = optarg; break;
		case OPT_JSON: json = optarg; break;
		case OPT_HTML: html = optarg; break;
		case OPT_LINES: lines = true; break;
		case OPT_LIST: list = true; break;
		case OPT_MARKDOWN:
			conf__write_markdown(stdout);
			return 0;
		case OPT_CONFIGS: configs_opt = optarg; break;
		case OPT_SCRIPTS: scripts_opt = optarg; break;
		case OPT_OUT: out = optarg; break;
		case OPT_TIMEOUT:
			if (opt__seconds(optarg, 3600, &timeout_s) < 0 || timeout_s <= 0)
				return bad("--timeout: not a number of seconds (0..3600]");
			break;
		case OPT_QUIET: quiet = true; break;
		case OPT_HELP: usage(stdout); return 0;
		default:
			opt__getopt_error(o, argv, options, err, sizeof(err));
			return bad(err);
		}
	}
	if (optind < argc - 1)
		return bad("more than one KERNEL given");
	/* the traces, logs and reproducers are built under these: keep them whole */
	{
		const struct { const char *opt, *v; } paths[] = {
			{ "--out", out }, { "--configs", configs_opt }, { "--scripts", scripts_opt },
			{ "KERNEL", optind < argc ? argv[optind] : NULL },
		};

		for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
			if (paths[i].v && strlen(paths[i].v) > CONF_PATH_MAX / 2) {
				snprintf(err, sizeof(err), "%s: the path is longer than %d bytes",
					 paths[i].opt, CONF_PATH_MAX / 2);
				return bad(err);
			}
	}
	self_paths(self, dir, tree);
	if (optind < argc)
		snprintf(kernel, sizeof(kernel), "%s", argv[optind]);
	else
		default_kernel(dir, tree, kernel, sizeof(kernel));
	snprintf(configs, sizeof(configs), "%s", configs_opt ? configs_opt : "");
	if (!configs_opt)
		snprintf(configs, sizeof(configs), "%s/configs", tree);
	snprintf(scripts, sizeof(scripts), "%s", scripts_opt ? scripts_opt : "");
	if (!scripts_opt)
		snprintf(scripts, sizeof(scripts), "%s/scripts", tree);
	snprintf(nested_work, sizeof(nested_work), "%s/nested", dir);

	if (!strcmp(target_list, "all"))
		target_list = "model,kvm,qemu-tcg,libvirt,nested-kvm-amd";
	for (const char *p = target_list; *p; ) {
		size_t len = strcspn(p, ",");
		char spec[PATH_MAX];
		int n;

		if (!len || len >= sizeof(spec))
			return bad("--targets: an empty or overlong item");
		memcpy(spec, p, len);
		spec[len] = 0;
		n = target__parse(spec, targets + nt, MAX_TARGETS - nt, err, sizeof(err));
		if (n < 0)
			return bad(err);
		nt += (unsigned)n;
		p += len + (p[len] == ',');
	}
	for (unsigned i = 0; i < nt; i++) {
		for (unsigned j = 0; j < i; j++)
			if (!strcmp(targets[i].name, targets[j].name)) {
				snprintf(err, sizeof(err), "--targets: %.80s is named twice", targets[i].name);
				return bad(err);
			}
		names[i] = targets[i].name;
	}
	if (access(kernel, R_OK)) {
		snprintf(err, sizeof(err), "%.300s: %s", kernel, strerror(errno));
		return bad(err);
	}
	if (conf__catalogue(&cat, configs, filter, err, sizeof(err)) < 0)
		return bad(err);
	if (list) {
		for (unsigned c = 0; c < cat.n; c++)
			printf("%-22s %-20s %s\n", cat.checks[c].name, cat.checks[c].group, cat.checks[c].what);
		conf__catalogue_free(&cat);
		return 0;
	}
	if (!cat.n) {
		conf__catalogue_free(&cat);
		return bad("--filter: no check's name contains it (see --list)");
	}
	if (mkdir(out, 0755) < 0 && errno != EEXIST) {
		snprintf(err, sizeof(err), "--out=%s: %s", out, strerror(errno));
		conf__catalogue_free(&cat);
		return bad(err);
	}
	if (conf__matrix_init(&m, &cat, names, nt) < 0) {
		conf__catalogue_free(&cat);
		return bad("out of memory");
	}
	prog = (struct progress){ .m = &m, .on = !quiet && !lines && isatty(STDERR_FILENO),
				  .t0 = clock__now_ns() };
	env = (struct target_env){ .self = self, .kernel = kernel, .configs = configs,
				   .scripts = scripts, .nested_work = nested_work, .out = out,
				   .filter = filter, .timeout_s = timeout_s, .progress = progress,
				   .opaque = &prog };
	catch_stop_signals();
	for (unsigned i = 0; i < nt; i++)
		target__probe(&targets[i], &env);
	/* the nested targets share one boot; the others run one by one */
	{
		unsigned cols[MAX_TARGETS], nn = 0;

		for (unsigned i = 0; i < nt && !spawn__interrupted(); i++) {
			if (targets[i].kind == TARGET_NESTED)
				cols[nn++] = i;
			else
				target__run(&targets[i], &env, &m, i);
		}
		if (nn && !spawn__interrupted()) {
			struct target nested[MAX_TARGETS];

			for (unsigned i = 0; i < nn; i++)
				nested[i] = targets[cols[i]];
			target__run_nested(nested, cols, nn, &env, &m);
		}
	}
	m.wall_s = (double)(clock__now_ns() - prog.t0) / 1e9;
	if (prog.on)
		fprintf(stderr, "\r\033[K");
	if (spawn__interrupted())
		unrun = unrun_interrupted(&m);
	if (lines)
		conf__write_lines(&m, stdout);
	else
		conf__report_text(&m, expect, stdout);
	if (json && write_report(json, conf__report_json, &m, expect) < 0)
		fprintf(stderr, "vmm conformance: --json=%s: %s\n", json, strerror(errno));
	if (html && write_report(html, conf__report_html, &m, expect) < 0)
		fprintf(stderr, "vmm conformance: --html=%s: %s\n", html, strerror(errno));
	conf__totals(&m, expect, &tot);
	if (spawn__interrupted())
		fprintf(stderr, "vmm conformance: %s after %.1f s: %u of %u cells not run; the report "
			"is of those that ran\n", spawn__interrupt_note(), m.wall_s, unrun,
			cat.n * m.ntargets);
	conf__matrix_free(&m);
	conf__catalogue_free(&cat);
	return spawn__interrupted() ? VMM_INTERRUPTED : tot.unexpected ? 1 : 0;
}
