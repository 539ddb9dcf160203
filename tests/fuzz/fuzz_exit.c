// SPDX-License-Identifier: MIT
/*
 * Exit dispatch (vmm/core/exit.c) without /dev/kvm, as tests/unit/test_exit.c
 * drives it: fake register ioctls, a kvm_run page in plain memory, 128 KiB
 * of guest RAM. A run starts from a valid 64-bit guest (guest64.h: IDT,
 * GDT, TSS, page tables) and replays the input's operations:
 *   byte 0   irqchip (bits 0-1: kernel, split, user), two vCPUs (bit 2),
 *            CPL3 (bit 3)
 *   then     op % 9: 0 set a register field, 1 write RAM, 2 KVM_EXIT_IO,
 *            3 KVM_EXIT_MMIO (LAPIC, IOAPIC or anywhere), 4 emulation
 *            failure with instruction bytes at RIP, 5 a hypercall block and
 *            its OUT, 6 RDMSR/WRMSR, 7 any other exit reason with raw
 *            kvm_run bytes, 8 switch vCPU
 * until the input ends or a handler stops the VM; then what run.c prints at
 * the end (--interrupts, the self-test table, the death report) from that
 * hostile state. PIO, MMIO (our IOAPIC and LAPIC models behind it),
 * hypercalls (REGISTER and SYNC reach the event ring consumer), INT n
 * emulation (Zydis, intn.c, x86_mmu.c) and the MSR handler run for real.
 * Not covered: the ioctls themselves (KVM_SET_GSI_ROUTING, KVM_IRQ_LINE,
 * KVM_INTERRUPT fail with EBADF on fd -1), and inject.c, which needs a vCPU
 * fd for everything it does.
 */
#include "core/exit.h"
#include "fuzz.h"
#include "guest64.h"
#include "model/interrupts.h"
#include "dev/uioapic.h"
#include "dev/ulapic.h"
#include "record/record.h"
#include "vm/vcpu.h"

#define RAM		(2 * G64_MAPPED)	/* the tables, then room for a guest page */
#define RUN_SIZE	8192

struct fake {
	struct kvm_regs r;
	struct kvm_sregs s;
	struct kvm_vcpu_events e;
};

static struct vm vm;
static struct fake fk[VMM_MAX_VCPUS];
static uint8_t *run_pages[VMM_MAX_VCPUS];
static FILE *devnull;

static struct fake *fake_of(struct vcpu *v)
{
	return &fk[v - vm.vcpus];
}

static int f_get_regs(struct vcpu *v, struct kvm_regs *r) { *r = fake_of(v)->r; return 0; }
static int f_set_regs(struct vcpu *v, const struct kvm_regs *r) { fake_of(v)->r = *r; return 0; }
static int f_get_sregs(struct vcpu *v, struct kvm_sregs *s) { *s = fake_of(v)->s; return 0; }
static int f_set_sregs(struct vcpu *v, const struct kvm_sregs *s) { fake_of(v)->s = *s; return 0; }
static int f_get_events(struct vcpu *v, struct kvm_vcpu_events *e) { *e = fake_of(v)->e; return 0; }
static int f_set_events(struct vcpu *v, const struct kvm_vcpu_events *e)
{
	fake_of(v)->e = *e;
	return 0;
}

static const struct vcpu_ops fake_ops = { f_get_regs, f_set_regs, f_get_sregs, f_set_sregs,
					  f_get_events, f_set_events };

static void vm_reset(unsigned opt)
{
	uint8_t *mem = vm.mem.base;
	char err[160];

	for (unsigned i = 0; i < VMM_MAX_VCPUS; i++)
		evring__free(&vm.vcpus[i].ring);
	memset(&vm, 0, sizeof(vm));
	vm.mem = (struct gmem){ mem, RAM };
	vm.kvm_fd = vm.vm_fd = -1;	/* every ioctl fails with EBADF, never reaches stdin */
	vm.opts.irqchip = (opt & 3) % IRQCHIP_NR;
	vm.opts.quiet = true;
	vm.opts.cmdline = "";
	vm.nr_vcpus = opt & 4 ? 2 : 1;
	for (unsigned i = 0; i < VMM_MAX_VCPUS; i++) {
		struct vcpu *v = &vm.vcpus[i];

		memset(run_pages[i], 0, RUN_SIZE);
		v->vm = &vm;
		v->id = i;
		v->fd = -1;
		v->ops = &fake_ops;
		v->run = (struct kvm_run *)run_pages[i];
		v->run_size = RUN_SIZE;
		v->sipi_vector = -1;
	}
	console__init(&vm.con, devnull, &vm.log);
	serial__init(&vm.com1, &vm.con);
	memset(mem, 0, RAM);
	g64__tables(mem, false);
	for (unsigned i = 0; i < VMM_MAX_VCPUS; i++) {
		g64__regs(&fk[i].r, &fk[i].s, opt & 8, false, i);
		memset(&fk[i].e, 0, sizeof(fk[i].e));
	}
	if (vm.opts.irqchip != IRQCHIP_KERNEL)
		uioapic__init(&vm, err, sizeof(err));
	if (vm.opts.irqchip == IRQCHIP_USER)
		ulapic__init(&vm, err, sizeof(err));	/* models set up; the MSR filter ioctl fails */
}

