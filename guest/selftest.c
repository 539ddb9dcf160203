// SPDX-License-Identifier: MIT
/*
 * Exception self-test. Each case runs a trigger from tcases.S at CPL0 or
 * CPL3; the handler records what the CPU delivered into the armed slot and
 * redirects the return to the case's resume label; afterwards the case is
 * checked against the architectural expectation (Intel SDM vol. 3, ch. 6).
 */
#include "programs.h"

/* Written by tcases.S (also at CPL3) */
struct tc_snap {
	uint64_t flags0, rsp0, flags1, rsp1, landed;
} tc_snap;

#define TC(n) extern char tc_##n[], tc_##n##_trig[], tc_##n##_resume[], tc_##n##_out[]
TC(de); TC(db_tf); TC(bp); TC(ud); TC(nm); TC(ss); TC(gp); TC(pf_np);
TC(pf_ro); TC(pf_sup); TC(pf_nx); TC(mf); TC(xm); TC(ac); TC(int80); TC(int41);
TC(out_io); TC(in_io); TC(cli); TC(hlt); TC(rdmsr_tsc); TC(rdmsr_unk); TC(wrmsr_unk);
TC(int1); TC(into); TC(hwbp); TC(sti_shadow); TC(iretq); TC(movss_tf); TC(efer_rsvd);
TC(int41_if); TC(iretq_tf); TC(iretq_nullcs); TC(pat_rsvd); TC(apicbase_rsvd); TC(cli_iopl);
TC(tpr_lower); TC(apic_tpr); TC(out_io_deny); TC(outw_io_span); TC(pf_df); TC(buslock);
extern char tc_apic_tpr_x2_trig[];
extern uint64_t tc_iret_good;
extern const char *apic_mode_arg;	/* main.c */

/* only=: the comma-separated names to run */
const char *selftest_only;
int selftest_only_len;

enum rip_kind { RIP_TRIG, RIP_RESUME, RIP_CR2 };
enum tc_setup { SET_NONE, SET_TS, SET_AM, SET_NO_DE_GATE, SET_NO_UD_GATE, SET_NO_IOMAP,
		SET_HWBP, SET_PENDING_IRQ, SET_BP_DPL0, SET_TRAP_GATE,
		SET_IOPL3, SET_IOMAP, SET_ILLEGAL_IPI, SET_ILLEGAL_SELF_IPI,
		SET_NO_PF_GATE, SET_BUSLOCK, SET_NO_DB_GATE, SET_NO_DE_DF_GATE };

#define DR6_B0		(1u << 0)
#define DR6_BLD		(1u << 11)	/* bus lock detected: active low, cleared by the CPU */
#define DR6_BS		(1u << 14)
#define MSR_IA32_DEBUGCTL	0x1d9
#define DEBUGCTL_BLD		(1u << 2)	/* BUS_LOCK_DETECT */
#define CPUID7_ECX_BLD		(1u << 24)
#define DR7_L0		(1u << 0)
#define DR7_FIXED	(1u << 10)
#define ESR_SEND_ILLEGAL	(1u << 5)
#define MSR_X2APIC_SELF_IPI	0x83f	/* SDM 11.12.11: x2APIC mode only, write-only */
#define TC_ILLEGAL_VECTOR	3	/* below 16: illegal for a fixed IPI */
#define GATE_INTR	0xe
#define GATE_TRAP	0xf
/* exp/obs vector of a case that must not fault at all */
#define NO_VECTOR	0xff

struct tc_case {
	const char *name;
	char *fn, *trig, *resume, *out;	/* out: abort path on a second fault */
	char *trig_x2;		/* the trigger when the APIC is in x2APIC mode (NULL: trig) */
	uint8_t cpl, vector;
	enum rip_kind rip;
	uint64_t err;
	uint64_t cr2;		/* checked when non-zero (#PF) */
	uint8_t swint;		/* int $n vector that may arrive via an irq stub */
	enum tc_setup setup;
	uint32_t dr6;		/* #DB: DR6 bits that must be set */
	uint32_t dr6_clear;	/* #DB: DR6 bits that must be clear (DR6.BLD is active low) */
	bool no_fault;		/* passes by running to its resume label unfaulted */
	bool named_only;	/* runs only when only= names it */
	/*
	 * The architecture's outcome is shutdown (a triple fault): the guest
	 * says "selftest: NAME: shutdown expected" right before the trigger
	 * and is gone; the target reads a run that ends in a shutdown there as
	 * the outcome observed. A host that goes on instead has the guest say
	 * "selftest: NAME: no shutdown: vector V" (or "nothing delivered") and
	 * report no result line. Named only: it ends the run, so it runs alone.
	 */
	bool shutdown;
	const uint64_t *rounds;	/* no-fault: the case's count of good rounds, ... */
	uint64_t rounds_want;	/* ... which must reach this */
	/*
	 * What the case needs of the CPU: NULL when this one has it, else why
	 * not (a CPUID bit clear). Such a case is not run and reports no result:
	 * "selftest: NAME: unsupported: WHY", which vmm conformance reads as
	 * UNSUPPORTED. Never a PASS for what was not tried.
	 */
	const char *(*lacks)(void);
};

