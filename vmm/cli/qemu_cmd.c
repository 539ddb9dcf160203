// SPDX-License-Identifier: MIT
/*
 * `vmm qemu [QEMU OPTIONS]`, also vmm run under the name qemu-system-x86_64:
 * the part of QEMU's command line kvm-unit-tests' x86 runner passes, so its
 * tests boot on vmm. Each option becomes the vmm run option that means the
 * same, handed to runopt.c's parser (one validation for both commands); the
 * rest is refused in one line. The exit status is QEMU's: (v << 1) | 1 when
 * the guest wrote v to isa-debug-exit.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "abi.h"
#include "core/run.h"
#include "lib/opt.h"
#include "qemu_cmd.h"
#include "runopt.h"

static void qemu_usage(FILE *f)
{
	fprintf(f,
		"vmm qemu: QEMU's command line for vmm (the subset kvm-unit-tests' x86 runner uses)\n"
		"usage: vmm qemu [--trace=FILE] [--irqchip=MODE] [QEMU OPTIONS]\n"
		"       qemu-system-x86_64 [QEMU OPTIONS]   (vmm under that name: a symlink)\n"
		"\n"
		"  -kernel FILE            the kernel: multiboot, PVH or ELF64 (vmm run KERNEL)\n"
		"  -append STRING          its command line (--cmdline)\n"
		"  -initrd FILE            multiboot module 0 / the PVH module (--initrd)\n"
		"  -m SIZE                 guest RAM: MiB, or with M or G (default 128M)\n"
		"  -smp N | -smp cpus=N    vCPUs, 1..8 (--vcpus)\n"
		"  -cpu MODEL[,+x2apic|,-x2apic]  any MODEL: the guest sees KVM's supported\n"
		"                          CPUID; x2APIC shows with irqchip kernel or split,\n"
		"                          is hidden with user; other flags are refused\n"
		"  -machine accel=kvm | -accel kvm | -enable-kvm   KVM (the only accelerator)\n"
		"  -device pc-testdev      IOAPIC line ports 0x2000-0x2017 (always there)\n"
		"  -device isa-debug-exit[,iobase=0xf4[,iosize=N]]  the exit port (always there)\n"
		"  -device pci-testdev     QEMU's PCI test device on bus 0 (--pci-testdev)\n"
		"  -device help            the devices above that vmm has\n"
		"  -serial stdio           COM1 to stdout (always)\n"
		"  -vnc none, -display none, -nographic, -monitor none, -nodefaults,\n"
		"  -no-reboot, -name NAME, -global kvm-pit.lost_tick_policy=discard  accepted\n"
		"                          (vmm has no display, monitor, default devices or PIT)\n"
		"  -h, --help              this text\n"
		"Options take one dash or two. Before them, vmm's own:\n"
		"  --trace=FILE.itr        record the run (also: VMM_TRACE=FILE in the environment)\n"
		"  --irqchip=kernel|split|user  interrupt controllers (also: VMM_IRQCHIP=MODE;\n"
		"                          default kernel, as QEMU's)\n"
		"There is no watchdog (the runner's timeout is the limit).\n"
		"\n"
		"exit status: QEMU's: (v << 1) | 1 when the guest wrote v to port 0xf4 (1: it\n"
		"wrote 0); 2 bad usage or input (one line on stderr); vmm's own 4 guest died,\n"
		"8 host/KVM error, 10 SIGINT/SIGTERM.\n");
}

/* The -device help lines, in QEMU's form (the runner greps for "pc-testdev" and
 * "pci-testdev": it passes -device pci-testdev only when that is listed). */
static void device_list(FILE *f)
{
	fprintf(f,
		"Misc devices:\n"
		"name \"isa-debug-exit\", bus ISA\n"
		"name \"pc-testdev\", bus ISA\n"
		"name \"pci-testdev\", bus PCI, desc \"PCI Test Device\"\n");
}

static int qbad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int qbad(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "vmm qemu: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	return VMM_USAGE;
}

static int unsupported(const char *opt, const char *why)
{
	return qbad("option -%s is not supported (%s; vmm qemu --help lists what is)", opt, why);
}

