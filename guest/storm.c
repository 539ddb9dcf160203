// SPDX-License-Identifier: MIT
/*
 * The storm program (scenario=storm, `vmm storm`, docs/STORM.md). Its
 * handlers do what Linux's do: the irq layer's flows, nested enabling,
 * softirqs and tasklets, TPR changes, self-IPIs, an exception inside a
 * handler, level devices that deassert their line from the handler. The VMM
 * injects at sync points 1..count; after each the guest runs with IF=1 until
 * nothing is pending. It counts what it can see break (re-entry, IF=1 in a
 * handler, depth, what is left in ISR, IRR or remote IRR at the end) and
 * records the count as its last mark: 0 is a clean storm.
 */
#include "programs.h"
#include "irq.h"
#include "softirq.h"

#define STORM_MAX_DEPTH	24	/* deeper nesting than the vectors' classes allow */
#define STORM_WINDOW_ASKS 16	/* a nest window's closing questions: each let one in */
#define STORM_STUCK_ASKS 64	/* questions that let nothing in, then: can anything? */
#define STORM_WAIT_TSC	1000000000ull	/* bound on one window: ~0.3-1 s */
/*
 * A wait for what is owed (a level device's second delivery, a timer's tick
 * once its count ran out): this many IRR questions that find nothing, each
 * an exit (~1-3 ms on PVM). Counted, not timed: a replay, given the recorded
 * answers, waits as many rounds, however slower its clock runs.
 */
#define STORM_OWED_ASKS	32u
#define STORM_GRACE_TSC	20000ull	/* after IRR drains: what is in flight lands */

enum storm_how {
	SH_PLAIN, SH_NEST, SH_SOFTIRQ, SH_TPR, SH_SELFIPI, SH_EXC, SH_EDGE, SH_TASKLET, SH_TIMER, SH_TICK,
	SH_IPI, SH_IPI_TAKEN, SH_INIT,
};

static const uint8_t msi_vector[IVM_STORM_NR_MSI] = { IVM_STORM_MSI_VECTORS };
/* the handler kind of each MSI above, in order */
static const uint8_t msi_how[IVM_STORM_NR_MSI] = {
	SH_PLAIN, SH_NEST, SH_SOFTIRQ, SH_TPR, SH_SELFIPI, SH_EXC, SH_EDGE, SH_TASKLET, SH_NEST,
	SH_PLAIN,
};

static uint8_t how_of[NR_VECTORS];
static bool in_handler[NR_CPUS][NR_VECTORS];	/* a handler runs for this vector on this CPU */
static unsigned int level_seen[IVM_STORM_PIN0 + IVM_STORM_NR_PINS];	/* pins go to CPU 0 */
static unsigned int level_dropped_at[IVM_STORM_PIN0 + IVM_STORM_NR_PINS];	/* sync point + 1; 0: none */
static unsigned int broken[NR_CPUS];		/* guest-side invariants that failed, per CPU */
static unsigned int storm_cpus = 1;		/* 2: CPU 1 takes its share of the storm */
static struct tasklet_struct storm_tasklet;

/*
 * The LAPIC timer, reprogrammed on the host's request (CPU 0's): one-shot, so
 * each arming fires at most once, and the last one, unless it stopped the
 * timer, must fire. Fires that an arming overtook are not owed.
 */
static const uint32_t timer_counts[IVM_STORM_NR_TIMER_COUNTS] = { IVM_STORM_TIMER_COUNTS };
static unsigned int timer_requests;
static uint64_t timer_armed, timer_fired;	/* armings with a count, fires */
static bool timer_running;			/* the last request armed it */
static uint64_t timer_fired_since;		/* fires since the last arming */
static bool timer_owed;				/* stopped with a fire already pending */
static uint64_t timer_stopped_at;		/* TSC of the last stop; 0: none */
#define STORM_STOPPED_TSC	100000000ull	/* after a stop, the end waits ~30-100 ms: what was stopped must not fire */
static uint64_t softirqs_run, tasklets_run;

/* Planted handler bugs (bug=NAME), so tests can show the storm finds them */
static enum { BUG_NONE, BUG_NO_EOI, BUG_EARLY_STI, BUG_CPL3_RSP } bug;
static uint64_t user_rsp_moved;		/* bug=cpl3-rsp: how far an IRET to CPL3 moved RSP */

static void violated(unsigned int what, unsigned int arg)
{
	broken[cpu_number]++;
	/* untagged: the marks check shows it */
	ev_record(IVM_EV_MARK, 0, IVM_STORM_BROKEN | what << 8 | (arg & 0xff));
}

/* ---- handlers ---- */
extern const char storm_ud_insn[], storm_ud_fixup[];
static const struct exception_fixup storm_fixups[] = { { storm_ud_insn, storm_ud_fixup } };

/*
 * Sync points are numbered in the order the guest reaches them, in the main
 * loop or inside a handler's window: the plan's injections for point N land
 * wherever the guest stands when it reaches N.
 */
static unsigned int sync_no, sync_max;

static void storm_sync(void)
{
	if (cpu_number == 0 && sync_no < sync_max)	/* CPU 0 drives the plan */
		hc_sync(++sync_no);
}

/* Handlers this CPU ran: whether an exit let one in */
static unsigned int storm_taken __percpu;

