// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "boot/loader.h"
#include "boot/progs.h"
#include "core/report.h"
#include "lib/file.h"
#include "lib/opt.h"
#include "runopt.h"

void runopt__init(struct runopt *ro)
{
	memset(ro, 0, sizeof(*ro));
	ro->vm.cmdline = "";
	ro->vm.mem_size = IVM_MEM_DEFAULT;
	ro->vm.timeout_s = 30;
	ro->vm.irqchip = IRQCHIP_USER;
	ro->modes = IRQCHIP_ALL;
}

int runopt__parse_modes(const char *s, unsigned *bits)
{
	char buf[64], *tok, *save;
	enum irqchip_mode m;

	if (!strcmp(s, "all")) {
		*bits = IRQCHIP_ALL;
		return 0;
	}
	if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf))
		return -1;
	*bits = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (irqchip_mode__parse(tok, &m) < 0)
			return -1;
		*bits |= 1u << m;
	}
	return *bits ? 0 : -1;
}

/* An option whose value is a file name: anything but empty */
static int file_arg(const char *opt, const char *arg, const char *hint, const char **dst,
		    char *err, size_t n)
{
	if (arg[0]) {
		*dst = arg;
		return 0;
	}
	snprintf(err, n, "%s: '' is not a file name%s", opt, hint);
	return -1;
}

int runopt__parse(struct runopt *ro, int c, const char *arg, char *err, size_t n)
{
	struct vmm_opts *o = &ro->vm;

	switch (c) {
	case RUNOPT_BOOT:
		if (boot_proto__parse(arg, &o->boot) == 0)
			return 0;
		snprintf(err, n, "--boot: '%s' is not auto, pvh, multiboot or elf64", arg);
		return -1;
	case RUNOPT_CMDLINE:
		if (strlen(arg) < IVM_CMDLINE_MAX) {
			o->cmdline = arg;
			return 0;
		}
		snprintf(err, n, "--cmdline: longer than %d bytes", IVM_CMDLINE_MAX - 1);
		return -1;
	case RUNOPT_MEM:
		if (opt__size(arg, 4u << 20, 3ull << 30, &o->mem_size) == 0 && !(o->mem_size & 0xfff))
			return 0;
		snprintf(err, n, "--mem: '%s' is not a page-aligned size from 4M to 3G", arg);
		return -1;
	case RUNOPT_TIMEOUT:
		ro->timeout_set = true;
		if (opt__seconds(arg, 86400, &o->timeout_s) == 0)
			return 0;
		snprintf(err, n, "--timeout: '%s' is not a number of seconds (0..86400)", arg);
		return -1;
	case RUNOPT_VCPUS:
		if (opt__uint(arg, 1, VMM_MAX_VCPUS, &o->vcpus) == 0)
			return 0;
		snprintf(err, n, "--vcpus: '%s' is not 1..%u", arg, VMM_MAX_VCPUS);
		return -1;
	case RUNOPT_IRQCHIP:
		ro->mode_set = true;
		if (runopt__parse_modes(arg, &ro->modes) == 0) {
			/* one mode: the one a plain run gets; several are for scenarios */
			for (int m = 0; m < IRQCHIP_NR; m++)
				if (ro->modes == 1u << m)
					o->irqchip = m;
			return 0;
		}
		snprintf(err, n, "--irqchip: '%s' is not kernel, split, user, a list of them, or all", arg);
		return -1;
	case RUNOPT_SCENARIO: ro->scenario_path = arg; return 0;
	case RUNOPT_TRACE: o->trace_path = arg; return 0;
	case RUNOPT_KVM_TP: o->kvm_tracepoints = true; return 0;
	case RUNOPT_INTERRUPTS: o->interrupts = true; return 0;
	case RUNOPT_STRICT: o->strict = true; return 0;
	case RUNOPT_QUIET: o->quiet = true; return 0;
	case RUNOPT_VERBOSE: o->verbose = true; return 0;
	case RUNOPT_MILESTONES: o->milestones = true; return 0;
	case RUNOPT_TAP: ro->tap = true; return 0;
	case RUNOPT_PCI_TESTDEV: o->pci_testdev = true; return 0;
	case RUNOPT_INITRD: return file_arg("--initrd", arg, "", &o->initrd, err, n);
	case RUNOPT_JSON: return file_arg("--json", arg, " (- is stdout)", &ro->json_path, err, n);
	case RUNOPT_RESULTS: return file_arg("--results", arg, "", &o->results_path, err, n);
	}
	snprintf(err, n, "option code %#x is not a run option", c);
	return -1;
}

static struct progs kernel_progs;
static const char *kernel_scenarios[PROGS_MAX + 1];

/* @kernel's registrations into kernel_scenarios: progs__read's 0, 1 (none) or -1 */
static int read_scenarios(const char *kernel, const uint8_t *img, size_t len, char *err, size_t n)
{
	int ret = progs__read(img, len, kernel, &kernel_progs, err, n);

	if (ret == 0)
		progs__scenarios(&kernel_progs, kernel_scenarios);
	return ret;
}

const char *const *runopt__kernel_scenarios(const char *kernel, char *err, size_t n)
{
	uint8_t *img;
	size_t len;
	int ret;

	if (read_file(kernel, VMM_KERNEL_MAX, &img, &len, err, n) < 0)
		return NULL;
	ret = read_scenarios(kernel, img, len, err, n);
	free(img);
	if (ret == 1)
		snprintf(err, n, "%s: no %s section: not a kernel linked with the guest library "
			 "(libivm-guest.a and its ivm-guest.ld)", kernel, IVM_PROGRAMS_SECTION);
	return ret ? NULL : kernel_scenarios;
}

