// SPDX-License-Identifier: MIT
/*
 * Host facts for users and for the conformance report: capabilities, which
 * irqchip modes can be created, the backend, and measurements taken with
 * tiny hand-assembled guests (cost of a CPL0 instruction, of an exit to
 * userspace, of a bare interrupt delivery, whether 32-bit entry works, what
 * int3 at CPL0 does), and whether a pending #PF's or #DB's payload reaches
 * CR2 or DR6 at delivery only (KVM_CAP_EXCEPTION_PAYLOAD).
 */
#include <errno.h>
#include <signal.h>
#include <sys/time.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include "core/exit.h"
#include "core/kvm.h"
#include "dev/inject.h"
#include "vm/vcpu.h"
#include "probe.h"

#define PROBE_CODE_GPA 0x100000
#define PROBE_PORT 0x1234
#define PROBE_COUNT_GPA 0x102000	/* a counter the delivery probe's handler bumps */

struct probe_result {
	uint32_t exit_reason;
	uint32_t suberror;
	unsigned io_exits;	/* OUTs to PROBE_PORT before the final exit */
	unsigned injected;	/* KVM_INTERRUPTs made (probe_run_inject) */
	uint32_t counted;	/* the guest's count at PROBE_COUNT_GPA: its handler's runs */
	double seconds;
};

/* Every probe guest runs under a watchdog: SIGALRM ends a KVM_RUN that never exits. */
#define PROBE_TIMEOUT_S 10
static volatile sig_atomic_t probe_alarm;
static struct kvm_run *volatile probe_run_page;

static void on_probe_alarm(int sig)
{
	probe_alarm = 1;
	if (probe_run_page)
		probe_run_page->immediate_exit = 1;
}

/* The probe's watchdog: SIGALRM in PROBE_TIMEOUT_S ends @run's KVM_RUN (on_probe_alarm) */
static void arm_watchdog(struct kvm_run *run)
{
	struct sigaction sa = { .sa_handler = on_probe_alarm };
	struct itimerval it = { .it_value = { .tv_sec = PROBE_TIMEOUT_S } };

	probe_alarm = 0;
	probe_run_page = run;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Run @code at PROBE_CODE_GPA in @proto's entry state until a non-PROBE_PORT
 * exit. With @inject, each PROBE_PORT exit that finds IF=1 hands @inject to
 * KVM_INTERRUPT (the bare injection the storm's floor is measured with).
 */
static int probe_run_inject(int kvm_fd, enum boot_proto proto, const uint8_t *code, size_t len,
			    uint8_t inject, struct probe_result *res, char *err, size_t errlen)
{
	static struct vm vm;
	struct load_info li = { .proto = proto, .entry = PROBE_CODE_GPA };
	double t0;

	memset(&vm, 0, sizeof(vm));
	memset(res, 0, sizeof(*res));
	vm.opts.mem_size = 4u << 20;
	vm.opts.irqchip = IRQCHIP_USER;	/* no in-kernel irqchip: HLT must exit to us */
	vm.vm_fd = -1;
	if (vm__create(&vm, kvm_fd, err, errlen) < 0)
		return -1;
	memcpy(vm.mem.base + PROBE_CODE_GPA, code, len);
	if (loader__write_boot_info(&li, &vm.mem, "", err, errlen) < 0 ||
	    vcpu__setup_boot(&vm.vcpus[0], &li, err, errlen) < 0) {
		vm__destroy(&vm);
		return -1;
	}
	t0 = now();
	arm_watchdog(vm.vcpus[0].run);
	for (;;) {
		struct kvm_run *run = vm.vcpus[0].run;

		if (ioctl(vm.vcpus[0].fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR && probe_alarm) {
				snprintf(err, errlen, "the probe guest did not exit within %d s", PROBE_TIMEOUT_S);
				setitimer(ITIMER_REAL, &(struct itimerval){ 0 }, NULL);
				probe_run_page = NULL;
				vm__destroy(&vm);
				return -1;
			}
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "KVM_RUN: %s", strerror(errno));
			vm__destroy(&vm);
			return -1;
		}
		if (run->exit_reason == KVM_EXIT_IO && run->io.port == PROBE_PORT &&
		    ++res->io_exits < 1000000) {
			struct kvm_interrupt irq = { .irq = inject };

			if (inject && run->if_flag && run->ready_for_interrupt_injection &&
			    ioctl(vm.vcpus[0].fd, KVM_INTERRUPT, &irq) == 0)
				res->injected++;
			continue;
		}
		res->exit_reason = run->exit_reason;
		if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR)
			res->suberror = run->internal.suberror;
		break;
	}
	res->seconds = now() - t0;
	memcpy(&res->counted, vm.mem.base + PROBE_COUNT_GPA, sizeof(res->counted));
	setitimer(ITIMER_REAL, &(struct itimerval){ 0 }, NULL);
	probe_run_page = NULL;
	vm__destroy(&vm);
	return 0;
}

