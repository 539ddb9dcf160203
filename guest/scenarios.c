// SPDX-License-Identifier: MIT
/*
 * Scenario programs (scenario=NAME): set up, announce sync points where
 * the VMM injects (configs/NAME.yaml), record what happened in the event
 * ring. IF stays 0 around sync points; irq_window() lets pending
 * interrupts in. Marks (IVM_EV_MARK) are per-scenario facts, listed in
 * each config.
 */
#include "programs.h"

/* ---- priority, tpr, isr, selfipi, spurious ---- */
static void sc_priority(void)
{
	sc_msi(0x41, NULL);
	sc_msi(0x61, NULL);
	hc_sync(1);
	irq_window(2);
}

static void sc_tpr(void)
{
	sc_msi(0x41, NULL);
	sc_msi(0x61, NULL);
	apic_set_tpr(0x50);
	hc_sync(1);
	irq_settle(2);	/* only 0x61 may come */
	mark(ivm_page.vector_count[0x41]);
	mark(ivm_page.vector_count[0x61]);
	apic_set_tpr(0);
	irq_window(1);
	mark(ivm_page.vector_count[0x41]);
}

static void sc_isr(void)
{
	sc_msi(0x41, NULL);
	hc_sync(1);
	irq_window(1);
}

static void sc_selfipi(void)
{
	sc_msi(0x41, NULL);
	apic_self_ipi(0x41);
	mark(apic_irr_test(0x41));
	irq_window(1);
}

static void sc_spurious(void)
{
	hc_sync(1);
	wait_vector(SPURIOUS_APIC_VECTOR, 1);
}

/* ---- nesting: 0x61 nests in 0x41, 0x45 waits for 0x41's EOI ---- */
static void nest_41(void)
{
	mark(1);
	local_irq_enable();
	hc_sync(2);
	irq_wait(&sc_irqs, sc_irqs + 1);	/* 0x61, not 0x45 */
	mark(2);
}

static void sc_nesting(void)
{
	mark_depth = true;
	sc_msi(0x41, nest_41);
	sc_msi(0x61, NULL);
	sc_msi(0x45, NULL);
	hc_sync(1);
	irq_window(3);
}

/* ---- level: EOI while the line is high re-delivers ---- */
static unsigned int level_n;

static void level_51(void)
{
	if (++level_n == 2)
		hc_sync(2);	/* deassert before this EOI */
}

static void sc_level(void)
{
	sc_pin(5, 0x51, true, false, level_51);
	hc_sync(1);
	wait_vector(0x51, 2);
	irq_window(0);
	mark(ivm_page.vector_count[0x51]);
}

/* ---- masked: an edge on a masked pin is lost, a level is held ---- */
static void masked_57(void)
{
	hc_sync(3);		/* deassert pin 7 before the EOI */
}

static void sc_masked(void)
{
	sc_pin(6, 0x56, false, true, NULL);
	sc_pin(7, 0x57, true, true, masked_57);
	hc_sync(1);		/* pulse pin 6 */
	irq_quiet();
	hc_sync(2);		/* assert pin 7 */
	irq_quiet();
	mark(ivm_page.vector_count[0x56] + ivm_page.vector_count[0x57]);
	enable_irq(7);
	irq_window(1);
	enable_irq(6);
	irq_quiet();
	mark(ivm_page.vector_count[0x56]);
	mark(ivm_page.vector_count[0x57]);
}

/* ---- NMIs ---- */
static unsigned int nmi_n;

static bool nmi_mark(struct pt_regs *regs)
{
	(void)regs;
	nmi_n++;
	mark(IVM_MARK_DEPTH | irq_depth);
	return true;
}

static void nmi_41(void)
{
	mark(1);
	hc_sync(2);		/* NMI here: taken inside this handler */
	mark(2);
}

static void sc_nmi_in_handler(void)
{
	nmi_hook = nmi_mark;
	sc_msi(0x41, nmi_41);
	hc_sync(1);
	irq_window(1);
}