static void poke(uint32_t gpa, const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)	/* wraps inside RAM */
		vm.mem.base[(gpa + i) % RAM] = ((const uint8_t *)p)[i];
}

static int exit_io(struct vcpu *v, struct fuzz_in *in)
{
	struct kvm_run *run = v->run;
	uint8_t ctl = fuzz_in__u8(in), data[32];

	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = ctl & 1 ? KVM_EXIT_IO_OUT : KVM_EXIT_IO_IN;
	/* mostly what KVM sends; sometimes raw, which the handler must refuse */
	run->io.size = ctl & 0x80 ? fuzz_in__u8(in) : 1u << (ctl >> 1 & 3) % 3;
	run->io.port = fuzz_in__u16(in);
	run->io.count = ctl & 0x40 ? fuzz_in__u32(in) : 1 + (ctl >> 3 & 7);
	run->io.data_offset = ctl & 0x20 ? fuzz_in__u64(in) : 4096;
	fuzz_in__bytes(in, data, sizeof(data));
	if (run->io.data_offset < RUN_SIZE - sizeof(data))
		memcpy((uint8_t *)run + run->io.data_offset, data, sizeof(data));
	return exit__dispatch(v);
}

static int exit_mmio(struct vcpu *v, struct fuzz_in *in)
{
	struct kvm_run *run = v->run;
	uint8_t ctl = fuzz_in__u8(in);

	run->exit_reason = KVM_EXIT_MMIO;
	switch (ctl & 3) {
	case 0: run->mmio.phys_addr = LAPIC_DEFAULT_BASE + fuzz_in__u16(in) % 0x1000; break;
	case 1: run->mmio.phys_addr = IOAPIC_DEFAULT_BASE + fuzz_in__u8(in); break;
	default: run->mmio.phys_addr = fuzz_in__u64(in);
	}
	run->mmio.len = ctl & 4 ? fuzz_in__u32(in) : 4;
	run->mmio.is_write = ctl >> 3 & 1;
	fuzz_in__bytes(in, run->mmio.data, sizeof(run->mmio.data));
	return exit__dispatch(v);
}

static int exit_emulation(struct vcpu *v, struct fuzz_in *in)
{
	struct fake *f = fake_of(v);
	uint8_t code[15], ctl = fuzz_in__u8(in);
	unsigned n = ctl % 16;

	fuzz_in__bytes(in, code, n);
	poke(f->r.rip, code, n);	/* identity-mapped in the baseline, anywhere else not */
	v->run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	v->run->internal.suberror = ctl & 0x80 ? fuzz_in__u32(in) : KVM_INTERNAL_ERROR_EMULATION;
	return exit__dispatch(v);
}

static int hypercall(struct vcpu *v, struct fuzz_in *in)
{
	struct ivm_hcall hc;
	uint8_t ctl = fuzz_in__u8(in);
	uint32_t gpa = ctl & 0x80 ? fuzz_in__u32(in) : 0x10000 + fuzz_in__u16(in) % 0xf000;

	memset(&hc, 0, sizeof(hc));
	hc.kind = ctl & 0x40 ? fuzz_in__u32(in) : ctl % (IVM_HC_MAX + 1);
	hc.len = ctl & 0x20 ? fuzz_in__u32(in) : fuzz_in__u8(in);
	for (int i = 0; i < 4; i++)
		hc.args[i] = ctl & 0x10 && i == 0 ? 0x10000 + fuzz_in__u16(in) % 0xf000 :
			     fuzz_in__u64(in);
	fuzz_in__bytes(in, hc.msg, hc.len < sizeof(hc.msg) ? hc.len : sizeof(hc.msg));
	if (gpa < RAM)
		poke(gpa, &hc, sizeof(hc));
	v->run->exit_reason = KVM_EXIT_IO;
	v->run->io.direction = KVM_EXIT_IO_OUT;
	v->run->io.size = 4;
	v->run->io.port = IVM_PORT_HCALL;
	v->run->io.count = 1;
	v->run->io.data_offset = 4096;
	memcpy((uint8_t *)v->run + 4096, &gpa, 4);
	return exit__dispatch(v);
}