/*
 * Read and parse the kernel; with @programs, an ELF64's .ivm_programs into
 * kernel_scenarios. 1: not ELF64 (it has none to read); -1 with one line.
 */
static int read_kernel(const struct vmm_opts *o, bool programs, char *err, size_t n)
{
	static struct load_info li;
	uint8_t *img;
	size_t len;
	int ret;

	if (read_file(o->kernel, VMM_KERNEL_MAX, &img, &len, err, n) < 0)
		return -1;
	ret = loader__parse(img, len, o->kernel, o->mem_size, o->boot, &li, err, n);
	if (ret == 0 && li.elf_class != 64)
		ret = 1;
	else if (ret == 0 && programs)
		ret = read_scenarios(o->kernel, img, len, err, n);
	free(img);
	return ret < 0 ? -1 : ret;
}

/*
 * The kernel read and parsed; with @sc, a kernel of the guest library (ELF64
 * with .ivm_programs) must register its guest: program. Any other kernel
 * runs it as before: what scenario= means there is its own business.
 */
static int check_kernel(const struct vmm_opts *o, const struct scenario *sc, const char *sc_path,
			char *err, size_t n)
{
	int ret = read_kernel(o, sc != NULL, err, n);

	if (ret == 0 && sc)
		ret = scenario__check_guest_in(sc, sc_path, kernel_scenarios, o->kernel, err, n);
	return ret < 0 ? -1 : 0;
}

int runopt__check_kernel(const struct vmm_opts *o, char *err, size_t n)
{
	return check_kernel(o, NULL, NULL, err, n);
}

/* @name among @progs; else one line naming @kernel's scenario programs */
static int has_program(const char *const *progs, const char *name, const char *kernel, char *err, size_t n)
{
	char list[160] = "";
	size_t used = 0;

	for (const char *const *g = progs; *g; g++)
		if (!strcmp(*g, name))
			return 0;
	for (const char *const *g = progs; *g; g++) {
		if (used + strlen(*g) + 5 >= sizeof(list)) {
			snprintf(list + used, sizeof(list) - used, " ...");
			break;
		}
		used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s", used ? " " : "", *g);
	}
	snprintf(err, n, "%s: no scenario program '%s' in its %s (%s%s)", kernel, name, IVM_PROGRAMS_SECTION,
		 progs[0] ? "its scenarios: " : "it registers none", list);
	return -1;
}

int runopt__check_program(const struct vmm_opts *o, const struct scenario *sc, const char *sc_path,
			  char *err, size_t n)
{
	int ret = read_kernel(o, true, err, n);

	if (ret < 0)
		return -1;
	if (ret == 1) {	/* a kernel that does not say: held to this tree's guest.elf, as before */
		if (!sc_path)
			return 0;
		return scenario__check_guest(sc, sc_path, err, n);
	}
	if (sc_path)
		return scenario__check_guest_in(sc, sc_path, kernel_scenarios, o->kernel, err, n);
	return has_program(kernel_scenarios, sc->guest, o->kernel, err, n);
}

FILE *runopt__tap_stdout(char *err, size_t n)
{
	int fd;
	FILE *f;

	fflush(stdout);
	fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	f = fd < 0 ? NULL : fdopen(fd, "w");
	if (!f || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
		snprintf(err, n, "--tap: no TAP stream on stdout: %s", strerror(errno));
		if (f)
			fclose(f);
		else if (fd >= 0)
			close(fd);
		return NULL;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);	/* its lines in order with stderr's */
	return f;
}

static int tap_open(const struct runopt *ro, char *err, size_t n)
{
	FILE *f;

	if (!ro->tap)
		return 0;
	if (!(f = runopt__tap_stdout(err, n)))
		return -1;
	report__tap(f, ro->sc ? (unsigned)__builtin_popcount(ro->modes & ro->sc->irqchips) : 1);
	return 0;
}

int runopt__finish(struct runopt *ro, const char *kernel, char *err, size_t n)
{
	static struct scenario sc;
	static char cmdline[IVM_CMDLINE_MAX];
	struct vmm_opts *o = &ro->vm;

	o->kernel = kernel;
	ro->sc = NULL;
	if (!ro->scenario_path) {
		if (ro->mode_set && __builtin_popcount(ro->modes) > 1) {
			snprintf(err, n, "--irqchip: more than one mode only with --scenario");
			return -1;
		}
		return tap_open(ro, err, n);
	}
	if (scenario__load(ro->scenario_path, &sc, err, n) < 0)
		return -1;
	if (!(ro->modes & sc.irqchips)) {
		snprintf(err, n, "--irqchip: the scenario runs under none of the modes given");
		return -1;
	}
	if (o->vcpus && o->vcpus != sc.vcpus) {
		snprintf(err, n, "--vcpus: the scenario says how many vCPUs it needs (%u)", sc.vcpus);
		return -1;
	}
	if (snprintf(cmdline, sizeof(cmdline), "scenario=%s%s%s", sc.guest, o->cmdline[0] ? " " : "",
		     o->cmdline) >= (int)sizeof(cmdline)) {
		snprintf(err, n, "--cmdline: too long with the scenario's '%s'", sc.guest);
		return -1;
	}
	/* before the first mode's output: a bad KERNEL is one line, not one per mode */
	if (check_kernel(o, &sc, ro->scenario_path, err, n) < 0)
		return -1;
	o->cmdline = cmdline;
	o->scenario = &sc;
	if (!ro->timeout_set)
		o->timeout_s = sc.timeout_s;
	ro->sc = &sc;
	return tap_open(ro, err, n);
}
