// SPDX-License-Identifier: MIT
/*
 * One vCPU's SDM model (LAPIC, IF, NMI blocking, IOAPIC pins) and its
 * findings, fed a record at a time (docs/ORACLE.md). One rule drives it:
 * whenever the model holds a deliverable event (an injected exception, else
 * an unblocked NMI, else with IF=1 the highest IRR vector whose class beats
 * the PPR's), the next guest record must be the ENTRY of exactly that
 * vector one level deeper. Everything else checks that what the guest saw
 * (EOI targets, ISR snapshots, IRET pairing) matches the model.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include "oracle.h"
#include "oracle_priv.h"
#include "vapic/ioapic.h"		/* IOAPIC_RTE_*, enum ioapic_event */
#include "abi.h"			/* IVM_IPI_* */

#define RFLAGS_IF	(1u << 9)

/* Keys of the deliverable event: vector for maskable ones, these above 255 */
#define KEY_NMI		0x100
#define KEY_EXC		0x200	/* | vector */
#define KEY_SPUR	0x400	/* | vector */

enum oracle_src { SRC_EXT, SRC_NMI, SRC_EXC, SRC_SOFT, SRC_SPUR };

/* ---- bitmaps ---------------------------------------------------------- */

static bool bit(const uint32_t *m, unsigned v) { return m[v >> 5] >> (v & 31) & 1; }
static void set(uint32_t *m, unsigned v) { m[v >> 5] |= 1u << (v & 31); }
static void clr(uint32_t *m, unsigned v) { m[v >> 5] &= ~(1u << (v & 31)); }

static int highest(const uint32_t *m)
{
	for (int i = 7; i >= 0; i--)
		if (m[i])
			return i * 32 + 31 - __builtin_clz(m[i]);
	return -1;
}

/* SDM 10.8.3.1: PPR = TPR if TPR[7:4] >= ISRV[7:4], else ISRV[7:4] << 4 */
static unsigned ppr(const struct oracle *o)
{
	int isrv = highest(o->isr);
	unsigned v = isrv < 0 ? 0 : (unsigned)isrv;

	return (o->tpr >> 4) >= (v >> 4) ? o->tpr : (v & 0xf0);
}

/* ---- findings ----------------------------------------------------------- */

static void note(struct oracle *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct oracle *o, const char *fmt, ...)
{
	va_list ap;

	if (o->nnotes >= sizeof(o->notes) / sizeof(o->notes[0]))
		return;
	va_start(ap, fmt);
	vsnprintf(o->notes[o->nnotes++], sizeof(o->notes[0]), fmt, ap);
	va_end(ap);
}

