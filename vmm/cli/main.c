// SPDX-License-Identifier: MIT
/* ./vmm command line: run, probe, validate, judge; trace and check dispatch from here. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "scenario/check.h"
#include "check_cmd.h"
#include "lib/opt.h"
#include "probe.h"
#include "trace/trace_cmd.h"
#include "scenario/scenario.h"
#include "core/run.h"
#include "replay_cmd.h"
#include "storm_cmd.h"
#include "conformance_cmd.h"
#include "qemu_cmd.h"
#include "runopt.h"
#include "json_out.h"

#define VMM_VERSION "0.1.0"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vmm run [options] KERNEL       boot KERNEL and run it (also: vmm [options] KERNEL)\n"
		"       vmm probe                      print this host's KVM facts, measured\n"
		"       vmm validate FILE.yaml...      check scenario configs, print a summary\n"
		"       vmm trace show|stats|export|diff|synth ...   read, export and compare traces\n"
		"                                      (vmm trace --help; docs/TRACE.md)\n"
		"       vmm check --scenario=FILE KERNEL | --trace=FILE.itr   judge deliveries\n"
		"                                      against the SDM oracle (vmm check --help)\n"
		"       vmm replay TRACE.itr [KERNEL]  re-run a recorded trace, every injection and\n"
		"                                      delivery at its place, and diff (vmm replay --help)\n"
		"       vmm storm [options] [KERNEL]   seeded interrupt and fault storms, judged, a\n"
		"                                      violation shrunk to a config (vmm storm --help)\n"
		"       vmm conformance [options] [KERNEL]  every check on every target (KVM modes,\n"
		"                                      QEMU TCG, nested kvm_amd): a matrix of\n"
		"                                      divergences (vmm conformance --help)\n"
		"       vmm judge --scenario=FILE LOG  judge the event lines a guest printed\n"
		"                                      without ./vmm (e.g. QEMU -debugcon)\n"
		"       vmm qemu [QEMU OPTIONS]        QEMU's command line, the subset kvm-unit-tests\n"
		"                                      uses (also as qemu-system-x86_64; vmm qemu --help)\n"
		"       vmm --help | --version\n"
		"       vmm COMMAND --help             that command's usage and options\n"
		"\n"
		"run options (a value goes in --opt=VALUE or --opt VALUE; numbers are decimal\n"
		"or 0x hex):\n"
		"  --boot=auto|pvh|multiboot|elf64  boot protocol (auto: PVH note, then multiboot\n"
		"                                   header, then plain ELF64 in long mode)\n"
		"  --cmdline=STRING                 kernel command line (default: empty)\n"
		"  --initrd=FILE                    FILE as boot module 0 (multiboot module, PVH\n"
		"                                   modlist), in RAM after the kernel\n"
		"  --mem=SIZE                       guest RAM, 4M to 3G, page aligned, e.g. 64M,\n"
		"                                   1G, 0x8000000 (default 64M)\n"
		"  --timeout=SECONDS                watchdog, e.g. 30 or 2.5; 0 disables it\n"
		"                                   (default 30, at most 86400)\n"
		"  --scenario=FILE.yaml             run a scenario (configs/): the guest program it\n"
		"                                   names, its injections, its checks\n"
		"  --irqchip=kernel|split|user|all  interrupt controllers: in-kernel, split (our\n"
		"                                   IOAPIC), user (our LAPIC and IOAPIC); default:\n"
		"                                   user for a plain run, all the scenario lists\n"
		"  --trace=FILE.itr                 record deliveries, IRETs and host events (docs/TRACE.md)\n"
		"  --kvm-tracepoints                with --trace: add KVM's own tracepoints (tracefs,\n"
		"                                   root; about 0.3 s to set up per run)\n"
		"  --interrupts                     print the guest's counters like /proc/interrupts\n"
		"  --vcpus=1..8                     vCPUs (default 1, or the scenario's vcpus:); APs\n"
		"                                   wait for INIT/SIPI as on a real machine\n"
		"  --pci-testdev                    QEMU's pci-testdev on PCI bus 0 (00:01.0), BARs at\n"
		"                                   0xfe000000 and port 0xc000 (the i440FX host\n"
		"                                   bridge at 00:00.0 is always there)\n"
		"  --strict                         known host divergences fail the run\n"
		"  --milestones                     print guest milestone times on stderr\n"
		RUNOPT_RESULTS_HELP
		RUNOPT_TAP_HELP
		JSON_OUT_HELP
		"  --quiet                          do not print the guest console, nor the notes\n"
		"                                   on emulation failures turned into #UD\n"
		"  --verbose                        log every VM exit on stderr\n"
		"  --help                           this text\n"
		"\n"
		"exit status: 0 ok; 1 self-test failed; 2 bad usage or input (one line on\n"
		"stderr); 4 guest died (triple fault, halt, assertion); 6 watchdog; 8 host/KVM\n"
		"error; 10 SIGINT/SIGTERM; odd values >= 3 are the guest's own isa-debug-exit\n"
		"codes, (value << 1) | 1.\n");
}

static void probe_usage(FILE *f)
{
	fprintf(f,
		"usage: vmm probe\n"
		"\n"
		"Prints this host's KVM facts: the API version, the backend, capabilities,\n"
		"which irqchip modes can be created, and four measurements taken with tiny\n"
		"hand-assembled guests.\n"
		"\n"
		"  --help                           this text\n"
		"\n"
		"exit status: 0 ok; 2 bad usage; 8 /dev/kvm unusable or a required capability\n"
		"missing (named).\n");
}

static void validate_usage(FILE *f)
{
	size_t col = 0;

	fprintf(f,
		"usage: vmm validate [--kernel=KERNEL] FILE.yaml...\n"
		"\n"
		"Parses each scenario config (docs/SCENARIOS.md) and prints a summary line\n"
		"for each good one, one error line FILE:LINE:COL: what, for each bad one.\n"
		"Without --kernel, guest: must name one of guest.elf's programs:\n");
	for (const char *const *g = scenario__guest_programs(); *g; g++) {
		if (col && col + 1 + strlen(*g) > 78) {
			fputc('\n', f);
			col = 0;
		}
		col += (size_t)fprintf(f, "%s%s", col ? " " : "  ", *g);
	}
	fprintf(f,
		"\n"
		"\n"
		"  --kernel=KERNEL                  guest: must name a scenario program KERNEL\n"
		"                                   registers instead (IVM_SCENARIO, read from its\n"
		"                                   .ivm_programs section): a test kernel built\n"
		"                                   against the guest library, libivm-guest.a\n"
		"  --help                           this text\n"
		"\n"
		"exit status: 0 every file is good; 2 a file is bad, KERNEL is unreadable or\n"
		"not a kernel of the guest library, or bad usage.\n");
}

static void judge_usage(FILE *f)
{
	fprintf(f,
		"usage: vmm judge --scenario=FILE.yaml LOG\n"
		"\n"
		"Judges the event lines a guest printed without ./vmm (under QEMU with\n"
		"-debugcon: 'ev ...' lines, then 'ev head=H dropped=X') with the scenario's\n"
		"checks. No host divergence is pinned there: every check must pass.\n"
		"\n"
		"  --scenario=FILE.yaml             the scenario whose checks apply (required)\n"
		"  --help                           this text\n"
		"\n"
		"exit status: 0 every check passed; 1 a check failed or the guest dropped\n"
		"events; 2 bad usage or input.\n");
}

static const struct option run_options[] = {
	{ "boot", required_argument, NULL, RUNOPT_BOOT },
	{ "cmdline", required_argument, NULL, RUNOPT_CMDLINE },
	{ "mem", required_argument, NULL, RUNOPT_MEM },
	{ "timeout", required_argument, NULL, RUNOPT_TIMEOUT },
	{ "strict", no_argument, NULL, RUNOPT_STRICT },
	{ "quiet", no_argument, NULL, RUNOPT_QUIET },
	{ "verbose", no_argument, NULL, RUNOPT_VERBOSE },
	{ "milestones", no_argument, NULL, RUNOPT_MILESTONES },
	{ "results", required_argument, NULL, RUNOPT_RESULTS },
	{ "tap", no_argument, NULL, RUNOPT_TAP },
	{ "json", required_argument, NULL, RUNOPT_JSON },
	{ "help", no_argument, NULL, 'h' },
	{ "scenario", required_argument, NULL, RUNOPT_SCENARIO },
	{ "irqchip", required_argument, NULL, RUNOPT_IRQCHIP },
	{ "trace", required_argument, NULL, RUNOPT_TRACE },
	{ "interrupts", no_argument, NULL, RUNOPT_INTERRUPTS },
	{ "kvm-tracepoints", no_argument, NULL, RUNOPT_KVM_TP },
	{ "vcpus", required_argument, NULL, RUNOPT_VCPUS },
	{ "initrd", required_argument, NULL, RUNOPT_INITRD },
	{ "pci-testdev", no_argument, NULL, RUNOPT_PCI_TESTDEV },
	{ NULL, 0, NULL, 0 },
};

static const struct option help_only[] = {
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* One error line, "vmm: ... (see vmm --help)"; returns exit status 2. */
static int bad(const char *fmt, const char *arg)
{
	fprintf(stderr, "vmm: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see vmm --help)\n");
	return 2;
}

