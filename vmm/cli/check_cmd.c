// SPDX-License-Identifier: MIT
/*
 * `vmm check --scenario=FILE.yaml [--irqchip=MODE|all] KERNEL` runs the
 * scenario per mode with a temporary trace and judges each trace with the
 * oracle; `vmm check --trace=FILE.itr` judges an existing trace. The oracle
 * is architectural: a host known to differ is named with
 * --expect-divergence=MODE, or judged under a host model docs/DIVERGENCES.md
 * pins (--host-model=pvm-4), never by fitting the model to one trace.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check_cmd.h"
#include "json_out.h"
#include "lib/json.h"
#include "lib/opt.h"
#include "runopt.h"
#include "trace/oracle.h"
#include "core/run.h"
#include "scenario/check.h"
#include "scenario/scenario.h"

enum { OPT_HELP = 'h', OPT_TRACE = RUNOPT_END, OPT_EXPECT, OPT_KEEP, OPT_HOST_MODEL, OPT_TAP };

/* --tap: one point per mode judged; everything else goes to stderr */
static struct {
	FILE *f;		/* NULL: no TAP */
	unsigned plan, n;
} tap;

/* --json: one entry per mode judged (or the --trace judged) */
static struct json_out jo;

static const struct option check_options[] = {
	{ "scenario", required_argument, NULL, RUNOPT_SCENARIO },
	{ "trace", required_argument, NULL, OPT_TRACE },	/* a trace to judge, not to write */
	{ "irqchip", required_argument, NULL, RUNOPT_IRQCHIP },
	{ "expect-divergence", required_argument, NULL, OPT_EXPECT },
	{ "keep-traces", required_argument, NULL, OPT_KEEP },
	{ "host-model", required_argument, NULL, OPT_HOST_MODEL },
	{ "timeout", required_argument, NULL, RUNOPT_TIMEOUT },
	{ "cmdline", required_argument, NULL, RUNOPT_CMDLINE },
	{ "mem", required_argument, NULL, RUNOPT_MEM },
	{ "boot", required_argument, NULL, RUNOPT_BOOT },
	{ "initrd", required_argument, NULL, RUNOPT_INITRD },
	{ "pci-testdev", no_argument, NULL, RUNOPT_PCI_TESTDEV },
	{ "verbose", no_argument, NULL, RUNOPT_VERBOSE },
	{ "quiet", no_argument, NULL, RUNOPT_QUIET },
	{ "tap", no_argument, NULL, OPT_TAP },
	{ "json", required_argument, NULL, RUNOPT_JSON },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vmm check --scenario=FILE.yaml [--irqchip=MODE|all] [options] KERNEL\n"
		"       vmm check --trace=FILE.itr [--expect-divergence=MODE,...] [--host-model=M]\n"
		"\n"
		"Judges interrupt delivery against an SDM model (docs/ORACLE.md): per run,\n"
		"the first divergence, the findings, and one summary line per mode:\n"
		"  check SCENARIO irqchip=MODE: [run failed: WHY; ]oracle VERDICT (...);\n"
		"  expected ...; OK|FAIL\n"
		"\n"
		"  --scenario=FILE.yaml             run this scenario, traced, once per mode\n"
		"  --trace=FILE.itr                 judge this trace instead (no run)\n"
		"  --irqchip=kernel|split|user|all  modes to run (default: all the scenario lists)\n"
		"  --expect-divergence=MODE,...|all  a divergence in these modes is expected (a host\n"
		"                                   known to differ, e.g. PVM-4 under\n"
		"                                   kernel,split on PVM); a PASS there is reported\n"
		"  --host-model=sdm|pvm-4|pvm-5|pvm-4+pvm-5  the host every trace is judged\n"
		"                                   against (default sdm; docs/DIVERGENCES.md): pvm-4\n"
		"                                   EOI at acceptance (PVM's in-kernel LAPIC, so for\n"
		"                                   --irqchip=kernel,split); pvm-5 an event that becomes\n"
		"                                   deliverable is taken at the next VM exit\n"
		"  --keep-traces=DIR                keep each mode's trace as DIR/SCENARIO.MODE.itr\n"
		"  --timeout=SECONDS                watchdog per run, e.g. 30 or 2.5 (default: the\n"
		"                                   scenario's)\n"
		"  --cmdline=ARGS                   added to the guest's command line, as vmm run\n"
		"                                   (count=N, bug=NAME for the storm program)\n"
		"  --mem=SIZE / --boot=PROTO        guest RAM, boot protocol, as vmm run\n"
		"  --initrd=FILE                    FILE as boot module 0, as vmm run\n"
		"  --pci-testdev                    QEMU's pci-testdev on PCI bus 0, as vmm run\n"
		"                                   (--vcpus: the scenario says how many)\n"
		"  --quiet / --verbose              no guest console / log every VM exit, as vmm run\n"
		"  --tap                            TAP (version 13) on stdout: a point per mode,\n"
		"                                   its findings as diagnostics; an expected\n"
		"                                   divergence is a SKIP; all else goes to stderr\n"
		JSON_OUT_HELP
		"  --help                           this text\n"
		"\n"
		"A value goes in --opt=VALUE or --opt VALUE.\n"
		"exit status: 0 every mode as expected; 1 a run failed, an unexpected divergence,\n"
		"an expected one missing, or an inconclusive trace (events lost, truncated); 2 bad\n"
		"usage or input (one line on stderr), or an unreadable trace.\n");
}

