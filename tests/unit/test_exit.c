// SPDX-License-Identifier: MIT
/*
 * Exit-table dispatch without /dev/kvm: a vCPU whose register ioctls are
 * fakes, a kvm_run in plain memory, and guest RAM from calloc. Each test
 * sets an exit reason, dispatches, and asserts what the VMM did.
 */
#include <stdlib.h>
#include <unistd.h>
#include "core/exit.h"
#include "core/kvm.h"
#include "boot/loader.h"
#include "dev/hcall.h"
#include "dev/inject.h"
#include "dev/uioapic.h"
#include "dev/ulapic.h"
#include "model/fwcfg.h"
#include "record/record.h"
#include "tap.h"

struct fake {
	struct vcpu v;
	struct kvm_regs r;
	struct kvm_sregs s;
	struct kvm_vcpu_events e;
	int set_events;
};

#define FAKE(v) ((struct fake *)(v))
static int f_get_regs(struct vcpu *v, struct kvm_regs *r) { *r = FAKE(v)->r; return 0; }
static int f_set_regs(struct vcpu *v, const struct kvm_regs *r) { FAKE(v)->r = *r; return 0; }
static int f_get_sregs(struct vcpu *v, struct kvm_sregs *s) { *s = FAKE(v)->s; return 0; }
static int f_set_sregs(struct vcpu *v, const struct kvm_sregs *s) { FAKE(v)->s = *s; return 0; }
static int f_get_events(struct vcpu *v, struct kvm_vcpu_events *e) { *e = FAKE(v)->e; return 0; }
static int f_set_events(struct vcpu *v, const struct kvm_vcpu_events *e)
{
	FAKE(v)->e = *e;
	FAKE(v)->set_events++;
	return 0;
}

static const struct vcpu_ops fake_ops = { f_get_regs, f_set_regs, f_get_sregs, f_set_sregs,
					  f_get_events, f_set_events };

static struct vm vm;
static struct fake fk;
static char *con_buf;
static size_t con_len;
static FILE *con_out;

#define MEM_SIZE (8u << 20)
#define RUN_SIZE 8192
#define CODE_GPA 0x200000ull
#define IDT_GPA 0x300000ull
#define STACK_TOP 0x400000ull
#define HANDLER 0x201000ull

static void reset(void)
{
	static uint8_t run_page[RUN_SIZE] __attribute__((aligned(4096)));
	uint8_t *mem = vm.mem.base;

	memset(mem, 0, MEM_SIZE);
	memset(&vm, 0, sizeof(vm));
	vm.mem.base = mem;
	vm.mem.size = MEM_SIZE;
	memset(&fk, 0, sizeof(fk));
	memset(run_page, 0, sizeof(run_page));
	fk.v.vm = &vm;
	fk.v.ops = &fake_ops;
	fk.v.run = (struct kvm_run *)run_page;
	fk.v.run_size = RUN_SIZE;
	if (con_out)
		fclose(con_out);
	free(con_buf);
	con_buf = NULL;
	con_out = open_memstream(&con_buf, &con_len);
	console__init(&vm.con, con_out, &vm.log);
	serial__init(&vm.com1, &vm.con);
}

static int io(uint16_t port, int out, unsigned size, unsigned count, const void *data)
{
	struct kvm_run *run = fk.v.run;

	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = out ? KVM_EXIT_IO_OUT : KVM_EXIT_IO_IN;
	run->io.size = size;
	run->io.port = port;
	run->io.count = count;
	run->io.data_offset = 4096;
	if (data)
		memcpy((uint8_t *)run + 4096, data, (size_t)size * count);
	return exit__dispatch(&fk.v);
}

static uint32_t io_in32(uint16_t port)
{
	uint32_t v;

	io(port, 0, 4, 1, NULL);
	memcpy(&v, (uint8_t *)fk.v.run + 4096, 4);
	return v;
}

static void test_ports(void)
{
	uint32_t v;

	reset();
	io(IVM_PORT_DEBUGCON, 1, 1, 3, "hi\n");
	fflush(con_out);
	ok(con_len == 3 && !memcmp(con_buf, "hi\n", 3), "debugcon: rep outsb of 3 bytes is one line");
	io(IVM_PORT_COM1, 1, 1, 1, "A");
	io(IVM_PORT_COM1, 1, 1, 1, "\n");
	fflush(con_out);
	ok(con_len == 5 && !memcmp(con_buf + 3, "A\n", 2), "com1: THR writes reach the console");
	io(IVM_PORT_COM1 + 5, 0, 1, 1, NULL);
	ok(((uint8_t *)fk.v.run)[4096] & 0x20, "com1: LSR reports THR empty");
	is_u64(io_in32(IVM_PORT_HCALL), IVM_HCALL_MAGIC, "hcall port read returns the magic");
	is_u64(io_in32(0x5678), 0xffffffff, "unclaimed port reads all ones");
	ok(!vm.done, "nothing stopped the run so far");

	v = 0;
	ok(io(IVM_PORT_EXIT, 1, 1, 1, &v) == EXIT_STOP && vm.done && vm.status == 0,
	   "exit port value 0: stop with status 0");
	reset();
	v = 3;
	io(IVM_PORT_EXIT, 1, 4, 1, &v);
	is_u64(vm.status, 7, "exit port value 3: status (3 << 1) | 1");

	reset();
	io(IVM_PORT_DEBUGCON, 1, 3, 1, "abc");
	ok(vm.done && vm.status == VMM_HOST_ERROR, "3-byte port access is rejected as malformed");
	reset();
	fk.v.run->exit_reason = KVM_EXIT_IO;
	fk.v.run->io.size = 4;
	fk.v.run->io.count = 4000;
	fk.v.run->io.data_offset = 4096;
	exit__dispatch(&fk.v);
	ok(vm.done && vm.status == VMM_HOST_ERROR, "rep count past the kvm_run page is rejected");
}