/* The same for a command's getopt_long '?' or ':', naming the option. */
static int bad_option(const char *cmd, int c, char **argv, const struct option *lo)
{
	char what[160];

	opt__getopt_error(c, argv, lo, what, sizeof(what));
	if (cmd)
		fprintf(stderr, "vmm %s: %s (see vmm %s --help)\n", cmd, what, cmd);
	else
		fprintf(stderr, "vmm: %s (see vmm --help)\n", what);
	return 2;
}

/* A scenario runs once per irqchip mode it lists (or those asked for); *@all: every one ran. */
static int run_scenario(struct vmm_opts *o, const struct scenario *sc, unsigned modes,
			struct json_out *j, bool *all)
{
	static char trace_mode[4096];
	const char *trace = o->trace_path;
	unsigned nmodes = __builtin_popcount(modes & sc->irqchips);
	size_t len = trace ? strlen(trace) : 0;
	bool ext = len > 4 && !strcmp(trace + len - 4, ".itr");
	int worst = 0;
	unsigned ran = 0;

	*all = false;
	/* one trace per mode: out.itr -> out.kernel.itr, ... ("kernel" is the longest name) */
	if (trace && nmodes > 1 &&
	    (ext ? len - 4 : len) + sizeof(".kernel.itr") > sizeof(trace_mode))
		return bad("--trace: '%s' is too long", trace);
	for (int m = 0; m < IRQCHIP_NR; m++) {
		int st;

		if (!(modes & sc->irqchips & (1u << m)))
			continue;
		o->irqchip = m;
		if (trace && nmodes > 1) {
			snprintf(trace_mode, sizeof(trace_mode), "%.*s.%s.itr", (int)(ext ? len - 4 : len),
				 trace, irqchip_mode__name(m));
			o->trace_path = trace_mode;
			fprintf(stderr, "vmm: trace for irqchip %s: %s\n", irqchip_mode__name(m), trace_mode);
		}
		st = vmm__run(o);
		json_out__run(j, j->f, ran++ ? "," : "", st, m, false);
		if (st && (!worst || st > worst))
			worst = st;
		if (st == VMM_USAGE || st == VMM_INTERRUPTED)
			break;	/* bad input is bad for every mode; ^C stops them all */
	}
	*all = ran == nmodes;
	return worst;
}