/*
 * IF=1 inside a handler: what the next sync point injects may nest here. The
 * window ends with an exit (an IRR question) at which nothing went in: on PVM
 * an interrupt that became deliverable at an IRET is taken only at the next
 * exit (PVM-5), so with none after the last IRET the window could close
 * before a second deliverable one went in, by the host's timing (a LAPIC that
 * wrongly nests a same-class vector behind a level re-assert was found in
 * three storms of five).
 */
static void nest_window(bool sync)
{
	unsigned int taken;

	local_irq_enable();
	if (sync)
		storm_sync();
	for (int i = 0; i < 50; i++)
		cpu_relax();
	for (int asks = 0; asks < STORM_WINDOW_ASKS; asks++) {
		taken = READ_ONCE(storm_taken);
		(void)apic_irr_words();
		if (READ_ONCE(storm_taken) == taken)
			break;
	}
	local_irq_disable();
}

static void storm_timer_request(void)
{
	uint32_t count = timer_counts[timer_requests++ % IVM_STORM_NR_TIMER_COUNTS];

	if (cpu_number != 0)
		return;
	if (!count) {
		/* armed far out, then TMICT=0 stops it (SDM 11.5.4); the LVT stays unmasked */
		timer_armed++;
		apic_timer_oneshot_vector(IVM_STORM_TIMER_STOP_ARM, IVM_STORM_TIMER_FIRE);
		apic_timer_oneshot_vector(0, IVM_STORM_TIMER_FIRE);
		/* a fire already in IRR stays: one is still owed */
		timer_owed = apic_irr_test(IVM_STORM_TIMER_FIRE);
		timer_running = false;
		timer_stopped_at = rdtsc();
		return;
	}
	timer_armed++;
	timer_fired_since = 0;
	timer_running = true;
	apic_timer_oneshot_vector(count, IVM_STORM_TIMER_FIRE);
}

/* IVM_STORM_TIMER_FIRE, a fasteoi flow like the others */
static void storm_timer_tick(void)
{
	if (cpu_number != 0)
		return;
	timer_fired++;
	timer_fired_since++;
	if (timer_fired > timer_armed)
		violated(IVM_SB_TIMER_EXTRA, IVM_STORM_TIMER_FIRE);
	else if (!timer_running && !timer_owed)
		violated(IVM_SB_TIMER_STOPPED, IVM_STORM_TIMER_FIRE);
	timer_owed = false;
}

static uint32_t storm_irr_words(void);

/*
 * How long the end waits after a stop: the stopped arming's count would have
 * run out IVM_STORM_TIMER_STOP_ARM ns after it (a 1 GHz timer clock, KVM's
 * and ours), so twice that, in TSC cycles at the rate the VMM told
 * (ivm_page.tsc_khz); STORM_STOPPED_TSC where it did not (QEMU).
 */
static uint64_t storm_stopped_tsc(void)
{
	uint32_t khz = READ_ONCE(ivm_page.tsc_khz);

	return khz ? 2 * (IVM_STORM_TIMER_STOP_ARM / 1000000) * (uint64_t)khz : STORM_STOPPED_TSC;
}

/* The end: a timer still counting is waited for (IF=1, bounded), then it must have fired */
static void storm_timer_quiesce(void)
{
	uint64_t t0 = rdtsc();

	if (cpu_number != 0)
		return;
	local_irq_enable();
	/*
	 * A stopped timer that fires anyway does so in this time. At least one
	 * pass: a tick taken in it has its place here (every pass looks the
	 * same), and a replay that comes later by the host's clock must still
	 * reach it (seed 9, split: the recording's 21st pass, the replay's none).
	 */
	if (timer_stopped_at) {
		uint64_t wait = storm_stopped_tsc();

		do
			(void)inl(IVM_PORT_HCALL);
		while (rdtsc() - timer_stopped_at < wait);
	}
	if (!timer_running) {
		local_irq_disable();
		return;
	}
	/*
	 * Until it fires, asking each time round (an exit: PVM-5 takes a tick
	 * only at one), before TMCCT, whose value is the host's clock: so the
	 * tick's place is the same question in a replay. Once its count has run
	 * out, a host's timer may still take a while to raise it; then it is lost.
	 */
	for (unsigned int after = 0; rdtsc() - t0 < STORM_WAIT_TSC;) {
		bool pending = storm_irr_words();

		if (timer_fired_since)
			break;
		if (pending || apic_read(APIC_TMCCT))
			continue;
		if (++after >= STORM_OWED_ASKS)
			break;
	}
	for (t0 = rdtsc(); rdtsc() - t0 < STORM_GRACE_TSC;)
		cpu_relax();
	local_irq_disable();
	if (!timer_fired_since)
		violated(IVM_SB_TIMER_LOST, IVM_STORM_TIMER_FIRE);
	apic_timer_stop();
	timer_running = false;
}

/*
 * The ipi kind: the host asked, by the vector, for one ICR write of this
 * CPU's IVM_STORM_IPI_VECTOR in one form. The IPI record (apic_send_ipi) lets
 * the oracle route it, so each target must take it exactly once. One sent to
 * the other CPU while the last one to it is not yet taken there could merge
 * with it in IRR at a time the stream can't order (the rings drain at each
 * vCPU's own exits): then this request sends to itself instead, which the
 * oracle models exactly, so every IPI the trace shows is owed exactly once.
 */