static void test_simple_exits(void)
{
	reset();
	fk.r.rflags = 0x2;
	fk.v.run->exit_reason = KVM_EXIT_HLT;
	ok(exit__dispatch(&fk.v) == EXIT_STOP && vm.status == VMM_GUEST_DIED &&
	   strstr(vm.why, "IF=0"), "KVM's LAPIC, a HLT with IF=0 exits: guest died, reason names IF=0");
	reset();
	vm.opts.irqchip = IRQCHIP_USER;
	fk.r.rflags = 0x2;
	fk.v.run->exit_reason = KVM_EXIT_HLT;
	ok(exit__dispatch(&fk.v) == EXIT_RESUME && !vm.done && fk.v.halted && fk.v.halted_if0,
	   "user irqchip, HLT with IF=0: halted until an NMI or INIT (another vCPU may send one)");
	reset();
	vm.opts.irqchip = IRQCHIP_USER;
	fk.v.halted_if0 = true;		/* left from an earlier HLT */
	fk.r.rflags = 0x202;
	fk.v.run->exit_reason = KVM_EXIT_HLT;
	ok(exit__dispatch(&fk.v) == EXIT_RESUME && fk.v.halted && !fk.v.halted_if0,
	   "user irqchip, HLT with IF=1 after one with IF=0: an interrupt may end it");
	reset();
	fk.r.rflags = 0x2;
	fk.e.nmi.pending = 1;
	fk.v.run->exit_reason = KVM_EXIT_HLT;
	ok(exit__dispatch(&fk.v) == EXIT_RESUME && !vm.done && !fk.v.halted,
	   "HLT with IF=0 and an NMI KVM still holds: resumes, the NMI ends HLT");
	reset();
	vm.opts.irqchip = IRQCHIP_USER;
	fk.r.rflags = 0x202;
	fk.e.nmi.pending = 1;
	fk.v.run->exit_reason = KVM_EXIT_HLT;
	ok(exit__dispatch(&fk.v) == EXIT_RESUME && !fk.v.halted,
	   "user irqchip, HLT with IF=1 and an NMI KVM still holds: not halted on our LAPIC");
	reset();
	vm.opts.irqchip = IRQCHIP_USER;
	fk.r.rflags = 0x202;
	fk.v.run->exit_reason = KVM_EXIT_HLT;
	ok(exit__dispatch(&fk.v) == EXIT_RESUME && fk.v.halted,
	   "user irqchip, HLT with IF=1 and no NMI: halted until our LAPIC has work");
	reset();
	fk.v.run->exit_reason = KVM_EXIT_SHUTDOWN;
	ok(exit__dispatch(&fk.v) == EXIT_STOP && vm.status == VMM_GUEST_DIED &&
	   strstr(vm.why, "triple fault"), "SHUTDOWN: triple fault");
	reset();
	fk.v.run->exit_reason = 200;
	ok(exit__dispatch(&fk.v) == EXIT_STOP && vm.status == VMM_HOST_ERROR &&
	   strstr(vm.why, "200"), "unknown exit reason 200: host error naming it");
	reset();
	fk.v.run->exit_reason = KVM_EXIT_MMIO;
	fk.v.run->mmio.len = 4;
	fk.v.run->mmio.is_write = 0;
	ok(exit__dispatch(&fk.v) == EXIT_RESUME && fk.v.run->mmio.data[0] == 0xff &&
	   fk.v.run->mmio.data[3] == 0xff, "MMIO read of nothing returns all ones, guest resumes");
	reset();
	fk.v.run->exit_reason = KVM_EXIT_X86_RDMSR;
	ok(exit__dispatch(&fk.v) == EXIT_RESUME && fk.v.run->msr.error == 1,
	   "unclaimed RDMSR: error set so KVM injects #GP");
	reset();
	fk.v.run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	fk.v.run->internal.suberror = 3;
	ok(exit__dispatch(&fk.v) == EXIT_STOP && vm.status == VMM_HOST_ERROR,
	   "internal error other than emulation: host error");
	ok(!strcmp(exit__name(KVM_EXIT_IOAPIC_EOI), "IOAPIC_EOI") && !strcmp(exit__name(999), "UNKNOWN"),
	   "exit names come from the table");
}

static void put_hcall(uint64_t gpa, uint32_t kind, const void *msg, uint32_t len)
{
	struct ivm_hcall hc = { .kind = kind, .len = len };

	memcpy(hc.msg, msg, len < sizeof(hc.msg) ? len : sizeof(hc.msg));
	memcpy(vm.mem.base + gpa, &hc, sizeof(hc));
}

static void test_hcalls(void)
{
	struct ivm_exc_result r = { .name = "#UD", .exp_vector = 6, .obs_vector = 6 };
	uint32_t gpa = 0x5000;

	reset();
	put_hcall(gpa, IVM_HC_PRINT, "hello world", 11);
	io(IVM_PORT_HCALL, 1, 4, 1, &gpa);
	fflush(con_out);
	ok(con_len == 12 && !memcmp(con_buf, "hello world\n", 12), "HC_PRINT prints one line");

	put_hcall(gpa, IVM_HC_EXC_RESULT, &r, sizeof(r));
	io(IVM_PORT_HCALL, 1, 4, 1, &gpa);
	ok(vm.st.n == 1 && vm.st.cases[0].verdict == ST_PASS, "HC_EXC_RESULT records a passing case");
	put_hcall(gpa, IVM_HC_EXC_RESULT, &r, sizeof(r) - 1);
	io(IVM_PORT_HCALL, 1, 4, 1, &gpa);
	ok(vm.st.n == 1, "HC_EXC_RESULT with a wrong length is ignored");

	put_hcall(gpa, IVM_HC_PRINT, "x", 1);
	((struct ivm_hcall *)(vm.mem.base + gpa))->len = IVM_HCALL_MSG_MAX + 1;
	ok(io(IVM_PORT_HCALL, 1, 4, 1, &gpa) == EXIT_RESUME && !vm.done,
	   "HC_PRINT with len past the block is ignored");
	put_hcall(gpa, 77, "", 0);
	ok(io(IVM_PORT_HCALL, 1, 4, 1, &gpa) == EXIT_RESUME && !vm.done, "unknown kind is ignored");
	gpa = MEM_SIZE - 8;
	ok(io(IVM_PORT_HCALL, 1, 4, 1, &gpa) == EXIT_RESUME && !vm.done,
	   "block straddling the end of RAM is ignored");
	gpa = 0x5000;
	put_hcall(gpa, IVM_HC_ASSERT, "guest.c: x == 1", 15);
	ok(io(IVM_PORT_HCALL, 1, 4, 1, &gpa) == EXIT_STOP && vm.status == VMM_GUEST_DIED &&
	   strstr(vm.why, "x == 1"), "HC_ASSERT stops the run with the message");

	reset();
	put_hcall(gpa, IVM_HC_ASSERT, "\x1b[2J\\", 6);
	io(IVM_PORT_HCALL, 1, 4, 1, &gpa);
	ok(vm.why && !strchr(vm.why, 0x1b) && strstr(vm.why, "\\x1b[2J\\\\"),
	   "HC_ASSERT: the guest's message is escaped (%s)", vm.why ? vm.why : "");
}

