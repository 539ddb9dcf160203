// SPDX-License-Identifier: MIT
/*
 * `vmm storm`: rounds of seeded injections into the guest's storm program,
 * each round a traced run judged by the oracle and the guest's invariants
 * (vmm/storm/). A violation is reported with its seed, round, first record
 * and trace, then shrunk to a minimal plan, written as a scenario config
 * with the commands that run it again and replay it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lib/clock.h"
#include "lib/json.h"
#include "lib/opt.h"
#include "core/run.h"
#include "storm/storm.h"
#include "trace/oracle.h"
#include "trace/trace_cmd.h"
#include "runopt.h"
#include "storm_cmd.h"

enum {
	OPT_HELP = 'h', OPT_SEED = RUNOPT_END, OPT_COUNT, OPT_DURATION, OPT_RATE, OPT_SYNCS,
	OPT_KINDS, OPT_OUT, OPT_NO_SHRINK, OPT_SHRINK_RUNS, OPT_JSON,
};

static const struct option storm_options[] = {
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "count", required_argument, NULL, OPT_COUNT },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "syncs", required_argument, NULL, OPT_SYNCS },
	{ "kinds", required_argument, NULL, OPT_KINDS },
	{ "scenario", required_argument, NULL, RUNOPT_SCENARIO },
	{ "irqchip", required_argument, NULL, RUNOPT_IRQCHIP },
	{ "vcpus", required_argument, NULL, RUNOPT_VCPUS },
	{ "cmdline", required_argument, NULL, RUNOPT_CMDLINE },
	{ "timeout", required_argument, NULL, RUNOPT_TIMEOUT },
	{ "trace", required_argument, NULL, RUNOPT_TRACE },
	{ "out", required_argument, NULL, OPT_OUT },
	{ "no-shrink", no_argument, NULL, OPT_NO_SHRINK },
	{ "shrink-runs", required_argument, NULL, OPT_SHRINK_RUNS },
	{ "json", required_argument, NULL, OPT_JSON },
	{ "quiet", no_argument, NULL, RUNOPT_QUIET },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vmm storm [options] [KERNEL]\n"
		"\n"
		"Storms the guest's storm program with seeded injections, round after round\n"
		"(docs/STORM.md). Each round is a traced run judged by the oracle and by the\n"
		"guest's own invariants. A violation is reported with the seed, the round, the\n"
		"first violating record and the trace, then shrunk (delta debugging) to a\n"
		"minimal scenario config, with the commands that run and replay it.\n"
		"KERNEL defaults to guest.elf beside this vmm; a kernel of the guest library\n"
		"must register the program stormed (storm, or --scenario's guest:) in its\n"
		".ivm_programs section.\n"
		"\n"
		"  --seed=N              the storm's seed (default 1): the same seed, the same plan\n"
		"  --count=N             stop after the round that brings the injections to N\n"
		"  --duration=SECONDS    start no round after this long (default 10 without --count)\n"
		"  --rate=N              injections per sync point on average, 1..8 (default 2)\n"
		"  --syncs=N             sync points a round has, 1..4096 (default 64)\n"
		"  --scenario=FILE       storm this scenario config's program instead, at its\n"
		"                        sync steps, judged by the oracle and its own checks\n"
		"  --kinds=LIST|all      msi, edge, level, nmi, exception, spurious, timer, ipi,\n"
		"                        init (default all; spurious only under user, ipi and\n"
		"                        init only with --vcpus=2)\n"
		"  --irqchip=MODE,...|all  kernel, split, user (default user), each stormed in turn\n"
		"  --vcpus=1|2           vCPUs (default 1); with 2, MSIs, NMIs and spurious vectors\n"
		"                        go to either, and the guest's handlers IPI each other\n"
		"  --cmdline=ARGS        added to the guest's command line (bug=no-eoi|early-sti|\n"
		"                        cpl3-rsp plants a handler bug; work=cpl3 reaches the\n"
		"                        sync points in background work at CPL3)\n"
		"  --timeout=SECONDS     each round's watchdog (default 20)\n"
		"  --trace=FILE          the trace of the violating round (else the last) goes here\n"
		"  --out=DIR             where a violation's trace and reproducer go (default .)\n"
		"  --no-shrink           report a violation without shrinking it\n"
		"  --shrink-runs=N       runs shrinking may make (default 300)\n"
		"  --json=FILE           the summary as JSON too\n"
		"  --quiet               no progress line\n"
		"  --help                this text\n"
		"\n"
		"No --mem, --boot, --initrd or --pci-testdev (vmm run's): the storm program uses\n"
		"none of them, and a violation's reproducer (a scenario config and the vmm run\n"
		"line printed for it) would not carry them.\n"
		"exit status: 0 no violation (known host divergences named, not counted); 1 a\n"
		"violation; 2 bad usage or input (one line); 8 the host can't run the guest.\n");
}

/* @list names the kind @name itself, not only through "all" */
static bool names_kind(const char *list, const char *name)
{
	while (*list) {
		size_t len = strcspn(list, ",");

		if (len == strlen(name) && !strncmp(list, name, len))
			return true;
		list += len + (list[len] == ',');
	}
	return false;
}