static int bad(const char *what, const char *arg)
{
	fprintf(stderr, "vmm check: %s '%s' (see vmm check --help)\n", what, arg);
	return 2;
}

/* How a run ended, from its exit status (vmm --help), for the summary line. */
static const char *run_failure(int st, char *buf, size_t n)
{
	switch (st) {
	case VMM_GUEST_FAILED: return "self-test or scenario checks failed (status 1)";
	case VMM_USAGE: return "bad input (status 2)";
	case VMM_GUEST_DIED: return "the guest died (status 4)";
	case VMM_TIMEOUT: return "watchdog (status 6)";
	case VMM_HOST_ERROR: return "host/KVM error (status 8)";
	case VMM_INTERRUPTED: return "SIGINT/SIGTERM (status 10)";
	}
	if (st & 1)
		snprintf(buf, n, "the guest exited with code %d (status %d)", st >> 1, st);
	else
		snprintf(buf, n, "status %d", st);
	return buf;
}

/* One TAP point, after the version line and the plan if it is the first */
static void tap_point(bool ok, const char *desc, const char *directive)
{
	if (!tap.n++)
		fprintf(tap.f, "TAP version 13\n1..%u\n", tap.plan);
	check__tap_point(tap.f, tap.n, ok, desc, directive);
}

/*
 * --json: a mode's entry, the run's report first (none for --trace: the trace
 * and its mode), then what was expected, the verdict and the oracle's
 * judgement, or @err where it could not read the trace.
 */
static void json_mode(const char *path, int mode, bool ran, int run_status, bool expected_div,
		      const char *verdict, const struct oracle *o, const char *err)
{
	FILE *f = jo.f;

	if (!f)
		return;
	if (ran) {
		json_out__run(&jo, f, jo.runs ? "," : "", run_status, mode, true);
	} else {
		json__key(f, jo.runs++ ? ",{" : "{", "trace");
		json__str(f, path);
		json__key(f, ",", "irqchip");
		json__str_or_null(f, mode >= 0 ? irqchip_mode__name(mode) : NULL);
		jo.complete &= !err;
	}
	fprintf(f, ",\"expected\":\"%s\"", expected_div ? "divergence" : "pass");
	json__key(f, ",", "verdict");
	json__str(f, verdict);
	json__key(f, ",", "oracle");
	if (o) {
		json_out__oracle(f, o);
	} else {
		json__key(f, "{", "error");
		json__str(f, err);
		fputc('}', f);
	}
	fputc('}', f);
}

/*
 * Judge one trace; print the report and the summary line. 1 = not as expected
 * (or the run that wrote it failed: @run_status != 0), 2 = unreadable.
 * @mode < 0: --trace, where an unreadable file is bad input: one line, no summary.
 */
