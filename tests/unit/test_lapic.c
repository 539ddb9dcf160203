// SPDX-License-Identifier: MIT
/*
 * The local APIC model against the SDM Vol. 3A chapter 11 rules. Needs only
 * vapic/lapic.c (tests/integration/41-lapic-mutants.t builds it that way).
 */
#include <stdlib.h>

#include "vapic/lapic.h"
#include "tap.h"

#define MAX_LOG	32

struct harness {
	struct lapic_ipi ipi[MAX_LOG];
	int n_ipi;
	int bcast[MAX_LOG];
	int n_bcast;
	unsigned n_ev[LAPIC_EV_ERROR + 1];
	uint32_t last_a[LAPIC_EV_ERROR + 1], last_b[LAPIC_EV_ERROR + 1];
};

static void cb_ipi(void *opaque, const struct lapic_ipi *ipi)
{
	struct harness *h = opaque;

	if (h->n_ipi < MAX_LOG)
		h->ipi[h->n_ipi++] = *ipi;
}

static void cb_bcast(void *opaque, uint8_t vector)
{
	struct harness *h = opaque;

	if (h->n_bcast < MAX_LOG)
		h->bcast[h->n_bcast++] = vector;
}

static void cb_event(void *opaque, enum lapic_event ev, uint32_t a, uint32_t b)
{
	struct harness *h = opaque;

	h->n_ev[ev]++;
	h->last_a[ev] = a;
	h->last_b[ev] = b;
}

static struct lapic_config base_cfg(struct harness *h)
{
	struct lapic_config c = {
		.apic_id = 0x123,
		.bsp = true,
		.x2apic = true,
		.tsc_hz = 2000000000ull,
		.send_ipi = cb_ipi,
		.eoi_broadcast = cb_bcast,
		.event = cb_event,
		.opaque = h,
	};

	memset(h, 0, sizeof(*h));
	return c;
}

/* An xAPIC LAPIC, software-enabled with spurious vector 0xff. */
static void setup(struct lapic *l, struct harness *h)
{
	struct lapic_config c = base_cfg(h);

	lapic__init(l, &c);
	lapic__write(l, LAPIC_SVR, 0x1ff, 0);
}

static uint32_t rd(struct lapic *l, uint32_t off)
{
	return lapic__read(l, off, 0);
}

static uint64_t msr(struct lapic *l, uint32_t m)
{
	uint64_t v = 0xdeadbeef;

	if (lapic__rdmsr(l, m, &v, 0))
		return ~0ull;
	return v;
}

static bool irr_has(struct lapic *l, unsigned v)
{
	return l->irr[v / 32] & (1u << (v % 32));
}

static bool isr_has(struct lapic *l, unsigned v)
{
	return l->isr[v / 32] & (1u << (v % 32));
}

static bool tmr_has(struct lapic *l, unsigned v)
{
	return l->tmr[v / 32] & (1u << (v % 32));
}

static bool isr_empty(struct lapic *l)
{
	for (int i = 0; i < 8; i++)
		if (l->isr[i])
			return false;
	return true;
}

/* Latch and read ESR as software does: write, then read. */
static uint32_t esr(struct lapic *l)
{
	lapic__write(l, LAPIC_ESR, 0, 0);
	return rd(l, LAPIC_ESR);
}

static void eoi(struct lapic *l)
{
	lapic__write(l, LAPIC_EOI, 0, 0);
}

static void test_reset(void)
{
	struct harness h;
	struct lapic_config c = base_cfg(&h);
	struct lapic l;
	bool all_zero = true, lvt_masked = true;

	lapic__init(&l, &c);
	is_u64(rd(&l, LAPIC_ID), 0x23000000, "reset: ID = low 8 bits of the APIC ID in 31:24");
	is_u64(rd(&l, LAPIC_VER), 0x50014, "reset: version 0x50014");
	is_u64(rd(&l, LAPIC_TPR), 0, "reset: TPR 0");
	is_u64(rd(&l, LAPIC_APR), 0, "reset: APR 0");
	is_u64(rd(&l, LAPIC_PPR), 0, "reset: PPR 0");
	is_u64(rd(&l, LAPIC_LDR), 0, "reset: LDR 0");
	is_u64(rd(&l, LAPIC_DFR), 0xffffffff, "reset: DFR all ones");
	is_u64(rd(&l, LAPIC_SVR), 0xff, "reset: SVR 0xff (software-disabled)");
	for (uint32_t off = LAPIC_ISR; off < LAPIC_ESR; off += 0x10)
		all_zero &= rd(&l, off) == 0;
	ok(all_zero, "reset: ISR, TMR, IRR all 0");
	is_u64(rd(&l, LAPIC_ESR), 0, "reset: ESR 0");
	is_u64(rd(&l, LAPIC_ICR_LO) | rd(&l, LAPIC_ICR_HI), 0, "reset: ICR 0");
	for (uint32_t off = LAPIC_LVT_TIMER; off <= LAPIC_LVT_ERR; off += 0x10)
		lvt_masked &= rd(&l, off) == 0x10000;
	ok(lvt_masked, "reset: every LVT is 0x10000 (masked)");
	is_u64(rd(&l, LAPIC_TMICT) | rd(&l, LAPIC_TMCCT) | rd(&l, LAPIC_TDCR), 0,
	       "reset: timer initial/current/divide 0");
	is_u64(msr(&l, MSR_IA32_APIC_BASE), 0xfee00900, "reset: APIC base 0xfee00000 | EN | BSP");
	ok(!l.x2apic && l.enabled && lapic__mmio_enabled(&l), "reset: xAPIC mode, enabled");
	is_u64(lapic__base(&l), 0xfee00000, "lapic__base gives the page address");
	is_u64(lapic__pending(&l), (uint64_t)-1, "reset: nothing pending");
	is_u64(lapic__timer_next(&l), 0, "reset: timer disarmed");

	c.bsp = false;
	c.directed_eoi = true;
	c.cmci = true;
	lapic__init(&l, &c);
	is_u64(msr(&l, MSR_IA32_APIC_BASE), 0xfee00800, "AP: BSP bit clear");
	is_u64(rd(&l, LAPIC_VER), 0x1060014, "directed EOI and CMCI: version 0x1060014");
	is_u64(rd(&l, LAPIC_LVT_CMCI), 0x10000, "CMCI LVT present and masked");
}