struct storm_ctx {
	struct storm_cfg cfg;
	struct vmm_opts vm;		/* --cmdline, --timeout etc.; the rest is set per run */
	const char *user_cmdline, *kernel, *trace_out, *out_dir, *json;
	uint64_t count;			/* --count; 0: none */
	double duration;
	bool shrink, quiet, tty;
	bool syncs_set;			/* --syncs given: the storm program's only */
	const char *two_named;		/* --kinds lists ipi or init by name: it needs two vCPUs */
	unsigned shrink_runs;
	char tmp[PATH_MAX];		/* each run's trace */
	char cmdline[IVM_CMDLINE_MAX];
	char sig[48];			/* shrinking keeps this violation */
	const char *base_path;		/* --scenario */
	unsigned base_inj;		/* injections of its own, in every plan */
	unsigned nruns;
};

/* One mode's totals, for the summary and --json */
struct storm_totals {
	enum irqchip_mode mode;
	unsigned rounds;
	uint64_t injections, deliveries;
	unsigned explained[ORACLE_HOST_NR];	/* rounds a known host divergence explains, by model */
	double secs;
	bool violated;
	struct storm_verdict v;
	unsigned round;			/* the violating round */
	unsigned shrunk_from, shrunk_to;
	char args[32];			/* the shrunk plan's program arguments (count=N, stormed) */
	long shrink_runs;
	char yaml[PATH_MAX], trace[PATH_MAX], min_trace[PATH_MAX];
};

static int bad(const char *what)
{
	fprintf(stderr, "vmm storm: %s (see vmm storm --help)\n", what);
	return 2;
}

/*
 * The program's own arguments: the storm program's count of sync points, or
 * for a user's scenario "stormed" (vectors with no handler are acked quietly)
 */
static void prog_args(const struct storm_ctx *c, const struct scenario *sc, char *buf, size_t n)
{
	if (c->cfg.base)
		snprintf(buf, n, "%s", "stormed");
	else
		snprintf(buf, n, "count=%llu",
			 (unsigned long long)(storm__last_sync(sc) ? storm__last_sync(sc) : 1));
}

/* The storm's own injections in @sc, not the scenario's */
static unsigned storm_count(const struct storm_ctx *c, const struct scenario *sc)
{
	return storm__count(sc) - c->base_inj;
}

/* storm__judge; a scenario's failed checks are called so */
static void judge(const struct storm_ctx *c, const char *path, enum irqchip_mode mode, int st,
		  struct storm_verdict *v)
{
	storm__judge(path, mode, st, v);
	if (c->cfg.base && !strcmp(v->sig, "guest counts")) {
		snprintf(v->sig, sizeof(v->sig), "%s", "scenario checks");
		snprintf(v->first, sizeof(v->first), "a check of %s failed (the round's report says "
			 "which)", c->base_path);
	}
}

/* Run plan @sc under @mode into @trace; its report goes to @report (NULL: dropped) */
static int run_plan(struct storm_ctx *c, const struct scenario *sc, enum irqchip_mode mode,
		    const char *trace, char **report)
{
	struct vmm_opts o = c->vm;
	size_t len = 0;
	FILE *f;
	int st;

	char args[32];

	prog_args(c, sc, args, sizeof(args));
	snprintf(c->cmdline, sizeof(c->cmdline), "scenario=%s %s%s%s", sc->guest, args,
		 c->user_cmdline[0] ? " " : "", c->user_cmdline);
	o.kernel = c->kernel;
	o.cmdline = c->cmdline;
	o.scenario = sc;
	o.irqchip = mode;
	o.trace_path = trace;
	o.quiet = true;
	*report = NULL;
	f = open_memstream(report, &len);
	o.report = f;
	fflush(stdout);
	st = vmm__run(&o);
	if (f)
		fclose(f);
	c->nruns++;
	return st;
}