static void finding(struct oracle *o, enum oracle_kind k, uint64_t seq, uint64_t since, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void finding(struct oracle *o, enum oracle_kind k, uint64_t seq, uint64_t since, const char *fmt, ...)
{
	va_list ap;

	o->count[k]++;
	o->total++;
	if (o->nkept >= ORACLE_KEEP)
		return;
	struct oracle_finding *f = &o->kept[o->nkept++];

	f->kind = k;
	f->seq = seq;
	f->since = since;
	va_start(ap, fmt);
	vsnprintf(f->text, sizeof(f->text), fmt, ap);
	va_end(ap);
}

/* A short description of a guest record, for "observed ..." */
static void describe(const struct itr_record *r, char *buf, size_t n)
{
	switch (r->type) {
	case ITR_ENTRY: snprintf(buf, n, "ENTRY v=%02x depth=%u", r->vector, r->depth); break;
	case ITR_IRET: snprintf(buf, n, "IRET v=%02x depth=%u", r->vector, r->depth); break;
	case ITR_EOI: snprintf(buf, n, "EOI (v=%02x)", r->vector); break;
	case ITR_TPR: snprintf(buf, n, "TPR write %#x", r->a); break;
	case ITR_IF: snprintf(buf, n, "%s", r->a ? "sti (IF=1)" : "cli (IF=0)"); break;
	case ITR_RTE: snprintf(buf, n, "RTE write pin %u = %#x", r->vector, r->a); break;
	case ITR_IPI: snprintf(buf, n, "IPI v=%02x (ICR %#x)", r->vector, r->a); break;
	case ITR_ISR: snprintf(buf, n, "ISR snapshot v=%02x", r->vector); break;
	default: snprintf(buf, n, "%s %#x", itr_type__name(r->type) ? itr_type__name(r->type) : "?", r->a);
	}
}

/* The model's pending state, for messages: "IRR 41 61, ISR -, TPR 00, IF=1" */
static void state(const struct oracle *o, char *buf, size_t n)
{
	size_t k = 0;

	for (int pass = 0; pass < 2; pass++) {
		const uint32_t *m = pass ? o->isr : o->irr;
		bool any = false;

		k += snprintf(buf + k, k < n ? n - k : 0, "%s", pass ? ", ISR" : "IRR");
		for (int v = 255; v >= 0; v--)
			if (bit(m, v)) {
				k += snprintf(buf + k, k < n ? n - k : 0, " %02x", v);
				any = true;
			}
		if (!any)
			k += snprintf(buf + k, k < n ? n - k : 0, " -");
	}
	snprintf(buf + k, k < n ? n - k : 0, ", TPR %02x, PPR %02x, IF=%c%s", o->tpr, ppr(o),
		 o->ifl < 0 ? '?' : '0' + o->ifl, o->nmi_blocked ? ", NMI blocked" : "");
}

/* ---- the model ------------------------------------------------------------ */

void oracle__init(struct oracle *o)
{
	memset(o, 0, sizeof(*o));
	o->if_records = -1;
	o->ifl = -1;		/* learnt from the first IF record or delivery frame */
	o->soft_vector = -1;
	o->cur = -1;
	for (unsigned p = 0; p < ORACLE_PINS; p++)
		o->rte[p] = IOAPIC_RTE_MASKED;	/* 82093AA reset value */
}

/* PVM-4: the host's LAPIC EOIs a fixed interrupt when it accepts it */
static bool eoi_at_acceptance(const struct oracle *o)
{
	return o->host == ORACLE_HOST_PVM4 || o->host == ORACLE_HOST_PVM4_5;
}

/* PVM-5: what becomes deliverable in the guest's own flow is taken at the next exit */
static bool late_delivery(const struct oracle *o)
{
	return o->host == ORACLE_HOST_PVM5 || o->host == ORACLE_HOST_PVM4_5;
}

/* What must be taken next (a key), or -1 */
static int deliverable(const struct oracle *o, uint64_t *since)
{
	int v;

	if (o->exc_pending) {	/* injected event first: KVM and the SDM's event injection */
		*since = o->exc_since;
		return KEY_EXC | o->exc_vector;
	}
	if (o->nmi_pending && !o->nmi_blocked) {
		*since = o->nmi_since;
		return KEY_NMI;
	}
	if (o->ifl != 1)
		return -1;
	v = highest(o->irr);
	if (v >= 0 && ((unsigned)v >> 4) > (ppr(o) >> 4)) {
		*since = o->irr_since[v];
		return v;
	}
	if (o->spur_pending) {
		*since = o->spur_since;
		return KEY_SPUR | o->spur_vector;
	}
	return -1;
}

static void key_name(int key, char *buf, size_t n)
{
	if (key == KEY_NMI)
		snprintf(buf, n, "NMI (v=02)");
	else if (key & KEY_EXC)
		snprintf(buf, n, "injected exception v=%02x", key & 0xff);
	else if (key & KEY_SPUR)
		snprintf(buf, n, "spurious v=%02x", key & 0xff);
	else
		snprintf(buf, n, "v=%02x", key);
}

/* The LAPIC accepts a fixed interrupt: one IRR bit, so a second edge merges */
static void accept(struct oracle *o, unsigned v, bool level, uint64_t seq)
{
	if (v < 16) {
		note(o, "seq %" PRIu64 ": vector %#x < 16 sent to the LAPIC: illegal, ignored (SDM 10.5.3)", seq, v);
		return;
	}
	set(o->modelled, v);
	if (!bit(o->irr, v))
		o->irr_since[v] = seq;
	set(o->irr, v);
	if (level)
		set(o->tmr, v);
	else
		clr(o->tmr, v);
}

/*
 * ENTRY of @v may be an IPI another vCPU sent: one sent and not yet taken
 * (also the second of two sent while one was pending, which need not have
 * merged), or one whose record the stream still holds (the sender's ring is
 * drained at its own exits, so its record can come after the target's ENTRY).
 */
static bool remote_ipi(const struct oracle *o, unsigned v)
{
	return bit(o->ipi_soft, v) || o->ipi_may[v] || o->ipi_ahead[v] > o->ipi_early[v];
}

/*
 * An NMI IPI to this vCPU: its NMI is owed, taken whenever it arrives (no
 * expectation on the next record). Another vCPU's record may come after the
 * NMI it sent in the stream, as a fixed IPI's may (nmi_early).
 */
static void nmi_sent(struct oracle *o, const struct itr_record *r)
{
	if (r->vcpu != o->cpu && o->nmi_ahead)
		o->nmi_ahead--;
	if (r->vcpu != o->cpu && o->nmi_early) {
		o->nmi_early--;		/* its NMI came first in the stream */
		return;
	}
	if (r->time_ns < o->restart_time)
		return;		/* sent before this vCPU's restart: gone with the INIT */
	if (!o->nmi_owed)
		o->nmi_owed_since = r->seq;
	o->nmi_owed++;
	o->nmi_owed_time = r->time_ns;
}

/*
 * The guest wrote its ICR (the record comes right before the write, at IF=0).
 * To itself: pending in IRR at once, judged exactly like an injection. From
 * another vCPU: the model can't know when the target accepted it, since the
 * two vCPUs run at once and their rings are drained at their own exits. So
 * it is held apart (ipi_soft), not in IRR: it creates no expectation that the
 * target's next record take it, and the target may take anything else before
 * it; but its ENTRY must come (else [lost] at the end), only once per send
 * unless sent again before it was taken (or sent while the target had that
 * vector pending of its own: it may merge there), and it is still judged against the
 * target's IF and PPR. An ENTRY of an IPI vector that no send explains (none
 * pending, none still to come in the stream) is [extra]: a host that delivers
 * an IPI nobody sent, or to another vCPU than the one it was sent to.
 */
static void ipi(struct oracle *o, const struct itr_record *r)
{
	unsigned v = r->vector;

	if (oracle__nmi_ipi_modelled(r, o->ldrs)) {
		if (oracle__ipi_targets(r, o->cpu, o->ldrs))
			nmi_sent(o, r);
		return;
	}
	if (!oracle__ipi_modelled(r, o->ldrs)) {
		unsigned dm = IVM_IPI_DM(r->a);

		/* INIT and SIPI reach no IRR; the others are named once */
		if (dm != 5 && dm != 6 && !o->ipi_noted) {
			o->ipi_noted = true;
			if (dm == 1 && oracle__ipi_routed(r, o->ldrs))
				note(o, "seq %" PRIu64 ": IPIs of lowest priority to more than one CPU are not"
				     " modelled (their deliveries are checked against IF and PPR only)", r->seq);
			else if (dm <= 1 || dm == 4)	/* not routed: a logical destination */
				note(o, "seq %" PRIu64 ": IPIs to a logical destination are not modelled (%s):"
				     " checked against IF and PPR only", r->seq,
				     o->ldrs && o->ldrs->recorded ? "an LDR the oracle can't follow" :
				     "no LDR records: a trace before version 11");
			else
				note(o, "seq %" PRIu64 ": IPIs of delivery mode %u are not modelled", r->seq, dm);
		}
		return;
	}
	if (!oracle__ipi_targets(r, o->cpu, o->ldrs))
		return;
	if (r->vcpu == o->cpu) {
		/* another vCPU's of this vector, still to come, may have arrived and merge with this
		 * one: it is owed no ENTRY of its own now (storm seed 108, user, the other order) */
		if (bit(o->ipi_soft, v)) {
			clr(o->ipi_soft, v);
			o->ipi_may[v]++;
		}
		accept(o, v, false, r->seq);
		clr(o->remote, v);
		return;
	}
	if (o->ipi_ahead[v])
		o->ipi_ahead[v]--;
	if (o->ipi_early[v]) {
		o->ipi_early[v]--;	/* its ENTRY came first in the stream */
		return;
	}
	set(o->modelled, v);
	if (r->time_ns < o->restart_time)
		return;		/* sent before this vCPU's restart: gone with the INIT, or taken before */
	o->ipi_time[v] = r->time_ns;
	if (bit(o->ipi_soft, v) || bit(o->irr, v)) {
		o->ipi_may[v]++;	/* merged with the one pending, or taken after it: 1 or 2 */
		/* the one pending is this vCPU's own (a self-IPI, an MSI): it may merge into that
		 * one, so none is owed (storm seed 108, user: CPU 0's self-IPI 0xdd and CPU 1's
		 * 0xdd to it, taken once, were one [lost]) */
		if (!bit(o->ipi_soft, v))
			return;
	} else {
		o->ipi_since[v] = r->seq;
	}
	set(o->ipi_soft, v);
}

/* An IOAPIC pin sends its RTE's message */
static void pin_send(struct oracle *o, unsigned pin, uint64_t seq)
{
	uint32_t rte = o->rte[pin];
	unsigned dm = rte >> IOAPIC_RTE_DELMODE_SHIFT & 7;
	bool level = rte & IOAPIC_RTE_LEVEL;

	if (dm == IOAPIC_DM_NMI) {
		if (!o->nmi_pending)
			o->nmi_since = seq;
		o->nmi_pending = true;
	} else if (dm == IOAPIC_DM_FIXED || dm == IOAPIC_DM_LOWEST) {
		accept(o, rte & 0xff, level, seq);
	} else {
		note(o, "seq %" PRIu64 ": pin %u delivery mode %u (SMI/INIT/ExtINT) not modelled", seq, pin, dm);
		return;
	}
	if (level)
		o->remote_irr[pin] = true;
}

/* Level pins send while high, unmasked and not awaiting an EOI */
static void pin_eval(struct oracle *o, unsigned pin, uint64_t seq)
{
	uint32_t rte = o->rte[pin];

	if ((rte & IOAPIC_RTE_LEVEL) && !(rte & IOAPIC_RTE_MASKED) && o->line[pin] && !o->remote_irr[pin])
		pin_send(o, pin, seq);
}

static void pin_set(struct oracle *o, unsigned pin, bool high, uint64_t seq)
{
	bool was;

	/* before any line[] access: an INJECT names any pin 0-255 */
	if (pin >= ORACLE_PINS) {
		note(o, "seq %" PRIu64 ": pin %u beyond the modelled %u", seq, pin, ORACLE_PINS);
		return;
	}
	was = o->line[pin];
	if (high && !o->rte_seen[pin])
		note(o, "seq %" PRIu64 ": pin %u raised before any write of its RTE was seen: taken as masked (reset)",
		     seq, pin);
	o->line[pin] = high;
	if (o->rte[pin] & IOAPIC_RTE_LEVEL)
		pin_eval(o, pin, seq);
	else if (high && !was && !(o->rte[pin] & IOAPIC_RTE_MASKED))
		pin_send(o, pin, seq);	/* 82093AA: a masked edge is ignored, not held */
}

static void rte_write(struct oracle *o, unsigned pin, uint32_t lo, uint64_t seq)
{
	if (pin >= ORACLE_PINS)
		return;
	o->rte[pin] = lo;
	o->rte_seen[pin] = true;
	if ((lo & 0xff) >= 16 && !(lo & IOAPIC_RTE_MASKED))
		set(o->modelled, lo & 0xff);
	if (!(lo & IOAPIC_RTE_LEVEL))
		o->remote_irr[pin] = false;	/* as QEMU: remote IRR means nothing for edge */
	pin_eval(o, pin, seq);
}

/* A level vector's EOI reaches the IOAPIC: remote IRR clears, a still-high pin sends again */
static void eoi_broadcast(struct oracle *o, unsigned v, uint64_t seq)
{
	for (unsigned p = 0; p < ORACLE_PINS; p++)
		if ((o->rte[p] & 0xff) == v && (o->rte[p] & IOAPIC_RTE_LEVEL) && o->remote_irr[p]) {
			o->remote_irr[p] = false;
			pin_eval(o, p, seq);
		}
}

/* The guest wrote EOI: retire the highest ISR bit, broadcast a level one */
static void eoi(struct oracle *o, const struct itr_record *r)
{
	int h = highest(o->isr);

	if (h < 0) {
		if (r->vector != 0xff)
			finding(o, OK_EOI, r->seq, NONE, "EOI: the guest saw v=%02x in service, the model none",
				r->vector);
		return;
	}
	if (r->vector != h)
		finding(o, OK_EOI, r->seq, NONE, "EOI retires v=%02x (highest in service); the guest saw %s%02x",
			h, r->vector == 0xff ? "nothing in service, 0x" : "v=", r->vector);
	clr(o->isr, h);
	clr(o->tent, h);
	if (bit(o->tmr, h))
		eoi_broadcast(o, h, r->seq);
}

/*
 * PVM-4 (docs/DIVERGENCES.md): the host EOIs a fixed interrupt when it
 * accepts it. Its IOAPIC hears of it then, unless the IOAPIC is the VMM's,
 * which records the EOI exit itself (it comes at the vCPU's next exit).
 */
static void eoi_at_accept(struct oracle *o, unsigned v, uint64_t seq)
{
	clr(o->isr, v);
	clr(o->tent, v);
	if (bit(o->tmr, v) && !o->host_ioapic)
		eoi_broadcast(o, v, seq);
}

static void push(struct oracle *o, const struct itr_record *r, enum oracle_src what, bool tentative)
{
	if (o->depth < ORACLE_DEPTH)
		o->stack[o->depth] = (struct oracle_frame){ .vector = r->vector, .what = what,
							    .tentative = tentative, .cpl = r->cpl,
							    .cs = r->cs, .ss = r->ss, .rsp = r->rsp,
							    .seq = r->seq };
	o->depth++;
}

/*
 * A delivery that interrupted CPL3 (SDM 6.14.2, 6.14.4): the CPU switched to
 * RSP0 or an IST stack and pushed the interrupted SS:RSP, and both saved
 * selectors are the user's (RPL 3). The guest says which stack its frame is
 * on (ENTRY's stack): SAME is impossible from CPL3.
 */
static void entry_frame(struct oracle *o, const struct itr_record *r)
{
	if (r->cpl != 3 && (r->cs & 3) != 3)
		return;
	if ((r->cs & 3) != r->cpl)
		finding(o, OK_FRAME, r->seq, NONE, "ENTRY v=%02x: cpl %u, but the saved CS %04x has RPL %u",
			r->vector, r->cpl, r->cs, r->cs & 3);
	else if (r->stack == IVM_STACK_SAME)
		finding(o, OK_FRAME, r->seq, NONE,
			"ENTRY v=%02x from CPL3 on the interrupted stack: a delivery from CPL3 switches to RSP0 or an IST stack",
			r->vector);
	else if ((r->ss & 3) != 3)
		finding(o, OK_FRAME, r->seq, NONE, "ENTRY v=%02x from CPL3 saved SS %04x: RPL %u, not 3",
			r->vector, r->ss, r->ss & 3);
}

/*
 * An IRET back to CPL3 of a delivery from CPL3 restores the SS:RSP (and the
 * CS) it saved: a handler may move RIP (a fixup, a system call's return) or
 * RFLAGS (IF, TF), never the user's stack. An IRET to another CPL than the
 * delivery came from is a kernel's own return path (the end of a CPL3 run):
 * not compared.
 */
static void iret_frame(struct oracle *o, const struct itr_record *r, const struct oracle_frame *fr)
{
	if (fr->cpl != 3 || r->cpl != 3)
		return;
	if (r->rsp != fr->rsp || r->ss != fr->ss || r->cs != fr->cs)
		finding(o, OK_FRAME, r->seq, fr->seq,
			"IRET v=%02x to CPL3 restores CS %04x SS:RSP %04x:%016" PRIx64 "; its delivery "
			"(seq %" PRIu64 ") saved CS %04x SS:RSP %04x:%016" PRIx64, r->vector, r->cs, r->ss,
			r->rsp, fr->seq, fr->cs, fr->ss, fr->rsp);
}

static void entry(struct oracle *o, const struct itr_record *r, int key)
{
	unsigned v = r->vector;
	enum oracle_src what = SRC_EXT;
	bool tentative = false, skew;
	int ifl_before = o->ifl;
	char st[160];

	o->deliveries++;
	entry_frame(o, r);
	/*
	 * An NMI can land in a handler's entry stub after it counted itself in
	 * the guest's depth but before its ENTRY record: one deeper, and that
	 * ENTRY follows the NMI's IRET (docs/ORACLE.md, "NMIs inside a record").
	 */
	skew = (key == KEY_NMI || (key < 0 && v == 2)) && r->depth == o->depth + 2;
	if (r->depth != o->depth + 1 + skew)
		finding(o, OK_DEPTH, r->seq, NONE, "ENTRY v=%02x at depth %u; the model is at depth %u, so %u expected",
			v, r->depth, o->depth, o->depth + 1);
	if (key == KEY_NMI) {
		what = SRC_NMI;
	} else if (key >= 0 && (key & KEY_EXC)) {
		what = SRC_EXC;
		if (r->err != o->exc_err)
			finding(o, OK_ERRCODE, r->seq, o->exc_since,
				"injected exception v=%02x: error code %#x expected (seq %" PRIu64 "), observed %#x",
				v, o->exc_err, o->exc_since, r->err);
	} else if (key >= 0 && (key & KEY_SPUR)) {
		what = SRC_SPUR;
	} else if (key >= 0) {
		what = SRC_EXT;
	} else if (v == 2) {
		what = SRC_NMI;
		if (o->nmi_blocked)
			/* past ORACLE_DEPTH the innermost frame is not kept: no seq to name */
			finding(o, OK_NMI, r->seq, o->depth && o->depth <= ORACLE_DEPTH ?
				o->stack[o->depth - 1].seq : NONE,
				"NMI delivered while NMIs are blocked (an NMI handler has not returned with IRET)");
		else if (!o->nmi_pending && o->nmi_second)
			o->nmi_second = false;	/* the one that latched behind the first */
		else if (!o->nmi_pending && o->nmi_owed)
			o->nmi_owed--;		/* an NMI IPI's */
		else if (!o->nmi_pending && o->nmi_ahead > o->nmi_early)
			o->nmi_early++;		/* an NMI IPI's whose record is still to come */
		else if (!o->nmi_pending && o->smp && !o->nmi_ipis)
			o->unmodelled++;	/* another vCPU's NMI IPI: not in the trace */
		else if (!o->nmi_pending)
			finding(o, OK_NMI, r->seq, NONE, "NMI delivered but none is pending%s",
				o->nmi_ipis ? " (none injected, none sent to this vCPU)" : "");
	} else if (v < 32) {
		what = SRC_EXC;		/* synchronous: raised by the guest's own instruction */
	} else if ((int)v == o->soft_vector) {
		what = SRC_SOFT;	/* INT n the VMM delivered */
		o->software++;
	} else {
		/* an interrupt the model did not predict: say why it should not have come */
		unsigned p = ppr(o);
		bool soft = bit(o->ipi_soft, v);
		/*
		 * another vCPU's IPI sent again while one was pending, and not merged:
		 * a send the stream has shown explains it before one still to come does
		 */
		bool may = !soft && o->ipi_may[v];
		bool early = !soft && !may && remote_ipi(o, v);
		/* the second of two sent while the first was taken: pending, so PPR holds it too */
		bool repeat = !bit(o->irr, v) && !soft && !may && !early && bit(o->may_repeat, v);
		bool pending = bit(o->irr, v) || soft || may || early || repeat;
		bool known = bit(o->modelled, v) || bit(o->ipi_vec, v);

		state(o, st, sizeof(st));
		if (o->ifl == 0 || (o->ifl < 0 && !(r->rflags & RFLAGS_IF)))
			finding(o, OK_IF, r->seq, NONE, "v=%02x delivered while IF=0 (%s)", v, st);
		else if ((v >> 4) <= (p >> 4) && (pending || !known))
			finding(o, (o->tpr >> 4) >= (v >> 4) ? OK_TPR : OK_NEST, r->seq, NONE,
				"v=%02x delivered though class %x <= PPR class %x (%s)", v, v >> 4, p >> 4, st);
		else if (repeat)
			clr(o->may_repeat, v);
		else if (known && !pending)
			finding(o, OK_EXTRA, r->seq, NONE, "v=%02x delivered with nothing pending for it (%s)", v, st);
		if (soft && !bit(o->irr, v))
			clr(o->ipi_soft, v);	/* another vCPU's IPI arrived */
		else if (may && !bit(o->irr, v))
			o->ipi_may[v]--;
		else if (early && !bit(o->irr, v))
			o->ipi_early[v]++;	/* its record is still to come */
		if (!known) {
			o->unmodelled++;
			tentative = true;	/* a LAPIC source the trace does not show: timer, self-IPI */
		}
	}
	if (what == SRC_EXT || what == SRC_SPUR) {
		if (what == SRC_EXT && (r->rflags & RFLAGS_IF) == 0 && o->ifl != 0 && o->if_records == 1)
			finding(o, OK_IF, r->seq, NONE, "v=%02x interrupted code with RFLAGS.IF=0", v);
	}
	if (what == SRC_EXT) {
		if (bit(o->accepted, v))
			clr(o->accepted, v);	/* IRR, if set, is a re-send since */
		else
			clr(o->irr, v);
		set(o->isr, v);
		if (tentative)
			set(o->tent, v);
		if (eoi_at_acceptance(o))
			eoi_at_accept(o, v, r->seq);
	}
	if (what == SRC_NMI) {
		o->nmi_pending = false;
		o->nmi_blocked = true;
	}
	if (what == SRC_EXC && key >= 0 && (key & KEY_EXC))
		o->exc_pending = false;
	if (what == SRC_SPUR && o->spur_accepted)
		o->spur_accepted--;
	else if (what == SRC_SPUR)
		o->spur_pending = false;
	if (what == SRC_SOFT)
		o->soft_vector = -1;
	o->ifl = 0;		/* interrupt gates (the guest's IDT, checked by its self-test) */
	push(o, r, what, tentative);
	if (what == SRC_NMI && o->depth <= ORACLE_DEPTH) {
		o->stack[o->depth - 1].skew = skew;
		o->stack[o->depth - 1].ifl_before = (int8_t)ifl_before;
	}
}

static void iret(struct oracle *o, const struct itr_record *r)
{
	bool nmi = false;
	int k, nmi_ifl = -1;
	unsigned skew;

	for (k = (int)o->depth - 1; k >= 0; k--)
		if (k < ORACLE_DEPTH && o->stack[k].vector == r->vector)
			break;
	if (k < 0) {
		finding(o, OK_IRET, r->seq, NONE, "IRET v=%02x depth %u with no open delivery of that vector",
			r->vector, r->depth);
	} else {
		for (int i = (int)o->depth - 1; i > k; i--)
			if (i < ORACLE_DEPTH)
				finding(o, OK_NO_IRET, r->seq, o->stack[i].seq,
					"delivery of v=%02x (seq %" PRIu64 ", depth %d) closed without its IRET"
					" by the IRET of v=%02x", o->stack[i].vector, o->stack[i].seq, i + 1,
					r->vector);
		skew = k < ORACLE_DEPTH ? o->stack[k].skew : 0;
		if (k < ORACLE_DEPTH)
			iret_frame(o, r, &o->stack[k]);
		if (r->depth != (unsigned)k + 1 + skew)
			finding(o, OK_DEPTH, r->seq, NONE, "IRET v=%02x at depth %u; its delivery is at depth %d",
				r->vector, r->depth, k + 1);
		nmi = k < ORACLE_DEPTH && o->stack[k].what == SRC_NMI;
		nmi_ifl = nmi ? o->stack[k].ifl_before : -1;
		for (int i = (int)o->depth - 1; i >= k; i--) {
			const struct oracle_frame *fr = &o->stack[i < ORACLE_DEPTH ? i : 0];

			/* an assumed ISR bit its handler never EOI'd was a software INT n */
			if (fr->tentative && bit(o->tent, fr->vector)) {
				clr(o->isr, fr->vector);
				clr(o->tent, fr->vector);
			}
		}
		o->depth = (unsigned)k;
	}
	o->nmi_blocked = false;		/* SDM 6.7.1: any IRET unblocks NMIs */
	/*
	 * An NMI comes at any instruction, also between a cli or sti and its IF
	 * record, or in a stub before its ENTRY record: the IF in its frame can be
	 * ahead of the stream. What the stream said before the NMI still holds.
	 */
	o->ifl = nmi ? nmi_ifl : o->if_records == 1 ? !!(r->rflags & RFLAGS_IF) : -1;
}

/*
 * An NMI the host sends. Two sent before either is taken: the first may be in
 * delivery when the second comes and latch behind it (KVM's process_nmi keeps
 * two), or both may merge. Either is the SDM's; a third merges.
 */
static void nmi_latch(struct oracle *o, uint64_t seq)
{
	if (o->nmi_pending && !o->nmi_blocked)
		o->nmi_second = true;
	if (!o->nmi_pending)
		o->nmi_since = seq;
	o->nmi_pending = true;	/* one latch (SDM 6.7.1) */
}

static void host(struct oracle *o, const struct itr_record *r)
{
	unsigned kind = r->a & 0xff, arg = r->a >> 8 & 0xff, action = r->a >> 16 & 0xff;
	uint64_t since;

	switch (r->type) {
	case ITR_INJECT:
		switch (kind) {
		case INJ_MSI:
			/* its delivery mode (v3): an NMI latches, an INIT restarts the vCPU (at
			 * its next LDR record), SMI and ExtINT the model has no part of */
			if (ITR_INJ_DELIVERY(r->rsp) == 4) {
				nmi_latch(o, r->seq);
				break;
			}
			if (ITR_INJ_DELIVERY(r->rsp) == 5)
				break;
			if (ITR_INJ_DELIVERY(r->rsp) > 1) {
				note(o, "seq %" PRIu64 ": an MSI of delivery mode %u is not modelled", r->seq,
				     (unsigned)ITR_INJ_DELIVERY(r->rsp));
				break;
			}
			/* fixed or lowest priority to its one destination: edge (docs/ORACLE.md) */
			/* sent from another vCPU's thread while this one ran on */
			if (o->smp && r->vcpu != o->cpu && bit(o->irr, r->vector)) {
				set(o->may_repeat, r->vector);
				o->repeat_since[r->vector] = r->seq;
			}
			accept(o, r->vector, false, r->seq);
			if (o->smp && r->vcpu != o->cpu)
				set(o->remote, r->vector);
			else
				clr(o->remote, r->vector);
			break;
		case INJ_PIN:
			if (action != PIN_DEASSERT)
				pin_set(o, arg, true, r->seq);
			if (action != PIN_ASSERT)
				pin_set(o, arg, false, r->seq);
			break;
		case INJ_NMI:
			nmi_latch(o, r->seq);
			break;
		case INJ_EXCEPTION:
			o->exc_pending = true;
			o->exc_vector = r->vector;
			o->exc_err = r->err;
			o->exc_since = r->seq;
			break;
		case INJ_SPURIOUS:
			o->spur_pending = true;
			o->spur_vector = r->vector ? r->vector : 0xff;
			o->spur_since = r->seq;
			break;
		case INJ_INIT:	/* the vCPU's restart, at its next LDR record, resets the model */
		case INJ_SIPI:	/* starts a vCPU waiting for one: nothing reaches its IRR */
			break;
		default:
			note(o, "seq %" PRIu64 ": injection kind %u not modelled", r->seq, kind);
		}
		break;
	case ITR_IOAPIC:
		o->host_ioapic = true;
		/* the host IOAPIC's own record of an RTE write; the guest's record wins when it has one */
		if (r->a == IOAPIC_EV_RTE_WRITE && !o->guest_rte && r->vector < ORACLE_PINS)
			rte_write(o, r->vector, (uint32_t)r->b, r->seq);
		/* PVM-4 with the VMM's IOAPIC: the acceptance's EOI arrives here, maybe
		 * before the guest's ENTRY record of what was accepted */
		if (r->a == IOAPIC_EV_EOI && eoi_at_acceptance(o)) {
			unsigned v = r->b & 0xff;

			if (bit(o->irr, v) && !bit(o->isr, v)) {
				clr(o->irr, v);
				set(o->accepted, v);
			}
			eoi_broadcast(o, v, r->seq);
		}
		break;
	case ITR_VMM_DELIVERY:
		o->soft_vector = r->vector;
		break;
	case ITR_DELIVER:
		/*
		 * The VMM's INTA (user irqchip): the vector left IRR for this vCPU, its
		 * ENTRY to come; the same vector sent again meanwhile is another one.
		 */
		if (r->a != ITR_DELIVER_IRQ)
			break;
		if (o->spur_pending && r->vector == o->spur_vector) {
			o->spur_pending = false;
			o->spur_accepted++;
		} else if (deliverable(o, &since) == (int)r->vector && !bit(o->accepted, r->vector)) {
			/* only the INTA the model predicts; any other is judged at its ENTRY */
			clr(o->irr, r->vector);
			set(o->accepted, r->vector);
		}
		break;
	case ITR_LOST:
		if (r->a || r->b)
			finding(o, OK_EVIDENCE, r->seq, NONE, "the guest lost %u events (%" PRIu64
				" corrupt): the stream is incomplete", r->a, r->b);
		break;
	default:
		break;
	}
}

/* Whether ENTRY @r is the delivery @key stands for */
static bool takes(int key, const struct itr_record *r)
{
	if (key < 0 || r->type != ITR_ENTRY)
		return false;
	return key == KEY_NMI ? r->vector == 2 : (key & 0xff) == r->vector;
}

/*
 * The vCPU restarted after an INIT (@r: its first LDR record since one
 * reached it; the guest's AP path records its LDR first thing): the LAPIC is
 * at its power-up state (IRR, ISR, TMR clear, TPR 0) and so is the CPU (IF=0,
 * no NMI latched or blocked, nothing in delivery), SDM 11.4.7.3. What was
 * sent to it before the restart is gone; a send after it, fed earlier (the
 * sender's ring drained first), stays owed.
 */
static void restart(struct oracle *o, const struct itr_record *r)
{
	unsigned owed = 0;

	for (unsigned v = 0; v < 256; v++)
		if (bit(o->ipi_soft, v) && o->ipi_time[v] < r->time_ns) {
			clr(o->ipi_soft, v);
			o->ipi_may[v] = 0;
			owed++;
		}
	if (o->nmi_owed && o->nmi_owed_time < r->time_ns) {
		owed += o->nmi_owed;
		o->nmi_owed = 0;
	}
	if (o->depth || highest(o->irr) >= 0 || highest(o->isr) >= 0 || o->nmi_pending || owed)
		note(o, "seq %" PRIu64 ": restarted after an INIT: %u deliveries in progress, IRR %s, ISR %s,"
		     " %u IPIs owed, dropped", r->seq, o->depth, highest(o->irr) >= 0 ? "set" : "clear",
		     highest(o->isr) >= 0 ? "set" : "clear", owed);
	memset(o->irr, 0, sizeof(o->irr));
	memset(o->isr, 0, sizeof(o->isr));
	memset(o->tmr, 0, sizeof(o->tmr));
	memset(o->tent, 0, sizeof(o->tent));
	memset(o->accepted, 0, sizeof(o->accepted));
	memset(o->remote, 0, sizeof(o->remote));
	memset(o->may_repeat, 0, sizeof(o->may_repeat));
	o->tpr = 0;
	o->ifl = o->if_records == 1 ? 0 : -1;	/* a guest that records no IF changes: unknown again */
	o->nmi_pending = o->nmi_blocked = o->nmi_second = false;
	o->exc_pending = o->spur_pending = false;
	o->spur_accepted = 0;
	o->soft_vector = -1;
	o->depth = 0;
	o->cur = -1;
	o->cur_reported = false;
	o->restart_time = r->time_ns;
}

static void guest(struct oracle *o, const struct itr_record *r)
{
	char obs[64], want[48], st[160];

	if (r->type == ITR_LDR) {
		if (o->ldrs && oracle_ldrs__init_between(o->ldrs, o->cpu, o->ldr_time, r->time_ns))
			restart(o, r);
		o->ldr_time = r->time_ns;
	}

	/*
	 * An injected exception goes in at VM entry, and an NMI pending with it is
	 * taken at the handler's first instruction: in its stub (one deeper),
	 * before its ENTRY record, which then follows the NMI's IRET.
	 */
	bool nmi_in_exc_stub = o->cur >= 0 && (o->cur & KEY_EXC) && r->type == ITR_ENTRY &&
			       r->vector == 2 && o->nmi_pending && !o->nmi_blocked &&
			       r->depth == o->depth + 2;
	/* inside such an NMI (to its IRET) the stub's ENTRY is still to come */
	bool in_stub_nmi = o->depth && o->depth <= ORACLE_DEPTH && o->stack[o->depth - 1].skew &&
			   o->stack[o->depth - 1].what == SRC_NMI;

	/* the host accepted it already (PVM-4, split; an INTA-race spurious): no departure */
	bool spur_taken = r->type == ITR_ENTRY && o->spur_accepted && r->vector == o->spur_vector;
	bool was_accepted = (r->type == ITR_ENTRY && bit(o->accepted, r->vector)) || spur_taken;
	/*
	 * smp: a vector sent from another vCPU's thread reaches this vCPU's IRR
	 * while it runs on; what it had already accepted (pending before, or an
	 * IPI the trace can't show) may still be delivered first. So may the
	 * second copy of a vector sent twice that need not have merged (the first
	 * taken in between), sent before it: an ENTRY record comes after the
	 * acceptance, so it can follow the later send's INJECT in the stream
	 * (storm --kinds=ipi, kernel: 3 storms in 500).
	 */
	bool remote_cur = o->smp && r->type == ITR_ENTRY && r->vector >= 32 && o->cur >= 0 &&
			  o->cur < 0x100 && bit(o->remote, o->cur);
	/* (o->cur indexes irr_since only where remote_cur says it is a vector) */
	bool irr_first = remote_cur && bit(o->irr, r->vector) &&
			 o->irr_since[r->vector] <= o->irr_since[o->cur];
	/* the copy taken is the repeat: one in IRR now was sent after o->cur */
	bool repeat_taken = remote_cur && !irr_first && bit(o->may_repeat, r->vector) &&
			    o->repeat_since[r->vector] <= o->irr_since[o->cur];
	bool in_flight = remote_cur && (!bit(o->modelled, r->vector) || irr_first || repeat_taken ||
			 (bit(o->ipi_soft, r->vector) && o->ipi_since[r->vector] <= o->irr_since[o->cur]));
	/*
	 * Another vCPU's IPI of a higher priority than what is deliverable here
	 * (a higher vector, also in its class: SDM 10.8.3.1): it arrived at a
	 * time the stream can't show, and was rightly taken first.
	 */
	bool ipi_first = r->type == ITR_ENTRY && r->vector >= 32 && o->cur >= 0 && o->cur < 0x100 &&
			 !bit(o->irr, r->vector) && remote_ipi(o, r->vector) &&
			 r->vector > (unsigned)o->cur;

	/*
	 * smp: the second of a vector sent twice from another vCPU's thread while
	 * the first was taken waits in IRR from its send: above what is
	 * deliverable here, it is rightly taken first.
	 */
	bool repeat_first = r->type == ITR_ENTRY && r->vector >= 32 && o->cur >= 0 && o->cur < 0x100 &&
			    !bit(o->irr, r->vector) && bit(o->may_repeat, r->vector) &&
			    r->vector > (unsigned)o->cur;

	/* the rule: a deliverable event must be the very next guest record */
	if (o->cur >= 0 && !o->cur_reported && !takes(o->cur, r) && !nmi_in_exc_stub && !in_stub_nmi &&
	    !was_accepted && !in_flight && !ipi_first && !repeat_first) {
		describe(r, obs, sizeof(obs));
		key_name(o->cur, want, sizeof(want));
		state(o, st, sizeof(st));
		bool other_intr = r->type == ITR_ENTRY && r->vector >= 32 && o->cur < 0x100 &&
				  (int)r->vector != o->soft_vector;

		/* PVM-5: late is allowed, another interrupt first never is; lost at the end is */
		if (other_intr || !late_delivery(o)) {
			finding(o, other_intr ? OK_ORDER : OK_LOST, r->seq, o->cur_since,
				"expected ENTRY %s (deliverable since seq %" PRIu64 ": %s), observed %s",
				want, o->cur_since, st, obs);
			o->cur_reported = true;	/* once per expectation, not at every later record */
		}
	}
	switch (r->type) {
	case ITR_ENTRY: {
		int key = -1;

		if (takes(o->cur, r) || was_accepted)
			key = spur_taken ? (KEY_SPUR | r->vector) : was_accepted ? r->vector : o->cur;
		else if (r->vector == 2 && o->nmi_pending && !o->nmi_blocked)
			key = KEY_NMI;
		else if (r->vector >= 32 && o->ifl == 1 && bit(o->irr, r->vector) &&
			 (r->vector >> 4) > (ppr(o) >> 4))
			key = r->vector;	/* deliverable, though not the highest: ORDER was reported */
		else if (o->exc_pending && r->vector == o->exc_vector)
			key = KEY_EXC | r->vector;
		if (o->ifl < 0 && r->vector >= 32 && (r->rflags & RFLAGS_IF))
			o->ifl = 1;	/* learnt: the frame shows IF was set */
		if (repeat_taken && bit(o->irr, r->vector)) {
			uint64_t since = o->irr_since[r->vector];

			/* the later copy came while the repeat waited, or after it was taken:
			 * merged with it, or still to come, as a repeat of its own */
			entry(o, r, key);
			set(o->may_repeat, r->vector);
			o->repeat_since[r->vector] = since;
			break;
		}
		entry(o, r, key);
		break;
	}
	case ITR_IRET: iret(o, r); break;
	case ITR_EOI: eoi(o, r); break;
	case ITR_TPR: o->tpr = r->a & 0xff; break;
	case ITR_IF:
		o->ifl = !!r->a;
		if (o->if_records < 0)
			o->if_records = 1;
		break;
	case ITR_IPI: ipi(o, r); break;	/* this vCPU's own: the rule above judged it as any record */
	case ITR_RTE:
		o->guest_rte = true;
		rte_write(o, r->vector, r->a, r->seq);
		break;
	case ITR_ISR:
		if (!!r->a != bit(o->isr, r->vector))
			finding(o, OK_ISR, r->seq, NONE, "ISR bit of v=%02x read %u; the model has it %s",
				r->vector, !!r->a, bit(o->isr, r->vector) ? "set" : "clear");
		break;
	default:
		break;
	}
}

void oracle__feed(struct oracle *o, const struct itr_record *r)
{
	uint64_t since = NONE;
	int d;

	if (o->ended)
		return;
	if (r->type == ITR_END) {
		oracle__finish(o, true);
		return;
	}
	o->records++;
	if (r->source == ITR_SRC_GUEST && r->type == ITR_IPI && r->vcpu != o->cpu)
		ipi(o, r);	/* another vCPU's send: an input to this one, not its own action */
	else if (r->source == ITR_SRC_GUEST)
		guest(o, r);
	else
		host(o, r);
	d = deliverable(o, &since);
	if (d != o->cur) {
		o->cur = d;
		o->cur_since = r->seq;	/* deliverable from here on: the next guest record must take it */
		o->cur_reported = false;
	}
}

void oracle__finish(struct oracle *o, bool complete)
{
	char want[48], st[160];

	if (o->ended)
		return;
	o->ended = true;
	if (o->cur >= 0 && !o->cur_reported) {
		key_name(o->cur, want, sizeof(want));
		state(o, st, sizeof(st));
		finding(o, OK_LOST, NONE, o->cur_since, "expected ENTRY %s (deliverable since seq %" PRIu64
			": %s), but the trace ended", want, o->cur_since, st);
	}
	for (unsigned v = 0; v < 256; v++)
		if (bit(o->ipi_soft, v))
			finding(o, OK_LOST, NONE, o->ipi_since[v], "IPI v=%02x sent from another vCPU at seq %"
				PRIu64 " was never delivered", v, o->ipi_since[v]);
	if (!complete)
		finding(o, OK_EVIDENCE, NONE, NONE, "the trace is truncated (no END record)");
	if (highest(o->irr) >= 0 || o->nmi_pending) {
		state(o, st, sizeof(st));
		note(o, "at the end, still pending but not deliverable: %s%s", st, o->nmi_pending ? ", NMI" : "");
	}
	if (o->nmi_owed)	/* NMIs merge: two sent while one is pending are one NMI */
		note(o, "%u NMI IPI%s sent to this vCPU (the first at seq %" PRIu64 ") not taken: merged "
		     "with one pending, or still in flight at the end", o->nmi_owed, o->nmi_owed == 1 ? "" : "s",
		     o->nmi_owed_since);
	if (o->depth)
		note(o, "at the end, %u deliveries had not returned", o->depth);
	if (o->if_records != 1)
		note(o, "the guest recorded no IF changes: maskable deliveries are checked only"
		     " against their frames' RFLAGS.IF, and lost interrupts are not detected");
	if (o->unmodelled)
		note(o, "%" PRIu64 " deliveries came from sources the trace does not show (LAPIC timer,"
		     " self-IPI, %snative INT n): checked against IF and PPR only", o->unmodelled,
		     o->smp ? "other vCPUs' IPIs, " : "");
}