static void test_xapic_regs(void)
{
	struct harness h;
	struct lapic_config c;
	struct lapic l;

	setup(&l, &h);
	ok(lapic__write(&l, LAPIC_ID, 0x12345678, 0) == 0, "ID is writable in xAPIC mode");
	is_u64(rd(&l, LAPIC_ID), 0x12000000, "ID keeps bits 31:24");
	ok(lapic__write(&l, LAPIC_VER, 0, 0) == -1, "version write dropped");
	is_u64(rd(&l, LAPIC_VER), 0x50014, "version unchanged");
	lapic__write(&l, LAPIC_TPR, 0x1ff, 0);
	is_u64(rd(&l, LAPIC_TPR), 0xff, "TPR keeps bits 7:0");
	is_u64(rd(&l, LAPIC_PPR), 0xff, "TPR write updates PPR");
	ok(h.n_ev[LAPIC_EV_TPR] == 1 && h.last_a[LAPIC_EV_TPR] == 0 &&
	   h.last_b[LAPIC_EV_TPR] == 0xff,
	   "TPR write traced with old and new value");
	lapic__write(&l, LAPIC_TPR, 0, 0);
	ok(lapic__write(&l, LAPIC_PPR, 0x50, 0) == -1 && rd(&l, LAPIC_PPR) == 0,
	   "PPR is read-only");
	ok(lapic__write(&l, LAPIC_APR, 0x50, 0) == -1, "APR is read-only");
	is_u64(rd(&l, LAPIC_EOI), 0, "EOI (write-only) reads 0");
	lapic__write(&l, LAPIC_LDR, 0xffffffff, 0);
	is_u64(rd(&l, LAPIC_LDR), 0xff000000, "LDR keeps bits 31:24");
	lapic__write(&l, LAPIC_DFR, 0, 0);
	is_u64(rd(&l, LAPIC_DFR), 0x0fffffff, "DFR: model bits 31:28 writable, 27:0 read 1");
	lapic__write(&l, LAPIC_SVR, 0xffffffff, 0);
	is_u64(rd(&l, LAPIC_SVR), 0x1ff, "SVR without directed EOI: bits 8:0 only");
	ok(lapic__write(&l, LAPIC_ISR, 1, 0) == -1 &&
	   lapic__write(&l, LAPIC_TMR + 0x70, 1, 0) == -1 &&
	   lapic__write(&l, LAPIC_IRR + 0x30, 1, 0) == -1 && rd(&l, LAPIC_IRR + 0x30) == 0,
	   "ISR/TMR/IRR are read-only");
	ok(lapic__write(&l, LAPIC_TMCCT, 5, 0) == -1, "current count is read-only");
	is_u64(esr(&l), 0, "writes to read-only registers log no error");

	is_u64(rd(&l, 0x40), 0, "reserved 0x40 reads 0");
	is_u64(rd(&l, LAPIC_ESR), 0, "ESR reads the latched value until the next ESR write");
	is_u64(esr(&l), LAPIC_ESR_ILLEGAL_REG, "reserved read sets illegal register address");
	is_u64(esr(&l), 0, "the next ESR write clears it");
	ok(lapic__write(&l, LAPIC_SELF_IPI, 0x40, 0) == -1,
	   "SELF IPI does not exist in xAPIC mode");
	ok(esr(&l) == LAPIC_ESR_ILLEGAL_REG && !irr_has(&l, 0x40), "... illegal register, no IPI");
	ok(lapic__write(&l, LAPIC_LVT_CMCI, 0x40, 0) == -1 && rd(&l, LAPIC_LVT_CMCI) == 0 &&
	   esr(&l) == LAPIC_ESR_ILLEGAL_REG, "CMCI LVT reserved with max LVT 5");
	ok(lapic__write(&l, 0x3a0, 1, 0) == -1 && lapic__write(&l, 0x800, 1, 0) == -1 &&
	   esr(&l) == LAPIC_ESR_ILLEGAL_REG, "reserved 0x3a0 and 0x800 writes dropped, logged");
	ok(rd(&l, LAPIC_TPR + 4) == 0 && lapic__write(&l, LAPIC_TPR + 4, 0x30, 0) == -1 &&
	   rd(&l, LAPIC_TPR) == 0, "offset not 16-byte aligned: read 0, write dropped");
	ok(lapic__write(&l, 0x1000, 0, 0) == -1, "offset past the page dropped");
	is_u64(esr(&l), 0, "misaligned accesses log no error");

	lapic__write(&l, LAPIC_ICR_HI, 0xffffffff, 0);
	is_u64(rd(&l, LAPIC_ICR_HI), 0xff000000, "ICR high keeps the destination byte");
	lapic__write(&l, LAPIC_ICR_LO, 0xffffffff, 0);
	is_u64(rd(&l, LAPIC_ICR_LO), 0x000ccfff, "ICR low: delivery status idle, reserved bits 0");
	lapic__write(&l, LAPIC_LVT_TIMER, 0xffffffff, 0);
	is_u64(rd(&l, LAPIC_LVT_TIMER), 0x000100ff,
	       "LVT timer: reserved mode 11b keeps the old mode (one-shot here)");
	lapic__write(&l, LAPIC_LVT_TIMER, 0x000500ff, 0);
	is_u64(rd(&l, LAPIC_LVT_TIMER), 0x000500ff, "LVT timer: TSC-deadline mode selectable");
	lapic__write(&l, LAPIC_LVT_THERM, 0xffffffff, 0);
	is_u64(rd(&l, LAPIC_LVT_THERM), 0x107ff, "LVT thermal writable bits");
	lapic__write(&l, LAPIC_LVT_PERF, 0xffffffff, 0);
	is_u64(rd(&l, LAPIC_LVT_PERF), 0x107ff, "LVT perf writable bits");
	lapic__write(&l, LAPIC_LVT_LINT0, 0xffffffff, 0);
	is_u64(rd(&l, LAPIC_LVT_LINT0), 0x1a7ff, "LVT LINT0: remote IRR and status read-only");
	lapic__write(&l, LAPIC_LVT_LINT1, 0xffffffff, 0);
	is_u64(rd(&l, LAPIC_LVT_LINT1), 0x1a7ff, "LVT LINT1 writable bits");
	lapic__write(&l, LAPIC_LVT_ERR, 0xffffffff, 0);
	is_u64(rd(&l, LAPIC_LVT_ERR), 0x100ff, "LVT error writable bits");
	lapic__write(&l, LAPIC_TDCR, 0xff, 0);
	is_u64(rd(&l, LAPIC_TDCR), 0xb, "divide configuration keeps bits 0, 1, 3");

	/* Without TSC-deadline support, mode bit 18 is reserved. */
	c = base_cfg(&h);
	c.tsc_hz = 0;
	lapic__init(&l, &c);
	lapic__write(&l, LAPIC_SVR, 0x1ff, 0);
	lapic__write(&l, LAPIC_LVT_TIMER, 0x000400ef, 0);
	is_u64(rd(&l, LAPIC_LVT_TIMER), 0xef, "no TSC-deadline: mode bit 18 reserved");
	ok(msr(&l, MSR_IA32_TSC_DEADLINE) == ~0ull, "no TSC-deadline: MSR 0x6e0 #GP");

	c.directed_eoi = true;
	c.cmci = true;
	lapic__init(&l, &c);
	lapic__write(&l, LAPIC_SVR, 0xffffffff, 0);
	is_u64(rd(&l, LAPIC_SVR), 0x11ff, "SVR bit 12 writable with directed EOI");
	ok(lapic__write(&l, LAPIC_LVT_CMCI, 0xffffffff, 0) == 0 &&
	   rd(&l, LAPIC_LVT_CMCI) == 0x107ff,
	   "CMCI LVT writable when present");
}

static void test_sw_disabled(void)
{
	struct harness h;
	struct lapic_config c = base_cfg(&h);
	struct lapic l;

	lapic__init(&l, &c);
	lapic__write(&l, LAPIC_LVT_LINT0, 0x30, 0);
	is_u64(rd(&l, LAPIC_LVT_LINT0), 0x10030, "software-disabled: LVT mask cannot be cleared");
	lapic__accept(&l, 0x40, false);
	ok(!irr_has(&l, 0x40) && h.n_ev[LAPIC_EV_DROPPED] == 1,
	   "software-disabled: a fixed interrupt is discarded");

	lapic__write(&l, LAPIC_SVR, 0x1ff, 0);
	lapic__write(&l, LAPIC_LVT_LINT0, 0x30, 0);
	lapic__write(&l, LAPIC_LVT_TIMER, 0x31, 0);
	lapic__accept(&l, 0x40, false);
	lapic__ack(&l);
	lapic__accept(&l, 0x50, false);
	lapic__write(&l, LAPIC_SVR, 0xff, 0);
	ok(rd(&l, LAPIC_LVT_LINT0) == 0x10030 && rd(&l, LAPIC_LVT_TIMER) == 0x10031,
	   "clearing SVR bit 8 masks every LVT");
	ok(lapic__pending(&l) == 0x50 && lapic__ack(&l) == 0x50,
	   "software-disabled: what IRR already held is still delivered");
	eoi(&l);
	ok(isr_has(&l, 0x40) && !isr_has(&l, 0x50),
	   "software-disabled: EOI still retires ISR bits");
	eoi(&l);
	ok(isr_empty(&l), "... down to an empty ISR");
	lapic__write(&l, LAPIC_SVR, 0x1ff, 0);
	is_u64(rd(&l, LAPIC_LVT_LINT0), 0x10030, "re-enabling leaves LVTs masked until written");
}