static bool still_fails(const struct scenario *sc, void *ctx)
{
	struct storm_ctx *c = ctx;
	struct storm_verdict v;
	char *report;
	int st = run_plan(c, sc, c->cfg.mode, c->tmp, &report);

	free(report);
	judge(c, c->tmp, c->cfg.mode, st, &v);
	if (c->tty && !c->quiet)
		fprintf(stderr, "\rshrinking: run %u, %u injections          ", c->nruns,
			storm_count(c, sc));
	return v.violated && !strcmp(v.sig, c->sig);
}

/* Records around @seq, as `vmm trace show` prints them */
static void show_context(const char *path, uint64_t seq)
{
	struct itr_header h;
	struct itr_record r;
	char err[256], line[512];
	struct itr_reader *rd = itr_reader__open(path, &h, err, sizeof(err));

	if (!rd || seq == UINT64_MAX) {
		if (rd)
			itr_reader__close(rd);
		return;
	}
	while (itr_reader__next(rd, &r, err, sizeof(err)) == 1 && r.seq <= seq + 2) {
		if (r.seq + 8 < seq)
			continue;
		itr_show__format(&r, r.depth, line, sizeof(line));
		printf("  %s %s\n", r.seq == seq ? ">" : " ", line);
	}
	itr_reader__close(rd);
}

static int copy_file(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), out;
	ssize_t n = 0;

	if (in < 0)
		return -1;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	while (out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			n = -1;
			break;
		}
	close(in);
	if (out < 0 || close(out) < 0)
		return -1;
	return n < 0 ? -1 : 0;
}

/* Shrink the violating plan, write it as a config, run it once more traced */
static void shrink_and_write(struct storm_ctx *c, struct scenario *sc, struct storm_totals *t)
{
	struct storm_verdict v;
	char comment[512], *report;
	FILE *f;
	int st;

	t->shrunk_from = storm_count(c, sc);
	snprintf(c->sig, sizeof(c->sig), "%s", t->v.sig);
	c->nruns = 0;
	t->shrink_runs = storm__shrink_on(sc, c->cfg.base, still_fails, c, c->shrink_runs);
	if (c->tty && !c->quiet)
		fprintf(stderr, "\r%60s\r", "");
	t->shrunk_to = storm_count(c, sc);
	prog_args(c, sc, t->args, sizeof(t->args));
	snprintf(sc->name, sizeof(sc->name), "storm-%llu-%s-min", (unsigned long long)c->cfg.seed,
		 irqchip_mode__name(t->mode));
	snprintf(sc->description, sizeof(sc->description), "vmm storm --seed=%llu%s%s round %u, "
		 "shrunk: %s", (unsigned long long)c->cfg.seed, c->base_path ? " --scenario=" : "",
		 c->base_path ? c->base_path : "", t->round, t->v.sig);
	snprintf(t->yaml, sizeof(t->yaml), "%s/storm-%llu-%s.yaml", c->out_dir,
		 (unsigned long long)c->cfg.seed, irqchip_mode__name(t->mode));
	snprintf(t->min_trace, sizeof(t->min_trace), "%s/storm-%llu-%s.min.itr", c->out_dir,
		 (unsigned long long)c->cfg.seed, irqchip_mode__name(t->mode));
	snprintf(comment, sizeof(comment), "Shrunk by vmm storm --seed=%llu --irqchip=%s: %s.\n"
		 "%u injections of round %u down to %u in %ld runs. Run it with\n"
		 "vmm check --scenario=THIS --irqchip=%s --cmdline='%s%s%s' KERNEL",
		 (unsigned long long)c->cfg.seed, irqchip_mode__name(t->mode), t->v.sig,
		 t->shrunk_from, t->round, t->shrunk_to, t->shrink_runs, irqchip_mode__name(t->mode),
		 t->args, c->user_cmdline[0] ? " " : "", c->user_cmdline);
	f = fopen(t->yaml, "w");
	if (!f || scenario__write(sc, comment, f) < 0) {
		fprintf(stderr, "vmm storm: %s: %s\n", t->yaml, strerror(errno));
		t->yaml[0] = '\0';
	}
	if (f)
		fclose(f);
	st = run_plan(c, sc, t->mode, t->min_trace, &report);
	free(report);
	judge(c, t->min_trace, t->mode, st, &v);
	if (!v.violated || strcmp(v.sig, t->v.sig))
		printf("storm: the shrunk plan did not show it again this time (%s): the violation "
		       "depends on timing\n", v.violated ? v.sig : "no violation");
}