static int probe_run(int kvm_fd, enum boot_proto proto, const uint8_t *code, size_t len,
		     struct probe_result *res, char *err, size_t errlen)
{
	return probe_run_inject(kvm_fd, proto, code, len, 0, res, err, errlen);
}

static void probe_caps(FILE *f, int kvm_fd)
{
	fprintf(f, "capabilities:\n");
	for (unsigned i = 0; i < kvm_nr_caps; i++) {
		int v = ioctl(kvm_fd, KVM_CHECK_EXTENSION, kvm_caps[i].cap);

		fprintf(f, "  %-36s %-6d%s\n", kvm_caps[i].name, v,
			kvm_caps[i].required ? (v > 0 ? " (required)" : " (required, MISSING)") : "");
	}
}

static void probe_irqchips(FILE *f, int kvm_fd)
{
	static const char *const modes[] = { "kernel", "split", "user" };

	fprintf(f, "irqchip modes:\n");
	for (int m = 0; m < 3; m++) {
		int vm_fd = ioctl(kvm_fd, KVM_CREATE_VM, 0), r = 0;
		struct kvm_enable_cap cap = { .cap = KVM_CAP_SPLIT_IRQCHIP, .args = { 24 } };

		if (vm_fd < 0) {
			fprintf(f, "  %-8s cannot create a VM: %s\n", modes[m], strerror(errno));
			continue;
		}
		if (m == 0)
			r = ioctl(vm_fd, KVM_CREATE_IRQCHIP, 0);
		else if (m == 1)
			r = ioctl(vm_fd, KVM_ENABLE_CAP, &cap);
		if (r == 0)
			r = ioctl(vm_fd, KVM_CREATE_VCPU, 0) < 0 ? -1 : 0;
		fprintf(f, "  %-8s %s%s\n", modes[m], r < 0 ? "fails: " : "works",
			r < 0 ? strerror(errno) : "");
		close(vm_fd);
	}
}

static void probe_backend(FILE *f)
{
	static const char *const mods[] = { "kvm_intel", "kvm_amd", "kvm_pvm" };
	char path[64], buf[16] = "";
	FILE *p;

	fprintf(f, "backend modules:");
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "/sys/module/%s", mods[i]);
		if (access(path, F_OK) == 0)
			fprintf(f, " %s", mods[i]);
	}
	p = fopen("/sys/module/kvm/parameters/force_emulation_prefix", "r");
	if (p) {
		if (!fgets(buf, sizeof(buf), p))
			buf[0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		fclose(p);
	}
	fprintf(f, "\nkvm.force_emulation_prefix: %s\n", buf[0] ? buf : "(not readable)");
}

/* Guest code, hand-assembled (64-bit unless noted). */
static const uint8_t code_out_hlt[] = {	/* mov dx,PORT; out dx,al; hlt */
	0x66, 0xba, PROBE_PORT & 0xff, PROBE_PORT >> 8, 0xee, 0xf4 };
#define LOOP_N 20000
static const uint8_t code_loop[] = {	/* mov ecx,N; 1: dec ecx; jnz 1b; hlt */
	0xb9, LOOP_N & 0xff, (LOOP_N >> 8) & 0xff, 0, 0, 0xff, 0xc9, 0x75, 0xfc, 0xf4 };
#define EXITS_N 2000
static const uint8_t code_exits[] = {	/* mov dx,PORT; mov ecx,N; 1: out dx,al; dec ecx; jnz 1b; hlt */
	0x66, 0xba, PROBE_PORT & 0xff, PROBE_PORT >> 8, 0xb9, EXITS_N & 0xff, EXITS_N >> 8, 0, 0,
	0xee, 0xff, 0xc9, 0x75, 0xfb, 0xf4 };