static bool nmi_blocked(struct pt_regs *regs)
{
	nmi_mark(regs);
	if (nmi_n == 1) {
		hc_sync(3);	/* second NMI: blocked until our IRET */
		mark(1);
	}
	return true;
}

static void sc_nmi_blocked(void)
{
	uint64_t t0;

	nmi_hook = nmi_blocked;
	hc_sync(1);
	/* IF stays 0: NMIs only */
	for (t0 = rdtsc(); ivm_page.vector_count[X86_TRAP_NMI] < 2 && rdtsc() - t0 < WAIT_TSC_IRQ;)
		cpu_relax();
	mark(nmi_n);
}

/* ---- exception-in-irq: #UD with a fixup inside a handler ---- */
extern const char sc_ud_insn[], sc_ud_fixup[];
static const struct exception_fixup ud_fixup[] = { { sc_ud_insn, sc_ud_fixup } };

static void ud_41(void)
{
	mark(1);
	asm volatile(".globl sc_ud_insn, sc_ud_fixup\n"
		     "sc_ud_insn: ud2\n"
		     "sc_ud_fixup:" : : : "memory");
	mark(2);
}

static void sc_exception_in_irq(void)
{
	fixup_table = ud_fixup;
	fixup_count = ARRAY_SIZE(ud_fixup);
	sc_msi(0x41, ud_41);
	hc_sync(1);
	irq_window(1);
}

/* ---- LAPIC timer ---- */
static unsigned int ticks, stop_at, owed_at_stop;

/*
 * Stopped at tick stop_at, the timer can fire no more; but a tick that came
 * due while this one was in service already waits in IRR and is delivered
 * after the EOI (a host that stalls the vCPU a period makes one). So the
 * architecture owes exactly stop_at + IRR-at-stop ticks.
 */
static void timer_tick(void)
{
	if (++ticks == stop_at) {
		apic_timer_stop();
		owed_at_stop = apic_irr_test(LOCAL_TIMER_VECTOR);
	}
}

static void sc_timer_oneshot(void)
{
	local_timer_handler = timer_tick;
	apic_timer_oneshot(100000);	/* 100 us at a 1 GHz bus clock */
	wait_vector(LOCAL_TIMER_VECTOR, 1);
	irq_window(0);
	mark(ticks);
}

static void sc_timer_periodic(void)
{
	stop_at = 5;
	local_timer_handler = timer_tick;
	apic_timer_periodic(1000000);	/* 1 ms */
	wait_vector(LOCAL_TIMER_VECTOR, 5);
	irq_window(0);
	mark(ticks - owed_at_stop);
	ev_record_count(LOCAL_TIMER_VECTOR);
}

static void sc_timer_tsc_deadline(void)
{
	local_timer_handler = timer_tick;
	if (!apic_timer_tsc_deadline(rdtsc() + 200000)) {
		mark(0);
		return;
	}
	wait_vector(LOCAL_TIMER_VECTOR, 1);
	irq_window(0);
	mark(ticks);
}

/* ---- softirqs and tasklets ---- */
static struct tasklet_struct tasklet1 = { .id = 1 };
static unsigned int net_tx_inline, net_tx_ksoftirqd;

static void tasklet1_fn(unsigned long data)
{
	(void)data;
}

static void softirq_nop(void)
{
}

/* Re-raises itself 14 times: past MAX_SOFTIRQ_RESTART the rest is deferred */
static void net_tx_action(void)
{
	if (hardirq_count)
		mark(0xbad);	/* never inside a hardirq */
	if (irq_depth)
		net_tx_inline++;
	else
		net_tx_ksoftirqd++;
	if (net_tx_inline + net_tx_ksoftirqd < 15)
		raise_softirq(NET_TX_SOFTIRQ);
}

static void softirq_41(void)
{
	raise_softirq_irqoff(TASKLET_SOFTIRQ);
	raise_softirq_irqoff(TIMER_SOFTIRQ);
	raise_softirq_irqoff(NET_RX_SOFTIRQ);
	tasklet_schedule(&tasklet1);
	tasklet_schedule(&tasklet1);
	mark(softirq_pending);
}