static const char *lacks_x2apic(void);
static const char *lacks_buslock(void);

#define CASE(_name, _tc, _cpl, _vec, _rip, _err, ...)			\
	{ .name = _name, .fn = tc_##_tc, .trig = tc_##_tc##_trig,		\
	  .resume = tc_##_tc##_resume, .out = tc_##_tc##_out, .cpl = _cpl, .vector = _vec,		\
	  .rip = _rip, .err = _err, __VA_ARGS__ }
#define NOERR	IVM_ERR_NONE

/* Most dangerous last: a broken #NP or #DF delivery can kill the guest */
static const struct tc_case cases[] = {
	CASE("#DE-cpl0", de, 0, X86_TRAP_DE, RIP_TRIG, NOERR),
	CASE("#DB-tf-cpl0", db_tf, 0, X86_TRAP_DB, RIP_RESUME, NOERR, .dr6 = DR6_BS),
	CASE("#BP-cpl0", bp, 0, X86_TRAP_BP, RIP_RESUME, NOERR),
	CASE("#UD-cpl0", ud, 0, X86_TRAP_UD, RIP_TRIG, NOERR),
	CASE("#NM-cpl0", nm, 0, X86_TRAP_NM, RIP_TRIG, NOERR, .setup = SET_TS),
	CASE("#SS-cpl0", ss, 0, X86_TRAP_SS, RIP_TRIG, 0),
	CASE("#GP-cpl0", gp, 0, X86_TRAP_GP, RIP_TRIG, 0),
	CASE("#PF-np-cpl0", pf_np, 0, X86_TRAP_PF, RIP_TRIG, 0, .cr2 = TEST_PAGE_NP),
	CASE("#PF-write-cpl0", pf_ro, 0, X86_TRAP_PF, RIP_TRIG, 3, .cr2 = TEST_PAGE_RO),
	CASE("#PF-nx-cpl0", pf_nx, 0, X86_TRAP_PF, RIP_CR2, 0x11, .cr2 = TEST_PAGE_NX),
	CASE("#MF-cpl0", mf, 0, X86_TRAP_MF, RIP_TRIG, NOERR),
	CASE("#XM-cpl0", xm, 0, X86_TRAP_XF, RIP_TRIG, NOERR),
	CASE("int41-cpl0", int41, 0, 0x41, RIP_RESUME, NOERR, .swint = 0x41),
	CASE("#BP-cpl3", bp, 3, X86_TRAP_BP, RIP_RESUME, NOERR),
	CASE("#UD-cpl3", ud, 3, X86_TRAP_UD, RIP_TRIG, NOERR),
	CASE("#DE-cpl3", de, 3, X86_TRAP_DE, RIP_TRIG, NOERR),
	CASE("#DB-tf-cpl3", db_tf, 3, X86_TRAP_DB, RIP_RESUME, NOERR, .dr6 = DR6_BS),
	CASE("#PF-np-cpl3", pf_np, 3, X86_TRAP_PF, RIP_TRIG, 4, .cr2 = TEST_PAGE_NP),
	CASE("#PF-sup-cpl3", pf_sup, 3, X86_TRAP_PF, RIP_TRIG, 5, .cr2 = TEST_PAGE_SUP),
	CASE("#NM-cpl3", nm, 3, X86_TRAP_NM, RIP_TRIG, NOERR, .setup = SET_TS),
	CASE("#MF-cpl3", mf, 3, X86_TRAP_MF, RIP_TRIG, NOERR),
	CASE("#XM-cpl3", xm, 3, X86_TRAP_XF, RIP_TRIG, NOERR),
	CASE("#AC-cpl3", ac, 3, X86_TRAP_AC, RIP_TRIG, 0, .setup = SET_AM),
	CASE("int80-cpl3", int80, 3, IA32_SYSCALL_VECTOR, RIP_RESUME, NOERR, .swint = 0x80),
	/* DPL0 gate from CPL3: #GP(vector*8 + IDT bit) */
	CASE("int41-cpl3", int41, 3, X86_TRAP_GP, RIP_TRIG, 0x41 * 8 + 2, .swint = 0x41),
	/* #DE -> #NP(0*8+IDT+EXT) while delivering -> #DF(0) on IST1 */
	CASE("#DF-cpl0", de, 0, X86_TRAP_DF, RIP_TRIG, 0, .setup = SET_NO_DE_GATE),
	/* #UD's gate not present: #NP(6*8 + IDT + EXT) */
	CASE("#NP-cpl0", ud, 0, X86_TRAP_NP, RIP_TRIG, 6 * 8 + 3, .setup = SET_NO_UD_GATE),
};