static const uint8_t code_int3[] = { 0xcc, 0xf4 };
/*
 * The delivery floor: an IDT whose gate 0x41 is a two-instruction handler
 * (incl count; iretq) at +0x800, loaded from the IDTR at +0x2010; then IF=1
 * and N OUTs, each of which the VMM answers with KVM_INTERRUPT 0x41.
 */
#define DELIVER_N 2000
#define DELIVER_VECTOR 0x41
static const uint8_t code_deliver[] = {
	0x0f, 0x01, 0x1c, 0x25, 0x10, 0x20, 0x10, 0x00,		/* lidt [0x102010] */
	0x66, 0xba, PROBE_PORT & 0xff, PROBE_PORT >> 8,		/* mov dx, PORT */
	0xb9, DELIVER_N & 0xff, DELIVER_N >> 8, 0, 0,		/* mov ecx, N */
	0xfb,							/* sti */
	0xee, 0xff, 0xc9, 0x75, 0xfb,				/* 1: out dx, al; dec ecx; jnz 1b */
	0xfa, 0xf4 };						/* cli; hlt */
static const uint8_t code_deliver_handler[] = {
	0xff, 0x04, 0x25, 0x00, 0x20, 0x10, 0x00,		/* incl [0x102000] */
	0x48, 0xcf };						/* iretq */

/*
 * A probe image: @code at the start, @handler at +0x800, the IDT at +0x1000
 * with one present gate (@vector, to the handler), its IDTR at +0x2010. The
 * image's size.
 */
static size_t idt_image(uint8_t *img, size_t n, const uint8_t *code, size_t code_len,
			const uint8_t *handler, size_t handler_len, unsigned vector)
{
	uint64_t h = PROBE_CODE_GPA + 0x800;
	uint8_t *gate = img + 0x1000 + vector * 16;
	uint8_t idtr[10] = { 0xff, 0x0f, 0x00, 0x10, 0x10, 0x00 };	/* limit, base 0x101000 */

	memset(img, 0, n);
	memcpy(img, code, code_len);
	memcpy(img + 0x800, handler, handler_len);
	gate[0] = h & 0xff;
	gate[1] = h >> 8 & 0xff;
	gate[2] = 0x10;		/* the flat 64-bit CS of the ELF64 entry */
	gate[5] = 0x8e;		/* present, DPL 0, 64-bit interrupt gate */
	gate[6] = h >> 16 & 0xff;
	gate[7] = h >> 24 & 0xff;
	memcpy(img + 0x2010, idtr, sizeof(idtr));
	return 0x2020;
}

/* code_deliver's image: the code, the handler, the gate, the IDTR */
static size_t deliver_image(uint8_t *img, size_t n)
{
	return idt_image(img, n, code_deliver, sizeof(code_deliver), code_deliver_handler,
			 sizeof(code_deliver_handler), DELIVER_VECTOR);
}

/*
 * A pending exception's payload (KVM_CAP_EXCEPTION_PAYLOAD, KVM's API doc):
 * the guest, with IF=0, sets CR2 (or DR6) to an old value and exits at an
 * OUT; the VMM
 * injects #PF (or #DB) as pending with a payload through its own injection
 * API (dev/inject.c), reads CR2 (or DR6) back before the next KVM_RUN, which
 * must still be the old value, and runs: the handler stores what it finds
 * (the payload; for #DB, DR6 as KVM's kvm_deliver_exception_payload makes
 * it) and halts.
 */
#define PAYLOAD_OLD_CR2	0x5a5a5000ull
#define PAYLOAD_CR2	0x7e57f000ull
#define PAYLOAD_OLD_DR6	0xffff0ff1ull	/* B0 set: the delivery clears B0-B3 */
#define PAYLOAD_DR6	0x2ull		/* B1, KVM's pending-debug format */
#define PAYLOAD_WANT_DR6 0xffff0ff2ull
#define PAYLOAD_SEEN_GPA 0x102008	/* where the handler stores CR2 or DR6 */

