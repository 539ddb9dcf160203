// SPDX-License-Identifier: MIT
/*
 * `vmm trace synth --arch [--plant DEFECT]`: a short trace that is
 * architecturally exact (what the oracle must pass), or the same with one
 * planted defect the oracle must name. Six episodes: priority, nesting,
 * TPR, a level pin through its RTE, NMI blocking, an injected #PF. The
 * PVM-4 flavour is the same program as that host records it (EOI at
 * acceptance: ISR reads 0, EOIs see 0xff, 0x45 nests, a third level delivery).
 */
#include <string.h>
#include "synth_arch.h"

static const char *const defect_names[ARCH_NR] = {
	[ARCH_CLEAN] = "none", [ARCH_ORDER] = "order", [ARCH_LOST] = "lost", [ARCH_NO_IRET] = "no-iret",
	[ARCH_NEST] = "nest", [ARCH_NMI] = "nmi", [ARCH_IF] = "if", [ARCH_TPR] = "tpr",
	[ARCH_ERRCODE] = "errcode", [ARCH_DEPTH] = "depth", [ARCH_EXTRA] = "extra", [ARCH_EOI] = "eoi",
	[ARCH_PVM4] = "pvm-4",
};

const char *arch_defect__name(enum arch_defect d)
{
	return (unsigned)d < ARCH_NR ? defect_names[d] : "?";
}

int arch_defect__parse(const char *s, enum arch_defect *d)
{
	for (int i = 0; i < ARCH_NR; i++)
		if (!strcmp(s, defect_names[i])) {
			*d = i;
			return 0;
		}
	return -1;
}

struct gen {
	struct itr_record *out;
	size_t max, n;
	int depth;
	uint64_t marked;	/* seq of the planted defect */
	bool pvm4;		/* as a PVM-4 host records it */
};

#define RFL_IF	0x202u
#define RFL_NOIF 0x002u

static struct itr_record *put(struct gen *g, uint16_t type, uint8_t source)
{
	static struct itr_record sink;
	struct itr_record *r = g->n < g->max ? &g->out[g->n] : &sink;

	memset(r, 0, sizeof(*r));
	r->type = type;
	r->source = source;
	r->seq = g->n;
	r->time_ns = g->n * 1000;
	r->err = 0xffffffffu;
	g->n++;
	return r;
}

static void gv(struct gen *g, uint16_t type, uint8_t vector, uint32_t a)
{
	struct itr_record *r = put(g, type, ITR_SRC_GUEST);

	r->vector = vector;
	r->a = a;
	r->depth = g->depth;
}

static void mark_here(struct gen *g) { g->marked = g->n; }
static void sti(struct gen *g) { gv(g, ITR_IF, 0, 1); }
static void cli(struct gen *g) { gv(g, ITR_IF, 0, 0); }
static void eoi(struct gen *g, uint8_t v) { gv(g, ITR_EOI, v, 0); }
/* What the guest's EOI of @v sees in service: nothing on PVM-4 */
static uint8_t seen(const struct gen *g, uint8_t v) { return g->pvm4 ? 0xff : v; }

static void sync_(struct gen *g, uint32_t n)
{
	struct itr_record *r;

	gv(g, ITR_SYNC, 0, n);
	r = put(g, ITR_EXIT, ITR_SRC_VMM);
	r->a = 2;	/* KVM_EXIT_IO: the sync hypercall */
}

static void inject(struct gen *g, enum inj_kind k, uint8_t v, unsigned pin, enum pin_action act, uint32_t err)
{
	struct itr_record *r = put(g, ITR_INJECT, ITR_SRC_VMM);

	r->vector = v;
	r->a = k | pin << 8 | (uint32_t)act << 16;
	r->err = err;
}

static void entry(struct gen *g, uint8_t v, uint32_t rflags, uint32_t err)
{
	struct itr_record *r = put(g, ITR_ENTRY, ITR_SRC_GUEST);

	r->vector = v;
	r->depth = ++g->depth;
	r->rflags = rflags;
	r->cs = 0x10;
	r->ss = 0x18;
	r->rip = 0x100000 + v;
	r->rsp = 0x1f0000 - 0x100 * g->depth;
	r->err = err;
	r->a = err;
}

static void iret(struct gen *g, uint8_t v, uint32_t rflags)
{
	struct itr_record *r = put(g, ITR_IRET, ITR_SRC_GUEST);

	r->vector = v;
	r->depth = g->depth--;
	r->rflags = rflags;
	r->cs = 0x10;
	r->ss = 0x18;
	r->rip = 0x100000 + v;
}