/* A run option through runopt.c; @what names the QEMU option and its value. */
static int set(struct runopt *ro, int code, const char *val, const char *what)
{
	char err[320];

	if (runopt__parse(ro, code, val, err, sizeof(err)) == 0)
		return 0;
	return qbad("%s: %s", what, err);
}

struct qemu_args {
	const char *kernel, *append, *initrd;
	int x2apic;		/* -cpu +x2apic: 1, -x2apic: 0, neither: -1 */
};

/* -m 256, 256M, 1G, size=256M: MiB without a suffix, as QEMU's -m */
static int opt_mem(struct runopt *ro, const char *v)
{
	char buf[64], what[96];
	const char *s = strncmp(v, "size=", 5) ? v : v + 5;
	size_t n = strlen(s);

	snprintf(what, sizeof(what), "-m %.64s", v);
	if (!n || n > 32 || strchr(s, ','))
		return qbad("%s: not a size (MiB, or with M or G; slots and maxmem are not "
			    "supported)", what);
	snprintf(buf, sizeof(buf), "%s%s", s, s[n - 1] >= '0' && s[n - 1] <= '9' ? "M" : "");
	return set(ro, RUNOPT_MEM, buf, what);
}

/* -smp N or -smp cpus=N; the limit is vmm's VMM_MAX_VCPUS */
static int opt_smp(struct runopt *ro, const char *v)
{
	char buf[64], *tok, *save, what[96];
	const char *n = NULL;
	unsigned cpus;

	snprintf(what, sizeof(what), "-smp %.64s", v);
	if (snprintf(buf, sizeof(buf), "%s", v) >= (int)sizeof(buf))
		return qbad("%s: too long", what);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!n && tok == buf && tok[0] >= '0' && tok[0] <= '9')
			n = tok;
		else if (!n && !strncmp(tok, "cpus=", 5))
			n = tok + 5;
		else
			return qbad("%s: '%s' is not supported (only -smp N or -smp cpus=N)", what, tok);
	}
	if (!n || opt__uint(n, 1, 1u << 20, &cpus) < 0)
		return qbad("%s: not a number of vCPUs", what);
	if (cpus > VMM_MAX_VCPUS)
		return qbad("%s: vmm runs at most %u vCPUs", what, VMM_MAX_VCPUS);
	return set(ro, RUNOPT_VCPUS, n, what);
}

/* -cpu MODEL[,+x2apic|-x2apic|x2apic=on|off]: the model is taken as any */
static int opt_cpu(struct qemu_args *q, const char *v)
{
	char buf[256], *tok, *save;

	if (snprintf(buf, sizeof(buf), "%s", v) >= (int)sizeof(buf))
		return qbad("-cpu: '%.64s...' is too long", v);
	tok = strtok_r(buf, ",", &save);
	if (!tok || buf[0] == ',' || tok[0] == '+' || tok[0] == '-' || strchr(tok, '='))
		return qbad("-cpu %s: no CPU model first", v);
	while ((tok = strtok_r(NULL, ",", &save))) {
		if (!strcmp(tok, "+x2apic") || !strcmp(tok, "x2apic=on") || !strcmp(tok, "x2apic"))
			q->x2apic = 1;
		else if (!strcmp(tok, "-x2apic") || !strcmp(tok, "x2apic=off"))
			q->x2apic = 0;
		else
			return qbad("-cpu %s: '%s' is not supported (the guest sees KVM's supported "
				    "CPUID; only x2apic can be asked for)", v, tok);
	}
	return 0;
}

/* -machine accel=kvm: the only property */
static int opt_machine(const char *v)
{
	char buf[128], *tok, *save;

	if (snprintf(buf, sizeof(buf), "%s", v) >= (int)sizeof(buf))
		return qbad("-machine: '%.64s...' is too long", v);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (strcmp(tok, "accel=kvm"))
			return qbad("-machine %s: '%s' is not supported (only accel=kvm: vmm runs on "
				    "KVM, its own machine)", v, tok);
	return 0;
}