static int exit_msr(struct vcpu *v, struct fuzz_in *in)
{
	static const uint32_t msrs[] = { 0x1b, 0x6e0, 0x10, 0x802, 0x808, 0x80b, 0x830, 0x838 };
	struct kvm_run *run = v->run;
	uint8_t ctl = fuzz_in__u8(in);

	run->exit_reason = ctl & 1 ? KVM_EXIT_X86_WRMSR : KVM_EXIT_X86_RDMSR;
	run->msr.index = ctl & 2 ? fuzz_in__u32(in) : msrs[ctl >> 2 & 7];
	run->msr.data = fuzz_in__u64(in);
	run->msr.error = 0;
	return exit__dispatch(v);
}

static int exit_other(struct vcpu *v, struct fuzz_in *in)
{
	static const uint32_t reasons[] = {
		KVM_EXIT_HLT, KVM_EXIT_IRQ_WINDOW_OPEN, KVM_EXIT_IOAPIC_EOI, KVM_EXIT_DEBUG,
		KVM_EXIT_INTR, KVM_EXIT_SHUTDOWN, KVM_EXIT_SYSTEM_EVENT, KVM_EXIT_FAIL_ENTRY,
		KVM_EXIT_EXCEPTION, KVM_EXIT_UNKNOWN,
	};
	struct kvm_run *run = v->run;
	uint8_t ctl = fuzz_in__u8(in);

	/* the union after exit_reason: whatever KVM might have left in it */
	fuzz_in__bytes(in, &run->hw, 32);
	run->ready_for_interrupt_injection = ctl >> 4 & 1;	/* read by ulapic__pre_run */
	run->if_flag = ctl >> 5 & 1;
	run->exit_reason = ctl & 0x80 ? fuzz_in__u32(in) : reasons[ctl % 10];
	return exit__dispatch(v);
}

/* How run.c ends a run: the last drain, --interrupts, the self-test table, the death report. */
static void finish(void)
{
	static struct ivm_guest_page copy[VMM_MAX_VCPUS];
	const struct ivm_guest_page *pages[VMM_MAX_VCPUS];
	unsigned n = 0;

	record__drain_rings_final(&vm);
	for (; n < vm.nr_vcpus; n++) {
		uint64_t gpa = vm.vcpus[n].ring.gpa;
		const struct ivm_guest_page *p = gpa ? gmem__ptr(&vm.mem, gpa, sizeof(*p)) : NULL;

		if (!p)
			break;
		memcpy(&copy[n], p, sizeof(copy[n]));
		pages[n] = &copy[n];
	}
	if (n)
		interrupts__print(pages, n, devnull);
	selftest__report(&vm.st, devnull, false);
	console__flush(&vm.con);
	if (vm.done)
		for (unsigned i = 0; i < vm.nr_vcpus; i++)
			vcpu__dump(&vm.vcpus[i], devnull);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct vcpu *v;
	unsigned steps = 0;

	fuzz__quiet_fds();
	if (!vm.mem.base) {
		vm.mem.base = malloc(RAM);	/* exact size: ASan sees a write past guest RAM */
		for (unsigned i = 0; i < VMM_MAX_VCPUS; i++)
			run_pages[i] = aligned_alloc(4096, RUN_SIZE);
		devnull = fopen("/dev/null", "w");
	}
	vm_reset(fuzz_in__u8(&in));
	v = &vm.vcpus[0];
	while (in.left && !vm.done && steps++ < 256) {
		uint8_t op = fuzz_in__u8(&in);
		int st = EXIT_RESUME;

		switch (op % 9) {
		case 0:
			g64__set_field(&fake_of(v)->r, &fake_of(v)->s, fuzz_in__u8(&in) % G64_NR_FIELDS,
				       fuzz_in__u64(&in));
			break;
		case 1: {
			uint8_t buf[16];
			uint32_t gpa = fuzz_in__u32(&in);

			fuzz_in__bytes(&in, buf, (op >> 4) + 1);
			poke(gpa, buf, (op >> 4) + 1);
			break;
		}
		case 2: st = exit_io(v, &in); break;
		case 3: st = exit_mmio(v, &in); break;
		case 4: st = exit_emulation(v, &in); break;
		case 5: st = hypercall(v, &in); break;
		case 6: st = exit_msr(v, &in); break;
		case 7: st = exit_other(v, &in); break;
		default:
			v = &vm.vcpus[(v->id + 1) % vm.nr_vcpus];
		}
		fuzz_assert(st == EXIT_RESUME || st == EXIT_STOP);
		fuzz_assert(st == EXIT_RESUME || vm.done);	/* a stop always says why */
		if (vm.opts.irqchip == IRQCHIP_USER && !vm.done)
			ulapic__pre_run(v);	/* what the run loop does before the next entry */
	}
	finish();
	return 0;
}