static unsigned int ipi_remote[2];	/* IPIs a CPU sent that reach the other */
static uint32_t ipi_got[2][2];		/* [target][sender]: taken on the target */

static void storm_ipi_request(unsigned int form)
{
	unsigned int me = cpu_number;
	uint32_t icr = APIC_INT_ASSERT | APIC_DM_FIXED | IVM_STORM_IPI_VECTOR(me);
	bool reaches = form == IVM_STORM_IPI_OTHER || form == IVM_STORM_IPI_ALL ||
		       form == IVM_STORM_IPI_OTHERS;

	/* the other CPU's count read at an exit (IVM_HC_PROGRESS): a replay takes this branch too */
	if (reaches && (storm_cpus < 2 || hc_progress(&ipi_got[me ^ 1][me]) != ipi_remote[me]))
		form = form == IVM_STORM_IPI_OTHER ? IVM_STORM_IPI_SELF_ID : IVM_STORM_IPI_SELF;
	else if (reaches)
		ipi_remote[me]++;
	switch (form) {
	case IVM_STORM_IPI_OTHER:
		apic_send_ipi(me ^ 1, icr);
		break;
	case IVM_STORM_IPI_SELF_ID:
		apic_send_ipi(me, icr);
		break;
	case IVM_STORM_IPI_SELF:
		apic_send_ipi(0, APIC_DEST_SELF | icr);
		break;
	case IVM_STORM_IPI_ALL:
		apic_send_ipi(0, APIC_DEST_ALLINC | icr);
		break;
	case IVM_STORM_IPI_OTHERS:
		apic_send_ipi(0, APIC_DEST_ALLBUT | icr);
		break;
	}
}

static void storm_init_request(void);

static void storm_work(const struct irq_desc *desc)
{
	unsigned int vector = desc->vector;
	uint32_t tpr;

	switch (how_of[vector]) {
	case SH_NEST:
		if (bug == BUG_EARLY_STI && vector == 0x45)
			apic_eoi();	/* the bug: ISR cleared, then IF=1 inside the handler */
		nest_window(true);
		break;
	case SH_SOFTIRQ:
		if (cpu_number == 0)	/* the softirq layer is CPU 0's */
			raise_softirq_irqoff(NET_RX_SOFTIRQ);
		break;
	case SH_TPR:
		tpr = apic_get_tpr();
		apic_set_tpr(0xb0);
		nest_window(false);	/* only classes above 0xb may nest here */
		apic_set_tpr(tpr);
		break;
	case SH_SELFIPI:
		/*
		 * With two CPUs every other one (this CPU's count: no race) goes to the
		 * other CPU as the ipi kind's do: this CPU's own vector, and only once the
		 * last is taken there. IVM_STORM_SELFIPI_VECTOR from both could merge on
		 * one target where a replay, holding each delivery to its place, differs.
		 */
		if (storm_cpus == 2 && (desc->irq_count & 1))
			storm_ipi_request(IVM_STORM_IPI_OTHER);
		else
			apic_self_ipi(IVM_STORM_SELFIPI_VECTOR);
		break;
	case SH_EXC:
		asm volatile(".globl storm_ud_insn, storm_ud_fixup\n"
			     "storm_ud_insn: ud2\n"
			     "storm_ud_fixup:" : : : "memory");
		break;
	case SH_TASKLET:
		if (cpu_number == 0)
			tasklet_schedule(&storm_tasklet);
		break;
	case SH_TIMER:
		storm_timer_request();
		break;
	case SH_TICK:
		storm_timer_tick();
		break;
	case SH_IPI:
		storm_ipi_request(vector - IVM_STORM_IPI_REQ);
		break;
	case SH_IPI_TAKEN:
		WRITE_ONCE(ipi_got[cpu_number][vector - IVM_STORM_IPI_VECTOR(0)],
			   ipi_got[cpu_number][vector - IVM_STORM_IPI_VECTOR(0)] + 1);
		break;
	case SH_INIT:
		storm_init_request();
		break;
	}
}

/*
 * A level device: its line drops once the handler has served it twice. The
 * first delivery after the drop, before the next sync point, finds the line
 * low: nothing to serve, so not counted. It was in IRR before the drop, or an
 * EOI at acceptance re-sent the line while still high (PVM-4), once a drop;
 * counted, it left the device owing a second service that never came, and
 * every window then waited for it. Only the first: one after it comes from a
 * new assert (a scenario's delay step may make one anywhere).
 */
static void storm_level_served(int pin)
{
	if (level_dropped_at[pin] == sync_no + 1) {
		level_dropped_at[pin] = 0;
		return;
	}
	if (++level_seen[pin] >= 2) {
		level_seen[pin] = 0;
		level_dropped_at[pin] = sync_no + 1;
		outb(IVM_PORT_TESTDEV_IOAPIC + pin, 0);
	}
}

