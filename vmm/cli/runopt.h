/* SPDX-License-Identifier: MIT */
/*
 * The options of every command that runs the guest (vmm run and vmm check
 * now; replay and storm next): one parser, so a value means the same and is
 * refused with the same line whichever command it is given to. A command
 * lists the RUNOPT_* options it accepts in its own getopt table and hands
 * each of them to runopt__parse.
 */
#ifndef VMM_RUNOPT_H
#define VMM_RUNOPT_H

#include <stdbool.h>
#include <stddef.h>
#include "scenario/scenario.h"
#include "vm/vm.h"

enum runopt_code {
	RUNOPT_BOOT = 0x100, RUNOPT_CMDLINE, RUNOPT_MEM, RUNOPT_TIMEOUT, RUNOPT_SCENARIO,
	RUNOPT_IRQCHIP, RUNOPT_TRACE, RUNOPT_KVM_TP, RUNOPT_INTERRUPTS, RUNOPT_VCPUS,
	RUNOPT_STRICT, RUNOPT_QUIET, RUNOPT_VERBOSE, RUNOPT_MILESTONES, RUNOPT_RESULTS,
	RUNOPT_TAP,
	RUNOPT_INITRD,
	RUNOPT_JSON,
	RUNOPT_PCI_TESTDEV,
	RUNOPT_END	/* a command's own option codes start here */
};

struct runopt {
	struct vmm_opts vm;		/* what each vmm__run gets */
	const char *scenario_path;	/* --scenario */
	unsigned modes;			/* --irqchip: enum irqchip_mode bits; IRQCHIP_ALL if not given */
	bool mode_set, timeout_set;
	bool tap;			/* --tap: runopt__finish opens the TAP stream */
	const char *json_path;		/* --json: the command writes it (json_out.h); "-": stdout */
	struct scenario *sc;		/* loaded by runopt__finish, NULL without --scenario */
};

/* The help line of --results, for the commands that list it */
#define RUNOPT_RESULTS_HELP \
	"  --results=FILE                   write each self-test result to FILE, one line each\n"

/* The help lines of --tap, for vmm run */
#define RUNOPT_TAP_HELP \
	"  --tap                            TAP (version 13) on stdout instead of the tables: a\n" \
	"                                   point per self-test case or scenario check; the\n" \
	"                                   guest console goes to stderr\n"

/* The defaults: no command line, IVM_MEM_DEFAULT, 30 s watchdog, irqchip user. */
void runopt__init(struct runopt *ro);
/*
 * Option @c (a RUNOPT_* code) with value @arg. 0, or -1 with one line
 * "--opt: 'value' is not ..." in @err.
 */
int runopt__parse(struct runopt *ro, int c, const char *arg, char *err, size_t n);
/* "user", "kernel,split" or "all" -> bits of enum irqchip_mode; -1 if none or unknown. */
int runopt__parse_modes(const char *s, unsigned *bits);
/*
 * After the options, with the KERNEL argument: the kernel is read and parsed
 * as vmm__run will (so a bad one is one line before any output), the scenario
 * loaded and matched against --irqchip and --vcpus (and, for a kernel of the
 * guest library, its guest: against the kernel's registered scenarios), and
 * its guest program and timeout applied. 0, or -1 with one line in @err. With --tap, last, the TAP
 * stream is opened (report__tap) on stdout, and stdout becomes stderr for
 * everything else.
 */
int runopt__finish(struct runopt *ro, const char *kernel, char *err, size_t n);
/*
 * --tap (vmm run, vmm check): a stream on what stdout is now, for the TAP;
 * stdout itself becomes stderr, so nothing else (the guest console, the
 * tables) can break the TAP. NULL with one line in @err.
 */
FILE *runopt__tap_stdout(char *err, size_t n);
/* @o->kernel read and parsed as vmm__run will; -1 with "KERNEL: ..." in @err. */
int runopt__check_kernel(const struct vmm_opts *o, char *err, size_t n);
/*
 * @sc's guest program against @o->kernel's own .ivm_programs (vmm storm: the
 * storm program, or a --scenario's guest: from @sc_path): one line in @err
 * and -1 if the kernel lacks it. A kernel without the section (not ELF64, or
 * not linked with the guest library) can't say: a --scenario's guest: is then
 * held to this tree's guest.elf, the plain storm program to nothing.
 */
int runopt__check_program(const struct vmm_opts *o, const struct scenario *sc, const char *sc_path,
			  char *err, size_t n);
/*
 * The scenario programs @kernel registers (its .ivm_programs section, guest/ivm.h
 * IVM_SCENARIO), NULL-terminated; NULL with one line "KERNEL: ..." in @err when
 * the file can't be read, is a bad ELF, or has no such section.
 */
const char *const *runopt__kernel_scenarios(const char *kernel, char *err, size_t n);

#endif