static int judge(const char *path, const char *label, int mode, unsigned expect, int run_status,
		 const struct oracle_opts *opts)
{
	static struct oracle o;
	struct itr_header h;
	char err[512], sum[320], prefix[48], why[64], failed[96] = "";
	const char *verdict = "FAIL";
	enum oracle_verdict v;
	bool expected_div, good, ran = mode >= 0;

	if (oracle__run_file_opts(path, opts, &o, &h, err, sizeof(err)) < 0) {
		fprintf(stderr, "vmm check: %s\n", err);
		if (mode >= 0)
			printf("check %s irqchip=%s: %s%s%soracle could not read the trace; FAIL\n", label,
			       irqchip_mode__name(mode), run_status ? "run failed: " : "",
			       run_status ? run_failure(run_status, why, sizeof(why)) : "",
			       run_status ? "; " : "");
		if (ran)
			json_mode(path, mode, true, run_status, expect >> mode & 1, "FAIL", NULL, err);
		if (mode >= 0 && tap.f) {
			snprintf(sum, sizeof(sum), "%s irqchip=%s: %s%s%soracle could not read the trace",
				 label, irqchip_mode__name(mode), run_status ? "run failed: " : "",
				 run_status ? run_failure(run_status, why, sizeof(why)) : "",
				 run_status ? "; " : "");
			tap_point(false, sum, NULL);
			fprintf(tap.f, "#   %s\n", err);
		}
		return 2;
	}
	if (mode < 0) {
		enum irqchip_mode hm;

		if (irqchip_mode__parse(h.irqchip, &hm) == 0)
			mode = hm;	/* --trace: the mode the header names */
	}
	snprintf(prefix, sizeof(prefix), "oracle[%s]: ", mode >= 0 ? irqchip_mode__name(mode) : "?");
	oracle__report(&o, stdout, prefix);
	oracle__summary(&o, sum, sizeof(sum));
	v = oracle__verdict(&o);
	expected_div = mode >= 0 && (expect >> mode & 1);
	good = expected_div ? v == ORACLE_DIVERGENCE : v == ORACLE_PASS;
	if (run_status)
		snprintf(failed, sizeof(failed), "run failed: %s; ",
			 run_failure(run_status, why, sizeof(why)));
	if (good && !run_status)
		verdict = "OK";
	else if (!good && expected_div && v == ORACLE_PASS)
		verdict = "FAIL (expected divergence absent)";
	json_mode(path, mode, ran, run_status, expected_div, verdict, &o, NULL);
	printf("check %s irqchip=%s: %soracle %s; expected %s; %s\n", label,
	       mode >= 0 ? irqchip_mode__name(mode) : "?", failed, sum,
	       expected_div ? "divergence" : "pass", verdict);
	if (tap.f) {
		char desc[sizeof(sum) + 256];

		snprintf(desc, sizeof(desc), "%s irqchip=%s: %soracle %s; expected %s", label,
			 mode >= 0 ? irqchip_mode__name(mode) : "?", failed, sum,
			 expected_div ? "divergence" : "pass");
		tap_point(good && !run_status, desc, good && !run_status && expected_div ?
			  "SKIP expected divergence (--expect-divergence)" : NULL);
		if (!good || run_status) {
			if (!good && expected_div && v == ORACLE_PASS)
				fprintf(tap.f, "#   expected a divergence under this mode; the oracle found none\n");
			oracle__report(&o, tap.f, "#   ");
		}
	}
	return good && !run_status ? 0 : 1;
}

/*
 * The exit status @st, unless the TAP stream could not be written (a closed
 * pipe) or the --json document (@all: every mode judged) could not be.
 */
static int tap_finish(int st, bool all)
{
	char err[320];

	if (tap.f && (fflush(tap.f) == EOF || ferror(tap.f))) {
		fprintf(stderr, "vmm check: --tap: standard output was closed: the report is incomplete\n");
		st = st ? st : 1;
	}
	if (st == 2 && !jo.runs) {
		json_out__abort(&jo);	/* bad input: one line, no document */
	} else if (json_out__close(&jo, all, st, err, sizeof(err)) < 0) {
		fprintf(stderr, "vmm check: %s\n", err);
		st = st ? st : 1;
	}
	return st;
}

/* --json, after --tap has taken stdout if it was asked for: 0, or 2 with the line printed */
static int json_open(const char *path)
{
	char err[320];

	if (json_out__open(&jo, path, "vmm check", err, sizeof(err)) == 0)
		return 0;
	fprintf(stderr, "vmm check: %s\n", err);
	return 2;
}