static size_t payload_image(uint8_t *img, size_t n, bool db)
{
	uint64_t old = db ? PAYLOAD_OLD_DR6 : PAYLOAD_OLD_CR2;
	uint8_t code[] = {
		0xfa,						/* cli: exceptions aren't blocked by IF */
		0x0f, 0x01, 0x1c, 0x25, 0x10, 0x20, 0x10, 0x00,	/* lidt [0x102010] */
		0x48, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0,		/* mov rax, old */
		0x0f, db ? 0x23 : 0x22, db ? 0xf0 : 0xd0,	/* mov dr6, rax / mov cr2, rax */
		0x66, 0xba, PROBE_PORT & 0xff, PROBE_PORT >> 8,	/* mov dx, PORT */
		0xee, 0xf4 };					/* out dx, al; hlt */
	const uint8_t handler[] = {
		0x0f, db ? 0x21 : 0x20, db ? 0xf0 : 0xd0,	/* mov rax, dr6 / mov rax, cr2 */
		0x48, 0x89, 0x04, 0x25, 0x08, 0x20, 0x10, 0x00,	/* mov [0x102008], rax */
		0xf4 };						/* hlt */

	memcpy(code + 11, &old, sizeof(old));
	return idt_image(img, n, code, sizeof(code), handler, sizeof(handler), db ? 1 : 14);
}

struct payload_result {
	bool offered;		/* KVM_CAP_EXCEPTION_PAYLOAD enabled */
	uint64_t before;	/* CR2 or DR6 after the injection, before KVM_RUN */
	uint64_t seen;		/* what the handler found */
	uint32_t exit_reason;	/* the run's last exit (HLT when the handler ran) */
};

/* One KVM_RUN to an exit other than SIGALRM's; -1 with @err */
static int payload_enter(struct vm *vm, char *err, size_t errlen)
{
	while (ioctl(vm->vcpus[0].fd, KVM_RUN, 0) < 0) {
		if (errno == EINTR && !probe_alarm)
			continue;
		snprintf(err, errlen, "%s", errno == EINTR ? "the probe guest did not exit in time" :
			 strerror(errno));
		return -1;
	}
	return 0;
}