/* Two vCPUs may not register overlapping pages: they would forge each other's records */
/* IVM_HC_QUIET: the judge, the answer on the vCPU's own thread, the refusals */
static void test_quiet(void)
{
	struct quiet_view q = { .halted = true, .rflags = 0x202, .rip = 0x1234 };
	struct ivm_hcall *hc;
	uint32_t gpa = 0x5000;

	ok(hcall__quiet_judge(&q) == 0, "quiet: halted, IF=1, nothing pending or in service");
	q.halted = false;
	ok(hcall__quiet_judge(&q) == IVM_QUIET_RUNNING, "quiet: a running vCPU is not quiet");
	q.halted = true;
	q.rflags = 0x2;
	ok(hcall__quiet_judge(&q) == IVM_QUIET_IF0, "quiet: halted with IF=0 is not");
	q.rflags = 0x202;
	q.irr[7] = 1u << 31;
	q.isr[2] = 1;
	ok(hcall__quiet_judge(&q) == (IVM_QUIET_IRR | IVM_QUIET_ISR), "quiet: IRR and ISR, any vector");
	memset(q.irr, 0, sizeof(q.irr));
	memset(q.isr, 0, sizeof(q.isr));
	q.ev.nmi.pending = 1;
	ok(hcall__quiet_judge(&q) == IVM_QUIET_EVENT, "quiet: an NMI KVM holds pending");
	q.ev.nmi.pending = 0;
	q.ev.interrupt.injected = 1;
	ok(hcall__quiet_judge(&q) == IVM_QUIET_EVENT, "quiet: an interrupt KVM holds injected");
	q.ev.interrupt.injected = 0;
	q.ev.exception.pending = 1;
	ok(hcall__quiet_judge(&q) == IVM_QUIET_EVENT, "quiet: an exception KVM holds pending");
	q.ev.exception.pending = 0;
	q.queued = true;
	ok(hcall__quiet_judge(&q) == IVM_QUIET_EVENT, "quiet: something the VMM queued for it");
	q.queued = false;
	q.ring_open = true;
	ok(hcall__quiet_judge(&q) == IVM_QUIET_RING, "quiet: a ring slot reserved, not published");

	/* user irqchip: its own thread reads our model and KVM's events */
	reset();
	vm.opts.irqchip = IRQCHIP_USER;
	fk.v.halted = true;
	fk.r.rflags = 0x202;
	fk.r.rip = 0xabc;
	fk.v.quiet_asked = true;
	hcall__answer_quiet(&fk.v);
	ok(fk.v.quiet_answered && !fk.v.quiet_asked && fk.v.quiet_bits == 0 && fk.v.quiet_rip == 0xabc,
	   "quiet (user): halted in its HLT, answered 0 with its RIP");
	fk.v.lapic.irr[3] = 1;
	fk.v.quiet_asked = true;
	hcall__answer_quiet(&fk.v);
	ok(fk.v.quiet_bits == IVM_QUIET_IRR, "quiet (user): a vector in our model's IRR");
	fk.v.lapic.irr[3] = 0;
	fk.v.wait_sipi = true;
	fk.v.quiet_asked = true;
	hcall__answer_quiet(&fk.v);
	ok(fk.v.quiet_bits == IVM_QUIET_RUNNING, "quiet (user): waiting for a SIPI is not halted");
	fk.v.quiet_answered = false;
	hcall__answer_quiet(&fk.v);
	ok(!fk.v.quiet_answered, "quiet: no question, no answer");

	/* the hypercall: no answer about itself, a vCPU that isn't there, or one not started */
	reset();
	vm.nr_vcpus = 2;
	put_hcall(gpa, IVM_HC_QUIET, "", 0);
	hc = (struct ivm_hcall *)(vm.mem.base + gpa);
	hc->args[0] = 1;
	hc->args[1] = 0;
	ok(io(IVM_PORT_HCALL, 1, 4, 1, &gpa) == EXIT_RESUME && hc->args[1] == IVM_QUIET_NO_ANSWER,
	   "HC_QUIET: no answer about a vCPU with no thread (written into the block)");
	hc->args[0] = 2;
	hc->args[1] = 0;
	ok(io(IVM_PORT_HCALL, 1, 4, 1, &gpa) == EXIT_RESUME && hc->args[1] == IVM_QUIET_NO_ANSWER,
	   "HC_QUIET: no answer about a vCPU that isn't there");
}

static void test_register_overlap(void)
{
	uint32_t gpa = 0x5000;
	struct ivm_guest_page *p;

	reset();
	vm.nr_vcpus = 2;
	vm.vcpus[1].ring.gpa = 0x100000;	/* cpu 1's page */
	p = (struct ivm_guest_page *)(vm.mem.base + 0x100000 + sizeof(*p) - 8);
	p->magic = IVM_PAGE_MAGIC;
	p->version = IVM_PAGE_VERSION;
	put_hcall(gpa, IVM_HC_REGISTER, "", 0);
	((struct ivm_hcall *)(vm.mem.base + gpa))->args[0] = 0x100000 + sizeof(*p) - 8;
	io(IVM_PORT_HCALL, 1, 4, 1, &gpa);
	ok(vm.vcpus[0].ring.gpa == 0, "a page overlapping another vCPU's is refused");
	p = (struct ivm_guest_page *)(vm.mem.base + 0x200000);
	p->magic = IVM_PAGE_MAGIC;
	p->version = IVM_PAGE_VERSION;
	((struct ivm_hcall *)(vm.mem.base + gpa))->args[0] = 0x200000;
	io(IVM_PORT_HCALL, 1, 4, 1, &gpa);
	ok(vm.vcpus[0].ring.gpa == 0x200000, "a page of its own is registered");
}

/* Long mode with the loader's identity map, an IDT at IDT_GPA, a TSS. */
static void setup_long_mode(uint8_t gate_type)
{
	struct load_info li = { .proto = BOOT_ELF64 };
	char err[128];
	uint64_t lo, hi, *gdt;

	ok(loader__write_boot_info(&li, &vm.mem, "", err, sizeof(err)) == 0, "boot page tables built");
	gdt = (uint64_t *)(vm.mem.base + IVM_BOOT_GDT_GPA);
	fk.s.gdt.base = IVM_BOOT_GDT_GPA;
	fk.s.gdt.limit = 4 * 8 - 1;
	(void)gdt;
	fk.s.cr0 = 0x80050033;
	fk.s.cr3 = IVM_BOOT_PT_GPA;
	fk.s.cr4 = 0x20;
	fk.s.efer = 0x500;
	fk.s.cs = (struct kvm_segment){ .selector = 0x10, .type = 0xb, .present = 1, .s = 1, .l = 1,
					.g = 1, .limit = 0xffffffff };
	fk.s.ss = (struct kvm_segment){ .selector = 0x18, .type = 0x3, .present = 1, .s = 1, .db = 1,
					.g = 1, .limit = 0xffffffff };
	fk.s.idt.base = IDT_GPA;
	fk.s.idt.limit = 256 * 16 - 1;
	fk.s.tr = (struct kvm_segment){ .selector = 0x20, .base = 0x6f00, .limit = 0x67, .type = 0xb,
					.present = 1 };
	/* gate 3 and 0x41 -> HANDLER, CS 0x10, DPL0 */
	lo = (HANDLER & 0xffff) | (0x10ull << 16) | ((uint64_t)(0x80 | gate_type) << 40) |
	     ((HANDLER >> 16 & 0xffff) << 48);
	hi = HANDLER >> 32;
	for (int v = 0; v < 256; v += 1) {
		if (v != 3 && v != 0x41)
			continue;
		memcpy(vm.mem.base + IDT_GPA + v * 16, &lo, 8);
		memcpy(vm.mem.base + IDT_GPA + v * 16 + 8, &hi, 8);
	}
	fk.r.rip = CODE_GPA;
	fk.r.rsp = STACK_TOP;
	fk.r.rflags = 0x202;
}

