// SPDX-License-Identifier: MIT
/*
 * What the trace tools say about a trace: `vmm trace show` marks software
 * interrupts i=1 as QEMU's -d int does and names every KVM tracepoint field
 * (a failed emulation's instruction bytes as the kernel prints them, in show
 * and in the JSON export),
 * the Chrome export gives each vCPU a track of its own (tid = vCPU + 1) and
 * writes no error code where none was pushed, and the VMM's EXIT records
 * carry the guest RIP, and an NMI's DELIVER whether NMIs were blocked then.
 * Traces are written with the itr writer, the commands
 * run in-process with stdout sent to a file.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include "trace/itr.h"
#include "record/record.h"
#include "tap.h"
#include "trace/trace_cmd.h"

static char dir[64], path[96], out[96];
static char text[1 << 16];

static struct itr_writer *open_trace(void)
{
	struct itr_header h = { .version = ITR_VERSION };
	char err[256];
	struct itr_writer *w;

	snprintf(h.irqchip, sizeof(h.irqchip), "user");
	w = itr_writer__open(path, &h, err, sizeof(err));
	if (!w)
		printf("# %s\n", err);
	return w;
}

static void put(struct itr_writer *w, struct itr_record r)
{
	if (!r.err && r.type != ITR_ENTRY)
		r.err = 0xffffffffu;
	itr_writer__put(w, &r);
}

static struct itr_record entry(unsigned vcpu, uint8_t vector, uint64_t rip, uint32_t err)
{
	return (struct itr_record){ .type = ITR_ENTRY, .source = ITR_SRC_GUEST, .vcpu = vcpu,
				    .vector = vector, .depth = 1, .rip = rip, .rsp = 0x8000, .cs = 0x10,
				    .ss = 0x18, .rflags = 2, .err = err, .a = err };
}

static struct itr_record iret(unsigned vcpu, uint8_t vector)
{
	return (struct itr_record){ .type = ITR_IRET, .source = ITR_SRC_GUEST, .vcpu = vcpu,
				    .vector = vector, .depth = 1, .cs = 0x10, .ss = 0x18 };
}

static struct itr_record vmm_delivery(unsigned vcpu, uint8_t vector, uint64_t rip)
{
	return (struct itr_record){ .type = ITR_VMM_DELIVERY, .source = ITR_SRC_VMM, .vcpu = vcpu,
				    .vector = vector, .rip = rip, .b = 0x105000, .cs = 0x10 };
}

static struct itr_record inject(unsigned vcpu, unsigned kind, uint8_t vector)
{
	return (struct itr_record){ .type = ITR_INJECT, .source = ITR_SRC_VMM, .vcpu = vcpu,
				    .vector = vector, .a = kind | vcpu << 8, .b = 1 };
}

/* Run a `vmm trace` subcommand with stdout into text[]; returns its status. */
static int capture(int (*fn)(int, char **), int argc, char **argv)
{
	int fd = open(out, O_RDWR | O_CREAT | O_TRUNC, 0600), saved, st;
	ssize_t n;

	fflush(stdout);
	saved = dup(1);
	dup2(fd, 1);
	st = fn(argc, argv);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	n = pread(fd, text, sizeof(text) - 1, 0);
	text[n > 0 ? n : 0] = 0;
	close(fd);
	return st;
}

/* The show line of record @seq, without its seq column and indentation. */
static const char *show_line(uint64_t seq)
{
	static char line[512];
	char key[24];
	const char *p, *e;

	snprintf(key, sizeof(key), "\n%6" PRIu64 ": ", seq);
	p = strstr(text, key);
	if (!p)
		return "";
	p += strlen(key);
	while (*p == ' ')
		p++;
	e = strchr(p, '\n');
	snprintf(line, sizeof(line), "%.*s", (int)(e ? e - p : (long)strlen(p)), p);
	return line;
}

static bool soft(uint64_t seq)
{
	return strstr(show_line(seq), " i=1 ") != NULL;
}