static void report_violation(struct storm_ctx *c, struct storm_totals *t, const char *report)
{
	printf("storm %s: VIOLATION in round %u (seed %llu): %s\n", irqchip_mode__name(t->mode), t->round,
	       (unsigned long long)c->cfg.seed, t->v.sig);
	printf("  first: %s\n", t->v.first);
	show_context(t->trace, t->v.seq);
	printf("  trace: %s\n", t->trace);
	if (report && *report)
		printf("  the round's report:\n%s", report);
}

static void progress(const struct storm_ctx *c, const struct storm_totals *t, double left)
{
	if (!c->tty || c->quiet)
		return;
	fprintf(stderr, "\rstorm %s: round %u, %llu injections, %llu deliveries, %.0f/s, "
		"0 violations, %.1f s left   ", irqchip_mode__name(t->mode), t->rounds,
		(unsigned long long)t->injections, (unsigned long long)t->deliveries,
		t->secs > 0 ? t->injections / t->secs : 0.0, left > 0 ? left : 0.0);
}

/* Storm one mode; -1: the host can't run the guest at all (status in *@fatal) */
static int storm_mode(struct storm_ctx *c, struct storm_totals *t, int *fatal)
{
	static struct scenario sc;
	uint64_t t0 = clock__now_ns();
	int rc = 0;

	c->cfg.mode = t->mode;
	for (unsigned round = 1;; round++) {
		struct storm_verdict v;
		char *report = NULL;
		int st;

		if (storm__plan(&c->cfg, round, &sc) < 0) {
			fprintf(stderr, "vmm storm: out of memory making a plan\n");
			*fatal = VMM_HOST_ERROR;
			return -1;
		}
		st = run_plan(c, &sc, t->mode, c->tmp, &report);
		if (st == VMM_HOST_ERROR || st == VMM_USAGE || st == VMM_INTERRUPTED) {
			fprintf(stderr, "%s", report ? report : "");
			free(report);
			*fatal = st;
			return -1;
		}
		judge(c, c->tmp, t->mode, st, &v);
		t->rounds++;
		t->injections += storm_count(c, &sc);	/* the plan's, not the guest's own pin writes */
		t->deliveries += v.deliveries;
		if (!v.violated && v.explained > 0 && v.explained < ORACLE_HOST_NR)
			t->explained[v.explained]++;
		t->secs = (clock__now_ns() - t0) / 1e9;
		if (v.violated) {
			t->violated = true;
			t->v = v;
			t->round = round;
			snprintf(t->trace, sizeof(t->trace), "%s/storm-%llu-%s-round%u.itr", c->out_dir,
				 (unsigned long long)c->cfg.seed, irqchip_mode__name(t->mode), round);
			if (copy_file(c->tmp, t->trace) < 0)
				snprintf(t->trace, sizeof(t->trace), "%s", c->tmp);
			if (c->tty && !c->quiet)
				fprintf(stderr, "\r%100s\r", "");
			report_violation(c, t, report);
			free(report);
			if (c->trace_out)
				copy_file(c->tmp, c->trace_out);
			if (c->shrink)
				shrink_and_write(c, &sc, t);
			rc = 1;
			break;
		}
		free(report);
		progress(c, t, c->duration - t->secs);
		if ((c->count && t->injections >= c->count) || (!c->count && t->secs >= c->duration))
			break;
	}
	if (!t->violated && c->trace_out)
		copy_file(c->tmp, c->trace_out);
	if (c->tty && !c->quiet)
		fprintf(stderr, "\r%100s\r", "");
	return rc;
}