/* `vmm run ...`, or `vmm [options] KERNEL` (then argv[0] is the program name). */
static int cmd_run(int argc, char **argv)
{
	struct runopt ro;
	struct json_out jo;
	char err[320];
	bool all = true;
	int c, st;

	runopt__init(&ro);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", run_options, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return 0;
		}
		if (c == '?' || c == ':')
			return bad_option(NULL, c, argv, run_options);
		if (runopt__parse(&ro, c, optarg, err, sizeof(err)) < 0)
			return bad("%s", err);
	}
	if (optind != argc - 1)
		return bad("run: %s", optind >= argc ? "no KERNEL given" : "more than one KERNEL given");
	if (ro.tap && ro.json_path && !strcmp(ro.json_path, "-"))
		return bad("%s", "--json: '-' is standard output, which --tap has");
	if (runopt__finish(&ro, argv[optind], err, sizeof(err)) < 0) {
		if (err[0] == '-')
			return bad("%s", err);	/* about an option: where to read more */
		fprintf(stderr, "vmm: %s\n", err);
		return 2;
	}
	if (json_out__open(&jo, ro.json_path, "vmm run", err, sizeof(err)) < 0) {
		fprintf(stderr, "vmm: %s\n", err);
		return 2;
	}
	if (ro.sc) {
		st = run_scenario(&ro.vm, ro.sc, ro.modes, &jo, &all);
	} else {
		st = vmm__run(&ro.vm);
		json_out__run(&jo, jo.f, "", st, ro.vm.irqchip, false);
	}
	if (json_out__close(&jo, all, st, err, sizeof(err)) < 0) {
		fprintf(stderr, "vmm: %s\n", err);
		st = st ? st : VMM_HOST_ERROR;
	}
	return st;
}

/* The options of a command that has none but --help: 1 = go on, else the exit status. */
static int help_or_bad(int argc, char **argv, const char *cmd, void (*usage_fn)(FILE *))
{
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", help_only, NULL)) != -1) {
		if (c != 'h')
			return bad_option(cmd, c, argv, help_only);
		usage_fn(stdout);
		return 0;
	}
	return 1;
}