static void softirq_42(void)
{
	raise_softirq_irqoff(NET_TX_SOFTIRQ);
}

static void sc_softirq(void)
{
	tasklet1.func = tasklet1_fn;
	open_softirq(TIMER_SOFTIRQ, softirq_nop);
	open_softirq(NET_RX_SOFTIRQ, softirq_nop);
	open_softirq(NET_TX_SOFTIRQ, net_tx_action);
	sc_msi(0x41, softirq_41);
	sc_msi(0x42, softirq_42);
	apic_self_ipi(0x41);
	irq_window(1);
	apic_self_ipi(0x42);
	irq_window(1);		/* the idle loop runs ksoftirqd */
	mark(net_tx_inline);
	mark(net_tx_ksoftirqd);
}

/* ---- irq-api: request_irq/free_irq errno rules, shared handlers ---- */
static int dev[4];

static irqreturn_t api_h1(int irq, void *dev_id)
{
	(void)irq;
	(void)dev_id;
	mark(0xa1);
	return IRQ_HANDLED;
}

static irqreturn_t api_h2(int irq, void *dev_id)
{
	(void)irq;
	(void)dev_id;
	mark(0xa2);
	return IRQ_NONE;
}

static void sc_irq_api(void)
{
	const void *name;

	mark(-request_irq(IRQ_NOTCONNECTED, api_h1, 0, "x", &dev[0]));
	mark(-request_irq(30, api_h1, IRQF_SHARED, "x", NULL));
	mark(-request_irq(30, NULL, 0, "x", &dev[0]));
	mark(-request_irq(30, api_h1, 0, "x", &dev[0]));	/* no chip yet */
	irq_set_chip_and_handler(30, &lapic_chip, handle_fasteoi_irq, 0x43);
	mark(-request_irq(30, api_h1, IRQF_SHARED, "a", &dev[0]));
	mark(-request_irq(30, api_h2, IRQF_SHARED, "b", &dev[1]));
	mark(-request_irq(30, api_h1, 0, "c", &dev[2]));
	mark(-request_irq(30, api_h1, IRQF_SHARED | IRQF_ONESHOT, "c", &dev[2]));
	mark(-request_irq(30, api_h1, IRQF_SHARED | IRQF_TRIGGER_HIGH, "c", &dev[2]));
	irq_set_chip_and_handler(31, &lapic_chip, handle_fasteoi_irq, 0x44);
	mark(-request_nmi(31, api_h1, IRQF_SHARED, "n", &dev[0]));
	mark(-request_nmi(31, api_h1, IRQF_PERCPU, "n", &dev[0]));
	mark(-request_irq(31, api_h1, IRQF_SHARED, "m", &dev[1]));
	apic_self_ipi(0x43);
	irq_wait(&ivm_page.vector_count[0x43], 1);
	irq_window(0);		/* a1 then a2, in request order */
	name = free_irq(30, &dev[0]);
	mark(name && !strcmp(name, "a"));
	mark(free_irq(30, &dev[3]) == NULL);
	mark(irq_desc[30].irqs_unhandled);
	free_irq(31, &dev[0]);
}

/* ---- IPIs between two vCPUs ---- */
static volatile unsigned int ap_ipis, ap_nmis;

/* On CPU 1: mark each IPI; answer the first with RESCHEDULE to CPU 0 */
static void ap_ipi(unsigned int vector)
{
	if (cpu_number != 1)
		return;		/* CPU 0's answer: its vector count is the record */
	mark(vector);
	if (++ap_ipis == 1)
		apic_send_ipi(0, APIC_DM_FIXED | RESCHEDULE_VECTOR);
}

static bool ap_nmi(struct pt_regs *regs)
{
	(void)regs;
	if (cpu_number != 1)
		return false;
	mark(X86_TRAP_NMI);
	ap_nmis++;
	return true;
}

/* Until *@ctr reaches @n, at most @bound TSC ticks */
static bool wait_count_for(volatile unsigned int *ctr, unsigned int n, uint64_t bound)
{
	uint64_t t0 = rdtsc();

	while (*ctr < n && rdtsc() - t0 < bound)
		cpu_relax();
	return *ctr >= n;
}