/* test=conformance: after the cases above; each must fail its checks, not hang */
static const struct tc_case conf_cases[] = {
	CASE("out-cpl3-iopl0", out_io, 3, X86_TRAP_GP, RIP_TRIG, 0, .setup = SET_NO_IOMAP),
	CASE("in-cpl3-iopl0", in_io, 3, X86_TRAP_GP, RIP_TRIG, 0, .setup = SET_NO_IOMAP),
	CASE("cli-cpl3", cli, 3, X86_TRAP_GP, RIP_TRIG, 0),
	CASE("hlt-cpl3", hlt, 3, X86_TRAP_GP, RIP_TRIG, 0),
	CASE("rdmsr-cpl3", rdmsr_tsc, 3, X86_TRAP_GP, RIP_TRIG, 0),
	CASE("rdmsr-unknown-cpl0", rdmsr_unk, 0, X86_TRAP_GP, RIP_TRIG, 0),
	CASE("wrmsr-unknown-cpl0", wrmsr_unk, 0, X86_TRAP_GP, RIP_TRIG, 0),
	/* ICEBP: a trap; DR6 content is not pinned down (no BS) */
	CASE("int1-cpl0", int1, 0, X86_TRAP_DB, RIP_RESUME, NOERR),
	CASE("int1-cpl3", int1, 3, X86_TRAP_DB, RIP_RESUME, NOERR),
	CASE("into-cpl3", into, 3, X86_TRAP_UD, RIP_TRIG, NOERR),
	/* instruction breakpoint: a fault at the trigger, DR6.B0 */
	CASE("#DB-hwbp-cpl0", hwbp, 0, X86_TRAP_DB, RIP_TRIG, NOERR, .setup = SET_HWBP,
	     .dr6 = DR6_B0),
	/* SDM 6.8.3: taken after the instruction following STI, at the trigger */
	CASE("irq-sti-shadow-cpl0", sti_shadow, 0, TC_IRQ_VECTOR, RIP_TRIG, NOERR,
	     .swint = TC_IRQ_VECTOR, .setup = SET_PENDING_IRQ),
	CASE("iretq-cpl0", iretq, 0, NO_VECTOR, RIP_RESUME, NOERR, .no_fault = true,
	     .rounds = &tc_iret_good, .rounds_want = TC_IRET_ROUNDS),
	/* SDM 6.8.3: the #DB of the instruction after MOV SS waits one more */
	CASE("movss-tf-cpl0", movss_tf, 0, X86_TRAP_DB, RIP_RESUME, NOERR, .dr6 = DR6_BS),
	CASE("movss-tf-cpl3", movss_tf, 3, X86_TRAP_DB, RIP_RESUME, NOERR, .dr6 = DR6_BS),
	/* int3 through a DPL0 gate from CPL3: #GP(3*8 + IDT bit) */
	CASE("int3-dpl0-cpl3", bp, 3, X86_TRAP_GP, RIP_TRIG, 3 * 8 + 2, .setup = SET_BP_DPL0),
	CASE("efer-rsvd-cpl0", efer_rsvd, 0, X86_TRAP_GP, RIP_TRIG, 0),
	CASE("pat-rsvd-cpl0", pat_rsvd, 0, X86_TRAP_GP, RIP_TRIG, 0),
	CASE("apicbase-rsvd-cpl0", apicbase_rsvd, 0, X86_TRAP_GP, RIP_TRIG, 0),
	/* trap gates: the handler runs with the IF=1 the trigger had */
	CASE("int41-trapgate-cpl0", int41_if, 0, 0x41, RIP_RESUME, NOERR, .swint = 0x41,
	     .setup = SET_TRAP_GATE),
	CASE("#BP-trapgate-cpl3", bp, 3, X86_TRAP_BP, RIP_RESUME, NOERR, .setup = SET_TRAP_GATE),
	/* SDM 17.3.1.4: TF loaded by IRET traps after the target's first instruction */
	CASE("iretq-tf-cpl0", iretq_tf, 0, X86_TRAP_DB, RIP_RESUME, NOERR, .dr6 = DR6_BS),
	/* a NULL CS in the IRET frame: #GP(0) at the iretq */
	CASE("iretq-nullcs-cpl0", iretq_nullcs, 0, X86_TRAP_GP, RIP_TRIG, 0),
	/*
	 * SDM 10.8.3.1: a CR8 write that unmasks a pending interrupt lets it in at
	 * once. Only when named: under nested kvm_amd with an in-kernel LAPIC, the
	 * CR8 write aborts QEMU 7.2's TCG (cpu_interrupt without the iothread lock).
	 */
	CASE("tpr-lower-cpl0", tpr_lower, 0, TC_IRQ_VECTOR, RIP_TRIG, NOERR,
	     .swint = TC_IRQ_VECTOR, .setup = SET_PENDING_IRQ, .named_only = true),
	/* positive controls of the IOPL 0 cases: IOPL 3 allows in/out and cli at CPL3 */
	CASE("out-cpl3-iopl3", out_io, 3, NO_VECTOR, RIP_RESUME, NOERR, .no_fault = true,
	     .setup = SET_IOPL3),
	CASE("cli-cpl3-iopl3", cli_iopl, 3, NO_VECTOR, RIP_RESUME, NOERR, .no_fault = true,
	     .setup = SET_IOPL3),
	/*
	 * tpr-lower-cpl0 through the APIC's TPR register (xAPIC MMIO or x2APIC
	 * MSR, by the APIC's mode), not CR8: the vector arrives at the
	 * instruction after the write. No CR8 write, so nested kvm_amd runs it.
	 */
	CASE("apic-tpr-lower-cpl0", apic_tpr, 0, TC_IRQ_VECTOR, RIP_TRIG, NOERR,
	     .swint = TC_IRQ_VECTOR, .setup = SET_PENDING_IRQ, .trig_x2 = tc_apic_tpr_x2_trig),
	/* SDM 19.5.2: IOPL 0 at CPL3, the TSS I/O bitmap decides, a bit per byte accessed */
	CASE("out-cpl3-iomap-allowed", out_io, 3, NO_VECTOR, RIP_RESUME, NOERR, .no_fault = true,
	     .setup = SET_IOMAP),
	CASE("in-cpl3-iomap-allowed", in_io, 3, NO_VECTOR, RIP_RESUME, NOERR, .no_fault = true,
	     .setup = SET_IOMAP),
	CASE("out-cpl3-iomap-denied", out_io_deny, 3, X86_TRAP_GP, RIP_TRIG, 0, .setup = SET_IOMAP),
	CASE("outw-cpl3-iomap-partial", outw_io_span, 3, X86_TRAP_GP, RIP_TRIG, 0,
	     .setup = SET_IOMAP),
	/*
	 * SDM 6.15 Table 6-5: a benign exception, then a contributory one, is
	 * handled serially: the single-step #DB's gate not present gives
	 * #NP(1*8 + IDT + EXT), at the #DB's return address, not #DF.
	 */
	CASE("#NP-db-cpl0", db_tf, 0, X86_TRAP_NP, RIP_RESUME, 1 * 8 + 3, .setup = SET_NO_DB_GATE),
	/*
	 * SDM 6.15 Table 6-5: a #PF while delivering a #PF (the frame pushed
	 * onto a not-present stack) is a double fault: #DF(0) on IST1. Late in
	 * the table: a host that shuts the guest down instead ends the run here.
	 */
	CASE("#DF-pf-pf-cpl0", pf_df, 0, X86_TRAP_DF, RIP_TRIG, 0),
	/* Table 6-5: a page fault, then a contributory #NP (its gate not present): #DF(0) */
	CASE("#DF-pf-np-cpl0", pf_np, 0, X86_TRAP_DF, RIP_TRIG, 0, .setup = SET_NO_PF_GATE),
	/*
	 * SDM 18.3.1.6: bus-lock detection, where CPUID.(7,0):ECX[24] offers it:
	 * IA32_DEBUGCTL bit 2 set, a split lock at CPL3 is a #DB trap after the
	 * instruction, DR6.BLD cleared. Without the CPUID bit: not run.
	 */
	CASE("#DB-buslock-cpl3", buslock, 3, X86_TRAP_DB, RIP_RESUME, NOERR, .setup = SET_BUSLOCK,
	     .dr6_clear = DR6_BLD, .lacks = lacks_buslock),
	/*
	 * SDM 10.5.3: a fixed self-IPI with vector 3 sets ESR "send illegal
	 * vector" and raises the LVT error interrupt, here pending by sti and
	 * taken after its shadow. Last: a host that accepts vector 3 instead
	 * leaves it in IRR or ISR, where no later case meets it.
	 */
	CASE("lvt-error-illegal-cpl0", sti_shadow, 0, ERROR_APIC_VECTOR, RIP_TRIG, NOERR,
	     .swint = ERROR_APIC_VECTOR, .setup = SET_ILLEGAL_IPI),
	/*
	 * SDM 11.12.11, 11.5.3: the same through the x2APIC SELF IPI register
	 * (MSR 0x83f), vector 3: send illegal vector in ESR, the LVT error
	 * interrupt. Only in x2APIC mode; last for the same reason as above.
	 */
	CASE("selfipi-illegal-cpl0", sti_shadow, 0, ERROR_APIC_VECTOR, RIP_TRIG, NOERR,
	     .swint = ERROR_APIC_VECTOR, .setup = SET_ILLEGAL_SELF_IPI, .lacks = lacks_x2apic),
	/*
	 * SDM 6.15, interrupt 8: a contributory exception while calling the
	 * double-fault handler shuts the processor down. #DE's gate not present:
	 * #NP while delivering #DE, contributory on contributory, #DF; #DF's gate
	 * not present too: #NP while delivering #DF, a triple fault. Alone and
	 * last: nothing runs after it.
	 */
	CASE("#DF-shutdown-cpl0", de, 0, X86_TRAP_DF, RIP_TRIG, 0, .setup = SET_NO_DE_DF_GATE,
	     .shutdown = true, .named_only = true),
};