int check_cmd__main(int argc, char **argv)
{
	struct runopt ro;
	const char *trace_path = NULL, *keep = NULL;
	struct oracle_opts opts = { .host = ORACLE_HOST_SDM };
	unsigned expect = 0;
	struct stat st_keep;
	char err[320];
	int c, worst = 0;
	unsigned ran = 0;
	bool want_tap = false;

	runopt__init(&ro);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", check_options, NULL)) != -1) {
		switch (c) {
		case OPT_TRACE: trace_path = optarg; break;
		case OPT_KEEP: keep = optarg; break;
		case OPT_TAP: want_tap = true; break;
		case OPT_EXPECT:
			if (runopt__parse_modes(optarg, &expect) < 0)
				return bad("--expect-divergence: not a list of kernel, split, user, or all:", optarg);
			break;
		case OPT_HOST_MODEL:
			if (oracle_host__parse(optarg, &opts.host) < 0)
				return bad("--host-model: not sdm, pvm-4, pvm-5 or pvm-4+pvm-5:", optarg);
			break;
		case OPT_HELP: usage(stdout); return 0;
		case '?':
		case ':':
			opt__getopt_error(c, argv, check_options, err, sizeof(err));
			fprintf(stderr, "vmm check: %s (see vmm check --help)\n", err);
			return 2;
		default:
			if (runopt__parse(&ro, c, optarg, err, sizeof(err)) < 0) {
				fprintf(stderr, "vmm check: %s (see vmm check --help)\n", err);
				return 2;
			}
		}
	}
	if (want_tap && ro.json_path && !strcmp(ro.json_path, "-"))
		return bad("--json: standard output is taken by --tap:", ro.json_path);
	if (trace_path) {
		if (ro.scenario_path || optind != argc)
			return bad("--trace takes no scenario or kernel:", trace_path);
		if (want_tap && !(tap.f = runopt__tap_stdout(err, sizeof(err)))) {
			fprintf(stderr, "vmm check: %s\n", err);
			return 2;
		}
		if (json_open(ro.json_path))
			return 2;
		tap.plan = 1;
		return tap_finish(judge(trace_path, trace_path, -1, expect, 0, &opts), true);
	}
	if (!ro.scenario_path || optind != argc - 1) {
		fprintf(stderr, "vmm check: %s (see vmm check --help)\n",
			ro.scenario_path && optind < argc ? "more than one KERNEL given" :
			"need --scenario=FILE.yaml and one KERNEL, or --trace=FILE.itr");
		return 2;
	}
	/* bad input is one line before any output, not a failed run per mode */
	if (runopt__finish(&ro, argv[optind], err, sizeof(err)) < 0) {
		fprintf(stderr, "vmm check: %s%s\n", err, err[0] == '-' ? " (see vmm check --help)" : "");
		return 2;
	}
	/* the directory may not exist yet */
	if (keep && ((mkdir(keep, 0777) < 0 && errno != EEXIST) || stat(keep, &st_keep) < 0 ||
		     !S_ISDIR(st_keep.st_mode))) {
		fprintf(stderr, "vmm check: --keep-traces=%s: %s\n", keep,
			errno == EEXIST ? strerror(ENOTDIR) : strerror(errno));
		return 2;
	}
	if (want_tap && !(tap.f = runopt__tap_stdout(err, sizeof(err)))) {
		fprintf(stderr, "vmm check: %s\n", err);
		return 2;
	}
	if (json_open(ro.json_path))
		return 2;
	tap.plan = (unsigned)__builtin_popcount(ro.modes & ro.sc->irqchips);
	for (int m = 0; m < IRQCHIP_NR; m++) {
		char path[4096];
		int st, fd = -1, r;

		if (!(ro.modes & ro.sc->irqchips & (1u << m)))
			continue;
		if (keep) {
			snprintf(path, sizeof(path), "%s/%s.%s.itr", keep, ro.sc->name, irqchip_mode__name(m));
		} else {
			const char *tmp = getenv("TMPDIR");

			/* O_EXCL: never write through a file (or link) someone else put there */
			snprintf(path, sizeof(path), "%s/vmm-check-%d-%s.itr", tmp && *tmp ? tmp : "/tmp",
				 (int)getpid(), irqchip_mode__name(m));
			fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
			if (fd < 0) {
				fprintf(stderr, "vmm check: %s: %s\n", path, strerror(errno));
				return tap_finish(2, false);
			}
			close(fd);
		}
		ro.vm.irqchip = m;
		ro.vm.trace_path = path;
		printf("== %s, irqchip %s\n", ro.sc->name, irqchip_mode__name(m));
		fflush(stdout);
		st = vmm__run(&ro.vm);
		fflush(stdout);
		r = judge(path, ro.sc->name, m, expect, st, &opts);
		ran++;
		if (!keep)
			unlink(path);
		if (r > worst)
			worst = r;
		if (st == VMM_INTERRUPTED)
			break;	/* ^C stops every mode */
	}
	return tap_finish(worst, ran == tap.plan);
}