static irqreturn_t storm_handler(int irq, void *dev_id)
{
	unsigned int vector = irq_desc[irq].vector;
	int pin = irq_desc[irq].pin;

	(void)dev_id;
	if (in_handler[cpu_number][vector])
		violated(IVM_SB_REENTRY, vector);	/* re-entered: its ISR bit should have held it */
	if (read_flags() & X86_EFLAGS_IF)
		violated(IVM_SB_IF, vector);	/* interrupt gates clear IF */
	if (irq_depth > STORM_MAX_DEPTH)
		violated(IVM_SB_DEPTH, vector);
	in_handler[cpu_number][vector] = true;
	storm_taken++;
	storm_work(&irq_desc[irq]);
	if (pin >= 0 && IVM_STORM_PIN_LEVEL(pin))
		storm_level_served(pin);
	in_handler[cpu_number][vector] = false;
	return IRQ_HANDLED;
}

/* The irq layer kept a second delivery out of a handler still running */
static void storm_reentry(struct irq_desc *desc)
{
	/* in progress on the other CPU is the irq layer's to sort out, not a re-entry */
	if (in_handler[cpu_number][desc->vector])
		violated(IVM_SB_REENTRY, desc->vector);
}

/* bug=no-eoi: 0x41's chip forgets its EOI */
static void no_eoi(struct irq_desc *desc)
{
	(void)desc;
}

static const struct irq_chip no_eoi_chip = { .name = "APIC-no-eoi", .irq_ack = no_eoi,
					      .irq_eoi = no_eoi };

/* NMIs: counted by the entry code; their blocking is the oracle's to judge */
static bool storm_nmi(struct pt_regs *regs)
{
	(void)regs;
	return true;
}

/*
 * An exception the VMM injected: counted by the entry code; what a #PF or #DB
 * carries (CR2, DR6's B0-B3) is marked for the host to compare; resume where it came
 */
static bool storm_syscall(struct pt_regs *regs);

static bool storm_exception(struct pt_regs *regs)
{
	if (storm_syscall(regs))
		return true;
	/*
	 * bug=cpl3-rsp: an exception from the CPL3 work (between its sync's OUT
	 * and its sti system call, which moves it back) returns 8 bytes below
	 * the user RSP it saved: [frame], and the work's stack check
	 */
	if (bug == BUG_CPL3_RSP && (regs->cs & 3) == 3 && !user_rsp_moved) {
		regs->sp -= 8;
		user_rsp_moved = 8;
	}
	if (regs->vector == X86_TRAP_PF)
		ev_record(IVM_EV_MARK, 0, IVM_MARK_CR2 | (uint32_t)(read_cr2() >> 12 & 0x0fffffff));
	if (regs->vector == X86_TRAP_DB) {
		ev_record(IVM_EV_MARK, 0, IVM_MARK_DR6 | (uint32_t)(read_dr6() & 0xf));
		write_dr6(0xffff0ff0);	/* B0-B3 are sticky: the handler clears them */
	}
	return regs->vector < 32 && regs->vector != X86_TRAP_NMI && regs->vector != X86_TRAP_DF &&
	       regs->vector != X86_TRAP_MC;
}

static void net_rx_action(void)
{
	softirqs_run++;
}

static void storm_tasklet_fn(unsigned long data)
{
	(void)data;
	tasklets_run++;
}

/* ---- set-up ---- */
/* The first of CPU @cpu's MSIs (storm_msi) for the ipi kind: its two IPI vectors, then the requests */
#define STORM_IPI_MSI(cpu)	(IVM_STORM_NR_MSI + 3 + (cpu) * (2 + IVM_STORM_NR_IPI_FORMS))

/*
 * CPU 1's own irqs for the storm's MSIs and self-IPI vector, as Linux gives
 * each queue's MSI its own irq: two CPUs taking one vector at once then run
 * two descriptors, and neither's flow sees the other's INPROGRESS (a race on
 * guest memory no record holds, which a replay could not make the same).
 */
#define STORM_AP_MSI(i)		(STORM_IPI_MSI(2) + 1 + (i))
_Static_assert(IRQ_MSI_BASE + STORM_AP_MSI(IVM_STORM_NR_MSI) < NR_IRQS, "CPU 1's storm irqs");

/* MSI number @i (irq IRQ_MSI_BASE + i) at @vector */
static void storm_msi(unsigned int i, unsigned int vector, enum storm_how how)
{
	unsigned int irq = IRQ_MSI_BASE + i;
	const struct irq_chip *chip = &lapic_chip;
	int ret;

	how_of[vector] = how;
	if (bug == BUG_NO_EOI && vector == 0x41)
		chip = &no_eoi_chip;
	irq_set_chip_and_handler(irq, chip, how == SH_EDGE ? handle_edge_irq : handle_fasteoi_irq,
				 vector);
	ret = request_irq(irq, storm_handler, 0, "storm-msi", NULL);
	GUEST_ASSERT(!ret);
}

static void storm_pin(unsigned int pin)
{
	bool level = IVM_STORM_PIN_LEVEL(pin);
	struct ioapic_route r = { .vector = IVM_STORM_PIN_VECTOR(pin), .level = level,
				  .masked = true };
	int ret;

	ioapic_write_route(pin, &r);
	irq_set_chip_and_handler(pin, &ioapic_chip, level ? handle_fasteoi_irq : handle_edge_irq,
				 r.vector);
	ret = request_irq(pin, storm_handler, level ? IRQF_TRIGGER_HIGH : IRQF_TRIGGER_RISING,
			  "storm-pin", NULL);
	GUEST_ASSERT(!ret);
}