static void test_software_interrupts(void)
{
	struct itr_writer *w = open_trace();
	char *argv[] = { "show", path, NULL };
	char err[256];

	put(w, vmm_delivery(0, 0x41, 0x1000));		/* 0: int $0x41 at 0x1000, by the VMM */
	put(w, entry(0, 0x41, 0x1002, 0xffffffffu));	/* 1 */
	put(w, iret(0, 0x41));				/* 2 */
	put(w, inject(0, 0, 0x41));			/* 3: an MSI of the same vector */
	put(w, entry(0, 0x41, 0x2000, 0xffffffffu));	/* 4: hardware */
	put(w, iret(0, 0x41));				/* 5 */
	put(w, entry(0, 0x03, 0x3001, 0xffffffffu));	/* 6: #BP nobody injected: INT3 */
	put(w, iret(0, 0x03));				/* 7 */
	put(w, inject(0, 3, 0x03));			/* 8: #BP injected as an exception */
	put(w, entry(0, 0x03, 0x4000, 0xffffffffu));	/* 9 */
	put(w, iret(0, 0x03));				/* 10 */
	put(w, vmm_delivery(0, 0x01, 0x5000));		/* 11: INT1 (icebp, one byte) */
	put(w, entry(0, 0x01, 0x5001, 0xffffffffu));	/* 12: QEMU says i=0 too */
	put(w, iret(0, 0x01));				/* 13 */
	put(w, vmm_delivery(0, 0x01, 0x6000));		/* 14: int $1, two bytes */
	put(w, entry(0, 0x01, 0x6002, 0xffffffffu));	/* 15 */
	put(w, iret(0, 0x01));				/* 16 */
	put(w, vmm_delivery(1, 0x80, 0x7000));		/* 17: on vCPU 1 */
	put(w, entry(0, 0x80, 0x7002, 0xffffffffu));	/* 18: vCPU 0's 0x80 is not it */
	put(w, iret(0, 0x80));				/* 19 */
	put(w, entry(1, 0x02, 0x9000, 0xffffffffu));	/* 20: an NMI first, inside the INT's window */
	put(w, iret(1, 0x02));				/* 21 */
	put(w, entry(1, 0x80, 0x7002, 0xffffffffu));	/* 22: then vCPU 1's int $0x80 */
	put(w, iret(1, 0x80));				/* 23 */
	put(w, entry(0, 0x0e, 0x8000, 0x2));		/* 24: #PF(2) */
	ok(itr_writer__close(w, err, sizeof(err)) == 0, "trace written");

	ok(capture(itr_show__main, 2, argv) == 0, "show exits 0");
	ok(soft(1), "INT n the VMM delivered: i=1: '%s'", show_line(1));
	ok(!soft(4), "the same vector from an MSI: i=0: '%s'", show_line(4));
	ok(soft(6), "#BP nobody injected (INT3): i=1: '%s'", show_line(6));
	ok(!soft(9), "#BP the VMM injected: i=0: '%s'", show_line(9));
	ok(!soft(12), "INT1 (icebp): i=0, as QEMU logs it: '%s'", show_line(12));
	ok(soft(15), "int $1: i=1: '%s'", show_line(15));
	ok(!soft(18), "a delivery on another vCPU does not count: '%s'", show_line(18));
	ok(!soft(20), "an NMI between a VMM delivery and its entry: i=0: '%s'", show_line(20));
	ok(soft(22), "the INT's entry after it: i=1: '%s'", show_line(22));
	ok(!strcmp(show_line(24), "v=0e e=0002 i=0 cpl=0 IP=0010:0000000000008000 SP=0018:0000000000008000 "
		   "RFL=00000002 stack=same depth=1"), "#PF: QEMU form, i=0: '%s'", show_line(24));
}