/* What the handler saw */
static struct {
	const struct tc_case *c;	/* armed case, NULL when none */
	unsigned int hits;
	uint64_t vector, err, rip, cs, flags, frame_ss, cr2, dr6;
	uint32_t esr;
	uint16_t ss;
	uint8_t stack;
} obs;

static uint8_t stack_id(const struct pt_regs *regs)
{
	uint64_t top = (uint64_t)(&regs->ss + 1);
	int i;

	if (top == (uint64_t)rsp0_stack + RSP0_STACK_SIZE)
		return IVM_STACK_RSP0;
	for (i = 0; i < N_IST_STACKS; i++)
		if (top == (uint64_t)ist_stacks[i] + IST_STACK_SIZE)
			return IVM_STACK_IST1 + i;
	/* no switch: the CPU aligned the interrupted RSP down to 16 */
	if (top == (regs->sp & ~15ull))
		return IVM_STACK_SAME;
	return IVM_STACK_UNKNOWN;
}

bool selftest_trap(struct pt_regs *regs, bool irq_path)
{
	const struct tc_case *c = obs.c;
	unsigned int vector = (uint8_t)regs->vector;

	if (!c)
		return false;
	/* stray device interrupts are not the case's delivery */
	if (irq_path && vector != c->swint)
		return false;
	if (!obs.hits++) {
		obs.vector = vector;
		obs.err = irq_path ? IVM_ERR_NONE : regs->orig_ax;
		obs.rip = regs->ip;
		obs.cs = regs->cs;
		obs.flags = read_flags();
		obs.ss = read_ss();
		obs.frame_ss = regs->ss;
		obs.stack = stack_id(regs);
		obs.cr2 = read_cr2();
		if (vector == X86_TRAP_DB)
			obs.dr6 = read_dr6();
	}
	if (vector == X86_TRAP_DB) {
		write_dr6(0xffff0ff0);
		/* an instruction breakpoint would fault again wherever it resumes */
		if (c->setup == SET_HWBP)
			write_dr7(DR7_FIXED);
	}
	/* a real interrupt is in service: a software int $n is not */
	if (irq_path && c->setup == SET_PENDING_IRQ)
		apic_eoi();
	if (irq_path && (c->setup == SET_ILLEGAL_IPI || c->setup == SET_ILLEGAL_SELF_IPI)) {
		apic_write(APIC_ESR, 0);	/* latch the errors into ESR */
		if (obs.hits == 1)
			obs.esr = apic_read(APIC_ESR);
		apic_write(APIC_ESR, 0);
		apic_eoi();
	}
	regs->flags &= ~(uint64_t)X86_EFLAGS_TF;
	/*
	 * A second fault (e.g. cleanup the host can't execute) abandons the
	 * case instead of retrying it forever; hits != 1 fails its resume check.
	 */
	regs->ip = (uint64_t)(obs.hits == 1 ? c->resume : c->out);
	return true;
}