static void emulation_failure(const void *code, size_t len)
{
	memcpy(vm.mem.base + CODE_GPA, code, len);
	fk.v.run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	fk.v.run->internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
	exit__dispatch(&fk.v);
}

static void test_emulation_failure(void)
{
	static const uint8_t int3[] = { 0xcc };
	static const uint8_t int41[] = { 0xcd, 0x41 };
	static const uint8_t fep_int3[] = { 0x0f, 0x0b, 0x6b, 0x76, 0x6d, 0xcc };
	static const uint8_t cpuid[] = { 0x0f, 0xa2 };
	uint64_t frame[5];

	reset();
	setup_long_mode(0xe);
	emulation_failure(int3, sizeof(int3));
	ok(!vm.done && fk.r.rip == HANDLER, "int3 at CPL0: VMM delivers it to the IDT handler");
	memcpy(frame, vm.mem.base + STACK_TOP - 40, sizeof(frame));
	is_u64(frame[0], CODE_GPA + 1, "frame RIP is the instruction after int3");
	is_u64(frame[1], 0x10, "frame CS");
	is_u64(frame[2], 0x202, "frame RFLAGS");
	is_u64(frame[3], STACK_TOP, "frame RSP");
	is_u64(fk.r.rflags & 0x200, 0, "interrupt gate cleared IF");
	ok(vm.st.vmm_deliveries == 1 && vm.st.vmm_last_vector == 3 && vm.nr_vmm_deliveries == 1,
	   "the delivery is noted as performed by the VMM");
	ok(fk.set_events == 0, "no exception injected for a clean delivery");

	reset();
	setup_long_mode(0xe);
	emulation_failure(int41, sizeof(int41));
	ok(fk.r.rip == HANDLER && !memcmp(vm.mem.base + STACK_TOP - 40, &(uint64_t){ CODE_GPA + 2 }, 8),
	   "int $0x41: delivered, return RIP after the 2-byte instruction");

	reset();
	setup_long_mode(0xe);
	emulation_failure(fep_int3, sizeof(fep_int3));
	ok(fk.r.rip == HANDLER && !memcmp(vm.mem.base + STACK_TOP - 40, &(uint64_t){ CODE_GPA + 6 }, 8),
	   "kvm forced-emulation prefix + int3: prefix skipped, int3 delivered");

	reset();
	setup_long_mode(0xe);
	emulation_failure(cpuid, sizeof(cpuid));
	ok(!vm.done && fk.set_events == 1 && fk.e.exception.injected && fk.e.exception.nr == 6 &&
	   !fk.e.exception.has_error_code && fk.r.rip == CODE_GPA,
	   "other emulation failure: #UD injected at the same RIP (handle_ud)");

	{
		static const uint8_t fldz[] = { 0xd9, 0xee };
		static const uint8_t fwait[] = { 0x9b };
		static const uint8_t ldmxcsr[] = { 0x0f, 0xae, 0x10 };	/* ldmxcsr [rax] */
		static const struct { const uint8_t *code; size_t len; uint64_t cr0bits; uint8_t vec;
				      const char *what; } fpu[] = {
			{ fldz, 2, 1ull << 3, 7, "x87 with CR0.TS: #NM" },
			{ fldz, 2, 1ull << 2, 7, "x87 with CR0.EM: #NM" },
			{ fldz, 2, 0, 6, "x87 the host can't emulate, TS=EM=0: #UD" },
			{ fwait, 1, 1ull << 3, 6, "fwait with TS but not MP: no #NM, #UD" },
			{ fwait, 1, 1ull << 3 | 1ull << 1, 7, "fwait with TS and MP: #NM" },
			{ ldmxcsr, 3, 1ull << 3, 7, "SSE with CR0.TS: #NM" },
			{ ldmxcsr, 3, 1ull << 2 | 1ull << 3, 6, "SSE with CR0.EM: #UD" },
		};

		for (size_t i = 0; i < sizeof(fpu) / sizeof(fpu[0]); i++) {
			reset();
			setup_long_mode(0xe);
			fk.s.cr0 = (0x80050033 & ~0xeull) | fpu[i].cr0bits;
			emulation_failure(fpu[i].code, fpu[i].len);
			ok(fk.set_events == 1 && fk.e.exception.nr == fpu[i].vec, "%s", fpu[i].what);
		}
	}

	reset();
	setup_long_mode(0xe);
	for (int i = 0; i < 999; i++)
		emulation_failure(cpuid, sizeof(cpuid));
	ok(!vm.done && fk.set_events == 999, "999 emulation failures at one RIP: still running");
	emulation_failure(cpuid, sizeof(cpuid));
	ok(vm.done && vm.status == VMM_GUEST_DIED && strstr(vm.why, "storm"),
	   "the 1000th in a row at one RIP stops the run as a storm");
	reset();
	setup_long_mode(0xe);
	for (int i = 0; i < 1500; i++) {
		emulation_failure(cpuid, sizeof(cpuid));
		fk.v.run->exit_reason = KVM_EXIT_IRQ_WINDOW_OPEN;	/* progress in between */
		exit__dispatch(&fk.v);
	}
	ok(!vm.done, "failures with other exits in between are not a storm");

	reset();
	setup_long_mode(0xe);
	fk.s.cs.selector = 0x33;	/* CPL3 against a DPL0 gate */
	fk.s.cs.dpl = 3;
	for (unsigned i = 0; i < IVM_BOOT_PT_SIZE / 8; i++)	/* user-accessible mappings */
		((uint64_t *)(vm.mem.base + IVM_BOOT_PT_GPA))[i] |= 4;
	emulation_failure(int41, sizeof(int41));
	ok(fk.set_events == 1 && fk.e.exception.nr == 13 && fk.e.exception.has_error_code &&
	   fk.e.exception.error_code == 0x41 * 8 + 2 && fk.r.rip == CODE_GPA,
	   "int $0x41 at CPL3 through a DPL0 gate: #GP(0x41*8+2) injected, RIP unchanged");
}


static uint8_t io_in8(uint16_t port)
{
	io(port, 0, 1, 1, NULL);
	return ((uint8_t *)fk.v.run)[4096];
}

static void out16(uint16_t port, uint16_t val)
{
	io(port, 1, 2, 1, &val);
}