static void print_summary(const struct storm_ctx *c, const struct storm_totals *t)
{
	printf("storm %s: seed %llu, %u rounds, %llu injections, %llu deliveries in %.1f s (%.0f "
	       "injections/s); ", irqchip_mode__name(t->mode), (unsigned long long)c->cfg.seed,
	       t->rounds, (unsigned long long)t->injections, (unsigned long long)t->deliveries, t->secs,
	       t->secs > 0 ? t->injections / t->secs : 0.0);
	if (t->violated)
		printf("VIOLATION: %s\n", t->v.sig);
	else
		printf("no violation\n");
	for (unsigned h = 1; h < ORACLE_HOST_NR; h++)
		if (t->explained[h])
			printf("  %u of %u rounds differ from the SDM exactly as the known host divergence "
			       "%s (docs/DIVERGENCES.md)\n", t->explained[h], t->rounds,
			       oracle_host__name(h));
	if (t->violated && t->yaml[0])
		printf("  shrunk: %u injections to %u in %ld runs: %s\n"
		       "  run it:    vmm check --scenario=%s --irqchip=%s --cmdline='%s%s%s' %s\n"
		       "  replay it: vmm replay %s %s\n",
		       t->shrunk_from, t->shrunk_to, t->shrink_runs, t->yaml, t->yaml,
		       irqchip_mode__name(t->mode), t->args,
		       c->user_cmdline[0] ? " " : "", c->user_cmdline, c->kernel,
		       t->min_trace, c->kernel);
}

static int write_json(const struct storm_ctx *c, const struct storm_totals *t, unsigned n)
{
	FILE *f = fopen(c->json, "w");

	if (!f)
		return -1;
	fprintf(f, "{\"seed\": %llu, \"rate\": %u, \"syncs\": %u, \"scenario\": ",
		(unsigned long long)c->cfg.seed, c->cfg.rate, c->cfg.syncs);
	if (c->base_path)
		json__str(f, c->base_path);
	else
		fputs("null", f);
	fprintf(f, ", \"modes\": [");
	for (unsigned i = 0; i < n; i++) {
		fprintf(f, "%s\n  {\"irqchip\": \"%s\", \"rounds\": %u, \"injections\": %llu, "
			"\"deliveries\": %llu, \"seconds\": %.3f, \"known_divergences\": {",
			i ? "," : "", irqchip_mode__name(t[i].mode), t[i].rounds,
			(unsigned long long)t[i].injections, (unsigned long long)t[i].deliveries, t[i].secs);
		for (unsigned h = 1, k = 0; h < ORACLE_HOST_NR; h++)
			if (t[i].explained[h])
				fprintf(f, "%s\"%s\": %u", k++ ? ", " : "", oracle_host__name(h),
					t[i].explained[h]);
		fprintf(f, "}, \"violation\": ");
		if (!t[i].violated) {
			fprintf(f, "null}");
			continue;
		}
		fprintf(f, "{\"round\": %u, \"what\": ", t[i].round);
		json__str(f, t[i].v.sig);
		fprintf(f, ", \"first\": ");
		json__str(f, t[i].v.first);
		fprintf(f, ", \"trace\": ");
		json__str(f, t[i].trace);
		fprintf(f, ", \"shrunk_to\": %u, \"reproducer\": ", t[i].shrunk_to);
		json__str(f, t[i].yaml);
		fprintf(f, "}}");
	}
	fprintf(f, "\n]}\n");
	return fclose(f);
}

/* guest.elf beside this vmm */
/* guest.elf beside this vmm (a build), else ../share/vmm/guest.elf from it (make install) */
static const char *default_kernel(void)
{
	static char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 32);
	char *slash;

	if (n <= 0)
		return "guest.elf";
	path[n] = '\0';
	slash = strrchr(path, '/');
	snprintf(slash ? slash + 1 : path, 32, "%s", "guest.elf");
	if (!slash || access(path, F_OK) == 0)
		return path;
	snprintf(slash + 1, 32, "%s", "../share/vmm/guest.elf");
	if (access(path, F_OK) < 0)
		snprintf(slash + 1, 32, "%s", "guest.elf");	/* named as missing where it was looked for first */
	return path;
}