static void test_x2apic_regs(void)
{
	struct harness h;
	struct lapic l;
	uint64_t v;

	setup(&l, &h);
	ok(lapic__rdmsr(&l, 0x802, &v, 0) == -1 && lapic__wrmsr(&l, 0x808, 0, 0) == -1,
	   "x2APIC MSRs #GP in xAPIC mode");
	lapic__write(&l, LAPIC_TPR, 0x20, 0);
	ok(lapic__wrmsr(&l, MSR_IA32_APIC_BASE, 0xfee00c00, 0) == 0, "xAPIC -> x2APIC");
	ok(l.x2apic && !lapic__mmio_enabled(&l), "x2APIC mode: MMIO page no longer decoded");
	is_u64(lapic__read(&l, LAPIC_TPR, 0), 0xffffffff, "MMIO read in x2APIC mode: open bus");
	ok(lapic__write(&l, LAPIC_TPR, 0, 0) == -1, "MMIO write in x2APIC mode dropped");
	is_u64(msr(&l, 0x808), 0x20, "state kept across xAPIC -> x2APIC (TPR)");
	is_u64(msr(&l, 0x802), 0x123, "x2APIC ID: full 32-bit ID");
	is_u64(msr(&l, 0x80d), (0x12u << 16) | (1u << 3), "LDR derived: cluster 0x12, bit 3");
	is_u64(msr(&l, 0x803), 0x50014, "version MSR 0x803");
	is_u64(msr(&l, 0x80f), 0x1ff, "SVR MSR 0x80f");
	ok(lapic__wrmsr(&l, 0x802, 5, 0) == -1 && msr(&l, 0x802) == 0x123, "ID read-only: #GP");
	ok(lapic__wrmsr(&l, 0x80d, 5, 0) == -1, "LDR read-only: #GP");
	ok(lapic__wrmsr(&l, 0x803, 5, 0) == -1, "version read-only: #GP");
	ok(lapic__wrmsr(&l, 0x80a, 5, 0) == -1, "PPR read-only: #GP");
	ok(lapic__wrmsr(&l, 0x810, 5, 0) == -1 && lapic__wrmsr(&l, 0x827, 5, 0) == -1,
	   "ISR/IRR read-only: #GP");
	ok(lapic__wrmsr(&l, 0x839, 5, 0) == -1, "current count read-only: #GP");
	ok(lapic__rdmsr(&l, 0x80b, &v, 0) == -1, "EOI write-only: rdmsr #GP");
	ok(lapic__rdmsr(&l, 0x83f, &v, 0) == -1, "SELF IPI write-only: rdmsr #GP");
	ok(lapic__rdmsr(&l, 0x80e, &v, 0) == -1 && lapic__wrmsr(&l, 0x80e, 0, 0) == -1,
	   "DFR does not exist in x2APIC mode");
	ok(lapic__rdmsr(&l, 0x809, &v, 0) == -1, "APR does not exist in x2APIC mode");
	ok(lapic__rdmsr(&l, 0x831, &v, 0) == -1 && lapic__wrmsr(&l, 0x831, 0, 0) == -1,
	   "ICR high (0x831) does not exist: ICR is one 64-bit MSR");
	ok(lapic__rdmsr(&l, 0x800, &v, 0) == -1 && lapic__rdmsr(&l, 0x8ff, &v, 0) == -1 &&
	   lapic__rdmsr(&l, 0x82f, &v, 0) == -1, "reserved x2APIC MSRs #GP (CMCI absent)");
	ok(lapic__wrmsr(&l, 0x80b, 1, 0) == -1, "EOI with a non-zero value: #GP");
	ok(lapic__wrmsr(&l, 0x828, 1, 0) == -1 && lapic__wrmsr(&l, 0x828, 0, 0) == 0,
	   "ESR takes only 0");
	ok(lapic__wrmsr(&l, 0x808, 1ull << 32, 0) == -1, "upper 32 bits of a 32-bit register: #GP");
	lapic__wrmsr(&l, 0x808, 0x45, 0);
	ok(msr(&l, 0x808) == 0x45 && msr(&l, 0x80a) == 0x45, "TPR MSR updates PPR MSR");
	lapic__wrmsr(&l, 0x808, 0, 0);

	lapic__wrmsr(&l, 0x830, (5ull << 32) | LAPIC_ICR_ASSERT | 0x31, 0);
	ok(h.n_ipi == 1 && h.ipi[0].dest == 5 && h.ipi[0].vector == 0x31 && h.ipi[0].x2apic &&
	   h.ipi[0].source == 0x123 && h.ipi[0].delivery_mode == LAPIC_DM_FIXED,
	   "x2APIC ICR write: 32-bit destination from bits 63:32");
	is_u64(msr(&l, 0x830), (5ull << 32) | LAPIC_ICR_ASSERT | 0x31, "ICR reads back 64 bits");
	lapic__wrmsr(&l, 0x830, 0xfffffffeull << 32 | 0x32, 0);
	ok(h.n_ipi == 2 && h.ipi[1].dest == 0xfffffffe, "x2APIC destination beyond 8 bits");

	ok(lapic__wrmsr(&l, 0x83f, 0x45, 0) == 0 && irr_has(&l, 0x45) && h.n_ipi == 2,
	   "SELF IPI MSR sets IRR, no send_ipi");
	is_u64(msr(&l, 0x822), 1u << 5, "IRR MSR 0x822 shows vector 0x45");
	lapic__ack(&l);
	is_u64(msr(&l, 0x812), 1u << 5, "ISR MSR 0x812 shows vector 0x45");
	ok(lapic__wrmsr(&l, 0x80b, 0, 0) == 0 && msr(&l, 0x812) == 0, "EOI MSR retires it");
	lapic__wrmsr(&l, 0x83f, 0x05, 0);
	lapic__wrmsr(&l, 0x828, 0, 0);
	/* SDM 11.5.3: send illegal vector names "a write to ... the SELF IPI register" */
	is_u64(msr(&l, 0x828), LAPIC_ESR_SEND_ILLEGAL,
	       "SELF IPI vector < 16: send illegal vector, as through the ICR");
	ok(!irr_has(&l, 0x05) && h.n_ipi == 2, "SELF IPI vector < 16: nothing in IRR, nothing sent");

	lapic__wrmsr(&l, 0x838, 100, 0);
	ok(msr(&l, 0x838) == 100 && lapic__timer_next(&l) == 200,
	   "initial count MSR arms the timer");
	is_u64(lapic__rdmsr(&l, 0x839, &v, 50) == 0 ? v : ~0ull, 75, "current count MSR (div 2)");

	lapic__init_ipi(&l);
	ok(l.x2apic && msr(&l, 0x802) == 0x123 && msr(&l, 0x80d) == ((0x12u << 16) | 8) &&
	   msr(&l, 0x80f) == 0xff && msr(&l, 0x838) == 0,
	       "INIT keeps x2APIC mode and ID, resets registers");
}

static void test_apic_base(void)
{
	struct harness h;
	struct lapic_config c;
	struct lapic l;

	setup(&l, &h);
	ok(lapic__wrmsr(&l, MSR_IA32_APIC_BASE, 0xfee00000 | LAPIC_BASE_EXTD, 0) == -1,
	   "EXTD without EN is invalid: #GP");
	ok(lapic__wrmsr(&l, MSR_IA32_APIC_BASE, 0xfee00a00, 0) == -1, "reserved bit 9: #GP");
	ok(lapic__wrmsr(&l, MSR_IA32_APIC_BASE, 0xfee00801, 0) == -1, "reserved bit 0: #GP");
	ok(lapic__wrmsr(&l, MSR_IA32_APIC_BASE, 0xfec00800, 0) == 0 &&
	   lapic__base(&l) == 0xfec00000,
	   "base address relocates");
	is_u64(msr(&l, MSR_IA32_APIC_BASE), 0xfec00900, "BSP bit kept when software clears it");
	lapic__wrmsr(&l, MSR_IA32_APIC_BASE, 0xfee00800, 0);
	lapic__write(&l, LAPIC_TPR, 0x30, 0);
	lapic__accept(&l, 0x50, false);
	ok(lapic__wrmsr(&l, MSR_IA32_APIC_BASE, 0xfee00000, 0) == 0 && !l.enabled,
	   "xAPIC -> disabled");
	ok(lapic__pending(&l) == -1 && !lapic__mmio_enabled(&l),
	   "disabled: nothing pending, no MMIO");
	lapic__accept(&l, 0x60, false);
	ok(!irr_has(&l, 0x60) && h.last_b[LAPIC_EV_DROPPED] == 1, "disabled: accept dropped");
	ok(lapic__wrmsr(&l, MSR_IA32_APIC_BASE, 0xfee00c00, 0) == -1, "disabled -> x2APIC: #GP");
	ok(lapic__wrmsr(&l, MSR_IA32_APIC_BASE, 0xfee00800, 0) == 0 && l.enabled && !l.x2apic,
	   "disabled -> xAPIC");
	ok(rd(&l, LAPIC_TPR) == 0 && !irr_has(&l, 0x50) && rd(&l, LAPIC_SVR) == 0xff,
	   "state after disable/enable is the power-up state");
	ok(lapic__wrmsr(&l, MSR_IA32_APIC_BASE, 0xfee00c00, 0) == 0 && l.x2apic, "xAPIC -> x2APIC");
	ok(lapic__wrmsr(&l, MSR_IA32_APIC_BASE, 0xfee00c00, 0) == 0 && l.x2apic,
	   "x2APIC -> x2APIC");
	ok(lapic__wrmsr(&l, MSR_IA32_APIC_BASE, 0xfee00800, 0) == -1 && l.x2apic,
	   "x2APIC -> xAPIC: #GP");
	ok(lapic__wrmsr(&l, MSR_IA32_APIC_BASE, 0xfee00000, 0) == 0 && !l.enabled && !l.x2apic,
	   "x2APIC -> disabled");
	ok(lapic__wrmsr(&l, MSR_IA32_APIC_BASE, 0xfee00800, 0) == 0 &&
	   rd(&l, LAPIC_ID) == 0x23000000,
	   "disabled -> xAPIC: 8-bit ID again");

	c = base_cfg(&h);
	c.x2apic = false;
	c.phys_bits = 36;
	lapic__init(&l, &c);
	ok(lapic__wrmsr(&l, MSR_IA32_APIC_BASE, 0xfee00c00, 0) == -1,
	   "no x2APIC support: EXTD #GP");
	ok(lapic__wrmsr(&l, MSR_IA32_APIC_BASE, 0x1000000800ull, 0) == -1,
	   "base above MAXPHYADDR: #GP");
	ok(lapic__wrmsr(&l, MSR_IA32_APIC_BASE, 0xff000800ull, 0) == 0, "base below MAXPHYADDR ok");
}