/* fw_cfg through the port table, as kvm-unit-tests' lib/x86/fwcfg.c reads it */
static void test_fwcfg_ports(void)
{
	uint8_t sig[4], ram[8], rep[8];
	uint64_t v = 0;

	reset();
	vm.nr_vcpus = 2;
	for (int i = 0; i < 4; i++)
		sig[i] = io_in8(0x511);
	ok(!memcmp(sig, "QEMU", 4), "fw_cfg: the signature before any select");
	out16(0x510, FW_CFG_NB_CPUS);
	v = io_in8(0x511);
	v |= (uint64_t)io_in8(0x511) << 8;
	is_u64(v, 2, "fw_cfg: NB_CPUS is the VM's vCPU count");
	out16(0x510, FW_CFG_MAX_CPUS);
	v = io_in8(0x511);
	v |= (uint64_t)io_in8(0x511) << 8;
	is_u64(v, 2, "fw_cfg: MAX_CPUS is the APIC ID limit, the vCPU count");
	out16(0x510, FW_CFG_RAM_SIZE);
	for (int i = 0; i < 8; i++)
		ram[i] = io_in8(0x511);
	memcpy(&v, ram, 8);
	is_u64(v, MEM_SIZE, "fw_cfg: RAM_SIZE is the VM's RAM, 8 bytes little-endian");
	out16(0x510, FW_CFG_RAM_SIZE);
	io(0x511, 0, 1, 8, NULL);	/* rep insb */
	memcpy(rep, (uint8_t *)fk.v.run + 4096, 8);
	ok(!memcmp(rep, ram, 8), "fw_cfg: rep insb of 8 reads the same item in one exit");
	out16(0x510, FW_CFG_ID);
	is_u64(io_in8(0x510), FW_CFG_VERSION, "fw_cfg: a byte IN at 0x510 reads data too (QEMU)");
	out16(0x510, 0x0002);
	is_u64(io_in8(0x511), 0, "fw_cfg: an item we lack reads zeros");
	out16(0x511, FW_CFG_NB_CPUS);
	is_u64(io_in8(0x511), 2, "fw_cfg: a 16-bit OUT at 0x511 selects too (QEMU)");
	out16(0x510, FW_CFG_NB_CPUS);
	v = 0xffffffff;
	io(0x510, 1, 4, 1, &v);
	io(0x510, 1, 1, 1, &v);
	is_u64(io_in8(0x511), 2, "fw_cfg: a 32-bit OUT and a byte OUT change nothing");
	ok(!vm.done, "fw_cfg: nothing stopped the run");
	out16(0x510, FW_CFG_NB_CPUS);
	io(0x511, 0, 2, 1, NULL);
	is_u64(*(uint16_t *)((uint8_t *)fk.v.run + 4096), 0xffff,
	       "fw_cfg: a 16-bit IN is not the device's: all ones, as an unclaimed port");
	is_u64(io_in8(0x511), 2, "fw_cfg: and it read no data byte");
}

/* A vCPU-less user irqchip: our IOAPIC model, nothing to deliver to */
static void user_ioapic(void)
{
	char err[200];

	vm.opts.irqchip = IRQCHIP_USER;
	ok(uioapic__init(&vm, err, sizeof(err)) == 0, "user irqchip: our IOAPIC is set up");
}

static void rte_write(unsigned pin, uint32_t lo)
{
	ioapic__mmio_write(&vm.ioapic, IOAPIC_IOREGSEL, 4, IOAPIC_REG_RTE(pin), 0);
	ioapic__mmio_write(&vm.ioapic, IOAPIC_IOWIN, 4, lo, 0);
}

static void out8(uint16_t port, uint8_t val)
{
	io(port, 1, 1, 1, &val);
}

/* pc-testdev's IOAPIC line ports through the port table and the injection API */
static void test_testdev_ports(void)
{
	const uint32_t pin10 = 1u << 10;
	uint16_t w = 1;

	reset();
	user_ioapic();
	rte_write(10, (uint32_t)(IOAPIC_RTE_MASKED | IOAPIC_RTE_LEVEL | 0x50));
	ok(io(IVM_PORT_TESTDEV_IOAPIC + 10, 1, 1, 1, &(uint8_t){ 1 }) == EXIT_RESUME &&
	   (vm.ioapic.line & pin10) && (vm.ioapic.irr & pin10),
	   "testdev: 1 to 0x200a asserts pin 10's line (masked level pin: pending in IRR)");
	out8(IVM_PORT_TESTDEV_IOAPIC + 10, 0);
	ok(!(vm.ioapic.line & pin10) && !(vm.ioapic.irr & pin10),
	   "testdev: 0 deasserts it, and the level pin is no longer pending");
	out8(IVM_PORT_TESTDEV_IOAPIC + 10, 0x80);
	ok(vm.ioapic.line & pin10, "testdev: any nonzero value asserts (QEMU's !!data)");
	out8(IVM_PORT_TESTDEV_IOAPIC + 10, 0);
	rte_write(10, (uint32_t)(IOAPIC_RTE_LEVEL | 0x50));	/* unmasked */
	out8(IVM_PORT_TESTDEV_IOAPIC + 10, 1);
	ok(vm.ioapic.rte[10] & IOAPIC_RTE_REMOTE_IRR,
	   "testdev: asserting an unmasked level pin delivers it (remote IRR set)");
	out8(IVM_PORT_TESTDEV_IOAPIC + 23, 1);
	ok(vm.ioapic.line & 1u << 23, "testdev: 0x2017 is pin 23, the last");
	ok(!vm.done, "testdev: nothing stopped the run");

	reset();
	user_ioapic();
	io(IVM_PORT_TESTDEV_IOAPIC + 3, 1, 2, 1, &w);
	io(IVM_PORT_TESTDEV_IOAPIC + 3, 1, 4, 1, &(uint32_t){ 1 });
	ok(!vm.ioapic.line && !vm.done, "testdev: 16- and 32-bit OUTs are dropped, like a stray port's");
	is_u64(io_in8(IVM_PORT_TESTDEV_IOAPIC + 3), 0xff, "testdev: an IN reads all ones (write-only)");
	out8(IVM_PORT_TESTDEV_IOAPIC + IVM_TESTDEV_IOAPIC_PINS, 1);
	ok(!vm.ioapic.line && !vm.done, "testdev: 0x2018 is past the 24 pins: no device");
	io(IVM_PORT_TESTDEV_IOAPIC, 1, 1, 4, "\1\0\1\1");	/* rep outsb: pin 0 up, down, up, up */
	ok((vm.ioapic.line & 1) && !vm.done, "testdev: rep outsb sets the line once per byte");

	reset();
	vm.opts.irqchip = IRQCHIP_KERNEL;
	vm.vm_fd = -1;	/* KVM_IRQ_LINE fails */
	ok(io(IVM_PORT_TESTDEV_IOAPIC + 4, 1, 1, 1, "\1") == EXIT_STOP && vm.status == VMM_HOST_ERROR &&
	   strstr(vm.why, "pc-testdev") && strstr(vm.why, "KVM_IRQ_LINE"),
	   "testdev, kernel irqchip: KVM_IRQ_LINE refused stops the run, naming both (%s)",
	   vm.why ? vm.why : "");
}