static int parse(struct storm_ctx *c, struct runopt *ro, int argc, char **argv)
{
	char err[320], badk[64];
	int o;

	while ((o = getopt_long(argc, argv, ":h", storm_options, NULL)) != -1) {
		switch (o) {
		case OPT_SEED:
			if (opt__u64(optarg, 0, UINT64_MAX, &c->cfg.seed) < 0)
				return bad("--seed: not a number");
			break;
		case OPT_COUNT:
			if (opt__u64(optarg, 1, 1ull << 40, &c->count) < 0)
				return bad("--count: not a number of injections from 1");
			break;
		case OPT_DURATION:
			if (opt__seconds(optarg, 86400, &c->duration) < 0 || c->duration <= 0)
				return bad("--duration: not a number of seconds (0..86400]");
			break;
		case OPT_RATE:
			if (opt__uint(optarg, 1, SC_MAX_INJ / 2, &c->cfg.rate) < 0)
				return bad("--rate: not 1..8");
			break;
		case OPT_SYNCS:
			if (opt__uint(optarg, 1, STORM_MAX_SYNCS, &c->cfg.syncs) < 0)
				return bad("--syncs: not 1..4096");
			c->syncs_set = true;
			break;
		case OPT_KINDS:
			if (storm__parse_kinds(optarg, &c->cfg.kinds, badk, sizeof(badk)) < 0) {
				snprintf(err, sizeof(err), "--kinds: '%s' is not msi, edge, level, nmi, "
					 "exception, spurious, timer, ipi, init or all", badk);
				return bad(err);
			}
			c->two_named = names_kind(optarg, "ipi") ? "ipi needs --vcpus=2 (an IPI between two vCPUs)" :
				       names_kind(optarg, "init") ? "init needs --vcpus=2 (CPU 0 restarts CPU 1)" :
				       NULL;
			break;
		case OPT_OUT: c->out_dir = optarg; break;
		case OPT_NO_SHRINK: c->shrink = false; break;
		case OPT_SHRINK_RUNS:
			if (opt__uint(optarg, 1, 100000, &c->shrink_runs) < 0)
				return bad("--shrink-runs: not 1..100000");
			break;
		case OPT_JSON: c->json = optarg; break;
		case OPT_HELP: usage(stdout); return 0;
		case '?':
		case ':':
			opt__getopt_error(o, argv, storm_options, err, sizeof(err));
			return bad(err);
		default:
			if (runopt__parse(ro, o, optarg, err, sizeof(err)) < 0)
				return bad(err);
			/* the guest's storm program drives CPU 1 only (guest/storm.c) */
			if (o == RUNOPT_VCPUS && ro->vm.vcpus > 2) {
				snprintf(err, sizeof(err), "--vcpus: '%s' is not 1 or 2: a storm runs on two vCPUs at most",
					 optarg);
				return bad(err);
			}
		}
	}
	return -1;	/* go on */
}

/*
 * --scenario=FILE: loaded, its guest program known, and stormable: a sync
 * step to storm at, the modes asked for among its own, a kind that leaves its
 * checks alone. One line and -1 if not.
 */
static int setup_base(struct storm_ctx *c, struct runopt *ro)
{
	static struct scenario base;
	const char *path = ro->scenario_path;
	uint8_t vectors[IVM_STORM_NR_MSI];
	unsigned nvec, kinds;
	char err[512];

	/* its guest: is one of the kernel's own programs, as vmm run and check hold it */
	if (scenario__load(path, &base, err, sizeof(err)) < 0 ||
	    runopt__check_program(&c->vm, &base, path, err, sizeof(err)) < 0) {
		fprintf(stderr, "vmm storm: %s\n", err);
		return -1;
	}
	if (c->syncs_set) {
		fprintf(stderr, "vmm storm: --syncs: not with --scenario (its sync steps are %s's)\n", path);
		return -1;
	}
	if (!storm__sync_steps(&base)) {
		fprintf(stderr, "vmm storm: --scenario=%s: no sync step to storm at\n", path);
		return -1;
	}
	/*
	 * A scenario of several vCPUs storms as it runs: the guest records its IPIs
	 * (IVM_EV_IPI), so the oracle judges a storm MSI beside them on each target.
	 */
	if (ro->modes & ~base.irqchips) {
		fprintf(stderr, "vmm storm: --irqchip: %s does not run under %s\n", path,
			irqchip_mode__name(__builtin_ctz(ro->modes & ~base.irqchips)));
		return -1;
	}
	if (ro->vm.vcpus > 1 && ro->vm.vcpus != base.vcpus) {
		if (base.vcpus == 1)
			fprintf(stderr, "vmm storm: --vcpus: %s runs on one vCPU\n", path);
		else
			fprintf(stderr, "vmm storm: --vcpus: %s runs on %u vCPUs\n", path, base.vcpus);
		return -1;
	}
	kinds = storm__kinds_base(c->cfg.kinds, &base, vectors, &nvec);
	if (!kinds) {
		fprintf(stderr, "vmm storm: --kinds: none of them can storm %s (msi, to vectors it "
			"does not name; nmi and spurious, unless it injects them)\n", path);
		return -1;
	}
	c->cfg.kinds = kinds;
	c->cfg.vcpus = base.vcpus;
	c->cfg.base = &base;
	c->base_path = path;
	c->base_inj = storm__count(&base);
	return 0;
}