static void test_kvm_tracepoints(void)
{
	static const struct {
		struct itr_record r;
		const char *want;
	} cases[] = {
		{ { .a = ITR_TP_INJ_VIRQ, .vector = 0x41, .b = 1, .rip = 0 },
		  "kvm: kvm_inj_virq v=41 soft=1 reinjected=0" },
		{ { .a = ITR_TP_INJ_EXCEPTION, .vector = 0x0e, .b = 1, .rip = 3 },
		  "kvm: kvm_inj_exception v=0e has_error=1 error_code=0x3" },
		{ { .a = ITR_TP_INJ_EXCEPTION, .vector = 0x06, .b = 0, .rip = 0 },
		  "kvm: kvm_inj_exception v=06 has_error=0" },
		{ { .a = ITR_TP_APIC_ACCEPT_IRQ, .vector = 0x51, .b = 1, .rip = 0x000 | 1 },
		  "kvm: kvm_apic_accept_irq v=51 apicid=1 dm=Fixed tm=level" },
		{ { .a = ITR_TP_APIC_ACCEPT_IRQ, .vector = 0x02, .b = 0, .rip = 0x400 },
		  "kvm: kvm_apic_accept_irq v=02 apicid=0 dm=NMI tm=edge" },
		{ { .a = ITR_TP_EOI, .vector = 0x61, .b = 0 }, "kvm: kvm_eoi v=61 apicid=0" },
		{ { .a = ITR_TP_MSI_SET_IRQ, .vector = 0x41, .b = 0xfee00000, .rip = 0x41 },
		  "kvm: kvm_msi_set_irq v=41 address=0xfee00000 data=0x41" },
		{ { .a = ITR_TP_IOAPIC_SET_IRQ, .vector = 5, .b = 0xc051, .rip = 0 },
		  "kvm: kvm_ioapic_set_irq pin=5 e=0xc051 coalesced=0" },
		/* kvm_emulate_insn, failures only: vector = len, b = insn[0..3] | flags << 32 */
		{ { .a = ITR_TP_EMULATE_FAILED, .vector = 2, .b = 9ull << 32 | 0xcf48, .rip = 0x107b77 },
		  "kvm: kvm_emulate_insn failed rip=0x107b77 insn=48 cf (prot64)" },
		{ { .a = ITR_TP_EMULATE_FAILED, .vector = 1, .b = 9ull << 32 | 0xcc, .rip = 0x108c98 },
		  "kvm: kvm_emulate_insn failed rip=0x108c98 insn=cc (prot64)" },
		{ { .a = ITR_TP_EMULATE_FAILED, .vector = 7, .b = 5ull << 32 | 0x3c15ae0f, .rip = 0x8f7a },
		  "kvm: kvm_emulate_insn failed rip=0x8f7a insn=0f ae 15 3c... len=7 (prot32)" },
		{ { .a = ITR_TP_EMULATE_FAILED, .vector = 0, .b = 0, .rip = 0x7c00 },
		  "kvm: kvm_emulate_insn failed rip=0x7c00 insn=(none) (real)" },
		{ { .a = ITR_TP_EMULATE_FAILED, .vector = 1, .b = 0x42ull << 32 | 0xf4, .rip = 0x10 },
		  "kvm: kvm_emulate_insn failed rip=0x10 insn=f4 (flags=0x42)" },
		{ { .a = 99, .vector = 7, .b = 1, .rip = 2 }, "kvm: tracepoint 99 v=07 b=0x1 rip=0x2" },
	};
	char line[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct itr_record r = cases[i].r;

		r.type = ITR_KVM_TP;
		r.source = ITR_SRC_KVM;
		r.err = 0xffffffffu;
		r.seq = 5;
		itr_show__format(&r, 0, line, sizeof(line));
		ok(!strcmp(line + 8, cases[i].want), "tracepoint %u, fields named: '%s'", r.a, line + 8);
	}
}

static void test_chrome(void)
{
	struct itr_writer *w = open_trace();
	char *argv[] = { "export", "--format", "chrome", path, NULL };
	char err[256];

	put(w, entry(0, 0x41, 0x1000, 0xffffffffu));
	put(w, entry(1, 0x0e, 0x2000, 0x3));
	put(w, iret(1, 0x0e));
	put(w, iret(0, 0x41));
	ok(itr_writer__close(w, err, sizeof(err)) == 0, "trace written");
	ok(capture(itr_export__main, 4, argv) == 0, "export --format chrome exits 0");
	ok(strstr(text, "\"tid\":1,\"name\":\"thread_name\",\"args\":{\"name\":\"vCPU 0\"}") &&
	   strstr(text, "\"tid\":2,\"name\":\"thread_name\",\"args\":{\"name\":\"vCPU 1\"}"),
	   "vCPU n is thread n + 1, named vCPU n");
	ok(!strstr(text, "\"tid\":0"), "no tid 0 (Perfetto folds it into the process's main thread)");
	ok(strstr(text, "\"ph\":\"B\",\"pid\":1,\"tid\":1,") && strstr(text, "\"ph\":\"E\",\"pid\":1,\"tid\":2,"),
	   "slices on their vCPU's track");
	ok(!strstr(text, "4294967295"), "an error code that was not pushed is not written");
	ok(strstr(text, "\"name\":\"v=0x0e\",\"args\":{\"seq\":1,\"cpl\":0,\"depth\":1,\"err\":3,") != NULL,
	   "one that was is");
	ok(strstr(text, "\"name\":\"v=0x41\",\"args\":{\"seq\":0,\"cpl\":0,\"depth\":1,\"rip\":") != NULL,
	   "no err key for the MSI");
}