static int probe_payload_run(int kvm_fd, bool db, bool shadow, struct payload_result *res, char *err,
			     size_t errlen)
{
	static struct vm vm;
	static uint8_t img[0x2020];
	struct load_info li = { .proto = BOOT_ELF64, .entry = PROBE_CODE_GPA };
	struct injection inj = { .kind = INJ_EXCEPTION, .vector = db ? 1 : 14, .pending = true };
	size_t len = payload_image(img, sizeof(img), db);
	int rc = -1;

	memset(&vm, 0, sizeof(vm));
	memset(res, 0, sizeof(*res));
	vm.opts.mem_size = 4u << 20;
	vm.opts.irqchip = IRQCHIP_USER;
	vm.vm_fd = -1;
	if (vm__create(&vm, kvm_fd, err, errlen) < 0)
		return -1;
	res->offered = vm.exception_payload;
	memcpy(vm.mem.base + PROBE_CODE_GPA, img, len);
	if (loader__write_boot_info(&li, &vm.mem, "", err, errlen) < 0 ||
	    vcpu__setup_boot(&vm.vcpus[0], &li, err, errlen) < 0)
		goto out;
	if (!res->offered) {
		rc = 0;
		goto out;
	}
	vcpu__set_current(&vm.vcpus[0]);
	arm_watchdog(vm.vcpus[0].run);
	if (payload_enter(&vm, err, errlen) < 0)
		goto out;
	if (vm.vcpus[0].run->exit_reason != KVM_EXIT_IO || vm.vcpus[0].run->io.port != PROBE_PORT) {
		snprintf(err, errlen, "the probe guest stopped before its OUT (%s)",
			 exit__name(vm.vcpus[0].run->exit_reason));
		goto out;
	}
	if (db) {
		inj.has_dr6 = true;
		inj.dr6 = PAYLOAD_DR6;
	} else {
		inj.has_error = true;	/* a read of a not-present page */
		inj.has_cr2 = true;
		inj.cr2 = PAYLOAD_CR2;
	}
	/* KVM_SET_REGS drops a pending exception: IF first, then the injection */
	if (shadow) {
		struct kvm_regs regs;

		if (vm.vcpus[0].ops->get_regs(&vm.vcpus[0], &regs) < 0 ||
		    (regs.rflags |= 0x200, vm.vcpus[0].ops->set_regs(&vm.vcpus[0], &regs) < 0)) {
			snprintf(err, errlen, "KVM_SET_REGS: %s", strerror(errno));
			goto out;
		}
	}
	if (inject__do(&vm, &inj, err, errlen) < 0)
		goto out;
	/*
	 * @shadow: as if the OUT had been the STI that set IF: RFLAGS.IF=1 and
	 * the STI shadow in the interruptibility state. It holds off maskable
	 * interrupts for one instruction (SDM 6.8.3), not exceptions: the #PF
	 * is delivered at the entry all the same.
	 */
	if (shadow) {
		struct vcpu *v = &vm.vcpus[0];
		struct kvm_vcpu_events e;

		if (v->ops->get_events(v, &e) < 0) {
			snprintf(err, errlen, "the STI shadow: %s", strerror(errno));
			goto out;
		}
		e.flags = KVM_VCPUEVENT_VALID_SHADOW | KVM_VCPUEVENT_VALID_PAYLOAD;
		e.interrupt.shadow = KVM_X86_SHADOW_INT_STI;
		if (v->ops->set_events(v, &e) < 0 || v->ops->get_events(v, &e) < 0) {
			snprintf(err, errlen, "KVM_SET_VCPU_EVENTS with the STI shadow: %s", strerror(errno));
			goto out;
		}
		if (!(e.interrupt.shadow & KVM_X86_SHADOW_INT_STI) || !e.exception.pending) {
			snprintf(err, errlen, "KVM did not keep the STI shadow and the pending #PF (shadow %#x, "
				 "pending %u, injected %u, nr %u)", e.interrupt.shadow, e.exception.pending, e.exception.injected, e.exception.nr);
			goto out;
		}
	}
	if (db) {
		struct kvm_debugregs d;

		if (ioctl(vm.vcpus[0].fd, KVM_GET_DEBUGREGS, &d) < 0) {
			snprintf(err, errlen, "KVM_GET_DEBUGREGS: %s", strerror(errno));
			goto out;
		}
		res->before = d.dr6;
	} else {
		struct kvm_sregs sr;

		if (vm.vcpus[0].ops->get_sregs(&vm.vcpus[0], &sr) < 0) {
			snprintf(err, errlen, "KVM_GET_SREGS: %s", strerror(errno));
			goto out;
		}
		res->before = sr.cr2;
	}
	if (payload_enter(&vm, err, errlen) < 0)
		goto out;
	res->exit_reason = vm.vcpus[0].run->exit_reason;
	memcpy(&res->seen, vm.mem.base + PAYLOAD_SEEN_GPA, sizeof(res->seen));
	rc = 0;
out:
	setitimer(ITIMER_REAL, &(struct itimerval){ 0 }, NULL);
	probe_run_page = NULL;
	vcpu__set_current(NULL);
	vm__destroy(&vm);
	return rc;
}

/* "deferred": the old value until delivery, the payload at it; else what went otherwise */
static void probe_payload(FILE *f, int kvm_fd, bool db, bool shadow)
{
	const char *what = db ? "pending #DB, DR6 payload:   " : shadow ? "pending #PF in STI shadow:  " :
			   "pending #PF, CR2 payload:   ";
	const char *reg = db ? "DR6" : "CR2";
	uint64_t old = db ? PAYLOAD_OLD_DR6 : PAYLOAD_OLD_CR2, want = db ? PAYLOAD_WANT_DR6 : PAYLOAD_CR2;
	struct payload_result r;
	char err[160];

	if (probe_payload_run(kvm_fd, db, shadow, &r, err, sizeof(err)) < 0) {
		fprintf(f, "  %s cannot check: %s\n", what, err);
		return;
	}
	if (!r.offered) {
		fprintf(f, "  %s cannot check: no KVM_CAP_EXCEPTION_PAYLOAD (no pending exceptions)\n",
			what);
		return;
	}
	if (r.exit_reason != KVM_EXIT_HLT) {
		fprintf(f, "  %s NOT DELIVERED with %s: the handler did not run (%s)\n", what,
			shadow ? "IF=1 in the STI shadow" : "IF=0",
			exit__name(r.exit_reason));
		return;
	}
	fprintf(f, "  %s %s: %s 0x%llx after the injection, 0x%llx in the handler (%s 0x%llx, then "
		"0x%llx)\n", what, r.before == old && r.seen == want ? "deferred to delivery" :
		r.before != old ? "SET AT INJECTION (not deferred)" : "WRONG AT DELIVERY", reg,
		(unsigned long long)r.before, (unsigned long long)r.seen, "want",
		(unsigned long long)old, (unsigned long long)want);
}