static uint8_t exp_stack(const struct tc_case *c)
{
	switch (c->vector) {
	case X86_TRAP_DF:
		return IVM_STACK_IST1 + IST_INDEX_DF;
	case X86_TRAP_NMI:
		return IVM_STACK_IST1 + IST_INDEX_NMI;
	case X86_TRAP_DB:
		return IVM_STACK_IST1 + IST_INDEX_DB;
	case X86_TRAP_MC:
		return IVM_STACK_IST1 + IST_INDEX_MCE;
	}
	return c->cpl ? IVM_STACK_RSP0 : IVM_STACK_SAME;
}

/* Leave TC_IRQ_VECTOR pending in IRR with IF=0; false if it never shows there */
static bool pend_irq(void)
{
	unsigned int i;

	if (!apic_enabled && apic_init(apic_mode_arg))
		return false;
	apic_self_ipi(TC_IRQ_VECTOR);
	for (i = 0; i < 100000; i++)
		if (apic_irr_test(TC_IRQ_VECTOR))
			return true;
	return false;
}

/* The x2APIC SELF IPI register exists only in x2APIC mode (CPUID.1:ECX[21]) */
static const char *lacks_x2apic(void)
{
	uint32_t a, b, c, d;

	if (!apic_enabled && apic_init(apic_mode_arg))
		return "the local APIC could not be set up";
	if (x2apic_mode)
		return NULL;
	cpuid(1, &a, &b, &c, &d);
	if (!(c & (1u << 21)))
		return "no x2APIC: CPUID.1:ECX[21] is clear, so no SELF IPI MSR 0x83f";
	return "the APIC runs in xAPIC mode (apic=xapic, or its x2APIC MSRs fault): no SELF IPI MSR";
}