int storm_cmd__main(int argc, char **argv)
{
	static struct storm_totals totals[IRQCHIP_NR];
	static struct storm_ctx c;
	struct runopt ro;
	struct stat st;
	unsigned n = 0;
	int rc, worst = 0, fatal = 0, fd;
	char err[320];
	const char *tmp = getenv("TMPDIR");

	memset(&c, 0, sizeof(c));
	c.cfg = (struct storm_cfg){ .seed = 1, .kinds = STORM_KINDS_ALL, .syncs = 64, .rate = 2 };
	c.shrink = true;
	c.shrink_runs = 300;
	c.out_dir = ".";
	runopt__init(&ro);
	ro.vm.timeout_s = 20;
	ro.modes = 1u << IRQCHIP_USER;
	optind = 1;
	opterr = 0;
	if ((rc = parse(&c, &ro, argc, argv)) >= 0)
		return rc;
	if (optind < argc - 1)
		return bad("more than one KERNEL given");
	if (c.count && c.duration)
		return bad("--count and --duration: give one");
	if (!c.count && !c.duration)
		c.duration = 10;
	c.kernel = optind < argc ? argv[optind] : default_kernel();
	c.user_cmdline = ro.vm.cmdline;
	c.trace_out = ro.vm.trace_path;
	c.quiet = ro.vm.quiet;
	c.tty = isatty(STDERR_FILENO);
	c.vm = ro.vm;
	c.vm.kernel = c.kernel;
	c.cfg.timeout_s = ro.vm.timeout_s;
	c.cfg.vcpus = ro.vm.vcpus ? ro.vm.vcpus : 1;
	if (runopt__check_kernel(&c.vm, err, sizeof(err)) < 0) {
		fprintf(stderr, "vmm storm: %s\n", err);
		return 2;
	}
	if (ro.scenario_path && setup_base(&c, &ro) < 0)
		return 2;
	if (!ro.scenario_path) {	/* the storm program: the kernel's own, not this tree's */
		static struct scenario storm_program = { .guest = "storm" };

		if (runopt__check_program(&c.vm, &storm_program, NULL, err, sizeof(err)) < 0) {
			fprintf(stderr, "vmm storm: %s (--scenario=FILE storms one of its own)\n", err);
			return 2;
		}
	}
	/* "all" on one vCPU leaves ipi and init out quietly; asked for by name, they need two */
	if (!ro.scenario_path && c.two_named && c.cfg.vcpus < 2) {
		fprintf(stderr, "vmm storm: --kinds: %s\n", c.two_named);
		return 2;
	}
	if (stat(c.out_dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "vmm storm: --out=%s: %s\n", c.out_dir,
			errno ? strerror(errno) : strerror(ENOTDIR));
		return 2;
	}
	snprintf(c.tmp, sizeof(c.tmp), "%s/vmm-storm-%d.itr", tmp && *tmp ? tmp : "/tmp", (int)getpid());
	/* O_EXCL: never write through a file (or link) someone else put there */
	fd = open(c.tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "vmm storm: %s: %s\n", c.tmp, strerror(errno));
		return 2;
	}
	close(fd);
	for (int m = 0; m < IRQCHIP_NR && !fatal; m++) {
		if (!(ro.modes >> m & 1))
			continue;
		totals[n].mode = m;
		rc = storm_mode(&c, &totals[n], &fatal);
		print_summary(&c, &totals[n]);
		n++;
		if (rc > worst)
			worst = rc;
	}
	unlink(c.tmp);
	if (c.json && write_json(&c, totals, n) < 0) {
		fprintf(stderr, "vmm storm: --json=%s: %s\n", c.json, strerror(errno));
		return 2;
	}
	if (fatal)
		return fatal == VMM_INTERRUPTED ? VMM_INTERRUPTED : fatal == VMM_USAGE ? 2 : VMM_HOST_ERROR;
	return worst;
}
