// SPDX-License-Identifier: MIT
/* `vmm trace SUBCOMMAND`: the entry point vmm/main.c dispatches to. */
#include <string.h>
#include "trace_cmd.h"

static void trace_usage(FILE *f)
{
	fprintf(f,
		"usage: vmm trace show FILE                 one line per record (QEMU -d int style)\n"
		"       vmm trace stats FILE                counts, vectors, nesting, unmatched, lost\n"
		"       vmm trace export --format json|chrome [-o OUT] FILE\n"
		"                                           JSON of every field, or Chrome trace events\n"
		"                                           (ui.perfetto.dev, chrome://tracing)\n"
		"       vmm trace diff [--all] [--ignore=F,..] [--vcpu=N] A B\n"
		"                                              first divergence with context, and a summary\n"
		"                                           (--all: host records too)\n"
		"       vmm trace synth [--records N] [--seed S] [--vcpus V]\n"
		"                       [--mutate swap|drop|extra|errcode|nest [--at INDEX]] -o FILE\n"
		"                                           a synthetic trace, one planted defect\n"
		"\n"
		"exit status: 0 ok / same; 1 truncated trace (show, stats, export) or traces differ\n"
		"(diff); 2 bad usage, unreadable or corrupt file (one line: FILE: offset 0xN: what).\n"
		"The format is described in docs/TRACE.md.\n");
}

int trace_cmd__main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "show", itr_show__main }, { "stats", itr_stats__main }, { "export", itr_export__main },
		{ "diff", itr_diff__main }, { "synth", itr_synth__main },
	};

	if (argc < 2) {
		trace_usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		trace_usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "vmm trace: unknown command '%s' (see vmm trace --help)\n", argv[1]);
	return 2;
}