/* Bus-lock detection: CPUID.(EAX=7,ECX=0):ECX[24] */
static const char *lacks_buslock(void)
{
	uint32_t a, b, c, d;

	cpuid(0, &a, &b, &c, &d);
	if (a < 7)
		return "no bus-lock detection: CPUID has no leaf 7";
	cpuid(7, &a, &b, &c, &d);
	if (!(c & CPUID7_ECX_BLD))
		return "no bus-lock detection: CPUID.(EAX=7,ECX=0):ECX[24] is clear";
	return NULL;
}

/* LVT error as it was before the case (apic_init's) */
static uint32_t lvterr_saved = ERROR_APIC_VECTOR;

/*
 * With IF=0, a fixed self-IPI of an illegal vector (through the ICR, or the
 * x2APIC SELF IPI register); true once the LVT error vector is in IRR. The
 * LVT error entry is written with the case's vector, unmasked, whatever
 * apic_init left there.
 */
static bool pend_illegal_ipi(const struct tc_case *c)
{
	unsigned int i;

	if (!apic_enabled && apic_init(apic_mode_arg))
		return false;
	lvterr_saved = apic_read(APIC_LVTERR);
	apic_write(APIC_LVTERR, c->vector);
	apic_write(APIC_ESR, 0);	/* start from an empty ESR */
	apic_write(APIC_ESR, 0);
	if (c->setup == SET_ILLEGAL_SELF_IPI)
		wrmsr(MSR_X2APIC_SELF_IPI, TC_ILLEGAL_VECTOR);
	else
		apic_self_ipi(TC_ILLEGAL_VECTOR);
	/*
	 * The error is raised by the ICR write itself. A short poll: each read
	 * is an exit, and a host that never raises it (KVM-1) must not spend
	 * the watchdog's time here (100000 reads took seconds in nested TCG).
	 */
	for (i = 0; i < 1000; i++)
		if (apic_irr_test(c->vector))
			return true;
	apic_write(APIC_ESR, 0);
	printf("selftest: %s: vector 0x%x never pending in IRR (ESR 0x%x, IRR of vector %u: %u)\n",
	       c->name, c->vector, apic_read(APIC_ESR), TC_ILLEGAL_VECTOR,
	       apic_irr_test(TC_ILLEGAL_VECTOR));
	return false;
}

/* false: the case's precondition does not hold (reported, checks fail) */
static bool setup(const struct tc_case *c, bool on)
{
	switch (c->setup) {
	case SET_NONE:
		break;
	case SET_NO_IOMAP:
		if (on && !tss_iomap_absent()) {
			printf("selftest: %s: the TSS has an I/O bitmap\n", c->name);
			return false;
		}
		break;
	case SET_IOMAP:
		tss_iomap_set(on);
		break;
	case SET_ILLEGAL_IPI:
	case SET_ILLEGAL_SELF_IPI:
		if (!on && apic_enabled)
			apic_write(APIC_LVTERR, lvterr_saved);
		else if (!pend_illegal_ipi(c))
			return false;
		break;
	case SET_HWBP:
		if (on)
			write_dr0((uint64_t)c->trig);
		write_dr7(on ? DR7_FIXED | DR7_L0 : DR7_FIXED);
		break;
	case SET_PENDING_IRQ:
		if (on && !pend_irq()) {
			printf("selftest: %s: vector 0x%x never pending in IRR\n", c->name,
			       TC_IRQ_VECTOR);
			return false;
		}
		break;
	case SET_TS:
		write_cr0(on ? read_cr0() | X86_CR0_TS : read_cr0() & ~(uint64_t)X86_CR0_TS);
		break;
	case SET_AM:
		write_cr0(on ? read_cr0() | X86_CR0_AM : read_cr0() & ~(uint64_t)X86_CR0_AM);
		break;
	case SET_NO_DE_GATE:
		idt_set_present(X86_TRAP_DE, !on);
		break;
	case SET_NO_UD_GATE:
		idt_set_present(X86_TRAP_UD, !on);
		break;
	case SET_NO_PF_GATE:
		idt_set_present(X86_TRAP_PF, !on);
		break;
	case SET_NO_DB_GATE:
		idt_set_present(X86_TRAP_DB, !on);
		break;
	case SET_NO_DE_DF_GATE:
		idt_set_present(X86_TRAP_DE, !on);
		idt_set_present(X86_TRAP_DF, !on);
		break;
	case SET_BUSLOCK:
		if (on)
			write_dr6(0xffff0ff0);	/* BLD (bit 11) set: the CPU clears it */
		wrmsr(MSR_IA32_DEBUGCTL, on ? rdmsr(MSR_IA32_DEBUGCTL) | DEBUGCTL_BLD :
			rdmsr(MSR_IA32_DEBUGCTL) & ~(uint64_t)DEBUGCTL_BLD);
		break;
	case SET_BP_DPL0:
		idt_set_dpl(X86_TRAP_BP, on ? 0 : 3);
		break;
	case SET_TRAP_GATE:
		idt_set_type(c->vector, on ? GATE_TRAP : GATE_INTR);
		break;
	case SET_IOPL3:
		if (on) {
			user_rflags |= X86_EFLAGS_IOPL;
		} else {
			user_rflags &= ~(uint64_t)X86_EFLAGS_IOPL;
			/* the #UD that ends a CPL3 run keeps its IOPL: CPL0 goes back to 0 */
			asm volatile("pushfq; andq %0, (%%rsp); popfq"
				     : : "i"(~X86_EFLAGS_IOPL) : "memory", "cc");
		}
		break;
	}
	return true;
}