/*
 * Without x2APIC in CPUID (the user irqchip hides it), EXTD is a reserved bit
 * of IA32_APIC_BASE: #GP, and the LAPIC stays an xAPIC whose page still
 * decodes; the guest never loses its ICR to all-ones reads.
 */
static void test_no_x2apic(void)
{
	struct harness h;
	struct lapic_config c = base_cfg(&h);
	struct lapic l;

	c.x2apic = false;
	lapic__init(&l, &c);
	lapic__write(&l, LAPIC_SVR, 0x1ff, 0);
	lapic__write(&l, LAPIC_ICR_HI, 0x05000000, 0);
	ok(lapic__wrmsr(&l, MSR_IA32_APIC_BASE, 0xfee00000 | LAPIC_BASE_EN | LAPIC_BASE_EXTD, 0) == -1,
	   "no x2APIC: EN|EXTD is #GP");
	ok(lapic__wrmsr(&l, MSR_IA32_APIC_BASE, 0xfee00000 | LAPIC_BASE_BSP | LAPIC_BASE_EN |
			LAPIC_BASE_EXTD, 0) == -1, "no x2APIC: EN|EXTD|BSP is #GP too");
	is_u64(msr(&l, MSR_IA32_APIC_BASE), 0xfee00900, "no x2APIC: the APIC base is unchanged");
	ok(!l.x2apic && lapic__mmio_enabled(&l), "no x2APIC: still xAPIC, the page still decodes");
	is_u64(rd(&l, LAPIC_ICR_HI), 0x05000000, "no x2APIC: ICR reads back, not all-ones");
	is_u64(msr(&l, 0x802), ~0ull, "no x2APIC: x2APIC MSR read is #GP");
	ok(lapic__wrmsr(&l, 0x808, 0x20, 0) == -1, "no x2APIC: x2APIC MSR write is #GP");
	ok(lapic__wrmsr(&l, MSR_IA32_APIC_BASE, 0xfee00000, 0) == 0 && !l.enabled,
	   "no x2APIC: disabling still works");
	ok(lapic__wrmsr(&l, MSR_IA32_APIC_BASE, 0xfee00400, 0) == -1 && !l.enabled,
	   "no x2APIC: EXTD alone from disabled is #GP");
	ok(lapic__wrmsr(&l, MSR_IA32_APIC_BASE, 0xfee00800, 0) == 0 && lapic__mmio_enabled(&l),
	   "no x2APIC: disabled -> xAPIC");

	/* the same LAPIC with x2APIC offered takes the write */
	c = base_cfg(&h);
	lapic__init(&l, &c);
	ok(lapic__wrmsr(&l, MSR_IA32_APIC_BASE, 0xfee00000 | LAPIC_BASE_EN | LAPIC_BASE_EXTD, 0) == 0 &&
	   l.x2apic && !lapic__mmio_enabled(&l), "x2APIC offered: EN|EXTD enters x2APIC mode");
}

/* CR8 is TPR[7:4] (SDM 10.8.6.1): a write clears TPR[3:0]; both feed PPR. */
static void test_cr8(void)
{
	struct harness h;
	struct lapic l;

	setup(&l, &h);
	lapic__write(&l, LAPIC_TPR, 0x65, 0);
	is_u64(lapic__cr8(&l), 6, "CR8 reads TPR[7:4]");
	lapic__set_cr8(&l, 3);
	is_u64(rd(&l, LAPIC_TPR), 0x30, "MOV to CR8: TPR[7:4] = CR8, TPR[3:0] = 0");
	ok(h.last_a[LAPIC_EV_TPR] == 0x65 && h.last_b[LAPIC_EV_TPR] == 0x30,
	   "MOV to CR8: a TPR event, old and new");
	lapic__set_cr8(&l, 0x1a);
	is_u64(rd(&l, LAPIC_TPR), 0xa0, "MOV to CR8: bits 63:4 are not TPR's");
	lapic__set_cr8(&l, 3);
	lapic__accept(&l, 0x35, false);
	ok(lapic__pending(&l) == -1 && rd(&l, LAPIC_PPR) == 0x30, "CR8 3 holds vector 0x35 back");
	lapic__set_cr8(&l, 2);
	ok(lapic__pending(&l) == 0x35, "CR8 2 lets it through");
	lapic__ack(&l);
	is_u64(lapic__cr8(&l), 2, "PPR rising with ISR leaves CR8 alone");
	eoi(&l);
	ok(lapic__wrmsr(&l, MSR_IA32_APIC_BASE, 0xfee00c00, 0) == 0, "x2APIC mode");
	lapic__set_cr8(&l, 7);
	is_u64(msr(&l, 0x808), 0x70, "x2APIC: TPR MSR reads what CR8 wrote");
	lapic__wrmsr(&l, 0x808, 0x9f, 0);
	is_u64(lapic__cr8(&l), 9, "x2APIC: CR8 reads what the TPR MSR wrote");
}