/* -device DRIVER[,PROP=V...]: 1 = the list was printed, 0 = ok, else the exit status */
static int opt_device(struct runopt *ro, const char *v)
{
	char buf[128], *tok, *save;
	uint64_t n;

	if (!strcmp(v, "help") || !strcmp(v, "?")) {
		device_list(stdout);
		return 1;
	}
	if (snprintf(buf, sizeof(buf), "%s", v) >= (int)sizeof(buf))
		return qbad("-device: '%.64s...' is too long", v);
	tok = strtok_r(buf, ",", &save);
	if (tok && !strcmp(tok, "pc-testdev") && !*save)
		return 0;
	if (tok && !strcmp(tok, "pci-testdev") && !*save)
		return set(ro, RUNOPT_PCI_TESTDEV, "", "-device pci-testdev");
	if (!tok || strcmp(tok, "isa-debug-exit"))
		return qbad("-device %s: not supported (vmm has pc-testdev, pci-testdev and isa-debug-exit; "
			    "-device help lists them)", v);
	while ((tok = strtok_r(NULL, ",", &save))) {
		if (!strncmp(tok, "iobase=", 7)) {
			if (opt__u64(tok + 7, 0, 0xffff, &n) < 0 || n != IVM_PORT_EXIT)
				return qbad("-device %s: iobase '%s' is not 0xf4, the one port vmm's "
					    "exit device has", v, tok + 7);
		} else if (!strncmp(tok, "iosize=", 7)) {
			if (opt__u64(tok + 7, 1, 4, &n) < 0)
				return qbad("-device %s: iosize '%s' is not 1 to 4", v, tok + 7);
		} else {
			return qbad("-device %s: '%s' is not supported (only iobase=0xf4 and iosize=N)",
				    v, tok);
		}
	}
	return 0;
}

/* One value that must be exactly @want (-serial stdio, -vnc none, ...). */
static int only(const char *opt, const char *v, const char *want, const char *why)
{
	if (!strcmp(v, want))
		return 0;
	return qbad("-%s %s: not supported (only -%s %s: %s)", opt, v, opt, want, why);
}

/* The options without a value: each asks for what vmm does anyway. */
static bool is_flag(const char *opt)
{
	static const char *const flags[] = { "nodefaults", "no-reboot", "enable-kvm", "nographic" };

	for (size_t k = 0; k < sizeof(flags) / sizeof(flags[0]); k++)
		if (!strcmp(opt, flags[k]))
			return true;
	return false;
}

/* The QEMU options; 1 = -device help printed (exit 0), 0 = go on, else the exit status. */
static int parse_qemu(struct runopt *ro, struct qemu_args *q, int argc, char **argv, int i)
{
	for (; i < argc; i++) {
		const char *a = argv[i], *opt, *v;
		int st = 0;

		if (a[0] != '-' || !a[1])
			return qbad("'%s' is not an option (the kernel goes in -kernel FILE)", a);
		opt = a + 1 + (a[1] == '-');
		if (!strncmp(a, "--trace=", 8) || !strncmp(a, "--irqchip=", 10))
			return qbad("%s: vmm's own options go before the QEMU options", a);
		if (!strcmp(opt, "h") || !strcmp(opt, "help")) {
			qemu_usage(stdout);
			return 1;
		}
		if (is_flag(opt))
			continue;
		if (strchr(opt, '='))
			return unsupported(opt, "QEMU options take their value as the next argument");
		if (!strcmp(opt, "kernel") || !strcmp(opt, "append") || !strcmp(opt, "initrd") ||
		    !strcmp(opt, "m") || !strcmp(opt, "smp") || !strcmp(opt, "cpu") ||
		    !strcmp(opt, "machine") || !strcmp(opt, "accel") || !strcmp(opt, "device") ||
		    !strcmp(opt, "serial") || !strcmp(opt, "vnc") || !strcmp(opt, "display") ||
		    !strcmp(opt, "monitor") || !strcmp(opt, "name") || !strcmp(opt, "global")) {
			if (i + 1 >= argc)
				return qbad("option -%s needs a value", opt);
			v = argv[++i];
		} else {
			return unsupported(opt, "not one kvm-unit-tests' runner passes");
		}
		if (!strcmp(opt, "kernel"))
			q->kernel = v;
		else if (!strcmp(opt, "append"))
			st = set(ro, RUNOPT_CMDLINE, v, "-append");
		else if (!strcmp(opt, "initrd"))
			st = set(ro, RUNOPT_INITRD, v, "-initrd");
		else if (!strcmp(opt, "m"))
			st = opt_mem(ro, v);
		else if (!strcmp(opt, "smp"))
			st = opt_smp(ro, v);
		else if (!strcmp(opt, "cpu"))
			st = opt_cpu(q, v);
		else if (!strcmp(opt, "machine"))
			st = opt_machine(v);
		else if (!strcmp(opt, "accel"))
			st = only(opt, v, "kvm", "vmm runs on KVM");
		else if (!strcmp(opt, "device"))
			st = opt_device(ro, v);
		else if (!strcmp(opt, "serial"))
			st = only(opt, v, "stdio", "COM1 is the console, on stdout");
		else if (!strcmp(opt, "vnc") || !strcmp(opt, "display") || !strcmp(opt, "monitor"))
			st = only(opt, v, "none", "vmm has none");
		else if (!strcmp(opt, "global"))
			st = only(opt, v, "kvm-pit.lost_tick_policy=discard", "vmm has no PIT");
		if (st)
			return st;
	}
	return 0;
}

