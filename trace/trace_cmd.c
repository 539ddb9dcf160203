// SPDX-License-Identifier: MIT
/*
 * `vmm trace SUBCOMMAND`: the entry point vmm/cli/main.c dispatches to. It owns
 * every verb's --help, names any bad option in one line, and checks synth's
 * numbers with the strict parser (lib/opt.c) before synth.c parses them.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "lib/opt.h"
#include "trace_cmd.h"

static void trace_usage(FILE *f)
{
	fprintf(f,
		"usage: vmm trace show FILE                 one line per record (QEMU -d int style)\n"
		"       vmm trace stats FILE                counts, vectors, nesting, unmatched, lost\n"
		"       vmm trace export --format=json|chrome [-o OUT] FILE\n"
		"                                           JSON of every field, or Chrome trace events\n"
		"                                           (ui.perfetto.dev, chrome://tracing)\n"
		"       vmm trace diff [--all] [--ignore=FIELD,...] [--skip=TYPE,...] [--vcpu=N] A B\n"
		"                                           first divergence with context, and a summary\n"
		"       vmm trace synth [--records=N] [--seed=S] [--vcpus=V]\n"
		"                       [--mutate=swap|drop|extra|errcode|nest [--at=INDEX]] -o FILE\n"
		"                                           a synthetic trace, one planted defect\n"
		"       vmm trace synth --arch [--plant=DEFECT] -o FILE\n"
		"                                           the oracle's exact stream, one planted defect\n"
		"       vmm trace VERB --help               that verb's options\n"
		"\n"
		"exit status: 0 ok / same; 1 truncated trace (show, stats, export) or traces differ\n"
		"(diff); 2 bad usage, unreadable or corrupt file (one line: FILE: offset 0xN: what).\n"
		"The format is described in docs/TRACE.md.\n");
}

static void show_usage(FILE *f)
{
	fprintf(f,
		"usage: vmm trace show FILE\n"
		"\n"
		"A header line (scenario, irqchip, host, guest command line), then one line per\n"
		"record in QEMU -d int style, indented by nesting depth per vCPU.\n"
		"\n"
		"  --help                           this text\n"
		"\n"
		"exit status: 0 ok; 1 truncated trace (what is complete is shown); 2 bad usage,\n"
		"unreadable or corrupt file (one line: FILE: offset 0xN: what).\n");
}

static void stats_usage(FILE *f)
{
	fprintf(f,
		"usage: vmm trace stats FILE\n"
		"\n"
		"Counts per record type and vector, nesting depth, unmatched entries and IRETs,\n"
		"and records the guest lost.\n"
		"\n"
		"  --help                           this text\n"
		"\n"
		"exit status: 0 ok; 1 truncated trace; 2 bad usage, unreadable or corrupt file.\n");
}

static void export_usage(FILE *f)
{
	fprintf(f,
		"usage: vmm trace export --format=json|chrome [-o OUT] FILE\n"
		"\n"
		"  -f, --format=json|chrome         json: every field of every record; chrome:\n"
		"                                   Chrome trace events, a track per vCPU and a\n"
		"                                   slice per delivery (ui.perfetto.dev)\n"
		"  -o, --output=OUT                 write to OUT (default: stdout)\n"
		"  --help                           this text\n"
		"\n"
		"exit status: 0 ok; 1 truncated trace; 2 bad usage, unreadable or corrupt file.\n");
}

static void diff_usage(FILE *f)
{
	fprintf(f,
		"usage: vmm trace diff [--all] [--ignore=FIELD,...] [--skip=TYPE,...] [--vcpu=N] A B\n"
		"\n"
		"Compares B against A: the first divergence with context, then a summary of\n"
		"records missing in B, extra in B and field mismatches. By default: what the\n"
		"guest saw, and what was injected into it.\n"
		"\n"
		"  --all                            host records too, and every RFLAGS bit\n"
		"  --ignore=FIELD,...               frame fields not to compare: rip, rsp,\n"
		"                                   rflags, cs, ss, stack\n"
		"  --skip=TYPE,...                  guest record types to leave out: entry, iret,\n"
		"                                   eoi, tpr, softirq, tasklet, sync, mark, isr,\n"
		"                                   if, rte\n"
		"  --vcpu=N                         only vCPU N's records (0..255); both traces\n"
		"                                   must have some\n"
		"  --help                           this text\n"
		"\n"
		"exit status: 0 same; 1 the traces differ; 2 bad usage, unreadable or corrupt\n"
		"file, or a trace without vCPU N.\n");
}

static void synth_usage(FILE *f)
{
	fprintf(f,
		"usage: vmm trace synth [--records=N] [--seed=S] [--vcpus=V]\n"
		"                       [--mutate=swap|drop|extra|errcode|nest [--at=INDEX]] -o FILE\n"
		"       vmm trace synth --arch [--plant=DEFECT] -o FILE\n"
		"\n"
		"  --records=N                      records before the mutation (default 1000,\n"
		"                                   at most 2^40)\n"
		"  --seed=S                         random seed (default 1)\n"
		"  --vcpus=V                        vCPUs, 1..8 (default 1)\n"
		"  --mutate=KIND                    plant one defect: swap, drop, extra, errcode\n"
		"                                   or nest (its seq goes to stderr)\n"
		"  --at=INDEX                       first record the mutation may touch (default:\n"
		"                                   3/4 of --records)\n"
		"  --arch                           the oracle's short, architecturally exact\n"
		"                                   stream instead (vmm check --trace)\n"
		"  --plant=DEFECT                   with --arch: order, lost, no-iret, nest, nmi, if,\n"
		"                                   tpr, errcode, depth, extra or eoi\n"
		"  -o, --output=FILE                the trace to write (required)\n"
		"  --help                           this text\n"
		"\n"
		"Numbers are decimal or 0x hex. exit status: 0 written; 2 bad usage or I/O error.\n");
}

/*
 * Each verb's own getopt table (trace_cmd.h), so that every bad option is named
 * here in one line, as getopt sees it, and synth's numbers go through the
 * strict parser (lib/opt.c), before the verb parses them.
 */