/* The port's INJECT record is the one a scenario's pin injection makes */
static void test_testdev_trace(void)
{
	char dir[] = "/tmp/test_exit.XXXXXX", path[64], err[256];
	struct injection sc = { .kind = INJ_PIN, .pin = 3, .action = PIN_ASSERT };
	struct itr_record rec, inj[4];
	struct itr_header h;
	struct itr_reader *rd;
	int n = 0;

	if (!mkdtemp(dir))
		return;
	snprintf(path, sizeof(path), "%s/t.itr", dir);
	reset();
	user_ioapic();
	vm.kvm_fd = vm.vm_fd = -1;
	vm.opts.cmdline = "";
	vm.nr_vcpus = 1;
	vm.vcpus[0] = fk.v;
	vm.vcpus[0].fd = -1;
	ok(record__open(&vm, path, err, sizeof(err)) == 0, "trace opened on a fake vCPU");
	vm.inject_point = 7;
	out8(IVM_PORT_TESTDEV_IOAPIC + 3, 1);
	ok(inject__do(&vm, &sc, err, sizeof(err)) == 0, "a scenario's pin 3 assert at the same point");
	out8(IVM_PORT_TESTDEV_IOAPIC + 3, 0);
	record__close(&vm, 0, err, sizeof(err));
	rd = itr_reader__open(path, &h, err, sizeof(err));
	while (rd && itr_reader__next(rd, &rec, err, sizeof(err)) == 1)
		if (rec.type == ITR_INJECT && n < 4)
			inj[n++] = rec;
	itr_reader__close(rd);
	unlink(path);
	rmdir(dir);
	if (!ok(n == 3, "three INJECT records (%d)", n))
		return;
	ok(inj[0].a == inj[1].a && inj[0].b == inj[1].b && inj[0].err == inj[1].err &&
	   inj[0].rsp == (inj[1].rsp | ITR_INJ_BY_GUEST) && inj[0].rip == inj[1].rip &&
	   inj[0].vector == inj[1].vector && inj[0].vcpu == inj[1].vcpu,
	   "the port's record equals the scenario injection's, marked as the guest's (ITR_INJ_BY_GUEST)");
	ok(!(inj[1].rsp & ITR_INJ_BY_GUEST) && inj[2].rsp & ITR_INJ_BY_GUEST,
	   "  the scenario's is not the guest's; the deassert is");
	is_u64(inj[0].a, INJ_PIN | 3 << 8 | PIN_ASSERT << 16, "INJECT pin 3 assert");
	is_u64(inj[0].b, 7, "at the current injection point");
	is_u64(inj[2].a, INJ_PIN | 3 << 8 | PIN_DEASSERT << 16, "then INJECT pin 3 deassert");
}

/* User irqchip, vCPU 0's LAPIC software-enabled with 0x41 in IRR; no KVM behind it */
static void ulapic_with_0x41(void)
{
	struct lapic_config cfg = { .apic_id = 0, .bsp = true, .x2apic = true };

	reset();
	fk.v.fd = -1;		/* KVM_INTERRUPT fails here: what counts is what pre_run chose */
	vm.opts.irqchip = IRQCHIP_USER;
	lapic__init(&fk.v.lapic, &cfg);
	lapic__write(&fk.v.lapic, 0xf0, 0x1ff, 0);	/* software-enabled */
	lapic__accept(&fk.v.lapic, 0x41, false);
}

/* User irqchip: no KVM_INTERRUPT on an entry that delivers an exception or NMI */
static void test_ulapic_event_first(void)
{
	ulapic_with_0x41();
	fk.v.run->if_flag = 1;
	fk.v.run->ready_for_interrupt_injection = 1;
	fk.e.exception.injected = 1;
	fk.e.exception.nr = 12;
	ulapic__pre_run(&fk.v);
	ok(fk.v.run->request_interrupt_window == 1 && lapic__pending(&fk.v.lapic) == 0x41,
	   "ulapic: an exception goes in: 0x41 waits for a window, still in IRR");
	fk.e.exception.injected = 0;
	fk.e.nmi.pending = 1;
	ulapic__pre_run(&fk.v);
	ok(fk.v.run->request_interrupt_window == 1 && lapic__pending(&fk.v.lapic) == 0x41,
	   "ulapic: an NMI goes in: the same");
	fk.e.nmi.pending = 0;
	ulapic__pre_run(&fk.v);
	ok(fk.v.run->request_interrupt_window == 0 && lapic__pending(&fk.v.lapic) < 0,
	   "ulapic: nothing else goes in: 0x41 is handed over (INTA)");
}

/* User irqchip: only an NMI or INIT ends a HLT run with IF=0, no interrupt (SDM, HLT) */
static void test_ulapic_hlt_if0(void)
{
	ulapic_with_0x41();
	fk.v.halted = fk.v.halted_if0 = true;
	fk.v.run->ready_for_interrupt_injection = 1;
	ulapic__pre_run(&fk.v);
	ok(fk.v.halted && fk.v.run->request_interrupt_window == 0 && lapic__pending(&fk.v.lapic) == 0x41,
	   "ulapic: halted with IF=0, 0x41 pending: still halted, no window asked, 0x41 in IRR");
	fk.v.halted_if0 = false;
	fk.v.run->if_flag = 1;
	ulapic__pre_run(&fk.v);
	ok(!fk.v.halted && lapic__pending(&fk.v.lapic) < 0,
	   "ulapic: halted with IF=1: 0x41 ends the HLT and is handed over (INTA)");
}

/*
 * User irqchip, vCPU 0 set up by ulapic__init with no VM behind it: no
 * CPUID can be read, so no x2APIC; CR8 (kvm_run->cr8, KVM's copy with no
 * in-kernel LAPIC) and the model's TPR are one register.
 */
