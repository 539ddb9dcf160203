// SPDX-License-Identifier: MIT
/* ./vmm command line: run, probe. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "check_cmd.h"
#include "probe.h"
#include "trace_cmd.h"
#include "scenario.h"
#include "run.h"

#define VMM_VERSION "0.1.0"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vmm run [options] KERNEL.elf     boot KERNEL and run it (also: vmm KERNEL.elf)\n"
		"       vmm probe                        print this host's KVM facts, measured\n"
		"       vmm validate FILE.yaml...        check scenario configs, print a summary\n"
		"       vmm trace show|stats|export|diff|synth ...   read, export and compare traces\n"
		"                                        (vmm trace --help; docs/TRACE.md)\n"
		"       vmm check --scenario=FILE KERNEL | --trace=FILE.itr   judge deliveries\n"
		"                                        against the SDM oracle (vmm check --help)\n"
		"       vmm judge --scenario=FILE LOG    judge the event lines a guest printed\n"
		"                                        without ./vmm (e.g. QEMU -debugcon)\n"
		"       vmm --help | --version\n"
		"\n"
		"run options:\n"
		"  --boot=auto|pvh|multiboot|elf64  boot protocol (auto: PVH note, then multiboot\n"
		"                                   header, then plain ELF64 in long mode)\n"
		"  --cmdline=STRING                 kernel command line (default: empty)\n"
		"  --mem=SIZE                       guest RAM, e.g. 64M, 1G (default 64M)\n"
		"  --timeout=SECONDS                watchdog; 0 disables it (default 30)\n"
		"  --scenario=FILE.yaml             run a scenario (configs/): the guest program it\n"
		"                                   names, its injections, its checks\n"
		"  --irqchip=kernel|split|user|all  interrupt controllers: in-kernel, split (our\n"
		"                                   IOAPIC), user (our LAPIC and IOAPIC); default:\n"
		"                                   user for a plain run, all the scenario lists\n"
		"  --trace=FILE.itr                 record deliveries, IRETs and host events (docs/TRACE.md)\n"
		"  --kvm-tracepoints                with --trace: add KVM's own tracepoints (tracefs,\n"
		"                                   root; about 0.3 s to set up per run)\n"
		"  --interrupts                     print the guest's counters like /proc/interrupts\n"
		"  --vcpus=1|2                      vCPUs (default 1, or the scenario's vcpus:); APs\n"
		"                                   wait for INIT/SIPI as on a real machine\n"
		"  --strict                         known host divergences fail the run\n"
		"  --milestones                     print guest milestone times on stderr\n"
		"  --quiet                          do not print the guest console\n"
		"  --verbose                        log every VM exit on stderr\n"
		"\n"
		"exit status: 0 ok; 1 self-test failed; 2 bad usage or input; 4 guest died\n"
		"(triple fault, halt, assertion); 6 watchdog; 8 host/KVM error; 10 SIGINT/SIGTERM;\n"
		"odd values >= 3 are the guest's own isa-debug-exit codes, (value << 1) | 1.\n");
}

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -1;
	switch (*end) {
	case 'G': case 'g': v <<= 10; /* fall through */
	case 'M': case 'm': v <<= 10; /* fall through */
	case 'K': case 'k': v <<= 10; end++; break;
	case '\0': break;
	default: return -1;
	}
	if (*end)
		return -1;
	*out = v;
	return 0;
}

enum { OPT_BOOT = 256, OPT_CMDLINE, OPT_MEM, OPT_TIMEOUT, OPT_STRICT, OPT_QUIET, OPT_VERBOSE,
       OPT_MILESTONES, OPT_HELP, OPT_SCENARIO, OPT_IRQCHIP, OPT_TRACE, OPT_INTERRUPTS, OPT_KVM_TP,
       OPT_VCPUS };