static bool wait_count(volatile unsigned int *ctr, unsigned int n)
{
	return wait_count_for(ctr, n, WAIT_TSC_IRQ);
}

/* Ask until @cpu's answer is @want, at most @bound TSC ticks: @want, or the last answer */
static uint32_t quiet_until(unsigned int cpu, uint32_t want, uint64_t *rip, uint64_t bound)
{
	uint64_t t0 = rdtsc();
	uint32_t bits;

	while ((bits = hc_quiet(cpu, rip)) != want && rdtsc() - t0 < bound)
		for (uint64_t t1 = rdtsc(); rdtsc() - t1 < 100000;)
			cpu_relax();
	return bits;
}

/* Ask until @cpu is at a quiet point (bounded): 0, or the last answer */
static uint32_t quiet_wait(unsigned int cpu, uint64_t *rip)
{
	return quiet_until(cpu, 0, rip, WAIT_TSC_IRQ);
}

/* CPUs 1 to @ncpus - 1 all quiet (halted in their idle loop, nothing owed): false if one is not in time */
static bool aps_quiet(unsigned int ncpus)
{
	for (unsigned int cpu = 1; cpu < ncpus; cpu++)
		if (quiet_wait(cpu, NULL))
			return false;
	return true;
}

/*
 * CPU 1 is online: one IPI of each destination kind, then an NMI by IPI. The
 * NMI goes once CPU 1 is quiet, not inside its last handler's exit, and the
 * run ends with CPU 1 quiet again: where they land is then no one's timing
 * (a golden trace, a replay, another hypervisor see the same records).
 */
static void ipi_exchange(void)
{
	ipi_hook = ap_ipi;
	nmi_hook = ap_nmi;
	/* physical destination APIC ID 1; its handler answers to APIC ID 0 */
	apic_send_ipi(1, APIC_DM_FIXED | CALL_FUNCTION_SINGLE_VECTOR);
	mark(wait_vector(RESCHEDULE_VECTOR, 1));
	/* logical: flat LDR bit 1 (xAPIC) and cluster 0 bit 1 (x2APIC) are both 0x02 */
	apic_send_ipi(0x02, APIC_DEST_LOGICAL | APIC_DM_FIXED | CALL_FUNCTION_VECTOR);
	mark(wait_count(&ap_ipis, 2));
	/* all excluding self: the AP only, so no RESCHEDULE here */
	apic_send_ipi(0, APIC_DEST_ALLBUT | APIC_DM_FIXED | RESCHEDULE_VECTOR);
	mark(wait_count(&ap_ipis, 3) && aps_quiet(2));
	apic_send_ipi(1, APIC_DM_NMI);
	mark(wait_count(&ap_nmis, 1) && aps_quiet(2));
}

/* The guest starts CPU 1 itself: INIT, SIPI, SIPI through its ICR */
static void sc_ipi(void)
{
	mark(smp_boot_cpu(1));
	if (cpus_online & 2)
		ipi_exchange();
}

/* The VMM starts CPU 1 (scenario init/sipi injections at sync 1) */
static void sc_sipi(void)
{
	smp_prepare_cpu(1);
	hc_sync(1);
	mark(smp_wait_online(1));
	if (cpus_online & 2)
		ipi_exchange();
}

/*
 * ---- IPIs among up to eight vCPUs (configs/ipi8.yaml, sipi8.yaml) ----
 * Each AP marks every IPI and NMI it takes and answers its first IPI with
 * RESCHEDULE to CPU 0; CPU 0 waits for each answer before the next IPI, so
 * none coalesces in its IRR.
 */
static unsigned int smp_cpus;			/* CPUs this program uses: fw_cfg's, at most NR_CPUS */
static volatile unsigned int smp_ipis, smp_nmis;	/* IPIs and NMIs the APs took, all together */