static void test_ulapic_cr8(void)
{
	struct vcpu *v = &vm.vcpus[0];
	char err[160];

	reset();
	vm.opts.irqchip = IRQCHIP_USER;
	vm.nr_vcpus = 1;
	vm.vm_fd = -1;
	v->vm = &vm;
	v->fd = -1;
	v->ops = &fake_ops;
	v->run = fk.v.run;
	v->sipi_vector = -1;
	ok(ulapic__init(&vm, err, sizeof(err)) < 0, "ulapic: init fails at the MSR filter (no VM)");
	ok(!v->lapic.cfg.x2apic, "ulapic: x2APIC follows CPUID: none read, none offered");
	ok(lapic__wrmsr(&v->lapic, 0x1b, 0xfee00c00, 0) == -1 && lapic__mmio_enabled(&v->lapic),
	   "ulapic: so EN|EXTD is #GP and the xAPIC page stays");
	v->run->exit_reason = KVM_EXIT_X86_WRMSR;
	v->run->msr.index = 0x1b;
	v->run->msr.data = 0xfee00d00;
	v->run->msr.error = 0;
	ok(exit__dispatch(v) == EXIT_RESUME && v->run->msr.error == 1,
	   "ulapic: a guest WRMSR of EN|EXTD gets #GP");

	lapic__write(&v->lapic, 0xf0, 0x1ff, 0);	/* software-enabled */
	v->run->if_flag = 0;
	v->run->cr8 = 5;	/* the guest's MOV to CR8, as KVM reports it at the exit */
	ulapic__pre_run(v);
	is_u64(lapic__read(&v->lapic, 0x80, 0), 0x50, "cr8: the guest's CR8 5 is TPR 0x50 at entry");
	ulapic__timer_input(v);
	lapic__write(&v->lapic, 0x80, 0x93, 0);	/* MMIO write to TPR */
	is_u64(v->run->cr8, 9, "cr8: an MMIO write of TPR 0x93 is CR8 9 at the next entry");
	ulapic__pre_run(v);
	is_u64(lapic__read(&v->lapic, 0x80, 0), 0x93, "cr8: CR8 unchanged keeps TPR[3:0]");
	v->run->cr8 = 2;
	ulapic__timer_input(v);	/* what mmio.c calls before a LAPIC access */
	is_u64(lapic__read(&v->lapic, 0x80, 0), 0x20, "cr8: a TPR read sees the guest's last MOV to CR8");
	v->run->cr8 = 4;
	lapic__accept(&v->lapic, 0x35, false);
	ulapic__pre_run(v);
	ok(v->run->request_interrupt_window == 0 && lapic__pending(&v->lapic) < 0,
	   "cr8: CR8 4 holds vector 0x35 back: no window asked for");
	v->run->exit_reason = KVM_EXIT_SET_TPR;
	v->run->cr8 = 2;	/* the guest lowered CR8: VMX and SVM exit for it */
	ok(exit__dispatch(v) == EXIT_RESUME && !vm.done, "cr8: KVM_EXIT_SET_TPR is handled");
	ulapic__pre_run(v);
	ok(v->run->request_interrupt_window == 1 && lapic__pending(&v->lapic) == 0x35,
	   "cr8: CR8 2 lets 0x35 through: a window is asked for (IF=0)");
	v->init_pending = true;
	ulapic__pre_run(v);
	ok(lapic__read(&v->lapic, 0x80, 0) == 0 && v->run->cr8 == 0, "cr8: INIT clears TPR and CR8");

	/* replay's time input: an expiry counts only when it sets IRR */
	lapic__write(&v->lapic, 0xf0, 0x1ff, 0);
	v->timer_fires = 0;
	lapic__write(&v->lapic, 0x320, 0x100ec, 0);	/* LVTT masked, one-shot */
	lapic__write(&v->lapic, 0x380, 100, 0);
	lapic__timer_tick(&v->lapic, lapic__timer_next(&v->lapic));
	lapic__accept(&v->lapic, 0x36, false);	/* another vCPU's IPI, next */
	is_u64(v->timer_fires, 0, "timer: a masked expiry, then another vector's accept: no fire counted");
	lapic__write(&v->lapic, 0x320, 0xec, 0);
	lapic__write(&v->lapic, 0x380, 100, 0);
	lapic__timer_tick(&v->lapic, lapic__timer_next(&v->lapic));
	is_u64(v->timer_fires, 1, "timer: an unmasked expiry that sets IRR counts");
}

/* Which of @n vCPUs have @vector in IRR (a bit per vCPU) */
static unsigned irr_set(unsigned n, unsigned vector)
{
	unsigned set = 0;

	for (unsigned i = 0; i < n; i++)
		set |= (lapic__read(&vm.vcpus[i].lapic, LAPIC_IRR + (vector / 32) * 0x10, 0) >>
			(vector % 32) & 1) << i;
	return set;
}

/* ICR write on vCPU @from: @hi then @lo, the guest's order */
static void icr(unsigned from, uint32_t hi, uint32_t lo)
{
	lapic__write(&vm.vcpus[from].lapic, LAPIC_ICR_HI, hi, 0);
	lapic__write(&vm.vcpus[from].lapic, LAPIC_ICR_LO, lo, 0);
}

/* User irqchip, eight vCPUs (APIC ID = index, flat LDR bit = index): IPI and MSI routing */
static void test_ulapic_route8(void)
{
	char err[160];
	unsigned nmis = 0, inits = 0, sipis = 0;

	reset();
	vm.opts.irqchip = IRQCHIP_USER;
	vm.nr_vcpus = 8;
	vm.vm_fd = -1;
	for (unsigned i = 0; i < 8; i++) {
		struct vcpu *v = &vm.vcpus[i];

		v->vm = &vm;
		v->id = i;
		v->fd = -1;
		v->ops = &fake_ops;
		v->sipi_vector = -1;
	}
	ok(ulapic__init(&vm, err, sizeof(err)) < 0 && vm.vcpus[7].wait_sipi && !vm.vcpus[0].wait_sipi,
	   "route8: eight LAPICs set up, the APs waiting for SIPI");
	for (unsigned i = 0; i < 8; i++) {
		lapic__write(&vm.vcpus[i].lapic, LAPIC_SVR, 0x1ff, 0);
		lapic__write(&vm.vcpus[i].lapic, LAPIC_DFR, 0xffffffff, 0);
		lapic__write(&vm.vcpus[i].lapic, LAPIC_LDR, 1u << (24 + i), 0);
	}
	icr(0, 7u << 24, 0x40);
	is_u64(irr_set(8, 0x40), 0x80, "route8: fixed IPI to APIC ID 7 reaches vCPU 7 alone");
	icr(0, 0xfeu << 24, LAPIC_ICR_LOGICAL | 0x41);
	is_u64(irr_set(8, 0x41), 0xfe, "route8: flat logical 0xfe reaches vCPUs 1-7");
	icr(3, 0, 3u << LAPIC_ICR_SH_SHIFT | 0x42);
	is_u64(irr_set(8, 0x42), 0xf7, "route8: all-but-self from vCPU 3 reaches the other seven");
	icr(5, 0, 2u << LAPIC_ICR_SH_SHIFT | 0x43);
	is_u64(irr_set(8, 0x43), 0xff, "route8: all-including-self reaches all eight");
	icr(6, 0xffu << 24, 0x44);
	is_u64(irr_set(8, 0x44), 0xff, "route8: physical 0xff is broadcast");
	icr(0, 8u << 24, 0x45);
	is_u64(irr_set(8, 0x45), 0, "route8: APIC ID 8 is no vCPU: nothing delivered");
	ulapic__msi(&vm, 0xfee00000u | 0x80u << 12 | 1u << 2, 0x46);
	is_u64(irr_set(8, 0x46), 0x80, "route8: a logical MSI to 0x80 reaches vCPU 7");
	for (unsigned i = 0; i < 8; i++)	/* TPR 0x20 on all but vCPU 6: it has the lowest PPR */
		lapic__write(&vm.vcpus[i].lapic, LAPIC_TPR, i == 6 ? 0 : 0x20, 0);
	icr(0, 0xfeu << 24, LAPIC_ICR_LOGICAL | 1u << 8 | 0x47);
	is_u64(irr_set(8, 0x47), 0x40, "route8: lowest priority among 1-7 picks vCPU 6 (lowest PPR)");
	icr(2, 0, 3u << LAPIC_ICR_SH_SHIFT | 4u << 8 | LAPIC_ICR_ASSERT);
	for (unsigned i = 0; i < 8; i++)
		nmis |= (vm.vcpus[i].nr_nmi == 1) << i;
	is_u64(nmis, 0xfb, "route8: NMI to all but self (vCPU 2) queues one NMI on each other vCPU");
	icr(0, 0, 3u << LAPIC_ICR_SH_SHIFT | 5u << 8 | LAPIC_ICR_ASSERT | LAPIC_ICR_LEVEL);
	icr(0, 0, 3u << LAPIC_ICR_SH_SHIFT | 6u << 8 | 0x09);
	for (unsigned i = 0; i < 8; i++) {
		inits |= vm.vcpus[i].init_pending << i;
		sipis |= (vm.vcpus[i].sipi_vector == 9) << i;
	}
	ok(inits == 0xfe && sipis == 0xfe, "route8: INIT then SIPI 0x09 to all but self: vCPUs 1-7 start");
}