/*
 * ---- background work at CPL3 (work=cpl3) ----
 * CPU 0 reaches each main-loop sync point at CPL3, in the middle of real
 * work: two checksums of a buffer, each chunk checked against the sums taken
 * once at start, with the stack pointer and a canary on the stack. CPL3 runs
 * natively on PVM, where the guest's IOPL is not applied to it (PVM-17: no
 * cli, sti, or port I/O by IOPL) and int $0x80 does not arrive (PVM-2). So
 * the work asks the kernel by two ud2 "system calls" its #UD handler knows:
 * storm_sc_sync (the SYNC record and the hypercall block filled; the IRET
 * back clears IF) and storm_sc_sti (the IRET back sets IF again). Between the
 * two the work makes the hypercall's OUT itself, at CPL3 with IF=0, through
 * the TSS I/O bitmap: an exception the point injects arrives right after it,
 * from CPL3. Interrupts are open at CPL3 otherwise (user_run and the IRETs
 * record it), so what is pending is taken from user mode, with a CPL3
 * frame, at the chunks' port reads (on PVM an interrupt is taken at an exit,
 * PVM-5) or wherever the host delivers. An IRET that restored another RIP or
 * RSP breaks a sum or the stack: IVM_SB_CPL3, reported by the kernel after
 * the run (CPL3 can't record: the ring's writer uses cli).
 */
#define STORM_USER_WORDS	256
#define STORM_USER_CHUNKS	8
#define STORM_USER_CANARY	0x5afec0de1badcafeull

static bool storm_cpl3;
static uint64_t user_buf[STORM_USER_WORDS];
static uint64_t user_want[2];		/* the sums, taken at CPL3 before the first sync */
static uint64_t user_chunks;		/* chunks the CPL3 work finished */
static unsigned int user_bad;		/* bit 1 << what: what the CPL3 work saw break */
extern const char storm_sc_sync[], storm_sc_sti[];

static uint64_t user_sum_fwd(void)
{
	uint64_t a = 0xcbf29ce484222325ull;

	for (unsigned int i = 0; i < STORM_USER_WORDS; i++)
		a = (a ^ READ_ONCE(user_buf[i])) * 0x100000001b3ull;
	return a;
}

static uint64_t user_sum_bwd(void)
{
	uint64_t b = 0;

	for (unsigned int i = STORM_USER_WORDS; i-- > 0;)
		b += READ_ONCE(user_buf[i]) << (i & 31) | i;
	return b;
}

/* CPL3: fill the buffer and take its sums */
static void storm_user_init(void *arg)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;

	(void)arg;
	for (unsigned int i = 0; i < STORM_USER_WORDS; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		user_buf[i] = x;
	}
	user_want[0] = user_sum_fwd();
	user_want[1] = user_sum_bwd();
}

static uint64_t read_rsp(void)
{
	uint64_t sp;

	asm volatile("movq %%rsp, %0" : "=r"(sp));
	return sp;
}

/* CPL3: one chunk of work, checked; @sp and @canary are the caller's, read there */
#define user_chunk(sp, canary)								\
	do {										\
		if (user_sum_fwd() != user_want[0] || user_sum_bwd() != user_want[1])	\
			user_bad |= 1u << 1;						\
		if (read_rsp() != (sp) || (canary) != STORM_USER_CANARY)		\
			user_bad |= 1u << 2;						\
	} while (0)

/* CPL3, IF=1: the work, with the next sync point after its first chunk */
static __attribute__((noinline)) void storm_user(void *arg)
{
	volatile uint64_t canary = STORM_USER_CANARY;
	uint64_t sp = read_rsp();
	uint32_t out;

	(void)arg;
	for (unsigned int c = 0; c < STORM_USER_CHUNKS; c++) {
		if (c == 1) {
			/* the sync "system call": RAX = what to OUT, and IF=0 */
			asm volatile(".globl storm_sc_sync\nstorm_sc_sync: ud2"
				     : "=a"(out) : "a"(0) : "memory");
			if (out)
				outl(IVM_PORT_HCALL, out);
			user_chunk(sp, canary);	/* an injected exception lands in it */
			asm volatile(".globl storm_sc_sti\nstorm_sc_sti: ud2" : : : "memory");
		}
		user_chunk(sp, canary);
		/* an exit: what is pending is taken here at the latest, from CPL3 */
		(void)inl(IVM_PORT_HCALL);
		user_chunks++;
	}
}

/* The #UD of a CPL3 "system call" (storm_user): true if it was one */
static bool storm_syscall(struct pt_regs *regs)
{
	if (regs->vector != X86_TRAP_UD || (regs->cs & 3) != 3)
		return false;
	if (regs->ip == (uint64_t)storm_sc_sync) {
		regs->ax = 0;
		if (sync_no < sync_max)
			regs->ax = hc_sync_prepare(++sync_no);
		regs->flags &= ~(uint64_t)X86_EFLAGS_IF;	/* the IRET record says so */
	} else if (regs->ip == (uint64_t)storm_sc_sti) {
		regs->flags |= X86_EFLAGS_IF;
		regs->sp += user_rsp_moved;	/* bug=cpl3-rsp: put back, so the run goes on */
		user_rsp_moved = 0;
	} else {
		return false;
	}
	regs->ip += 2;
	return true;
}