static void smp_ipi(unsigned int vector)
{
	if (cpu_number == 0)
		return;		/* the answers: CPU 0's vector count is the record */
	mark(vector);
	__atomic_add_fetch(&smp_ipis, 1, __ATOMIC_SEQ_CST);
	if (vector == CALL_FUNCTION_SINGLE_VECTOR)	/* each AP's first, and only one of these */
		apic_send_ipi(0, APIC_DM_FIXED | RESCHEDULE_VECTOR);
}

static bool smp_nmi(struct pt_regs *regs)
{
	(void)regs;
	if (cpu_number == 0)
		return false;
	mark(X86_TRAP_NMI);
	__atomic_add_fetch(&smp_nmis, 1, __ATOMIC_SEQ_CST);
	return true;
}

/* Every AP online: one IPI to each by APIC ID, a logical multicast, all-but-self, NMIs (quiet, as above) */
static void smp_exchange(void)
{
	unsigned int aps = smp_cpus - 1, logical = ((1u << smp_cpus) - 1) & ~1u;

	ipi_hook = smp_ipi;
	nmi_hook = smp_nmi;
	for (unsigned int cpu = 1; cpu < smp_cpus; cpu++) {
		apic_send_ipi(cpu, APIC_DM_FIXED | CALL_FUNCTION_SINGLE_VECTOR);
		mark(wait_vector(RESCHEDULE_VECTOR, cpu));
	}
	/* flat LDR bit n (xAPIC) and cluster 0 bit n (x2APIC) are both 1 << n */
	apic_send_ipi(logical, APIC_DEST_LOGICAL | APIC_DM_FIXED | CALL_FUNCTION_VECTOR);
	mark(wait_count(&smp_ipis, 2 * aps));
	apic_send_ipi(0, APIC_DEST_ALLBUT | APIC_DM_FIXED | RESCHEDULE_VECTOR);
	mark(wait_count(&smp_ipis, 3 * aps) && aps_quiet(smp_cpus));
	for (unsigned int cpu = 1; cpu < smp_cpus; cpu++)
		apic_send_ipi(cpu, APIC_DM_NMI);
	mark(wait_count(&smp_nmis, aps) && aps_quiet(smp_cpus));
}

static bool smp_setup(void)
{
	smp_cpus = fw_cfg_cpus();
	if (smp_cpus > NR_CPUS)
		smp_cpus = NR_CPUS;
	printf("smp: %u CPUs\n", smp_cpus);
	return smp_cpus >= 2;
}

/* The guest starts every AP at once: INIT, SIPI, SIPI to all but self */
static void sc_ipi8(void)
{
	unsigned int online;

	if (!smp_setup()) {
		mark(0);
		return;
	}
	online = smp_boot_all(smp_cpus);
	for (unsigned int cpu = 1; cpu < smp_cpus; cpu++)
		mark(!!(online & 1u << cpu));
	if (online == (1u << smp_cpus) - 1)
		smp_exchange();
}

/* The VMM starts every AP (scenario init/sipi injections at sync 1) */
static void sc_sipi8(void)
{
	if (!smp_setup()) {
		mark(0);
		return;
	}
	smp_prepare_cpu(1);
	hc_sync(1);
	for (unsigned int cpu = 1; cpu < smp_cpus; cpu++)
		mark(smp_wait_online(cpu));
	if (cpus_online == (1u << smp_cpus) - 1)
		smp_exchange();
}

/*
 * ---- ring stress: every record must survive an NMI at any instruction ----
 * Both CPUs record SEQ marks in a tight loop at IF=1 with their LAPIC timer
 * ticking, while an NMI flies between them: CPU 0 sends it (a token) to CPU 1,
 * and each NMI handler records an IN_NMI mark and sends the token back. The
 * other CPU runs on its own host thread, so the NMIs land at arbitrary points
 * of this CPU's records (and of the timer handler's). The "intact" check
 * proves nothing was lost or torn.
 *
 * What each CPU does depends only on what it was delivered, never on the
 * other's memory or the VMM's drain pointer, so `vmm replay` can run it again
 * record for record: one NMI in flight is never merged with another (KVM
 * keeps one pending while NMIs are masked), the other CPU's progress arrives
 * by IPI (RESCHEDULE: "I have my NMIs", CALL_FUNCTION: "I send no more"), and
 * the drain sync is made every quarter ring of this CPU's own records.
 */