/* A whole interrupt: entry, EOI, IRET to IF=1 code */
static void irq(struct gen *g, uint8_t v, uint32_t rflags)
{
	entry(g, v, rflags, 0xffffffffu);
	gv(g, ITR_ISR, v, !g->pvm4);
	eoi(g, seen(g, v));
	iret(g, v, rflags);
}

/* 0x41's EOI in the nesting episode; the eoi defect shows the other host's view */
static void eoi_41(struct gen *g, enum arch_defect d)
{
	if (d == ARCH_EOI) {
		eoi(g, g->pvm4 ? 0x41 : 0xff);	/* the other host's view: PVM-4's, or the SDM's */
		g->marked = g->n - 1;
	} else {
		eoi(g, seen(g, 0x41));
	}
}

/* 0x45 in 0x41's handler: after 0x41's EOI (SDM), or at once (PVM-4: 0x41 is not in service) */
static void nest_45(struct gen *g, enum arch_defect d)
{
	bool now = (d == ARCH_NEST) != g->pvm4;

	if (d == ARCH_NEST)
		mark_here(g);	/* SDM: nested too early; PVM-4: not taken before this record */
	if (!now)
		eoi_41(g, d);
	entry(g, 0x45, RFL_IF, 0xffffffffu);
	if (now && d != ARCH_NO_IRET)
		gv(g, ITR_ISR, 0x45, !g->pvm4);
	eoi(g, seen(g, 0x45));
	if (d == ARCH_NO_IRET) {
		mark_here(g);	/* 0x45's IRET left out: 0x41's IRET closes it */
		g->depth--;
	} else {
		iret(g, 0x45, RFL_IF);
	}
	if (now)
		eoi_41(g, d);
}

size_t arch_synth(enum arch_defect d, struct itr_record *out, size_t max, uint64_t *defect_seq)
{
	uint64_t first_isr = UINT64_MAX;
	size_t n;

	if (d != ARCH_PVM4)
		return arch_synth_host(d, false, out, max, defect_seq);
	n = arch_synth_host(ARCH_CLEAN, true, out, max, NULL);
	/* against the SDM, the first ISR snapshot (it reads 0) is the first departure */
	for (size_t i = 0; i < n && i < max && first_isr == UINT64_MAX; i++)
		if (out[i].type == ITR_ISR)
			first_isr = out[i].seq;
	if (defect_seq)
		*defect_seq = first_isr;
	return n;
}