static void test_priority(void)
{
	struct harness h;
	struct lapic l;

	setup(&l, &h);
	lapic__accept(&l, 0x41, false);
	lapic__accept(&l, 0x62, false);
	is_u64(lapic__pending(&l), 0x62, "two pending: the higher vector first");
	is_u64(lapic__ack(&l), 0x62, "INTA returns 0x62");
	ok(isr_has(&l, 0x62) && !irr_has(&l, 0x62), "INTA moves IRR -> ISR");
	ok(h.n_ev[LAPIC_EV_DELIVER] == 1 && h.last_a[LAPIC_EV_DELIVER] == 0x62, "deliver traced");
	is_u64(lapic__pending(&l), (uint64_t)-1, "lower class waits while 0x62 is in service");
	eoi(&l);
	is_u64(lapic__ack(&l), 0x41, "then 0x41");
	eoi(&l);
	ok(isr_empty(&l) && lapic__pending(&l) == -1, "all retired");

	ok(!lapic__held_by_tpr(&l), "nothing in IRR: nothing held by the TPR");
	/* TPR masking: class <= TPR class is not pending. */
	lapic__write(&l, LAPIC_TPR, 0x40, 0);
	lapic__accept(&l, 0x45, false);
	is_u64(lapic__pending(&l), (uint64_t)-1, "TPR 0x40 masks 0x45 (same class)");
	ok(lapic__held_by_tpr(&l), "0x45 is held by the TPR alone (the VMM polls for a CR8 write)");
	lapic__accept(&l, 0x3f, false);
	is_u64(lapic__pending(&l), (uint64_t)-1, "TPR 0x40 masks 0x3f (lower class)");
	lapic__write(&l, LAPIC_TPR, 0x4f, 0);
	is_u64(lapic__pending(&l), (uint64_t)-1, "TPR 0x4f: the low nibble does not matter");
	lapic__accept(&l, 0x50, false);
	is_u64(lapic__pending(&l), 0x50, "0x50 is above TPR class 4");
	lapic__ack(&l);
	eoi(&l);
	lapic__write(&l, LAPIC_TPR, 0x30, 0);
	is_u64(lapic__pending(&l), 0x45, "dropping TPR to 0x30 makes 0x45 pending");
	ok(!lapic__held_by_tpr(&l), "a deliverable vector is not held");
	lapic__write(&l, LAPIC_TPR, 0, 0);
	is_u64(lapic__ack(&l), 0x45, "TPR 0: 0x45 first");
	is_u64(lapic__ack(&l), (uint64_t)0xff, "0x3f waits behind 0x45 in service: spurious");
	ok(!lapic__held_by_tpr(&l), "TPR 0, 0x3f behind 0x45 in service: the ISR holds it, not the TPR");
	eoi(&l);
	is_u64(lapic__ack(&l), 0x3f, "then 0x3f");
	eoi(&l);

	/* Replay's INTA of a given vector, below a higher one another vCPU sent sooner */
	lapic__accept(&l, 0xec, false);
	lapic__accept(&l, 0xfd, false);
	ok(lapic__deliverable(&l, 0xec) && lapic__deliverable(&l, 0xfd) && !lapic__deliverable(&l, 0xee),
	   "deliverable: both in IRR above PPR, not one outside IRR");
	is_u64(lapic__ack_vector(&l, 0xee), (uint64_t)-1, "ack_vector: a vector not in IRR is refused");
	is_u64(lapic__ack_vector(&l, 0xec), 0xec, "ack_vector: 0xec goes in, not the higher 0xfd");
	ok(isr_has(&l, 0xec) && !irr_has(&l, 0xec) && irr_has(&l, 0xfd), "ack_vector: 0xec in service, 0xfd waits in IRR");
	ok(h.last_a[LAPIC_EV_DELIVER] == 0xec, "ack_vector: traced as a delivery of 0xec");
	lapic__accept(&l, 0xe1, false);
	ok(!lapic__deliverable(&l, 0xe1) && lapic__ack_vector(&l, 0xe1) == -1,
	   "ack_vector: 0xe1, the class of 0xec in service, is refused");
	is_u64(lapic__ack(&l), 0xfd, "then INTA gives 0xfd");
	eoi(&l);
	eoi(&l);
	is_u64(lapic__ack(&l), 0xe1, "and 0xe1 after both EOIs");
	eoi(&l);
	ok(isr_empty(&l) && lapic__pending(&l) == -1, "ack_vector: all retired");

	/* ISR nesting. */
	lapic__accept(&l, 0x51, false);
	lapic__ack(&l);
	lapic__accept(&l, 0x58, false);
	is_u64(lapic__pending(&l), (uint64_t)-1, "same class (0x58 vs 0x51 in service) waits");
	lapic__accept(&l, 0x61, false);
	is_u64(lapic__pending(&l), 0x61, "higher class nests over 0x51");
	lapic__ack(&l);
	ok(isr_has(&l, 0x51) && isr_has(&l, 0x61), "two vectors in service");
	is_u64(rd(&l, LAPIC_PPR), 0x60, "PPR = ISRV class 0x60");
	eoi(&l);
	ok(isr_has(&l, 0x51) && !isr_has(&l, 0x61), "EOI clears the highest ISR bit");
	ok(h.last_a[LAPIC_EV_EOI] == 0x61, "EOI traced with its vector");
	is_u64(lapic__pending(&l), (uint64_t)-1, "0x58 still waits for 0x51's EOI");
	eoi(&l);
	is_u64(lapic__pending(&l), 0x58, "0x58 pending after the EOI of 0x51");
	lapic__ack(&l);
	eoi(&l);
	ok(isr_empty(&l), "ISR empty");
	eoi(&l);
	ok(isr_empty(&l) && h.last_a[LAPIC_EV_EOI] == LAPIC_NO_VECTOR && h.n_bcast == 0,
	   "EOI with ISR empty does nothing (traced as no vector)");
}

static void test_ppr_table(void)
{
	static const struct { uint8_t tpr, isrv, ppr; } t[] = {
		{ 0x00, 0x00, 0x00 }, { 0x20, 0x00, 0x20 }, { 0x25, 0x00, 0x25 },
		{ 0x00, 0x31, 0x30 }, { 0x20, 0x31, 0x30 }, { 0x35, 0x31, 0x35 },
		{ 0x30, 0x3f, 0x30 }, { 0x3f, 0x41, 0x40 }, { 0x4a, 0x45, 0x4a },
		{ 0x10, 0xff, 0xf0 }, { 0xff, 0xff, 0xff }, { 0xe0, 0x20, 0xe0 },
	};
	struct harness h;
	struct lapic l;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		setup(&l, &h);
		if (t[i].isrv) {
			lapic__accept(&l, t[i].isrv, false);
			lapic__ack(&l);
		}
		lapic__write(&l, LAPIC_TPR, t[i].tpr, 0);
		is_u64(rd(&l, LAPIC_PPR), t[i].ppr, "PPR(TPR 0x%02x, ISRV 0x%02x) = 0x%02x",
		       t[i].tpr, t[i].isrv, t[i].ppr);
	}
}

static void test_apr(void)
{
	struct harness h;
	struct lapic l;

	setup(&l, &h);
	lapic__write(&l, LAPIC_TPR, 0x35, 0);
	is_u64(rd(&l, LAPIC_APR), 0x35, "APR = TPR when TPR class dominates");
	lapic__accept(&l, 0x71, false);
	is_u64(rd(&l, LAPIC_APR), 0x70, "APR = IRRV class when it is above TPR");
}

static void test_level_eoi(void)
{
	struct harness h;
	struct lapic_config c;
	struct lapic l;

	setup(&l, &h);
	lapic__accept(&l, 0x70, true);
	ok(tmr_has(&l, 0x70) && irr_has(&l, 0x70), "level: IRR and TMR set");
	is_u64(rd(&l, LAPIC_TMR + 0x30), 1u << 16, "TMR register 0x1b0 shows vector 0x70");
	lapic__ack(&l);
	eoi(&l);
	ok(h.n_bcast == 1 && h.bcast[0] == 0x70, "EOI of a level vector broadcasts it");
	ok(h.last_a[LAPIC_EV_EOI] == 0x70 && h.last_b[LAPIC_EV_EOI] == 1,
	   "EOI traced as broadcast");

	lapic__accept(&l, 0x71, false);
	ok(!tmr_has(&l, 0x71), "edge: TMR clear");
	lapic__ack(&l);
	eoi(&l);
	ok(h.n_bcast == 1, "EOI of an edge vector does not broadcast");

	lapic__accept(&l, 0x70, false);
	ok(!tmr_has(&l, 0x70), "TMR follows the trigger of the latest acceptance");
	lapic__ack(&l);
	eoi(&l);
	ok(h.n_bcast == 1, "... so no broadcast");

	/* Directed EOI offered but off: broadcast; on: suppressed. */
	c = base_cfg(&h);
	c.directed_eoi = true;
	lapic__init(&l, &c);
	lapic__write(&l, LAPIC_SVR, 0x1ff, 0);
	lapic__accept(&l, 0x80, true);
	lapic__ack(&l);
	eoi(&l);
	ok(h.n_bcast == 1 && h.bcast[0] == 0x80,
	   "directed EOI offered, SVR bit 12 clear: broadcast");
	lapic__write(&l, LAPIC_SVR, 0x11ff, 0);
	lapic__accept(&l, 0x80, true);
	lapic__ack(&l);
	eoi(&l);
	ok(h.n_bcast == 1 && isr_empty(&l), "SVR bit 12 set: EOI retires ISR, no broadcast");

	/* Without version bit 24 SVR bit 12 cannot be set: still broadcasts. */
	setup(&l, &h);
	lapic__write(&l, LAPIC_SVR, 0x11ff, 0);
	lapic__accept(&l, 0x80, true);
	lapic__ack(&l);
	eoi(&l);
	ok(h.n_bcast == 1, "no directed EOI support: SVR bit 12 ignored, broadcast");
}

static void test_inta_race(void)
{
	struct harness h;
	struct lapic l;

	setup(&l, &h);
	lapic__write(&l, LAPIC_SVR, 0x1ef, 0);
	lapic__accept(&l, 0x50, false);
	ok(lapic__pending(&l) == 0x50, "0x50 pending (INTR raised)");
	lapic__write(&l, LAPIC_TPR, 0x60, 0);
	is_u64(lapic__ack(&l), 0xef, "TPR raised before INTA: spurious vector SVR[7:0]");
	ok(isr_empty(&l) && irr_has(&l, 0x50), "ISR left clear, the vector stays in IRR");
	ok(h.n_ev[LAPIC_EV_SPURIOUS] == 1 && h.last_b[LAPIC_EV_SPURIOUS] == 0x50,
	   "spurious traced");
	eoi(&l);
	ok(irr_has(&l, 0x50) && h.n_bcast == 0, "an EOI after a spurious INTA retires nothing");
	lapic__write(&l, LAPIC_TPR, 0, 0);
	is_u64(lapic__ack(&l), 0x50, "delivered once TPR drops");
}