/* export --format json: a failed emulation's fields decoded next to the raw ones. */
static void test_json_emulate_failed(void)
{
	struct itr_writer *w = open_trace();
	char *argv[] = { "export", "--format", "json", path, NULL };
	char err[256];

	put(w, (struct itr_record){ .type = ITR_KVM_TP, .source = ITR_SRC_KVM, .a = ITR_TP_EMULATE_FAILED,
				    .vector = 2, .b = 9ull << 32 | 0xcf48, .rip = 0x107b77 });
	put(w, (struct itr_record){ .type = ITR_KVM_TP, .source = ITR_SRC_KVM, .a = ITR_TP_EOI,
				    .vector = 0x61 });
	ok(itr_writer__close(w, err, sizeof(err)) == 0, "trace written");
	ok(capture(itr_export__main, 4, argv) == 0, "export --format json exits 0");
	ok(strstr(text, "\"rip\":\"0x107b77\"") && strstr(text, "\"a\":7,\"b\":\"0x90000cf48\","
	   "\"tracepoint\":\"kvm_emulate_insn\",\"failed\":1,\"len\":2,\"insn\":\"48 cf\",\"flags\":9,"
	   "\"mode\":\"prot64\"}"), "kvm_emulate_insn: rip, and len, insn, flags, mode decoded from vector and b");
	ok(strstr(text, "\"a\":4,\"b\":\"0x0\",\"tracepoint\":\"kvm_eoi\"}") != NULL,
	   "every tracepoint record is named; only kvm_emulate_insn gets the decoded fields");
}

/* EXIT records (vmm/record/record.c): the guest RIP, from kvm_run's sync regs or KVM_GET_REGS. */
static uint64_t fake_rip;
static int get_regs_calls;
static int f_get_regs(struct vcpu *v, struct kvm_regs *r)
{
	memset(r, 0, sizeof(*r));
	r->rip = fake_rip;
	get_regs_calls++;
	return 0;
}

static void test_exit_rip(void)
{
	static const struct vcpu_ops ops = { .get_regs = f_get_regs };
	static uint8_t run_page[8192] __attribute__((aligned(4096)));
	static struct vm vm;
	struct itr_header h;
	struct itr_record rec, exits[3];
	struct itr_reader *rd;
	struct kvm_run *run = (struct kvm_run *)run_page;
	char err[256];
	int n = 0;

	vm.kvm_fd = vm.vm_fd = -1;	/* no KVM: KVM_CAP_SYNC_REGS reads as absent */
	vm.nr_vcpus = 1;
	vm.opts.cmdline = "";
	vm.vcpus[0].vm = &vm;
	vm.vcpus[0].fd = -1;
	vm.vcpus[0].ops = &ops;
	vm.vcpus[0].run = run;
	if (!ok(record__open(&vm, path, err, sizeof(err)) == 0, "record__open on a fake vCPU"))
		printf("# %s\n", err);
	fake_rip = 0x100e5f;
	record__host(&vm, &(struct itr_record){ .type = ITR_EXIT, .a = KVM_EXIT_IO });
	ok(get_regs_calls == 1 && !(run->kvm_valid_regs & KVM_SYNC_X86_REGS),
	   "without KVM_CAP_SYNC_REGS: one KVM_GET_REGS, sync regs not asked for");
	/* as after an exit with sync regs on: KVM put the registers in kvm_run */
	run->kvm_valid_regs = KVM_SYNC_X86_REGS;
	run->s.regs.regs.rip = 0x106c58;
	record__host(&vm, &(struct itr_record){ .type = ITR_EXIT, .a = KVM_EXIT_INTERNAL_ERROR });
	ok(get_regs_calls == 1, "with sync regs: no KVM_GET_REGS");
	record__host(&vm, &(struct itr_record){ .type = ITR_MILESTONE, .a = 1 });
	ok(record__close(&vm, 0, err, sizeof(err)) == 0, "record__close");
	rd = itr_reader__open(path, &h, err, sizeof(err));
	while (rd && itr_reader__next(rd, &rec, err, sizeof(err)) == 1)
		if (rec.type == ITR_EXIT && n < 3)
			exits[n++] = rec;
		else if (rec.type == ITR_MILESTONE)
			ok(rec.rip == 0, "other host records get no RIP");
	itr_reader__close(rd);
	ok(n == 2, "two EXIT records");
	is_u64(n > 0 ? exits[0].rip : 0, 0x100e5f, "EXIT rip from KVM_GET_REGS");
	is_u64(n > 1 ? exits[1].rip : 0, 0x106c58, "EXIT rip from kvm_run->s.regs");
}