/* What the CPL3 work saw break, as the kernel's marks */
static void storm_user_report(void)
{
	for (unsigned int what = 1; what < 32; what++)
		if (user_bad & (1u << what))
			violated(IVM_SB_CPL3, what);
	user_bad = 0;
}

void storm_set_work(const char *v, int len)
{
	if (len == 4 && !strncmp(v, "cpl3", 4))
		storm_cpl3 = true;
	else if (!(len == 4 && !strncmp(v, "cpl0", 4)))
		printf("warning: unknown work '%.*s'\n", len, v);
}

/* ---- the loop ---- */
/* The IRR words that hold the storm's vectors (0x20-0xdf), asked of the VMM: an exit */
static uint32_t storm_irr_words(void)
{
	return apic_irr_words() & 0x7e;
}

/* A level device served once still holds its line: its second delivery is owed */
static bool storm_level_owed(void)
{
	if (cpu_number != 0)
		return false;	/* the pins are routed to CPU 0 */
	for (unsigned int pin = IVM_STORM_PIN0; pin < IVM_STORM_PIN0 + IVM_STORM_NR_PINS; pin++)
		if (IVM_STORM_PIN_LEVEL(pin) && READ_ONCE(level_seen[pin]))
			return true;
	return false;
}

/*
 * IF=1 until nothing the storm sent waits in IRR (bounded), nor, for a
 * while, a level device's second delivery (a host may send fewer), then a grace
 */
static void storm_window(void)
{
	uint64_t t0 = rdtsc();
	unsigned int owed_asks = 0, fruitless = 0, taken = storm_taken;
	uint32_t words;

	local_irq_enable();
	while (rdtsc() - t0 < STORM_WAIT_TSC) {
		/*
		 * The question is an exit to the VMM: on PVM a pending interrupt is
		 * taken only at one (PVM-5), where an IRR read under kernel and split
		 * makes none; and its answer, what IRR held, is recorded for a replay
		 */
		if ((words = storm_irr_words())) {
			if (READ_ONCE(storm_taken) != taken) {
				taken = READ_ONCE(storm_taken);
				fruitless = 0;
			} else if (++fruitless >= STORM_STUCK_ASKS) {
				/*
				 * None went in: can any? Not where the highest is at or below the PPR's
				 * class (SDM 10.8.3.1), as when an ISR bit is never cleared
				 * (bug=no-eoi): the window would wait out its bound for nothing
				 */
				if (!apic_irr_top_deliverable(words))
					break;
				fruitless = 0;
			}
			continue;
		}
		if (!storm_level_owed() || ++owed_asks >= STORM_OWED_ASKS)
			break;
		cpu_relax();
	}
	for (t0 = rdtsc(); rdtsc() - t0 < STORM_GRACE_TSC;)
		cpu_relax();
	local_irq_disable();
	if (cpu_number == 0)
		run_ksoftirqd();
}

/* The end: a device still waiting for its second service drops its line, as on a reset */
static void storm_release_levels(void)
{
	for (unsigned int pin = IVM_STORM_PIN0; pin < IVM_STORM_PIN0 + IVM_STORM_NR_PINS; pin++) {
		if (IVM_STORM_PIN_LEVEL(pin) && level_seen[pin]) {
			level_seen[pin] = 0;
			outb(IVM_PORT_TESTDEV_IOAPIC + pin, 0);
		}
	}
}

/* After the last window: nothing in service, pending or held (IF=0 here) */
static void storm_quiesced(void)
{
	unsigned int pin;

	if (apic_highest_isr() != 0xff)
		violated(IVM_SB_ISR, apic_highest_isr());
	if (storm_irr_words())
		violated(IVM_SB_IRR, 0);
	if (apic_get_tpr())
		violated(IVM_SB_TPR, apic_get_tpr());
	for (pin = IVM_STORM_PIN0; cpu_number == 0 && pin < IVM_STORM_PIN0 + IVM_STORM_NR_PINS; pin++)
		if (ioapic_read_entry(pin) & (1u << 14))
			violated(IVM_SB_REMOTE_IRR, pin);	/* remote IRR still set */
}

static void storm_counts(void)
{
	unsigned int pin;

	for (unsigned int i = 0; i < IVM_STORM_NR_MSI; i++)
		ev_record_count(msi_vector[i]);
	for (pin = IVM_STORM_PIN0; pin < IVM_STORM_PIN0 + IVM_STORM_NR_PINS; pin++)
		ev_record_count(IVM_STORM_PIN_VECTOR(pin));
	ev_record_count(IVM_STORM_SELFIPI_VECTOR);
	ev_record_count(X86_TRAP_NMI);
	ev_record_count(IVM_STORM_TIMER_VECTOR);
	ev_record_count(IVM_STORM_TIMER_FIRE);
	ev_record_count(IVM_STORM_IPI_VECTOR(0));
	ev_record_count(IVM_STORM_IPI_VECTOR(1));
	for (unsigned int f = 0; f < IVM_STORM_NR_IPI_FORMS; f++)
		ev_record_count(IVM_STORM_IPI_REQ + f);
	ev_record_count(IVM_STORM_INIT_REQ);
}