/* A case that must not fault: vector NO_VECTOR both sides unless something was delivered */
static void check_no_fault(const struct tc_case *c, struct ivm_exc_result *r)
{
	r->exp_stack = IVM_STACK_SAME;
	r->exp_err = IVM_ERR_NONE;
	r->obs_vector = obs.hits ? obs.vector : NO_VECTOR;
	r->obs_stack = obs.hits ? obs.stack : IVM_STACK_SAME;
	r->obs_err = obs.hits ? obs.err : IVM_ERR_NONE;
	r->obs_rip = obs.hits ? obs.rip : tc_snap.landed ? (uint64_t)c->resume : 0;
	r->obs_cs = obs.hits ? obs.cs : r->exp_cs;
	r->obs_ss = obs.hits ? obs.ss : r->exp_ss;
	r->obs_rflags = obs.hits ? obs.flags : tc_snap.flags1;
	if (obs.hits)
		r->mismatch |= IVM_CHK_VECTOR;
	if (r->obs_rip != r->exp_rip)
		r->mismatch |= IVM_CHK_RIP;
	if (!tc_snap.landed || tc_snap.flags0 != tc_snap.flags1 || tc_snap.rsp0 != tc_snap.rsp1 ||
	    (c->rounds && *c->rounds != c->rounds_want))
		r->mismatch |= IVM_CHK_RESUME;
}

static void run_case(const struct tc_case *c, struct ivm_exc_result *r)
{
	bool user = c->cpl == 3, pre_ok;

	memset(&obs, 0, sizeof(obs));
	memset(&tc_snap, 0, sizeof(tc_snap));
	pre_ok = setup(c, true);
	if (c->shutdown)
		printf("selftest: %s: shutdown expected\n", c->name);
	obs.c = c;
	if (user)
		user_run((void (*)(void *))c->fn, NULL);
	else
		((void (*)(void))c->fn)();
	obs.c = NULL;
	setup(c, false);

	memset(r, 0, sizeof(*r));
	memcpy(r->name, c->name, strlen(c->name) + 1);
	r->cpl = c->cpl;
	r->exp_vector = c->vector;
	r->exp_stack = exp_stack(c);
	r->exp_err = c->err;
	r->exp_rip = c->rip == RIP_TRIG ? (uint64_t)(x2apic_mode && c->trig_x2 ? c->trig_x2 : c->trig) :
		     c->rip == RIP_RESUME ? (uint64_t)c->resume : c->cr2;
	r->exp_cs = user ? USER_CS : KERNEL_CS;
	/* the handler's SS: NULL after a CPL3->0 switch, else unchanged */
	r->exp_ss = user ? 0 : KERNEL_DS;
	r->exp_cr2 = c->cr2;

	if (c->no_fault) {
		check_no_fault(c, r);
		if (!pre_ok)
			r->mismatch |= IVM_CHK_RESUME;
		return;
	}
	if (!obs.hits) {
		r->obs_err = IVM_ERR_NONE;
		r->obs_stack = IVM_STACK_UNKNOWN;
		r->mismatch = IVM_CHK_NOFAULT;
		return;
	}
	r->obs_vector = obs.vector;
	r->obs_stack = obs.stack;
	r->obs_err = obs.err;
	r->obs_rip = obs.rip;
	r->obs_cs = obs.cs;
	r->obs_ss = obs.ss;
	r->obs_rflags = obs.flags;
	r->obs_cr2 = c->cr2 ? obs.cr2 : 0;

	if (r->obs_vector != r->exp_vector)
		r->mismatch |= IVM_CHK_VECTOR;
	if (r->obs_err != r->exp_err)
		r->mismatch |= IVM_CHK_ERRCODE;
	if (r->obs_rip != r->exp_rip)
		r->mismatch |= IVM_CHK_RIP;
	if (r->obs_cs != r->exp_cs)
		r->mismatch |= IVM_CHK_CS;
	if (r->obs_ss != r->exp_ss || obs.frame_ss != (user ? USER_DS : KERNEL_DS))
		r->mismatch |= IVM_CHK_SS;
	if (r->obs_stack != r->exp_stack)
		r->mismatch |= IVM_CHK_STACK;
	/* an interrupt gate clears IF; a trap gate leaves the IF=1 its case runs with */
	if (!!(obs.flags & X86_EFLAGS_IF) != (c->setup == SET_TRAP_GATE))
		r->mismatch |= IVM_CHK_IF;
	/* #DB must report its cause: DR6.BS for single-step, B0 for DR0 */
	if (c->vector == X86_TRAP_DB && (obs.dr6 & c->dr6) != c->dr6)
		r->mismatch |= IVM_CHK_VECTOR;
	if (c->vector == X86_TRAP_DB && (obs.dr6 & c->dr6_clear)) {
		printf("selftest: %s: DR6 0x%lx, bits 0x%x not cleared\n", c->name, obs.dr6,
		       c->dr6_clear);
		r->mismatch |= IVM_CHK_VECTOR;
	}
	/* the LVT error interrupt must report its cause: ESR "send illegal vector" */
	if ((c->setup == SET_ILLEGAL_IPI || c->setup == SET_ILLEGAL_SELF_IPI) &&
	    !(obs.esr & ESR_SEND_ILLEGAL)) {
		printf("selftest: %s: ESR 0x%x, without send illegal vector (0x%x)\n", c->name,
		       obs.esr, ESR_SEND_ILLEGAL);
		r->mismatch |= IVM_CHK_VECTOR;
	}
	if (r->obs_cr2 != r->exp_cr2)
		r->mismatch |= IVM_CHK_CR2;
	if (!tc_snap.landed || tc_snap.flags0 != tc_snap.flags1 ||
	    tc_snap.rsp0 != tc_snap.rsp1 || obs.hits != 1 || !pre_ok)
		r->mismatch |= IVM_CHK_RESUME;
}