static const char *reason_text(const struct probe_result *r, char *buf, size_t n)
{
	if (r->exit_reason == KVM_EXIT_INTERNAL_ERROR)
		snprintf(buf, n, "INTERNAL_ERROR suberror %u%s", r->suberror,
			 r->suberror == KVM_INTERNAL_ERROR_EMULATION ? " (emulation failure)" : "");
	else
		snprintf(buf, n, "%s", exit__name(r->exit_reason));
	return buf;
}

/* The floor under any interrupt benchmark: one exit, one bare injection, a 2-instruction handler */
static void probe_delivery(FILE *f, int kvm_fd)
{
	static uint8_t img[0x2020];
	struct probe_result d;
	char err[160];
	size_t len = deliver_image(img, sizeof(img));

	if (probe_run_inject(kvm_fd, BOOT_ELF64, img, len, DELIVER_VECTOR, &d, err, sizeof(err)) < 0) {
		fprintf(f, "  bare delivery:               cannot measure: %s\n", err);
		return;
	}
	if (d.exit_reason != KVM_EXIT_HLT || d.counted != d.injected || d.injected < DELIVER_N / 2) {
		fprintf(f, "  bare delivery:               cannot measure: %u injected, %u handled\n",
			d.injected, d.counted);
		return;
	}
	fprintf(f, "  bare delivery:               %.2f us, %.0f deliveries/s (exit, KVM_INTERRUPT, "
		"2-instruction handler, IRET; %u)\n", d.seconds * 1e6 / d.counted, d.counted / d.seconds,
		d.counted);
}

/*
 * What one CPL0 instruction of a kind costs beyond the register loop's: the
 * guest's trace records are mostly stores, loads, a locked CMPXCHG and RDTSC,
 * which the emulator may take longer over than DEC (a page walk a memory
 * operand). @body runs LOOP_N times between "mov ecx, N" and "dec ecx; jnz".
 */
struct insn_kind {
	const char *name, *insn;
	uint8_t body[12];
	uint8_t len;
};

static const struct insn_kind insn_kinds[] = {
	{ "load", "mov eax, [m32]", { 0x8b, 0x04, 0x25, 0x00, 0x20, 0x10, 0x00 }, 7 },
	{ "store", "mov [m32], ecx", { 0x89, 0x0c, 0x25, 0x00, 0x20, 0x10, 0x00 }, 7 },
	{ "read-modify-write", "inc dword [m32]", { 0xff, 0x04, 0x25, 0x00, 0x20, 0x10, 0x00 }, 7 },
	{ "locked", "lock cmpxchg [m32], ecx", { 0xf0, 0x0f, 0xb1, 0x0c, 0x25, 0x00, 0x20, 0x10, 0x00 }, 9 },
	{ "rdtsc", "rdtsc", { 0x0f, 0x31 }, 2 },
};

static void probe_insn_kinds(FILE *f, int kvm_fd, const struct probe_result *loop)
{
	for (size_t i = 0; i < sizeof(insn_kinds) / sizeof(insn_kinds[0]); i++) {
		const struct insn_kind *k = &insn_kinds[i];
		uint8_t code[32] = { 0xb9, LOOP_N & 0xff, (LOOP_N >> 8) & 0xff, 0, 0 };
		struct probe_result r;
		char err[160], label[40];
		size_t n = 5;

		memcpy(code + n, k->body, k->len);
		n += k->len;
		code[n++] = 0xff;	/* dec ecx */
		code[n++] = 0xc9;
		code[n++] = 0x75;	/* jnz back to the body */
		code[n++] = (uint8_t)-(k->len + 4);
		code[n++] = 0xf4;
		snprintf(label, sizeof(label), "%s:", k->name);
		if (probe_run(kvm_fd, BOOT_ELF64, code, n, &r, err, sizeof(err)) < 0)
			fprintf(f, "    %-26s cannot measure: %s\n", label, err);
		else if (r.exit_reason != KVM_EXIT_HLT)
			fprintf(f, "    %-26s cannot measure: %s\n", label, reason_text(&r, err, sizeof(err)));
		else	/* the loop's own DEC and JNZ taken out */
			fprintf(f, "    %-26s %.1f ns (%s)\n", label,
				(r.seconds - loop->seconds) * 1e9 / LOOP_N, k->insn);
	}
}