/* Parse each scenario config; summary line per file, one error line per bad one. */
static int cmd_validate(int argc, char **argv)
{
	static const struct option validate_options[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct scenario sc;
	const char *kernel = NULL;
	const char *const *programs = NULL;
	char err[320];
	int bad_files = 0, c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", validate_options, NULL)) != -1) {
		switch (c) {
		case 'k': kernel = optarg; break;
		case 'h': validate_usage(stdout); return 0;
		default: return bad_option("validate", c, argv, validate_options);
		}
	}
	if (optind >= argc)
		return bad("validate: %s", "no FILE.yaml given");
	/* a bad KERNEL is one line before any file's */
	if (kernel && !(programs = runopt__kernel_scenarios(kernel, err, sizeof(err)))) {
		fprintf(stderr, "vmm: %s\n", err);
		return 2;
	}
	for (int i = optind; i < argc; i++) {
		if (scenario__load(argv[i], &sc, err, sizeof(err)) < 0 ||
		    (programs ? scenario__check_guest_in(&sc, argv[i], programs, kernel, err, sizeof(err)) :
		     scenario__check_guest(&sc, argv[i], err, sizeof(err))) < 0) {
			fprintf(stderr, "vmm: %s\n", err);
			bad_files++;
			continue;
		}
		printf("%s: ok: %s, guest program '%s', %u step%s, %u check%s, irqchip", argv[i], sc.name,
		       sc.guest, sc.nsteps, sc.nsteps == 1 ? "" : "s", sc.nchecks, sc.nchecks == 1 ? "" : "s");
		for (int m = 0; m < IRQCHIP_NR; m++)
			if (sc.irqchips & (1u << m))
				printf(" %s", irqchip_mode__name(m));
		printf("\n");
	}
	return bad_files ? 2 : 0;
}

/* The same checks over a guest's printed event log (a run under QEMU): no pins apply. */
static int cmd_judge(int argc, char **argv)
{
	static const struct option judge_options[] = {
		{ "scenario", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct scenario sc;
	const char *scenario_path = NULL;
	struct ivm_event *ev;
	uint32_t dropped;
	size_t n;
	char err[320];
	unsigned bad_checks;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", judge_options, NULL)) != -1) {
		switch (c) {
		case 's': scenario_path = optarg; break;
		case 'h': judge_usage(stdout); return 0;
		default: return bad_option("judge", c, argv, judge_options);
		}
	}
	if (!scenario_path || optind != argc - 1) {
		fprintf(stderr, "vmm judge: %s (see vmm judge --help)\n",
			!scenario_path ? "--scenario=FILE.yaml is required" :
			optind >= argc ? "no LOG given" : "more than one LOG given");
		return 2;
	}
	if (scenario__load(scenario_path, &sc, err, sizeof(err)) < 0 ||
	    check__read_event_log(argv[optind], &ev, &n, &dropped, err, sizeof(err)) < 0) {
		fprintf(stderr, "vmm: %s\n", err);
		return 2;
	}
	n = check__hide_frames(&sc, ev, n);
	bad_checks = check__report(&sc, IRQCHIP_NR, "event log", ev, n, false, stdout);
	free(ev);
	if (dropped) {
		printf("scenario %s: event stream incomplete: %u dropped by the guest\n", sc.name, dropped);
		bad_checks++;
	}
	return bad_checks ? 1 : 0;
}

static int cmd_probe(int argc, char **argv)
{
	int st = help_or_bad(argc, argv, "probe", probe_usage);

	if (st != 1)
		return st;
	if (optind != argc) {
		fprintf(stderr, "vmm probe: takes no arguments (see vmm probe --help)\n");
		return 2;
	}
	return probe__main(stdout);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "run", cmd_run }, { "trace", trace_cmd__main }, { "check", check_cmd__main },
		{ "replay", replay_cmd__main }, { "storm", storm_cmd__main },
		{ "conformance", conformance_cmd__main },
		{ "judge", cmd_judge }, { "validate", cmd_validate }, { "probe", cmd_probe },
		{ "qemu", qemu_cmd__main },
	};
	const char *base = argc > 0 ? strrchr(argv[0], '/') : NULL;
	struct stat st;

	/* a symlink named qemu-system-x86_64: QEMU's command line (kvm-unit-tests' QEMU=) */
	base = base ? base + 1 : argc > 0 ? argv[0] : "";
	if (!strcmp(base, QEMU_CMD_ALIAS))
		return qemu_cmd__main(argc, argv);
	if (argc < 2)
		return bad("%s", "no command or KERNEL given");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		if (argc > 2)
			return bad("--version: %s", "takes no arguments");
		printf("vmm %s\n", VMM_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	/* `vmm guest.elf`, `vmm --quiet guest.elf`: options first, or any existing file */
	if (argv[1][0] == '-' || stat(argv[1], &st) == 0)
		return cmd_run(argc, argv);
	return bad("unknown command '%s', and no file of that name", argv[1]);
}