static const char *stack_name(uint8_t s)
{
	static const char *const names[] = { "same", "rsp0", "ist1", "ist2", "ist3",
					     "ist4", "ist5", "ist6", "ist7" };

	return s < ARRAY_SIZE(names) ? names[s] : "unknown";
}

static const char *fmt_err(char *buf, size_t n, uint64_t e)
{
	if (e == IVM_ERR_NONE)
		return "none";
	snprintf(buf, n, "0x%lx", e);
	return buf;
}

static void report(const struct ivm_exc_result *r)
{
	char e1[24], e2[24], v2[8];

	if (on_ivm) {
		hc_exc_result(r);
		return;
	}
	if (r->mismatch & IVM_CHK_NOFAULT)
		snprintf(v2, sizeof(v2), "-");
	else
		snprintf(v2, sizeof(v2), "%u", r->obs_vector);
	printf("exc %s cpl=%u vec=%u/%s err=%s/%s rip=0x%lx/0x%lx stack=%s/%s mismatch=0x%x %s\n",
	       r->name, r->cpl, r->exp_vector, v2, fmt_err(e1, sizeof(e1), r->exp_err),
	       fmt_err(e2, sizeof(e2), r->obs_err), r->exp_rip, r->obs_rip,
	       stack_name(r->exp_stack), stack_name(r->obs_stack), r->mismatch,
	       r->mismatch ? "FAIL" : "PASS");
}

/* Is @name in only= (comma-separated, exact)? Everything is without it. */
static bool selected(const char *name)
{
	const char *p = selftest_only, *end = selftest_only + selftest_only_len;
	int n;

	if (!p)
		return true;	/* before strlen: every case asks, each character an emulated step */
	n = strlen(name);
	while (p < end) {
		const char *q = p;

		while (q < end && *q != ',')
			q++;
		if (q - p == n && !strncmp(p, name, n))
			return true;
		p = q + 1;
	}
	return false;
}

static void run_table(const struct tc_case *t, unsigned int n, unsigned int *ran,
		      unsigned int *failed, unsigned int *lacked)
{
	struct ivm_exc_result r;
	const char *why;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (!selected(t[i].name) || (t[i].named_only && !selftest_only))
			continue;
		if (t[i].lacks && (why = t[i].lacks())) {
			printf("selftest: %s: unsupported: %s\n", t[i].name, why);
			(*lacked)++;
			continue;
		}
		run_case(&t[i], &r);
		if (!(*ran)++)	/* boot-time benchmark: first delivery + IRET done */
			hc_milestone(1, "first-delivery");
		if (t[i].shutdown) {
			/* still here: the host did not shut down; it judges what it did */
			if (r.mismatch & IVM_CHK_NOFAULT)
				printf("selftest: %s: no shutdown: nothing delivered\n", t[i].name);
			else
				printf("selftest: %s: no shutdown: vector %u\n", t[i].name, r.obs_vector);
			(*failed)++;
			continue;
		}
		report(&r);
		*failed += !!r.mismatch;
	}
}

int selftest_run(bool conformance)
{
	unsigned int ran = 0, failed = 0, lacked = 0;

	run_table(cases, ARRAY_SIZE(cases), &ran, &failed, &lacked);
	if (conformance)
		run_table(conf_cases, ARRAY_SIZE(conf_cases), &ran, &failed, &lacked);
	if (selftest_only && !ran && !lacked)
		printf("warning: only='%.*s' names no case\n", selftest_only_len, selftest_only);
	if (on_ivm)
		hc_selftest_done(ran, failed);
	else
		printf("selftest: %u passed, %u failed\n", ran - failed, failed);
	return failed;
}