static void test_illegal_coalesce(void)
{
	struct harness h;
	struct lapic l;

	setup(&l, &h);
	for (unsigned v = 0; v < 16; v++)
		lapic__accept(&l, v, false);
	ok(l.irr[0] == 0 && lapic__pending(&l) == -1, "vectors 0-15 never reach IRR");
	is_u64(esr(&l), LAPIC_ESR_RECV_ILLEGAL, "ESR: received illegal vector");
	ok(h.n_ev[LAPIC_EV_ERROR] == 16, "each illegal vector traced as an error");
	lapic__accept(&l, 16, false);
	ok(irr_has(&l, 16) && esr(&l) == 0, "vector 16 is legal");

	lapic__write(&l, LAPIC_LVT_ERR, 0xfe, 0);
	lapic__accept(&l, 3, false);
	ok(irr_has(&l, 0xfe), "unmasked LVT error raises its vector");
	lapic__write(&l, LAPIC_LVT_ERR, 0x02, 0);
	lapic__accept(&l, 3, false);
	is_u64(esr(&l), LAPIC_ESR_RECV_ILLEGAL, "an illegal LVT error vector is logged, no loop");

	setup(&l, &h);
	lapic__accept(&l, 0x40, false);
	lapic__accept(&l, 0x40, false);
	ok(h.n_ev[LAPIC_EV_ACCEPT] == 1 && h.n_ev[LAPIC_EV_COALESCED] == 1,
	   "a vector already in IRR coalesces (reported)");
	is_u64(lapic__ack(&l), 0x40, "one delivery");
	is_u64(lapic__pending(&l), (uint64_t)-1, "... and no second");
	lapic__accept(&l, 0x40, false);
	ok(h.n_ev[LAPIC_EV_ACCEPT] == 2 && irr_has(&l, 0x40) && isr_has(&l, 0x40),
	   "in service and pending again: a new acceptance, not coalesced");
}

static void test_ipi(void)
{
	struct harness h;
	struct lapic l;

	setup(&l, &h);
	lapic__write(&l, LAPIC_ICR_HI, 0x03000000, 0);
	ok(h.n_ipi == 0, "writing ICR high sends nothing");
	lapic__write(&l, LAPIC_ICR_LO, 0x31 | (1u << 8) | LAPIC_ICR_LOGICAL | LAPIC_ICR_ASSERT |
			 LAPIC_ICR_LEVEL, 0);
	ok(h.n_ipi == 1, "ICR low write sends one IPI");
	ok(h.ipi[0].dest == 3 && h.ipi[0].vector == 0x31 &&
	   h.ipi[0].delivery_mode == LAPIC_DM_LOWEST &&
	   h.ipi[0].logical && h.ipi[0].assert && h.ipi[0].level &&
	   h.ipi[0].shorthand == LAPIC_SH_NONE && !h.ipi[0].x2apic && h.ipi[0].source == 0x23,
	   "IPI: dest 3, vector 0x31, lowest priority, logical, assert, level");
	is_u64(rd(&l, LAPIC_ICR_LO) & LAPIC_LVT_STATUS, 0, "delivery status idle after the send");
	lapic__write(&l, LAPIC_ICR_LO, (LAPIC_SH_ALL_EXCL << 18) | (LAPIC_DM_NMI << 8) |
		     LAPIC_ICR_ASSERT, 0);
	ok(h.n_ipi == 2 && h.ipi[1].shorthand == LAPIC_SH_ALL_EXCL &&
	   h.ipi[1].delivery_mode == LAPIC_DM_NMI && !h.ipi[1].logical,
	   "NMI to all excluding self");
	lapic__write(&l, LAPIC_ICR_LO, (LAPIC_DM_INIT << 8) | LAPIC_ICR_LEVEL, 0);
	ok(h.n_ipi == 3 && h.ipi[2].delivery_mode == LAPIC_DM_INIT && !h.ipi[2].assert &&
	   h.ipi[2].level, "INIT level de-assert passed through");
	lapic__write(&l, LAPIC_ICR_LO, (LAPIC_SH_ALL_INCL << 18) | (LAPIC_DM_STARTUP << 8) |
		     0x9a, 0);
	ok(h.n_ipi == 4 && h.ipi[3].shorthand == LAPIC_SH_ALL_INCL && h.ipi[3].vector == 0x9a &&
	   !irr_has(&l, 0x9a), "all-including-self goes to the VMM, which routes it");

	lapic__write(&l, LAPIC_ICR_LO, (LAPIC_SH_SELF << 18) | 0x55, 0);
	ok(h.n_ipi == 4 && irr_has(&l, 0x55) && !tmr_has(&l, 0x55),
	   "shorthand self: accepted locally as edge, no send_ipi");
	lapic__write(&l, LAPIC_ICR_LO, 0x0f, 0);
	ok(h.n_ipi == 4 && esr(&l) == LAPIC_ESR_SEND_ILLEGAL,
	   "fixed IPI vector < 16: send illegal");
	lapic__write(&l, LAPIC_ICR_LO, (LAPIC_DM_NMI << 8) | 0x02, 0);
	ok(h.n_ipi == 5 && esr(&l) == 0, "the vector does not matter for NMI");
}

/* SDM 10.6.2: which messages select this LAPIC (the VMM routes IPIs and MSIs by it) */
static void test_match_dest(void)
{
	struct harness h;
	struct lapic l;

	setup(&l, &h);	/* xAPIC, APIC ID 0x23 (8 bits of 0x123) */
	ok(lapic__match_dest(&l, 0x23, false), "xAPIC physical: its own ID");
	ok(!lapic__match_dest(&l, 0x24, false), "xAPIC physical: another ID");
	ok(lapic__match_dest(&l, 0xff, false) && lapic__match_dest(&l, 0xff, true),
	   "xAPIC: 0xff is broadcast, physical or logical");
	ok(lapic__match_dest(&l, 0x123, false), "xAPIC: only 8 destination bits count");
	lapic__write(&l, LAPIC_DFR, 0xffffffff, 0);
	lapic__write(&l, LAPIC_LDR, 0x04000000, 0);
	ok(lapic__match_dest(&l, 0x04, true) && lapic__match_dest(&l, 0x0c, true),
	   "flat logical: any common bit selects it");
	ok(!lapic__match_dest(&l, 0x08, true), "flat logical: no common bit, not selected");
	ok(!lapic__match_dest(&l, 0x04, false), "the same value as a physical ID is another LAPIC");
	lapic__write(&l, LAPIC_DFR, 0x0fffffff, 0);
	lapic__write(&l, LAPIC_LDR, 0x32000000, 0);	/* cluster 3, member bit 1 */
	ok(lapic__match_dest(&l, 0x32, true) && lapic__match_dest(&l, 0x36, true),
	   "cluster logical: its cluster, its member bit");
	ok(!lapic__match_dest(&l, 0x22, true), "cluster logical: another cluster");
	ok(!lapic__match_dest(&l, 0x31, true), "cluster logical: its cluster, another member");

	is_u64(lapic__wrmsr(&l, MSR_IA32_APIC_BASE, LAPIC_DEFAULT_BASE | LAPIC_BASE_EN | LAPIC_BASE_EXTD, 0),
	       0, "x2APIC mode on");
	ok(lapic__match_dest(&l, 0x123, false) && !lapic__match_dest(&l, 0x23, false),
	   "x2APIC physical: the 32-bit ID");
	ok(lapic__match_dest(&l, 0xffffffff, false), "x2APIC: 0xffffffff is broadcast");
	ok(lapic__match_dest(&l, 0x12u << 16 | 1u << 3, true),
	   "x2APIC logical: cluster ID >> 4, member bit ID & 15 (SDM 10.12.10.2)");
	ok(!lapic__match_dest(&l, 0x12u << 16 | 1u << 4, true) &&
	   !lapic__match_dest(&l, 0x13u << 16 | 1u << 3, true),
	   "x2APIC logical: another member or another cluster");
}

/* The VMM's eight vCPUs (APIC ID = index): which of them one message selects */
static unsigned selected8(struct lapic *l, uint32_t dest, bool logical)
{
	unsigned set = 0;

	for (unsigned i = 0; i < 8; i++)
		set |= (unsigned)lapic__match_dest(&l[i], dest, logical) << i;
	return set;
}