/* vmm's status -> QEMU's: the guest's exit value stays (v << 1) | 1, and 0 is (0 << 1) | 1. */
static int qemu_status(int st)
{
	if (st == VMM_OK)
		return 1;	/* the guest wrote 0 to isa-debug-exit (nothing else ends a run with 0) */
	if (st == VMM_GUEST_FAILED)
		return 3;	/* vmm's own self-test or scenario judged it failed: never "passed" */
	return st;		/* odd: the guest's own (v << 1) | 1; even: vmm's 2, 4, 8, 10 */
}

int qemu_cmd__main(int argc, char **argv)
{
	struct qemu_args q = { .x2apic = -1 };
	struct runopt ro;
	const char *env;
	char err[320];
	int i = 1, st;

	runopt__init(&ro);
	/* QEMU's defaults: 128 MiB, the in-kernel irqchip; no watchdog (the runner times out) */
	if (set(&ro, RUNOPT_MEM, "128M", "default") || set(&ro, RUNOPT_TIMEOUT, "0", "default") ||
	    set(&ro, RUNOPT_IRQCHIP, "kernel", "default"))
		return VMM_USAGE;
	if ((env = getenv("VMM_IRQCHIP")) && *env && set(&ro, RUNOPT_IRQCHIP, env, "VMM_IRQCHIP"))
		return VMM_USAGE;
	if ((env = getenv("VMM_TRACE")) && *env && set(&ro, RUNOPT_TRACE, env, "VMM_TRACE"))
		return VMM_USAGE;
	for (; i < argc; i++) {
		if (!strncmp(argv[i], "--trace=", 8))
			st = set(&ro, RUNOPT_TRACE, argv[i] + 8, "--trace");
		else if (!strncmp(argv[i], "--irqchip=", 10))
			st = set(&ro, RUNOPT_IRQCHIP, argv[i] + 10, "--irqchip");
		else
			break;
		if (st)
			return st;
	}
	st = parse_qemu(&ro, &q, argc, argv, i);
	if (st)
		return st == 1 ? 0 : st;
	if (!q.kernel)
		return qbad("no -kernel given (vmm has no firmware or disks: it boots a kernel)");
	if (__builtin_popcount(ro.modes) != 1)
		return qbad("--irqchip: one mode, kernel, split or user");
	if (q.x2apic == 1 && ro.vm.irqchip == IRQCHIP_USER)
		return qbad("-cpu +x2apic: vmm's user irqchip has no x2APIC (irqchip kernel or split has)");
	if (q.x2apic == 0 && ro.vm.irqchip != IRQCHIP_USER)
		return qbad("-cpu -x2apic: vmm can't hide x2APIC from KVM's LAPIC (VMM_IRQCHIP=user "
			    "hides it)");
	if (runopt__finish(&ro, q.kernel, err, sizeof(err)) < 0)
		return qbad("%s", err);
	/* kvm-unit-tests' runner looks for "could not load kernel" and the name, as QEMU says it */
	if (runopt__check_kernel(&ro.vm, err, sizeof(err)) < 0)
		return qbad("could not load kernel '%s': %s", q.kernel, err);
	return qemu_status(vmm__run(&ro.vm));
}