/* KVM's NMI blocking, and the NMIs it holds, for the fake vCPU below */
static bool fake_nmi_masked;
static uint8_t fake_nmi_pending;

static int f_get_events(struct vcpu *v, struct kvm_vcpu_events *e)
{
	(void)v;
	memset(e, 0, sizeof(*e));
	e->nmi.masked = fake_nmi_masked;
	e->nmi.pending = fake_nmi_pending;
	return 0;
}

/*
 * An NMI's DELIVER says whether NMIs were blocked at the hand-over (KVM's
 * nmi.masked): an NMI handler writes its IRET record before its IRETQ, so the
 * records alone can't say; a replay needs it to know KVM kept one of two.
 * And how many KVM held pending before it (an earlier hand-over's): then it
 * merged.
 */
static void test_nmi_blocking(void)
{
	static const struct vcpu_ops ops = { .get_regs = f_get_regs, .get_events = f_get_events };
	static const struct vcpu_ops no_events = { .get_regs = f_get_regs };
	static uint8_t run_page[8192] __attribute__((aligned(4096)));
	static struct vm vm;
	char *argv[] = { "show", path, NULL };
	struct itr_header h;
	struct itr_record rec;
	struct itr_reader *rd;
	uint8_t depth[4], held[4];
	const char *blocked;
	char err[256];
	int n = 0;

	vm.kvm_fd = vm.vm_fd = -1;
	vm.nr_vcpus = 1;
	vm.opts.cmdline = "";
	vm.vcpus[0].vm = &vm;
	vm.vcpus[0].fd = -1;
	vm.vcpus[0].ops = &ops;
	vm.vcpus[0].run = (struct kvm_run *)run_page;
	if (!ok(record__open(&vm, path, err, sizeof(err)) == 0, "NMI blocking: record__open"))
		printf("# %s\n", err);
	fake_nmi_masked = true;
	fake_nmi_pending = 1;
	record__deliver(&vm.vcpus[0], 2, ITR_DELIVER_NMI);
	fake_nmi_masked = false;
	fake_nmi_pending = 0;
	record__deliver(&vm.vcpus[0], 2, ITR_DELIVER_NMI);
	record__deliver(&vm.vcpus[0], 0x41, ITR_DELIVER_IRQ);
	vm.vcpus[0].ops = &no_events;
	record__deliver(&vm.vcpus[0], 2, ITR_DELIVER_NMI);
	ok(record__close(&vm, 0, err, sizeof(err)) == 0, "NMI blocking: record__close");
	rd = itr_reader__open(path, &h, err, sizeof(err));
	while (rd && itr_reader__next(rd, &rec, err, sizeof(err)) == 1)
		if (rec.type == ITR_DELIVER && n < 4) {
			held[n] = rec.stack;
			depth[n++] = rec.depth;
		}
	itr_reader__close(rd);
	ok(n == 4 && depth[0] == ITR_NMI_BLOCKED && depth[1] == ITR_NMI_OPEN && depth[2] == ITR_NMI_UNKNOWN &&
	   depth[3] == ITR_NMI_UNKNOWN,
	   "NMI blocking: blocked, open; an interrupt's and one KVM would not say: unknown");
	ok(n == 4 && held[0] == ITR_NMI_HELD(1, 0) && held[1] == ITR_NMI_HELD(0, 0) && !held[2] && !held[3],
	   "NMI blocking: KVM held one pending, then none; an interrupt's and one KVM would not say: 0");
	ok(capture(itr_show__main, 2, argv) == 0, "NMI blocking: show exits 0");
	blocked = strstr(text, "guest ring slots (NMIs blocked)");
	ok(blocked && !strstr(blocked + 1, "guest ring slots (NMIs blocked)") &&
	   strstr(text, "deliver nmi v=02") < blocked,
	   "NMI blocking: show says it of the blocked one only");
	ok(blocked && !strncmp(blocked, "guest ring slots (NMIs blocked) (KVM held 1 pending)", 52) &&
	   !strstr(blocked + 52, "KVM held"),
	   "NMI blocking: show says what KVM held of the one that found one pending only");
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_show.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/a.itr", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	test_software_interrupts();
	test_kvm_tracepoints();
	test_chrome();
	test_json_emulate_failed();
	test_exit_rip();
	test_nmi_blocking();
	unlink(path);
	unlink(out);
	rmdir(dir);
	return tap_done();
}