#define RS_NMIS		500u		/* NMIs each CPU must take (count=N; 26-ring-stress.t: 17000) */
#define RS_TICK		2000000u	/* LAPIC timer period: 2 ms at 1 GHz, slower than a handler */
#define RS_BOUND_TSC	30000000ull	/* per NMI wanted, ~10-30 ms: give up (and fail) */
#define RS_MIN_NMIS	1000u		/* the bound as for this many at least: a loaded host, a replay */
#define RS_DRAIN_SYNC	99		/* a sync point with no steps: the VMM drains */
#define RS_DONE_VECTOR	RESCHEDULE_VECTOR	/* the other CPU took its NMIs */
#define RS_QUIET_VECTOR	CALL_FUNCTION_VECTOR	/* the other CPU sends no more */

static volatile uint64_t rs_nmis[NR_CPUS];	/* each CPU's NMI count, for the end */
static volatile unsigned int rs_finished;	/* bit per CPU */
static uint32_t rs_in_nmi __percpu;
static uint32_t rs_synced __percpu;		/* ev_reserved at the last drain sync */
static volatile uint32_t rs_stop __percpu;	/* the NMI handler keeps the token */
static volatile uint32_t rs_other_done __percpu, rs_other_quiet __percpu;

/* The VMM drains at exits: make one before NMIs can fill the ring */
static void rs_room(void)
{
	if (ivm_page.ev_reserved - rs_synced > IVM_EV_RING / 4) {
		rs_synced = ivm_page.ev_reserved;
		hc_sync(RS_DRAIN_SYNC);
	}
}

static uint64_t rs_bound(uint64_t want)
{
	return (want > RS_MIN_NMIS ? want : RS_MIN_NMIS) * RS_BOUND_TSC;
}

static bool rs_nmi(struct pt_regs *regs)
{
	(void)regs;
	mark(IVM_MARK_IN_NMI + rs_in_nmi++);
	if (!rs_stop)
		apic_send_ipi(cpu_number ^ 1, APIC_DM_NMI);	/* the token goes back */
	return true;
}

static void rs_loop(void)
{
	unsigned int me = cpu_number, other = me ^ 1;
	uint64_t t0 = rdtsc(), want = scenario_count ? scenario_count : RS_NMIS;
	uint64_t bound = rs_bound(want);
	uint32_t n = 0;
	bool told = false;

	apic_timer_periodic(RS_TICK);
	local_irq_enable();
	if (me == 0)
		apic_send_ipi(other, APIC_DM_NMI);	/* the token */
	while ((rs_nmis[me] < want || !rs_other_done) && rdtsc() - t0 < bound) {
		mark(IVM_MARK_SEQ + n++);
		rs_nmis[me] = ivm_page.vector_count[X86_TRAP_NMI];
		if (rs_nmis[me] >= want && !told) {
			told = true;
			apic_send_ipi(other, APIC_DM_FIXED | RS_DONE_VECTOR);
		}
		rs_room();
	}
	/* counts are taken once neither CPU sends, and what was sent has landed */
	rs_stop = 1;
	apic_timer_stop();
	apic_send_ipi(other, APIC_DM_FIXED | RS_QUIET_VECTOR);
	for (t0 = rdtsc(); !rs_other_quiet && rdtsc() - t0 < bound;)
		cpu_relax();
	for (t0 = rdtsc(); rdtsc() - t0 < WINDOW_TSC;)
		cpu_relax();
	local_irq_disable();
	rs_nmis[me] = ivm_page.vector_count[X86_TRAP_NMI];
	ev_record_count(X86_TRAP_NMI);
	ev_record_count(LOCAL_TIMER_VECTOR);
	__atomic_or_fetch(&rs_finished, 1u << me, __ATOMIC_SEQ_CST);
}

static void rs_ipi(unsigned int vector)
{
	if (vector == RS_DONE_VECTOR)
		rs_other_done = 1;
	else if (vector == RS_QUIET_VECTOR)
		rs_other_quiet = 1;
	else if (cpu_number == 1 && vector == CALL_FUNCTION_SINGLE_VECTOR)
		rs_loop();
}