void storm_set_bug(const char *v, int len)
{
	if (len == 6 && !strncmp(v, "no-eoi", 6))
		bug = BUG_NO_EOI;
	else if (len == 9 && !strncmp(v, "early-sti", 9))
		bug = BUG_EARLY_STI;
	else if (len == 8 && !strncmp(v, "cpl3-rsp", 8))
		bug = BUG_CPL3_RSP;
	else
		printf("warning: unknown bug '%.*s'\n", len, v);
}

/* ---- CPU 1: set up, then at the end quiesce and report, each on an IPI from CPU 0 ---- */
#define STORM_AP_WAIT_TSC	3000000000ull	/* ~1-3 s */

static volatile enum { AP_IDLE, AP_SETUP, AP_READY, AP_FINISH, AP_DONE } ap_state;

static void storm_ap_setup(void)
{
	/* vector_irq[] is per CPU: CPU 1 maps the storm's vectors to its own irqs here */
	for (unsigned int i = 0; i <= IVM_STORM_NR_MSI; i++) {
		struct irq_desc *desc = &irq_desc[IRQ_MSI_BASE + STORM_AP_MSI(i)];

		vector_irq[desc->vector] = desc;
	}
	/* CPU 1's own irqs of the ipi kind */
	for (unsigned int i = 0; i < 2 + IVM_STORM_NR_IPI_FORMS; i++) {
		struct irq_desc *desc = &irq_desc[IRQ_MSI_BASE + STORM_IPI_MSI(1) + i];

		vector_irq[desc->vector] = desc;
	}
}

static void storm_window(void);
static void storm_quiesced(void);
static void storm_counts(void);

static volatile bool ap_ask_held;	/* CPU 1 took an ask nested in a storm handler */

/* CPU 1 does what CPU 0 asked (ap_state) */
static void storm_ap_work(void)
{
	if (ap_state == AP_SETUP) {
		storm_ap_setup();
		ap_state = AP_READY;
	} else if (ap_state == AP_FINISH) {
		storm_window();		/* the IPI was EOI'd first: nothing of it stays in service */
		storm_quiesced();
		storm_counts();
		ev_record(IVM_EV_MARK, 0, broken[1]);
		ap_state = AP_DONE;
	}
}

/*
 * One ask, taken once: nested in a storm handler (its TPR or ISR held) it is
 * done when CPU 1 is back in its sti; hlt. Only what CPU 1 was delivered
 * decides when, never CPU 0's clock, so a replay makes it at the same place.
 */
static void storm_ipi(unsigned int vector)
{
	if (cpu_number != 1 || vector != CALL_FUNCTION_SINGLE_VECTOR)
		return;
	if (irq_depth > 1) {
		ap_ask_held = true;
		return;
	}
	storm_ap_work();
}

static void storm_ap_idle(void)
{
	if (cpu_number != 1 || !ap_ask_held)
		return;
	ap_ask_held = false;
	storm_ap_work();
}

/*
 * CPU 1, done, must come to a quiet point (include/abi.h IVM_HC_QUIET): halted
 * in its sti; hlt with nothing pending, in service or injected, and its records
 * all published. Asked again (bounded) while it gets there: 0, or the last answer.
 */
static uint32_t storm_ap_quiet(void)
{
	uint64_t t0 = rdtsc();
	uint32_t bits;

	while ((bits = hc_quiet(1, NULL)) != 0 && rdtsc() - t0 < STORM_AP_WAIT_TSC)
		for (uint64_t t1 = rdtsc(); rdtsc() - t1 < 100000;)
			cpu_relax();
	return bits;
}

/*
 * The init kind: restart CPU 1 by INIT, SIPI, but only at a quiet point the VMM
 * proves (halted in its sti; hlt, nothing pending, in service, injected or
 * half-recorded), so INIT clears nothing the stream still owes and cuts no
 * record. This runs in CPU 0's handler, interrupts off from the wait to CPU 1's
 * return: no sync point is reached and no handler of CPU 0 sends to CPU 1.
 * CPU 1's per-CPU state (vector_irq[], its counts, the ipi kind's) is memory
 * INIT leaves alone; ap_main loads its GDT, IDT and LAPIC again and registers
 * the same page, whose ring counters go on.
 */
static unsigned int init_restarts;
static bool init_stopped;	/* CPU 1 never came to rest once: no more waits for it (the watchdog) */

static void storm_init_request(void)
{
	uint32_t quiet;

	if (cpu_number != 0 || storm_cpus != 2 || ap_state != AP_READY || !on_ivm || init_stopped)
		return;		/* only in the storm's main part, with CPU 1 up */
	if ((quiet = storm_ap_quiet()) != 0) {
		violated(IVM_SB_QUIET, quiet & 0xff);	/* nothing was sent to it, yet it never came to rest */
		init_stopped = true;
		return;
	}
	apic_send_ipi(1, APIC_DM_INIT | APIC_INT_ASSERT | APIC_INT_LEVELTRIG);
	apic_send_ipi(1, APIC_DM_INIT | APIC_INT_LEVELTRIG);
	__atomic_and_fetch(&cpus_online, ~2u, __ATOMIC_SEQ_CST);
	if (!smp_boot_cpu(1)) {
		violated(IVM_SB_CPU1, 3);	/* CPU 1 did not come back */
		storm_cpus = 1;
		return;
	}
	init_restarts++;
}