/*
 * KVM's vCPU ops read the registers from kvm_run after an exit that synced
 * them (no ioctl: here the fd is -1, so an ioctl would fail), and never after
 * KVM_SET_REGS (the sync is stale then) or before any exit.
 */
static void test_synced_regs(void)
{
	static struct kvm_run run;
	struct vcpu v = { .fd = -1, .run = &run };
	struct kvm_regs r = { 0 };

	run.s.regs.regs.rip = 0x10cc53;
	run.s.regs.regs.rsp = 0x223ff0;
	ok(kvm_vcpu_ops.get_regs(&v, &r) < 0, "synced registers: none before an exit (KVM_GET_REGS)");
	v.regs_synced = true;
	ok(kvm_vcpu_ops.get_regs(&v, &r) == 0 && r.rip == 0x10cc53 && r.rsp == 0x223ff0,
	   "synced registers: after an exit, kvm_run's, with no ioctl");
	(void)kvm_vcpu_ops.set_regs(&v, &r);
	ok(!v.regs_synced && kvm_vcpu_ops.get_regs(&v, &r) < 0,
	   "synced registers: KVM_SET_REGS makes them stale: KVM_GET_REGS again");
}

/*
 * vm__idle_forever, the run loop's end of a guest nothing can wake: every vCPU
 * halted or waiting for a SIPI, nothing queued, no host timer to come; a LAPIC
 * timer raises a fixed vector, which wakes no vCPU halted with IF=0
 */
static void test_idle_forever(void)
{
	static struct vm iv;
	struct lapic_config cfg = { .bsp = true, .x2apic = true };
	struct vcpu *a = &iv.vcpus[0], *b = &iv.vcpus[1];

	memset(&iv, 0, sizeof(iv));
	iv.nr_vcpus = 1;
	lapic__init(&a->lapic, &cfg);
	lapic__write(&a->lapic, 0xf0, 0x1ff, 0);	/* software-enabled */
	a->sipi_vector = -1;
	ok(!vm__idle_forever(&iv), "idle forever: not while a vCPU runs");
	a->halted = true;
	ok(vm__idle_forever(&iv), "idle forever: one vCPU in HLT, IF=1, nothing pending, no timer");
	lapic__accept(&a->lapic, 0x41, false);
	ok(!vm__idle_forever(&iv), "idle forever: not with a vector in IRR (IF=1 takes it)");
	a->halted_if0 = true;
	ok(vm__idle_forever(&iv), "idle forever: HLT with IF=0 and a vector in IRR: nothing wakes it");
	a->nr_nmi = 1;
	ok(!vm__idle_forever(&iv), "idle forever: not with an NMI queued (it ends HLT with IF=0)");
	a->nr_nmi = 0;
	a->init_pending = true;
	ok(!vm__idle_forever(&iv), "idle forever: not with an INIT pending");
	a->init_pending = false;
	lapic__init(&a->lapic, &cfg);
	lapic__write(&a->lapic, 0xf0, 0x1ff, 0);
	lapic__write(&a->lapic, 0x320, 0xec, 0);	/* LVT timer: one-shot, 0xec, unmasked */
	lapic__write(&a->lapic, 0x380, 100000, 0);	/* TMICT */
	ok(lapic__timer_next(&a->lapic) && vm__idle_forever(&iv),
	   "idle forever: HLT with IF=0 and the LAPIC timer counting: its tick can't wake it");
	a->halted_if0 = false;
	ok(!vm__idle_forever(&iv), "idle forever: not with IF=1 and the LAPIC timer counting");
	iv.next_deadline_ns = 1;
	a->halted_if0 = true;
	ok(!vm__idle_forever(&iv), "idle forever: not while a host timer is to come (a scenario step)");
	iv.next_deadline_ns = 0;
	iv.nr_vcpus = 2;
	lapic__init(&b->lapic, &(struct lapic_config){ .apic_id = 1, .x2apic = true });
	b->wait_sipi = true;
	b->sipi_vector = -1;
	ok(vm__idle_forever(&iv), "idle forever: two vCPUs, one in HLT with IF=0, one waiting for a SIPI");
	b->sipi_vector = 0x9;
	ok(!vm__idle_forever(&iv), "idle forever: not once the SIPI came");
	b->sipi_vector = -1;
	b->wait_sipi = false;
	ok(!vm__idle_forever(&iv), "idle forever: not while the other vCPU runs (it may send an IPI)");
}

int main(void)
{
	vm.mem.base = calloc(1, MEM_SIZE);
	vm.mem.size = MEM_SIZE;
	test_ports();
	test_simple_exits();
	test_hcalls();
	test_quiet();
	test_register_overlap();
	test_synced_regs();
	test_idle_forever();
	test_emulation_failure();
	test_fwcfg_ports();
	test_testdev_ports();
	test_testdev_trace();
	test_ulapic_event_first();
	test_ulapic_hlt_if0();
	test_ulapic_cr8();
	test_ulapic_route8();
	return tap_done();
}