size_t arch_synth_host(enum arch_defect d, bool pvm4, struct itr_record *out, size_t max, uint64_t *defect_seq)
{
	struct gen g = { .out = out, .max = max, .marked = UINT64_MAX, .pvm4 = pvm4 };
	struct itr_record *r;

	cli(&g);
	/* 1. priority: 0x41 and 0x61 pending at sti, 0x61 first */
	sync_(&g, 1);
	inject(&g, INJ_MSI, 0x41, 0, 0, 0xffffffffu);
	inject(&g, INJ_MSI, 0x61, 0, 0, 0xffffffffu);
	if (d == ARCH_IF)
		mark_here(&g);	/* no sti: the entries below come with IF=0 */
	else
		sti(&g);
	if (d == ARCH_ORDER) {
		mark_here(&g);
		irq(&g, 0x41, RFL_IF);
		irq(&g, 0x61, RFL_IF);
	} else {
		irq(&g, 0x61, d == ARCH_IF ? RFL_NOIF : RFL_IF);
		if (d == ARCH_LOST)
			mark_here(&g);	/* 0x41 never taken: the cli below comes first */
		else
			irq(&g, 0x41, RFL_IF);
	}
	if (d == ARCH_EXTRA) {
		mark_here(&g);	/* the edge 0x41 delivered a second time */
		irq(&g, 0x41, RFL_IF);
	}
	cli(&g);

	/* 2. nesting: 0x61 nests in 0x41's IF=1 handler, 0x45 waits for 0x41's EOI */
	sync_(&g, 2);
	inject(&g, INJ_MSI, 0x41, 0, 0, 0xffffffffu);
	sti(&g);
	entry(&g, 0x41, RFL_IF, 0xffffffffu);
	sti(&g);
	sync_(&g, 3);
	inject(&g, INJ_MSI, 0x61, 0, 0, 0xffffffffu);
	inject(&g, INJ_MSI, 0x45, 0, 0, 0xffffffffu);
	if (d == ARCH_DEPTH) {
		mark_here(&g);
		g.depth--;	/* 0x61 recorded one level shallower */
		entry(&g, 0x61, RFL_IF, 0xffffffffu);
		g.depth++;
		eoi(&g, seen(&g, 0x61));
		g.depth--;
		iret(&g, 0x61, RFL_IF);
		g.depth++;
	} else {
		irq(&g, 0x61, RFL_IF);
	}
	nest_45(&g, d);
	cli(&g);
	iret(&g, 0x41, RFL_IF);
	cli(&g);

	/* 3. TPR: 0x41 held back by TPR 0x50 until it is lowered */
	gv(&g, ITR_TPR, 0, 0x50);
	sync_(&g, 4);
	inject(&g, INJ_MSI, 0x41, 0, 0, 0xffffffffu);
	inject(&g, INJ_MSI, 0x61, 0, 0, 0xffffffffu);
	sti(&g);
	irq(&g, 0x61, RFL_IF);
	if (d == ARCH_TPR) {
		mark_here(&g);
		irq(&g, 0x41, RFL_IF);
	}
	gv(&g, ITR_MARK, 0, 1);
	cli(&g);
	gv(&g, ITR_TPR, 0, 0);
	if (d != ARCH_TPR) {
		sti(&g);
		irq(&g, 0x41, RFL_IF);
		cli(&g);
	}

	/* 4. level pin 5 -> 0x51: re-sent at EOI while high, not after deassert */
	gv(&g, ITR_RTE, 5, 0x51 | 1u << 15);
	sync_(&g, 5);
	inject(&g, INJ_PIN, 0, 5, PIN_ASSERT, 0xffffffffu);
	sti(&g);
	entry(&g, 0x51, RFL_IF, 0xffffffffu);
	eoi(&g, seen(&g, 0x51));
	iret(&g, 0x51, RFL_IF);
	entry(&g, 0x51, RFL_IF, 0xffffffffu);	/* still high: remote IRR cleared, sent again */
	sync_(&g, 6);
	inject(&g, INJ_PIN, 0, 5, PIN_DEASSERT, 0xffffffffu);
	eoi(&g, seen(&g, 0x51));
	iret(&g, 0x51, RFL_IF);
	if (g.pvm4) {
		/* PVM-4: the second acceptance's EOI found the pin still high */
		entry(&g, 0x51, RFL_IF, 0xffffffffu);
		eoi(&g, 0xff);
		iret(&g, 0x51, RFL_IF);
	}
	cli(&g);

	/* 5. NMI: a second NMI inside the handler waits for its IRET */
	sync_(&g, 7);
	inject(&g, INJ_NMI, 2, 0, 0, 0xffffffffu);
	entry(&g, 2, RFL_NOIF, 0xffffffffu);
	sync_(&g, 8);
	inject(&g, INJ_NMI, 2, 0, 0, 0xffffffffu);
	if (d == ARCH_NMI) {
		mark_here(&g);
		entry(&g, 2, RFL_NOIF, 0xffffffffu);
		iret(&g, 2, RFL_NOIF);
		iret(&g, 2, RFL_NOIF);
	} else {
		iret(&g, 2, RFL_NOIF);
		entry(&g, 2, RFL_NOIF, 0xffffffffu);
		iret(&g, 2, RFL_NOIF);
	}

	/* 6. an injected #PF(2) with IF=0 */
	sync_(&g, 9);
	inject(&g, INJ_EXCEPTION, 14, 0, 0, 2);
	if (d == ARCH_ERRCODE)
		mark_here(&g);
	entry(&g, 14, RFL_NOIF, d == ARCH_ERRCODE ? 3 : 2);
	iret(&g, 14, RFL_NOIF);
	gv(&g, ITR_MARK, 0, 2);
	r = put(&g, ITR_MILESTONE, ITR_SRC_VMM);
	r->a = 9;
	if (defect_seq)
		*defect_seq = g.marked;
	return g.n;
}

int arch_synth__write(const char *path, enum arch_defect d, uint64_t *defect_seq, char *err, size_t errlen)
{
	struct itr_header h = { .version = ITR_VERSION };
	struct itr_record rec[ARCH_MAX];
	struct itr_writer *w;
	size_t n = arch_synth(d, rec, ARCH_MAX, defect_seq);

	strcpy(h.scenario, "synth-arch");
	strcpy(h.irqchip, d == ARCH_PVM4 ? "kernel" : "user");	/* PVM-4 is the in-kernel LAPIC's */
	strcpy(h.host, "synthetic");
	w = itr_writer__open(path, &h, err, errlen);
	if (!w)
		return -1;
	for (size_t i = 0; i < n && i < ARCH_MAX; i++)
		itr_writer__put(w, &rec[i]);
	return itr_writer__close(w, err, errlen);
}