/* Ask CPU 1 to do @state's work, once, and wait (bounded) until it has */
static bool storm_ap(unsigned int state, unsigned int done)
{
	uint64_t t0 = rdtsc();

	ap_state = state;
	local_irq_enable();
	apic_send_ipi(1, APIC_DM_FIXED | CALL_FUNCTION_SINGLE_VECTOR);	/* once: CPU 1 holds it if busy */
	while (ap_state != done && rdtsc() - t0 < STORM_AP_WAIT_TSC)
		cpu_relax();
	local_irq_disable();
	return ap_state == done;
}

void sc_storm(void)
{
	unsigned int n = scenario_count ? scenario_count : 100, pin;
	uint32_t quiet;

	fixup_table = storm_fixups;
	fixup_count = ARRAY_SIZE(storm_fixups);
	nmi_hook = storm_nmi;
	exception_hook = storm_exception;
	irq_reentry_hook = storm_reentry;
	storm_tasklet.func = storm_tasklet_fn;
	open_softirq(NET_RX_SOFTIRQ, net_rx_action);
	/* CPU 1's first: CPU 0's vector_irq[] ends on its own (irq_set_chip_and_handler maps it) */
	for (unsigned int i = 0; i < IVM_STORM_NR_MSI; i++)
		storm_msi(STORM_AP_MSI(i), msi_vector[i], msi_how[i]);
	storm_msi(STORM_AP_MSI(IVM_STORM_NR_MSI), IVM_STORM_SELFIPI_VECTOR, SH_PLAIN);
	for (unsigned int i = 0; i < IVM_STORM_NR_MSI; i++)
		storm_msi(i, msi_vector[i], msi_how[i]);
	storm_msi(IVM_STORM_NR_MSI, IVM_STORM_SELFIPI_VECTOR, SH_PLAIN);
	storm_msi(IVM_STORM_NR_MSI + 1, IVM_STORM_TIMER_VECTOR, SH_TIMER);
	storm_msi(IVM_STORM_NR_MSI + 2, IVM_STORM_TIMER_FIRE, SH_TICK);
	storm_msi(STORM_IPI_MSI(2), IVM_STORM_INIT_REQ, SH_INIT);	/* after both CPUs' ipi irqs */
	/*
	 * Each CPU its own irqs for the ipi kind: the flows skip an irq in
	 * progress on the other CPU, and every request taken must send, every
	 * IPI taken be counted. CPU 1's first, so CPU 0's vector_irq[] ends on
	 * its own.
	 */
	for (int cpu = 1; cpu >= 0; cpu--) {
		for (unsigned int from = 0; from < 2; from++)
			storm_msi(STORM_IPI_MSI(cpu) + from, IVM_STORM_IPI_VECTOR(from), SH_IPI_TAKEN);
		for (unsigned int f = 0; f < IVM_STORM_NR_IPI_FORMS; f++)
			storm_msi(STORM_IPI_MSI(cpu) + 2 + f, IVM_STORM_IPI_REQ + f, SH_IPI);
	}
	for (pin = IVM_STORM_PIN0; pin < IVM_STORM_PIN0 + IVM_STORM_NR_PINS; pin++)
		storm_pin(pin);
	if (fw_cfg_cpus() >= 2) {
		ipi_hook = storm_ipi;
		ap_idle_hook = storm_ap_idle;
		if (!smp_boot_cpu(1) || !storm_ap(AP_SETUP, AP_READY))
			violated(IVM_SB_CPU1, 1);	/* CPU 1 never came up */
		else
			storm_cpus = 2;
	}
	sync_max = n;
	if (storm_cpl3) {
		/* the CPL3 work's OUTs and port reads: the TSS I/O bitmap allows the hypercall port */
		tss_iomap_allow(IVM_PORT_HCALL, 4, true);
		tss_iomap_set(true);
		user_run(storm_user_init, NULL);
	}
	while (sync_no < sync_max) {
		if (storm_cpl3) {
			user_run(storm_user, NULL);	/* syncs at CPL3 */
			storm_user_report();
		} else {
			storm_sync();
		}
		storm_window();
	}
	storm_window();
	storm_release_levels();
	storm_timer_quiesce();
	storm_window();
	if (storm_cpus == 2 && !storm_ap(AP_FINISH, AP_DONE))
		violated(IVM_SB_CPU1, 2);	/* CPU 1 did not finish */
	else if (storm_cpus == 2 && on_ivm && (quiet = storm_ap_quiet()) != 0)
		violated(IVM_SB_QUIET, quiet & 0xff);	/* CPU 1 never came to a quiet point */
	/* what CPU 1 sent here while it finished (an ipi request it took then) is taken */
	if (storm_cpus == 2)
		storm_window();
	storm_quiesced();
	storm_counts();
	printf("storm: %u sync points, %u CPUs, %lu softirqs, %lu tasklets, %u broken\n", n, storm_cpus,
	       (unsigned long)softirqs_run, (unsigned long)tasklets_run, broken[0] + broken[1]);
	if (storm_cpl3)
		printf("storm: %lu chunks of CPL3 work\n", (unsigned long)user_chunks);
	if (init_restarts)
		printf("storm: CPU 1 restarted %u times by INIT, SIPI\n", init_restarts);
	ev_record(IVM_EV_MARK, 0, broken[0]);
}