static void probe_measure(FILE *f, int kvm_fd)
{
	struct probe_result base, loop, exits, r32, i3;
	char err[160], why[80];
	double insn_ns = 0;

	fprintf(f, "measurements:\n");
	if (probe_run(kvm_fd, BOOT_ELF64, code_out_hlt, sizeof(code_out_hlt), &base, err, sizeof(err)) ||
	    probe_run(kvm_fd, BOOT_ELF64, code_loop, sizeof(code_loop), &loop, err, sizeof(err))) {
		fprintf(f, "  64-bit guest: cannot run: %s\n", err);
		return;
	}
	fprintf(f, "  64-bit long-mode entry:      %s\n",
		base.io_exits == 1 && base.exit_reason == KVM_EXIT_HLT ? "works" :
		reason_text(&base, why, sizeof(why)));
	if (loop.exit_reason == KVM_EXIT_HLT) {
		insn_ns = (loop.seconds - base.seconds) * 1e9 / (2.0 * LOOP_N);
		if (insn_ns < 0)
			insn_ns = 0;
		fprintf(f, "  guest CPL0 instruction:      %.1f ns -> %s\n", insn_ns,
			insn_ns > 50 ? "EMULATED (each CPL0 instruction goes through KVM's emulator)" :
			"native");
	}
	if (loop.exit_reason == KVM_EXIT_HLT && insn_ns > 50)
		probe_insn_kinds(f, kvm_fd, &loop);
	if (probe_run(kvm_fd, BOOT_ELF64, code_exits, sizeof(code_exits), &exits, err, sizeof(err)))
		fprintf(f, "  exit to userspace and back:  cannot measure: %s\n", err);
	else if (exits.io_exits == EXITS_N)
		fprintf(f, "  exit to userspace and back:  %.2f us (PIO, %u exits)\n",
			(exits.seconds * 1e9 - 3.0 * EXITS_N * insn_ns) / EXITS_N / 1e3, EXITS_N);
	probe_delivery(f, kvm_fd);
	/* 66 ba imm16 is "mov dx, imm16" in 32-bit code too */
	if (probe_run(kvm_fd, BOOT_PVH, code_out_hlt, sizeof(code_out_hlt), &r32, err, sizeof(err)))
		fprintf(f, "  32-bit protected-mode entry: cannot run: %s\n", err);
	else
		fprintf(f, "  32-bit protected-mode entry: %s\n",
			r32.io_exits ? "works (PVH and multiboot boot possible)" :
			reason_text(&r32, why, sizeof(why)));
	if (probe_run(kvm_fd, BOOT_ELF64, code_int3, sizeof(code_int3), &i3, err, sizeof(err)))
		fprintf(f, "  int3 at CPL0 (empty IDT):    cannot run: %s\n", err);
	else
		fprintf(f, "  int3 at CPL0 (empty IDT):    %s -> %s\n", reason_text(&i3, why, sizeof(why)),
			i3.exit_reason == KVM_EXIT_INTERNAL_ERROR ?
			"software interrupts at CPL0 are delivered by the VMM (PVM-1)" :
			i3.exit_reason == KVM_EXIT_SHUTDOWN ?
			"KVM delivers it (no IDT: #GP, #DF, triple fault), as the SDM says" :
			"unexpected");
	probe_payload(f, kvm_fd, false, false);
	probe_payload(f, kvm_fd, true, false);
	probe_payload(f, kvm_fd, false, true);
}

int probe__main(FILE *f)
{
	char err[160];
	int kvm_fd = kvm__open(err, sizeof(err)), status;

	if (kvm_fd < 0) {
		fprintf(stderr, "vmm: %s\n", err);
		return VMM_HOST_ERROR;
	}
	fprintf(f, "KVM API version %d (%s)\n", ioctl(kvm_fd, KVM_GET_API_VERSION, 0), KVM_DEV_PATH);
	probe_backend(f);
	probe_caps(f, kvm_fd);
	probe_irqchips(f, kvm_fd);
	probe_measure(f, kvm_fd);
	status = kvm__check_caps(kvm_fd, err, sizeof(err)) < 0 ? VMM_HOST_ERROR : VMM_OK;
	close(kvm_fd);
	return status;
}