static const struct option no_opts[] = {
	{ NULL, 0, NULL, 0 },
};

struct verb {
	const char *name;
	int (*fn)(int, char **);
	void (*usage)(FILE *);
	const struct option *opts;
	const char *shortopts;		/* with a leading ':' */
};

static int verb_bad(const struct verb *v, const char *what)
{
	fprintf(stderr, "vmm trace %s: %s (see vmm trace %s --help)\n", v->name, what, v->name);
	return 2;
}

/* synth's numbers; 0 or 2 (reported) */
static int synth_number(const struct verb *v, int c, const char *arg)
{
	static const struct {
		int c;
		const char *opt, *want;
		uint64_t min, max;
	} nums[] = {
		{ 'n', "--records", "a count (0 to 2^40)", 0, 1ull << 40 },
		{ 's', "--seed", "a number (0 to 2^64-1)", 0, UINT64_MAX },
		{ 'a', "--at", "a record index", 0, UINT64_MAX },
		{ 'v', "--vcpus", "1..8", 1, 8 },
	};
	char what[200];
	uint64_t x;

	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		if (nums[i].c != c || opt__u64(arg, nums[i].min, nums[i].max, &x) == 0)
			continue;
		snprintf(what, sizeof(what), "%s: '%.80s' is not %s", nums[i].opt, arg, nums[i].want);
		return verb_bad(v, what);
	}
	return 0;
}

/*
 * The verb's options before the verb parses them: 0 = go on, 2 = a bad one
 * (reported). Runs on a copy of argv (getopt_long permutes what it parses)
 * and leaves getopt as new for the verb's own pass.
 */
static int check_options(const struct verb *v, int argc, char **argv)
{
	static char prog[] = "vmm", *none[] = { prog, NULL };
	char **copy, what[200];
	int c, ret = 0;

	copy = calloc(argc + 1, sizeof(*copy));
	if (!copy)
		return 0;	/* the verb still parses them */
	memcpy(copy, argv, argc * sizeof(*copy));
	optind = 1;
	opterr = 0;
	while (!ret && (c = getopt_long(argc, copy, v->shortopts, v->opts, NULL)) != -1) {
		if (c == '?' || c == ':') {
			opt__getopt_error(c, copy, v->opts, what, sizeof(what));
			ret = verb_bad(v, what);
		} else if (v->opts == itr_synth__opts) {
			ret = synth_number(v, c, optarg);
		}
	}
	free(copy);
	optind = 0;	/* re-initialise: a stopped parse may be inside a cluster like -zo */
	getopt_long(1, none, "", v->opts, NULL);
	return ret;
}

int trace_cmd__main(int argc, char **argv)
{
	static const struct verb cmds[] = {
		{ "show", itr_show__main, show_usage, no_opts, ":" },
		{ "stats", itr_stats__main, stats_usage, no_opts, ":" },
		{ "export", itr_export__main, export_usage, itr_export__opts, ":o:f:" },
		{ "diff", itr_diff__main, diff_usage, itr_diff__opts, ":" },
		{ "synth", itr_synth__main, synth_usage, itr_synth__opts, ":o:" },
	};

	if (argc < 2) {
		fprintf(stderr, "vmm trace: no command given (see vmm trace --help)\n");
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		trace_usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[1], cmds[i].name))
			continue;
		for (int k = 2; k < argc && strcmp(argv[k], "--"); k++) {
			if (!strcmp(argv[k], "--help") || !strcmp(argv[k], "-h")) {
				cmds[i].usage(stdout);
				return 0;
			}
		}
		if (check_options(&cmds[i], argc - 1, argv + 1))
			return 2;
		return cmds[i].fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "vmm trace: unknown command '%s' (see vmm trace --help)\n", argv[1]);
	return 2;
}