static void test_match_dest8(void)
{
	struct harness h;
	struct lapic l[8];
	bool all = true;

	for (unsigned i = 0; i < 8; i++) {
		struct lapic_config c = base_cfg(&h);

		c.apic_id = i;
		c.bsp = i == 0;
		lapic__init(&l[i], &c);
		lapic__write(&l[i], LAPIC_SVR, 0x1ff, 0);
		/* the guest's flat model: one LDR bit per CPU, CPU 7 the top bit */
		lapic__write(&l[i], LAPIC_DFR, 0xffffffff, 0);
		lapic__write(&l[i], LAPIC_LDR, 1u << (24 + i), 0);
	}
	for (unsigned i = 0; i < 8; i++)
		all &= selected8(l, i, false) == 1u << i && selected8(l, 1u << i, true) == 1u << i;
	ok(all, "8 xAPICs: physical ID n and flat logical bit n each select CPU n alone");
	is_u64(selected8(l, 0xfe, true), 0xfe, "flat logical 0xfe: the multicast reaches CPUs 1-7");
	is_u64(selected8(l, 0x81, true), 0x81, "flat logical 0x81: CPUs 0 and 7");
	is_u64(selected8(l, 0xff, false), 0xff, "physical 0xff: broadcast to all eight");
	is_u64(selected8(l, 0xff, true), 0xff, "logical 0xff: broadcast to all eight");
	is_u64(selected8(l, 8, false), 0, "physical 8: no such vCPU");
	for (unsigned i = 0; i < 8; i++)
		lapic__wrmsr(&l[i], MSR_IA32_APIC_BASE, LAPIC_DEFAULT_BASE | LAPIC_BASE_EN |
			     LAPIC_BASE_EXTD | (i == 0 ? LAPIC_BASE_BSP : 0), 0);
	all = true;
	for (unsigned i = 0; i < 8; i++)
		all &= selected8(l, i, false) == 1u << i && selected8(l, 1u << i, true) == 1u << i &&
		       msr(&l[i], 0x80d) == 1u << i;
	ok(all, "8 x2APICs: LDR cluster 0 bit n; physical n and logical 1 << n select CPU n alone");
	is_u64(selected8(l, 0xfe, true), 0xfe, "x2APIC logical cluster 0 mask 0xfe: CPUs 1-7");
	is_u64(selected8(l, 1u << 16 | 0xfe, true), 0, "x2APIC logical cluster 1: none of them");
	is_u64(selected8(l, 0xffffffff, false), 0xff, "x2APIC 0xffffffff: broadcast to all eight");
	is_u64(selected8(l, 0xff, false), 0, "x2APIC physical 0xff is an ID, not broadcast");
}

static void test_lint(void)
{
	struct harness h;
	struct lapic l;

	setup(&l, &h);
	lapic__write(&l, LAPIC_LVT_LINT1, LAPIC_DM_NMI << 8, 0);
	is_u64(lapic__lint(&l, 1, 1), LAPIC_LINT_NMI, "LINT1 NMI: rising edge -> NMI");
	is_u64(lapic__lint(&l, 1, 1), LAPIC_LINT_NONE, "held high: no second NMI");
	is_u64(lapic__lint(&l, 1, 0), LAPIC_LINT_NONE, "falling edge: nothing");
	lapic__write(&l, LAPIC_LVT_LINT1, LAPIC_LVT_MASKED | (LAPIC_DM_NMI << 8), 0);
	is_u64(lapic__lint(&l, 1, 1), LAPIC_LINT_NONE, "masked LINT1: nothing");
	lapic__lint(&l, 1, 0);

	lapic__write(&l, LAPIC_LVT_LINT0, LAPIC_DM_EXTINT << 8, 0);
	is_u64(lapic__lint(&l, 0, 1), LAPIC_LINT_EXTINT, "LINT0 ExtINT: asserted -> ask the PIC");
	ok(l.irr[0] == 0 && l.irr[1] == 0 && lapic__pending(&l) == -1, "ExtINT bypasses IRR");
	is_u64(lapic__lint(&l, 0, 0), LAPIC_LINT_NONE, "ExtINT deasserted: nothing");

	lapic__write(&l, LAPIC_LVT_LINT0, 0x66, 0);
	is_u64(lapic__lint(&l, 0, 1), LAPIC_LINT_FIXED, "LINT0 fixed edge accepted");
	ok(irr_has(&l, 0x66) && !tmr_has(&l, 0x66), "... as an edge vector");
	lapic__ack(&l);
	eoi(&l);
	lapic__lint(&l, 0, 0);

	lapic__write(&l, LAPIC_LVT_LINT0, LAPIC_LVT_LEVEL | 0x67, 0);
	is_u64(lapic__lint(&l, 0, 1), LAPIC_LINT_FIXED, "LINT0 fixed level asserted");
	ok(irr_has(&l, 0x67) && tmr_has(&l, 0x67) &&
	   (rd(&l, LAPIC_LVT_LINT0) & LAPIC_LVT_REMOTE_IRR),
	   "level: IRR, TMR and remote IRR set");
	lapic__ack(&l);
	is_u64(lapic__lint(&l, 0, 1), LAPIC_LINT_NONE, "remote IRR blocks a re-trigger");
	eoi(&l);
	ok(irr_has(&l, 0x67) && (rd(&l, LAPIC_LVT_LINT0) & LAPIC_LVT_REMOTE_IRR),
	   "EOI with the line still asserted re-accepts it");
	lapic__ack(&l);
	lapic__lint(&l, 0, 0);
	eoi(&l);
	ok(!irr_has(&l, 0x67) && !(rd(&l, LAPIC_LVT_LINT0) & LAPIC_LVT_REMOTE_IRR),
	   "EOI after deassert clears remote IRR only");
	ok(h.n_bcast == 2 && h.bcast[0] == 0x67, "a level LINT vector is also an EOI broadcast");

	lapic__write(&l, LAPIC_LVT_LINT0, LAPIC_LVT_POLARITY | 0x68, 0);
	is_u64(lapic__lint(&l, 0, 1), LAPIC_LINT_NONE, "active-low: the rising edge is inactive");
	is_u64(lapic__lint(&l, 0, 0), LAPIC_LINT_FIXED, "active-low: the falling edge fires");

	lapic__wrmsr(&l, MSR_IA32_APIC_BASE, 0xfee00000, 0);
	is_u64(lapic__lint(&l, 0, 1), LAPIC_LINT_EXTINT, "APIC disabled: LINT0 is INTR");
	is_u64(lapic__lint(&l, 1, 1), LAPIC_LINT_NMI, "APIC disabled: LINT1 is NMI");
	is_u64(lapic__lint(&l, 2, 1), LAPIC_LINT_NONE, "no third pin");
}

static void arm_timer(struct lapic *l, uint32_t lvt, uint32_t dcr, uint32_t count, uint64_t now)
{
	lapic__write(l, LAPIC_LVT_TIMER, lvt, now);
	lapic__write(l, LAPIC_TDCR, dcr, now);
	lapic__write(l, LAPIC_TMICT, count, now);
}