static const struct option run_options[] = {
	{ "boot", required_argument, NULL, OPT_BOOT },
	{ "cmdline", required_argument, NULL, OPT_CMDLINE },
	{ "mem", required_argument, NULL, OPT_MEM },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "strict", no_argument, NULL, OPT_STRICT },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "verbose", no_argument, NULL, OPT_VERBOSE },
	{ "milestones", no_argument, NULL, OPT_MILESTONES },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "scenario", required_argument, NULL, OPT_SCENARIO },
	{ "irqchip", required_argument, NULL, OPT_IRQCHIP },
	{ "trace", required_argument, NULL, OPT_TRACE },
	{ "interrupts", no_argument, NULL, OPT_INTERRUPTS },
	{ "kvm-tracepoints", no_argument, NULL, OPT_KVM_TP },
	{ "vcpus", required_argument, NULL, OPT_VCPUS },
	{ NULL, 0, NULL, 0 },
};

static int bad(const char *fmt, const char *arg)
{
	fprintf(stderr, "vmm: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see vmm --help)\n");
	return 2;
}

/* A scenario runs once per irqchip mode it lists (or the one asked for). */
static int run_scenario(struct vmm_opts *o, const struct scenario *sc, unsigned modes,
			bool timeout_set)
{
	static char cmdline[IVM_CMDLINE_MAX];
	int worst = 0;

	if (snprintf(cmdline, sizeof(cmdline), "scenario=%s%s%s", sc->guest, o->cmdline[0] ? " " : "",
		     o->cmdline) >= (int)sizeof(cmdline))
		return bad("--cmdline: too long with the scenario's '%s'", sc->guest);
	o->cmdline = cmdline;
	o->scenario = sc;
	if (!timeout_set)
		o->timeout_s = sc->timeout_s;
	const char *trace = o->trace_path;
	unsigned nmodes = __builtin_popcount(modes & sc->irqchips);
	static char trace_mode[4096];

	for (int m = 0; m < IRQCHIP_NR; m++) {
		int st;

		if (!(modes & sc->irqchips & (1u << m)))
			continue;
		o->irqchip = m;
		if (trace && nmodes > 1) {
			/* one trace per mode: out.itr -> out.kernel.itr, out.split.itr, ... */
			size_t len = strlen(trace);
			bool ext = len > 4 && !strcmp(trace + len - 4, ".itr");

			if (snprintf(trace_mode, sizeof(trace_mode), "%.*s.%s.itr", (int)(ext ? len - 4 : len),
				     trace, irqchip_mode__name(m)) >= (int)sizeof(trace_mode))
				return bad("--trace: '%s' is too long", trace);
			o->trace_path = trace_mode;
			fprintf(stderr, "vmm: trace for irqchip %s: %s\n", irqchip_mode__name(m), trace_mode);
		}
		st = vmm__run(o);
		if (st && (!worst || st > worst))
			worst = st;
	}
	return worst;
}