/* ---- IVM_HC_QUIET, and INIT then SIPI at the quiet point it proves ---- */
static volatile unsigned int quiet_ipis;

static void quiet_ipi(unsigned int vector)
{
	if (cpu_number == 1 && vector == CALL_FUNCTION_SINGLE_VECTOR)
		quiet_ipis++;
}

/*
 * Each mark is 1 when it holds: no answer about itself or a vCPU that isn't
 * there; CPU 1 quiet in its sti; hlt, then again after taking an IPI; not
 * quiet once sent INIT; back and quiet at the same HLT after INIT, SIPI, and
 * taking an IPI again, its records after the restart in the stream.
 */
static void sc_quiet(void)
{
	uint64_t rip = 0, rip2 = 0;

	ipi_hook = quiet_ipi;
	if (!smp_boot_cpu(1)) {
		mark(0);
		return;
	}
	mark(hc_quiet(0, NULL) == IVM_QUIET_NO_ANSWER);
	mark(hc_quiet(NR_CPUS, NULL) == IVM_QUIET_NO_ANSWER);
	mark(quiet_wait(1, &rip) == 0);
	apic_send_ipi(1, APIC_DM_FIXED | CALL_FUNCTION_SINGLE_VECTOR);
	mark(wait_count(&quiet_ipis, 1) && quiet_wait(1, &rip2) == 0 && rip2 == rip);
	/* quiet, and nothing sends to it now: INIT clears nothing and cuts no record */
	apic_send_ipi(1, APIC_DM_INIT | APIC_INT_ASSERT | APIC_INT_LEVELTRIG);
	apic_send_ipi(1, APIC_DM_INIT | APIC_INT_LEVELTRIG);
	mark(hc_quiet(1, NULL) != 0);
	__atomic_and_fetch(&cpus_online, ~2u, __ATOMIC_SEQ_CST);
	mark(smp_boot_cpu(1));
	mark(quiet_wait(1, &rip2) == 0 && rip2 == rip);
	apic_send_ipi(1, APIC_DM_FIXED | CALL_FUNCTION_SINGLE_VECTOR);
	mark(wait_count(&quiet_ipis, 2) && quiet_wait(1, NULL) == 0);
	printf("quiet: cpu 1 quiet at 0x%lx, restarted by INIT, SIPI\n", (unsigned long)rip);
}

/*
 * ---- a SIPI to a CPU that is not waiting for one (configs/stray-sipi.yaml) ----
 * CPU 1 halts with IF=0, where only an NMI, SMI, INIT or RESET resumes it
 * (SDM, HLT), and a SIPI to a CPU not in wait-for-SIPI is ignored (SDM 8.4).
 * CPU 0 sends one (the trampoline's vector: a CPU that took it would boot
 * again), gives it time to wake CPU 1, then sends the NMI that must. CPU 1's
 * mark says what its HLT ended on: 1, the NMI; 0, something before it.
 * The waits for what must come (CPU 1 parked, woken, quiet again) are
 * bounded loosely: they end as soon as it comes, and a nested kvm_amd under
 * QEMU TCG, one CPU for both vCPUs, is slow (the cpu 0 check failed 2 times
 * in about 100 nested runs beside busy loops with WAIT_TSC_IRQ, kernel).
 */
#define STRAY_MUST_TSC	(4 * WAIT_TSC_IRQ)
static volatile unsigned int stray_nmis, stray_woke;

static bool stray_nmi(struct pt_regs *regs)
{
	(void)regs;
	if (cpu_number != 1)
		return false;
	stray_nmis++;
	return true;
}

/* CPU 1's idle loop, once, with IF=0 (ap_main cleared it) */
static void stray_park(void)
{
	if (cpu_number != 1)
		return;
	ap_idle_hook = NULL;
	asm volatile("hlt" : : : "memory");
	mark(stray_nmis);
	stray_woke = 1;
}