static void test_timer(void)
{
	static const struct { uint32_t dcr, div; } d[] = {
		{ 0x0, 2 }, { 0x1, 4 }, { 0x2, 8 }, { 0x3, 16 },
		{ 0x8, 32 }, { 0x9, 64 }, { 0xa, 128 }, { 0xb, 1 },
	};
	struct harness h;
	struct lapic_config c;
	struct lapic l;
	bool down = true;
	uint32_t prev = ~0u;

	setup(&l, &h);
	arm_timer(&l, 0x40, 0x0, 1000, 100);
	is_u64(lapic__timer_next(&l), 2100, "one-shot: expiry at start + count * divide * 1 ns");
	is_u64(lapic__read(&l, LAPIC_TMCCT, 100), 1000, "current count = initial at the start");
	is_u64(lapic__read(&l, LAPIC_TMCCT, 1100), 500, "current count halfway");
	is_u64(lapic__read(&l, LAPIC_TMCCT, 2099), 1, "last count before expiry");
	for (uint64_t t = 100; t <= 2100; t += 37) {
		uint32_t cur = lapic__read(&l, LAPIC_TMCCT, t);

		down &= cur <= prev;
		prev = cur;
	}
	ok(down, "current count never increases");
	lapic__timer_tick(&l, 2099);
	ok(!irr_has(&l, 0x40), "not fired before expiry");
	lapic__timer_tick(&l, 2100);
	ok(irr_has(&l, 0x40) && h.n_ev[LAPIC_EV_TIMER] == 1, "fired at expiry");
	is_u64(lapic__timer_next(&l), 0, "one-shot: disarmed after firing");
	is_u64(lapic__read(&l, LAPIC_TMCCT, 3000), 0, "current count 0 after expiry");
	is_u64(lapic__read(&l, LAPIC_TMICT, 3000), 1000, "initial count keeps its value");
	lapic__ack(&l);
	eoi(&l);
	lapic__timer_tick(&l, 10000);
	ok(!irr_has(&l, 0x40) && h.n_ev[LAPIC_EV_TIMER] == 1, "one-shot fires once");

	setup(&l, &h);
	arm_timer(&l, 0x40, 0x0, 1000, 0);
	is_u64(lapic__read(&l, LAPIC_TMCCT, 2500), 0, "unticked expired one-shot reads 0");
	lapic__write(&l, LAPIC_TMICT, 0, 100);
	ok(lapic__timer_next(&l) == 0 && lapic__read(&l, LAPIC_TMCCT, 100) == 0,
	   "initial count 0 stops the timer");
	lapic__timer_tick(&l, 5000);
	ok(!irr_has(&l, 0x40), "stopped timer does not fire");

	setup(&l, &h);
	arm_timer(&l, 0x20041, 0xb, 100, 0);
	is_u64(lapic__timer_next(&l), 100, "periodic: first expiry");
	lapic__timer_tick(&l, 100);
	ok(irr_has(&l, 0x41), "periodic: fired");
	is_u64(lapic__timer_next(&l), 200, "periodic: rearmed one period later");
	is_u64(lapic__read(&l, LAPIC_TMCCT, 130), 70, "periodic: count reloaded");
	lapic__ack(&l);
	eoi(&l);
	lapic__timer_tick(&l, 350);
	ok(irr_has(&l, 0x41) && h.last_b[LAPIC_EV_TIMER] == 1,
	   "late tick: fires once, 1 period missed");
	is_u64(lapic__timer_next(&l), 400, "periodic: rearmed on the period grid");
	is_u64(lapic__read(&l, LAPIC_TMCCT, 450), 50, "current count mid-period");
	is_u64(lapic__read(&l, LAPIC_TMCCT, 630), 70,
	       "current count past an unticked expiry wraps");
	lapic__timer_tick(&l, 400);
	ok(h.n_ev[LAPIC_EV_COALESCED] == 1, "un-acked periodic vector coalesces");

	for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
		setup(&l, &h);
		arm_timer(&l, 0x40, d[i].dcr, 10, 0);
		is_u64(lapic__timer_next(&l), 10 * d[i].div,
		       "TDCR 0x%x divides by %u", d[i].dcr, d[i].div);
	}

	setup(&l, &h);
	arm_timer(&l, 0x40, 0xb, 1000, 0);
	lapic__write(&l, LAPIC_TDCR, 0x0, 400);
	ok(lapic__read(&l, LAPIC_TMCCT, 400) == 600 && lapic__timer_next(&l) == 400 + 1200,
	   "divide change mid-count: the count goes on at the new rate");

	c = base_cfg(&h);
	c.bus_hz = 100000000ull;
	lapic__init(&l, &c);
	lapic__write(&l, LAPIC_SVR, 0x1ff, 0);
	arm_timer(&l, 0x40, 0xb, 10, 0);
	is_u64(lapic__timer_next(&l), 100, "100 MHz bus: 10 counts = 100 ns");
	is_u64(lapic__read(&l, LAPIC_TMCCT, 55), 5, "100 MHz bus: count after 55 ns");

	setup(&l, &h);
	arm_timer(&l, LAPIC_LVT_MASKED | 0x42, 0xb, 10, 0);
	lapic__timer_tick(&l, 10);
	ok(!irr_has(&l, 0x42) && h.n_ev[LAPIC_EV_TIMER] == 1 && h.n_ev[LAPIC_EV_ACCEPT] == 0,
	   "masked LVT timer: expires, accepts nothing");

	setup(&l, &h);
	arm_timer(&l, 0x05, 0xb, 10, 0);
	lapic__timer_tick(&l, 10);
	is_u64(esr(&l), LAPIC_ESR_RECV_ILLEGAL, "LVT timer vector < 16: received illegal vector");

	/* TSC-deadline: guest TSC runs at 2 GHz from 0. */
	setup(&l, &h);
	lapic__wrmsr(&l, MSR_IA32_TSC_DEADLINE, 4000, 0);
	ok(msr(&l, MSR_IA32_TSC_DEADLINE) == 0 && lapic__timer_next(&l) == 0,
	   "TSC deadline write ignored outside TSC-deadline mode");
	arm_timer(&l, 0x40043, 0xb, 10, 0);
	ok(lapic__read(&l, LAPIC_TMICT, 0) == 0 && lapic__timer_next(&l) == 0,
	   "initial count ignored in TSC-deadline mode");
	lapic__wrmsr(&l, MSR_IA32_TSC_DEADLINE, 4000, 0);
	is_u64(msr(&l, MSR_IA32_TSC_DEADLINE), 4000, "deadline reads back");
	is_u64(lapic__timer_next(&l), 2000, "TSC 4000 at 2 GHz = 2000 ns");
	is_u64(lapic__read(&l, LAPIC_TMCCT, 100), 0, "current count reads 0 in TSC-deadline mode");
	lapic__timer_tick(&l, 1999);
	ok(!irr_has(&l, 0x43), "not before the deadline");
	lapic__timer_tick(&l, 2000);
	ok(irr_has(&l, 0x43), "fires at the deadline");
	ok(msr(&l, MSR_IA32_TSC_DEADLINE) == 0 && lapic__timer_next(&l) == 0,
	   "firing disarms and clears the deadline MSR");
	lapic__wrmsr(&l, MSR_IA32_TSC_DEADLINE, 9000, 2100);
	lapic__wrmsr(&l, MSR_IA32_TSC_DEADLINE, 0, 2100);
	ok(lapic__timer_next(&l) == 0, "deadline 0 disarms");
	lapic__wrmsr(&l, MSR_IA32_TSC_DEADLINE, 3, 3000);
	ok(lapic__timer_next(&l) != 0 && lapic__timer_next(&l) <= 3000,
	   "a past deadline is due at once");
	lapic__wrmsr(&l, MSR_IA32_TSC_DEADLINE, 9000, 3000);
	lapic__write(&l, LAPIC_LVT_TIMER, 0x43, 3000);
	ok(lapic__timer_next(&l) == 0 && msr(&l, MSR_IA32_TSC_DEADLINE) == 0,
	   "leaving TSC-deadline mode disarms");
	arm_timer(&l, 0x43, 0xb, 50, 3000);
	lapic__write(&l, LAPIC_LVT_TIMER, 0x20043, 3010);
	ok(lapic__timer_next(&l) == 3050, "one-shot -> periodic keeps the running count");

	c = base_cfg(&h);
	c.tsc_offset = 1000000;
	c.tsc_hz = 3000000000ull;
	lapic__init(&l, &c);
	lapic__write(&l, LAPIC_SVR, 0x1ff, 0);
	lapic__write(&l, LAPIC_LVT_TIMER, 0x40043, 0);
	lapic__wrmsr(&l, MSR_IA32_TSC_DEADLINE, 1000000 + 3001, 0);
	is_u64(lapic__timer_next(&l), 1001, "TSC offset and rate: deadline rounded up to whole ns");

	/* The guest's TSC started at 0 when the VMM clock read 5 s (3 GHz). */
	c.tsc_offset = -(uint64_t)15000000000ull;
	lapic__init(&l, &c);
	lapic__write(&l, LAPIC_SVR, 0x1ff, 0);
	lapic__write(&l, LAPIC_LVT_TIMER, 0x40043, 0);
	lapic__wrmsr(&l, MSR_IA32_TSC_DEADLINE, 3000, 5000000000ull);
	is_u64(lapic__timer_next(&l), 5000001000ull, "negative TSC offset: TSC 3000 = 5 s + 1 us");
}

/* The highest set vector of an eight-word register: what a QUIET answer names (dev/hcall.c) */
static void test_highest(void)
{
	uint32_t reg[8] = { 0 };

	ok(lapic__highest(reg) == -1, "highest: none set: -1");
	reg[0] = 1u << 5;
	ok(lapic__highest(reg) == 5, "highest: vector 5 alone");
	reg[4] = 1u << 23 | 1u << 2;
	ok(lapic__highest(reg) == 151, "highest: 0x97 above 0x82 and 5");
	reg[7] = 1u << 31;
	ok(lapic__highest(reg) == 255, "highest: vector 255");
}

int main(void)
{
	test_highest();
	test_reset();
	test_xapic_regs();
	test_sw_disabled();
	test_x2apic_regs();
	test_apic_base();
	test_no_x2apic();
	test_cr8();
	test_priority();
	test_ppr_table();
	test_apr();
	test_level_eoi();
	test_inta_race();
	test_illegal_coalesce();
	test_ipi();
	test_match_dest();
	test_match_dest8();
	test_lint();
	test_timer();
	return tap_done();
}