static int cmd_run(int argc, char **argv)
{
	struct vmm_opts o = { .cmdline = "", .mem_size = IVM_MEM_DEFAULT, .timeout_s = 30,
			      .irqchip = IRQCHIP_USER };
	static struct scenario sc;
	const char *scenario_path = NULL;
	unsigned modes = IRQCHIP_ALL;
	bool timeout_set = false, mode_set = false;
	char *end, err[320];
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", run_options, NULL)) != -1) {
		switch (c) {
		case OPT_BOOT:
			if (boot_proto__parse(optarg, &o.boot) < 0)
				return bad("--boot: '%s' is not auto, pvh, multiboot or elf64", optarg);
			break;
		case OPT_CMDLINE:
			if (strlen(optarg) >= IVM_CMDLINE_MAX)
				return bad("--cmdline: longer than %s bytes", "4095");
			o.cmdline = optarg;
			break;
		case OPT_MEM:
			if (parse_size(optarg, &o.mem_size) < 0 || o.mem_size < (4u << 20) ||
			    o.mem_size > (3ull << 30) || o.mem_size & 0xfff)
				return bad("--mem: '%s' is not a page-aligned size from 4M to 3G", optarg);
			break;
		case OPT_TIMEOUT:
			errno = 0;
			o.timeout_s = strtod(optarg, &end);
			if (errno || end == optarg || *end || o.timeout_s < 0 || o.timeout_s > 86400)
				return bad("--timeout: '%s' is not a number of seconds (0..86400)", optarg);
			timeout_set = true;
			break;
		case OPT_VCPUS:
			errno = 0;
			o.vcpus = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || o.vcpus < 1 || o.vcpus > VMM_MAX_VCPUS)
				return bad("--vcpus: '%s' is not 1 or 2", optarg);
			break;
		case OPT_SCENARIO: scenario_path = optarg; break;
		case OPT_TRACE: o.trace_path = optarg; break;
		case OPT_INTERRUPTS: o.interrupts = true; break;
		case OPT_KVM_TP: o.kvm_tracepoints = true; break;
		case OPT_IRQCHIP:
			mode_set = true;
			if (!strcmp(optarg, "all")) {
				modes = IRQCHIP_ALL;
				break;
			}
			if (irqchip_mode__parse(optarg, &o.irqchip) < 0)
				return bad("--irqchip: '%s' is not kernel, split, user or all", optarg);
			modes = 1u << o.irqchip;
			break;
		case OPT_STRICT: o.strict = true; break;
		case OPT_QUIET: o.quiet = true; break;
		case OPT_VERBOSE: o.verbose = true; break;
		case OPT_MILESTONES: o.milestones = true; break;
		case OPT_HELP: usage(stdout); return 0;
		default:
			return bad("run: unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return bad("run: %s", optind >= argc ? "no KERNEL.elf given" : "more than one KERNEL given");
	o.kernel = argv[optind];
	if (scenario_path) {
		if (scenario__load(scenario_path, &sc, err, sizeof(err)) < 0) {
			fprintf(stderr, "vmm: %s\n", err);
			return 2;
		}
		if (!(modes & sc.irqchips))
			return bad("--irqchip: the scenario does not run under %s", irqchip_mode__name(o.irqchip));
		if (o.vcpus && o.vcpus != sc.vcpus)
			return bad("--vcpus: the scenario says how many vCPUs it needs (%s)",
				   sc.vcpus == 1 ? "1" : "2");
		return run_scenario(&o, &sc, modes, timeout_set);
	}
	if (mode_set && modes == IRQCHIP_ALL)
		return bad("--irqchip=all: %s", "only with --scenario");
	return vmm__run(&o);
}

/* Parse each scenario config; summary line per file, one error line per bad one. */
static int cmd_validate(int argc, char **argv)
{
	static struct scenario sc;
	char err[320];
	int bad_files = 0;

	if (argc < 2)
		return bad("validate: %s", "no FILE.yaml given");
	for (int i = 1; i < argc; i++) {
		if (scenario__load(argv[i], &sc, err, sizeof(err)) < 0) {
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
	static struct scenario sc;
	struct ivm_event *ev;
	uint32_t dropped;
	size_t n;
	char err[320];
	unsigned bad_checks;

	if (argc != 3 || strncmp(argv[1], "--scenario=", 11))
		return bad("judge: %s", "usage: vmm judge --scenario=FILE.yaml LOG");
	if (scenario__load(argv[1] + 11, &sc, err, sizeof(err)) < 0 ||
	    check__read_event_log(argv[2], &ev, &n, &dropped, err, sizeof(err)) < 0) {
		fprintf(stderr, "vmm: %s\n", err);
		return 2;
	}
	bad_checks = check__report(&sc, IRQCHIP_NR, "event log", ev, n, false, stdout);
	free(ev);
	if (dropped) {
		printf("scenario %s: event stream incomplete: %u dropped by the guest\n", sc.name, dropped);
		bad_checks++;
	}
	return bad_checks ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("vmm %s\n", VMM_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(argv[1], "trace"))
		return trace_cmd__main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "check"))
		return check_cmd__main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "judge"))
		return cmd_judge(argc - 1, argv + 1);
	if (!strcmp(argv[1], "validate"))
		return cmd_validate(argc - 1, argv + 1);
	if (!strcmp(argv[1], "probe"))
		return argc == 2 ? probe__main(stdout) : bad("probe: takes no arguments%s", "");
	if (argv[1][0] != '-' && strchr(argv[1], '.'))	/* `vmm guest.elf` */
		return cmd_run(argc, argv);
	return bad("unknown command '%s'", argv[1]);
}