static void sc_stray_sipi(void)
{
	uint64_t t0;

	nmi_hook = stray_nmi;
	mark(smp_boot_cpu(1));
	if (!(cpus_online & 2))
		return;
	ap_idle_hook = stray_park;
	apic_send_ipi(1, APIC_DM_FIXED | CALL_FUNCTION_SINGLE_VECTOR);	/* once more round its loop */
	/* parked: halted with IF=0, nothing owed (its QUIET answer, marked); nothing asks it again
	 * before the NMI (an answer under KVM is KVM_GET_MP_STATE, which takes the SIPI in) */
	mark(quiet_until(1, IVM_QUIET_IF0, NULL, STRAY_MUST_TSC));
	apic_send_ipi(1, APIC_DM_STARTUP | (AP_TRAMPOLINE_PA >> 12));
	/* the bound of every wait for another vCPU's answer: a wake is a kick, far less */
	for (t0 = rdtsc(); !stray_woke && rdtsc() - t0 < WAIT_TSC_IRQ;)
		cpu_relax();
	apic_send_ipi(1, APIC_DM_NMI);
	mark(wait_count_for(&stray_woke, 1, STRAY_MUST_TSC));
	mark(wait_count_for(&stray_nmis, 1, STRAY_MUST_TSC));
	mark(quiet_until(1, 0, NULL, STRAY_MUST_TSC));	/* quiet again: 0 */
}

static void sc_ring_stress(void)
{
	uint64_t t0, want = scenario_count ? scenario_count : RS_NMIS;
	uint32_t quiet;

	nmi_hook = rs_nmi;
	local_timer_handler = cpu_relax;
	ipi_hook = rs_ipi;
	if (!smp_boot_cpu(1)) {
		mark(0);
		return;
	}
	apic_send_ipi(1, APIC_DM_FIXED | CALL_FUNCTION_SINGLE_VECTOR);
	rs_loop();
	for (t0 = rdtsc(); !(rs_finished & 2) && rdtsc() - t0 < rs_bound(want);)
		cpu_relax();
	/* whatever path ended the loops (a bound among them), nothing CPU 0 sent is in flight */
	quiet = quiet_wait(1, NULL);
	printf("ring-stress: cpu0 %lu NMIs, cpu1 %lu NMIs\n", rs_nmis[0], rs_nmis[1]);
	mark(rs_finished == 3 && rs_nmis[0] >= want && rs_nmis[1] >= want && quiet == 0);
}

/* Each under its name in include/abi.h IVM_GUEST_PROGRAMS (vmm validate's list) */
IVM_SCENARIO("priority", sc_priority);
IVM_SCENARIO("tpr", sc_tpr);
IVM_SCENARIO("nesting", sc_nesting);
IVM_SCENARIO("isr", sc_isr);
IVM_SCENARIO_IOAPIC("level", sc_level);
IVM_SCENARIO_IOAPIC("masked", sc_masked);
IVM_SCENARIO("nmi-in-handler", sc_nmi_in_handler);
IVM_SCENARIO("nmi-blocked", sc_nmi_blocked);
IVM_SCENARIO("exception-in-irq", sc_exception_in_irq);
IVM_SCENARIO("spurious", sc_spurious);
IVM_SCENARIO("timer-oneshot", sc_timer_oneshot);
IVM_SCENARIO("timer-periodic", sc_timer_periodic);
IVM_SCENARIO("timer-tsc-deadline", sc_timer_tsc_deadline);
IVM_SCENARIO("softirq", sc_softirq);
IVM_SCENARIO("selfipi", sc_selfipi);
IVM_SCENARIO("irq-api", sc_irq_api);
IVM_SCENARIO("ipi", sc_ipi);
IVM_SCENARIO("sipi", sc_sipi);
IVM_SCENARIO("ring-stress", sc_ring_stress);
IVM_SCENARIO_IOAPIC("storm", sc_storm);
IVM_SCENARIO("ipi8", sc_ipi8);
IVM_SCENARIO("sipi8", sc_sipi8);
IVM_SCENARIO("quiet", sc_quiet);
IVM_SCENARIO("stray-sipi", sc_stray_sipi);
