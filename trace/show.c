// SPDX-License-Identifier: MIT
/* `vmm trace show` and `vmm trace stats`: one line per record, and the totals. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "abi.h"
#include "vapic/ioapic.h"
#include "trace_cmd.h"

const char *itr_stack__name(uint8_t stack, char *buf, size_t n)
{
	switch (stack) {
	case IVM_STACK_SAME: return "same";
	case IVM_STACK_RSP0: return "rsp0";
	case IVM_STACK_UNKNOWN: return "unknown";
	}
	snprintf(buf, n, "ist%u", stack - IVM_STACK_IST1 + 1);
	return buf;
}

static const char *const inj_names[] = {
	[INJ_MSI] = "msi", [INJ_PIN] = "pin", [INJ_NMI] = "nmi", [INJ_EXCEPTION] = "exception",
	[INJ_INIT] = "init", [INJ_SIPI] = "sipi", [INJ_SPURIOUS] = "spurious",
};
static const char *const pin_actions[] = {
	[PIN_ASSERT] = "assert", [PIN_DEASSERT] = "deassert", [PIN_PULSE] = "pulse",
};

static const char *exit_name(uint32_t reason)
{
	static const char *const names[] = {	/* KVM_EXIT_* values from linux/kvm.h */
		[0] = "unknown", [1] = "exception", [2] = "io", [3] = "hypercall", [4] = "debug",
		[5] = "hlt", [6] = "mmio", [7] = "irq-window-open", [8] = "shutdown",
		[9] = "fail-entry", [10] = "intr", [11] = "set-tpr", [12] = "tpr-access",
		[17] = "internal-error", [24] = "system-event", [26] = "ioapic-eoi",
	};

	return reason < sizeof(names) / sizeof(names[0]) && names[reason] ? names[reason] : NULL;
}

/* What INJECT's b says about where it happened: docs/TRACE.md "Room for replay". */
static int inject_point(uint64_t b, char *buf, size_t n)
{
	if (b >> 63)
		return snprintf(buf, n, "at +%" PRIu64 "us", b & ~(UINT64_C(1) << 63));
	return snprintf(buf, n, "at sync %" PRIu64, b);
}

static int format_emulate_failed(const struct itr_record *r, const char *tp, char *buf, size_t n)
{
	const char *mode = itr_kvm_emul_mode__name(ITR_TP_INSN_FLAGS(r->b));
	char insn[48], mb[16];

	if (r->vector)
		itr_kvm_tp__insn(r, insn, sizeof(insn));
	else
		snprintf(insn, sizeof(insn), "(none)");
	if (!mode) {
		snprintf(mb, sizeof(mb), "flags=%#x", ITR_TP_INSN_FLAGS(r->b));
		mode = mb;
	}
	return snprintf(buf, n, "kvm: %s failed rip=%#" PRIx64 " insn=%s (%s)", tp, r->rip, insn, mode);
}

/*
 * ITR_KVM_TP with its fields named as the kernel's tracepoint names them
 * (docs/TRACE.md "KVM tracepoints"); the vector is v=, as in QEMU's lines.
 */
static int format_kvm_tp(const struct itr_record *r, char *buf, size_t n)
{
	static const char *const dm[8] = { "Fixed", "LowPrio", "SMI", "Res3", "NMI", "INIT", "SIPI", "ExtINT" };
	const char *tp = itr_kvm_tp__name(r->a);

	switch (r->a) {
	case ITR_TP_INJ_VIRQ:
		return snprintf(buf, n, "kvm: %s v=%02x soft=%u reinjected=%u", tp, r->vector,
				(unsigned)(r->b & 1), (unsigned)(r->rip & 1));
	case ITR_TP_INJ_EXCEPTION:
		if (!r->b)
			return snprintf(buf, n, "kvm: %s v=%02x has_error=0", tp, r->vector);
		return snprintf(buf, n, "kvm: %s v=%02x has_error=1 error_code=%#" PRIx64, tp, r->vector,
				r->rip);
	case ITR_TP_APIC_ACCEPT_IRQ:	/* rip = dm | tm: the kernel's dm is the delivery mode << 8 */
		return snprintf(buf, n, "kvm: %s v=%02x apicid=%" PRIu64 " dm=%s tm=%s", tp, r->vector,
				r->b, dm[(r->rip >> 8) & 7], r->rip & 1 ? "level" : "edge");
	case ITR_TP_EOI:
		return snprintf(buf, n, "kvm: %s v=%02x apicid=%" PRIu64, tp, r->vector, r->b);
	case ITR_TP_MSI_SET_IRQ:
		return snprintf(buf, n, "kvm: %s v=%02x address=%#" PRIx64 " data=%#" PRIx64, tp, r->vector,
				r->b, r->rip);
	case ITR_TP_IOAPIC_SET_IRQ:
		return snprintf(buf, n, "kvm: %s pin=%u e=%#" PRIx64 " coalesced=%u", tp, r->vector, r->b,
				(unsigned)(r->rip & 1));
	case ITR_TP_EMULATE_FAILED:
		return format_emulate_failed(r, tp, buf, n);
	}
	return snprintf(buf, n, "kvm: tracepoint %u v=%02x b=%#" PRIx64 " rip=%#" PRIx64, r->a, r->vector,
			r->b, r->rip);
}

static void format_host(const struct itr_record *r, char *buf, size_t n)
{
	const char *who = r->source == ITR_SRC_KVM ? "kvm" : "vmm";
	char pt[48], sb[16];
	int k = 0;

	switch (r->type) {
	case ITR_INJECT: {
		unsigned kind = r->a & 0xff, arg = (r->a >> 8) & 0xff, act = (r->a >> 16) & 0xff;
		const char *kn = kind < sizeof(inj_names) / sizeof(inj_names[0]) ? inj_names[kind] : "?";

		if (r->rsp & ITR_INJ_BY_GUEST)
			snprintf(pt, sizeof(pt), "by the guest (pc-testdev)");
		else
			inject_point(r->b, pt, sizeof(pt));
		if (kind == 1)	/* pin: arg = pin, action */
			k = snprintf(buf, n, "%s: inject pin %u %s vector %#x %s", who, arg,
				     act < 3 ? pin_actions[act] : "?", r->vector, pt);
		else
			k = snprintf(buf, n, "%s: inject %s vector %#x dest %u %s", who, kn, r->vector, arg, pt);
		if (r->err != 0xffffffffu && k >= 0 && (size_t)k < n)
			k += snprintf(buf + k, n - k, " err %#x", r->err);
		break;
	}
	case ITR_EXIT: {
		const char *en = exit_name(r->a);

		if (en)
			k = snprintf(buf, n, "%s: exit %s rip=%#" PRIx64, who, en, r->rip);
		else
			k = snprintf(buf, n, "%s: exit %u rip=%#" PRIx64, who, r->a, r->rip);
		break;
	}
	case ITR_IOAPIC:
		if (r->vector == 0xff)
			k = snprintf(buf, n, "%s: ioapic %s %#" PRIx64 " %#" PRIx64, who,
				     ioapic__event_name(r->a), r->b, r->rip);
		else
			k = snprintf(buf, n, "%s: ioapic pin %u %s %#" PRIx64 " %#" PRIx64, who, r->vector,
				     ioapic__event_name(r->a), r->b, r->rip);
		break;
	case ITR_VMM_DELIVERY:
		k = snprintf(buf, n, "%s: delivered v=%02x at %#" PRIx64 " -> %04x:%#" PRIx64 " rsp=%#" PRIx64
			     " stack=%s", who, r->vector, r->rip, r->cs, r->b, r->rsp,
			     itr_stack__name(r->stack, sb, sizeof(sb)));
		break;
	case ITR_KVM_TP:
		k = format_kvm_tp(r, buf, n);
		break;
	case ITR_MILESTONE:
		k = snprintf(buf, n, "%s: milestone %u", who, r->a);
		break;
	case ITR_LOST:
		k = snprintf(buf, n, "%s: lost %u guest events (ring full), %" PRIu64 " never published",
			     who, r->a, r->b);
		break;
	case ITR_BAD_GUEST: {
		/* b: vmm/model/evring.h enum evring_bad, the fields that were impossible */
		static const char *const what[] = { "kind", "depth", "cpl", "stack", "errcode" };
		char why[48] = "";
		size_t w = 0;

		for (unsigned i = 0; i < 5; i++)
			if (r->b >> i & 1)
				w += snprintf(why + w, sizeof(why) - w, "%s%s", w ? "," : "", what[i]);
		k = snprintf(buf, n, "%s: refused a guest record: kind %u vector %#x, bad %s", who, r->a,
			     r->vector, w ? why : "?");
		break;
	}
	case ITR_DELIVER:
		k = snprintf(buf, n, "%s: deliver %s v=%02x at RIP=%016" PRIx64 " SP=%016" PRIx64
			     " RFL=%08x after %" PRIu64 " guest ring slots", who,
			     r->a == ITR_DELIVER_NMI ? "nmi" : r->a == ITR_DELIVER_STOP ? "stop" :
			     r->a == ITR_DELIVER_TIMER ? "timer-count" :
			     r->a == ITR_DELIVER_STEP ? "delay-step" : "irq",
			     r->vector, r->rip, r->rsp,
			     r->rflags, r->b);
		if (r->a == ITR_DELIVER_NMI && r->depth == ITR_NMI_BLOCKED && k >= 0 && (size_t)k < n)
			k += snprintf(buf + k, n - (size_t)k, " (NMIs blocked)");
		if (r->a == ITR_DELIVER_NMI && r->stack & ITR_NMI_HELD_KNOWN &&
		    (ITR_NMI_HELD_PENDING(r->stack) || ITR_NMI_HELD_INJECTED(r->stack)) && k >= 0 &&
		    (size_t)k < n)
			k += snprintf(buf + k, n - (size_t)k, " (KVM held %u pending%s)",
				      ITR_NMI_HELD_PENDING(r->stack),
				      ITR_NMI_HELD_INJECTED(r->stack) ? ", one being injected" : "");
		break;
	case ITR_QUIET: {
		/* a: include/abi.h IVM_QUIET_*, bit i named what[i]; 0 is the one quiet answer */
		static const char *const what[] = { "running", "if0", "irr", "isr", "event", "ring",
						    "no-answer" };
		char why[64] = "";
		size_t w = 0;

		for (unsigned i = 0; i < 32 && w < sizeof(why); i++)
			if (r->a >> i & 1)
				w += snprintf(why + w, sizeof(why) - w, "%s%s", w ? "," : "",
					      i < 7 ? what[i] : "?");
		if (r->vector == 0xff)
			k = snprintf(buf, n, "%s: quiet? cpu 255+", who);
		else
			k = snprintf(buf, n, "%s: quiet? cpu %u", who, r->vector);
		if (k >= 0 && (size_t)k < n)
			k += snprintf(buf + k, n - k, " -> %s RIP=%016" PRIx64 " after %" PRIu64
				      " guest ring slots", w ? why : "quiet", r->rip, r->b);
		break;
	}
	case ITR_IRR:
		/* a: bit w set, IRR word w (vectors 32w..32w+31) held a vector */
		k = snprintf(buf, n, "%s: irr? -> words %#x IP=%016" PRIx64 " after %" PRIu64
			     " guest ring slots", who, r->a, r->rip, r->b);
		break;
	case ITR_PROGRESS:
		/* a: the counter another vCPU counts up, as read at this exit */
		k = snprintf(buf, n, "%s: progress? [%#" PRIx64 "] -> %u IP=%016" PRIx64 " after %" PRIu64
			     " guest ring slots", who, r->rsp, r->a, r->rip, r->b);
		break;
	case ITR_UNPUBLISHED:
		k = snprintf(buf, n, "%s: slot %" PRIu64 " never published: %s", who, r->b,
			     r->a ? "cut off by the end of the run" : "lost, its writer abandoned");
		break;
	case ITR_END:
		k = snprintf(buf, n, "end: %u records", r->a);
		/* v2: why the run ended (v1 traces leave 0xffffffff: not said) */
		if (r->err != 0xffffffffu && k >= 0 && (size_t)k < n)
			k += snprintf(buf + k, n - k, "; exit status %u", r->err);
		if (r->vector && k >= 0 && (size_t)k < n)
			k += snprintf(buf + k, n - k, ", signal SIG%s", sigabbrev_np(r->vector) ?
				      sigabbrev_np(r->vector) : "?");
		break;
	default:
		k = snprintf(buf, n, "%s: record type %#x a=%#x b=%#" PRIx64, who, r->type, r->a, r->b);
	}
	if (r->vcpu && k >= 0 && (size_t)k < n)
		snprintf(buf + k, n - k, " cpu=%u", r->vcpu);
}

/* @soft: the trace shows this ENTRY to be a software interrupt (QEMU's i=1). */
static void show_line(const struct itr_record *r, unsigned depth, bool soft, char *buf, size_t n)
{
	unsigned ind = depth;
	char sb[16];
	int k;

	if (r->type == ITR_ENTRY || r->type == ITR_IRET)
		ind = r->depth ? r->depth - 1u : 0;
	if (ind > 32)
		ind = 32;
	k = snprintf(buf, n, "%6" PRIu64 ": %*s", r->seq, (int)ind * 2, "");
	if (k < 0 || (size_t)k >= n)
		return;
	buf += k;
	n -= k;
	if (r->source != ITR_SRC_GUEST || r->type > ITR_GUEST_LAST) {
		format_host(r, buf, n);
		return;
	}
	switch (r->type) {
	case ITR_ENTRY:	/* QEMU -d int: e= is 0 when no error code was pushed, as QEMU prints it */
		k = snprintf(buf, n, "v=%02x e=%04x i=%d cpl=%u IP=%04x:%016" PRIx64 " SP=%04x:%016" PRIx64
			     " RFL=%08x stack=%s depth=%u", r->vector, r->err == 0xffffffffu ? 0 : r->err,
			     soft, r->cpl, r->cs, r->rip, r->ss, r->rsp, r->rflags,
			     itr_stack__name(r->stack, sb, sizeof(sb)), r->depth);
		/* #PF: the faulting address, as QEMU -d int prints it (b; traces since page v3) */
		if (r->vector == 14 && r->b && k >= 0 && (size_t)k < n)
			k += snprintf(buf + k, n - k, " CR2=%016" PRIx64, r->b);
		break;
	case ITR_IRET:
		k = snprintf(buf, n, "iret v=%02x cpl=%u IP=%04x:%016" PRIx64 " SP=%04x:%016" PRIx64
			     " RFL=%08x depth=%u", r->vector, r->cpl, r->cs, r->rip, r->ss, r->rsp,
			     r->rflags, r->depth);
		break;
	case ITR_EOI: k = snprintf(buf, n, "eoi v=%02x", r->vector); break;
	case ITR_TPR: k = snprintf(buf, n, "tpr %#x", r->a); break;
	case ITR_SOFTIRQ: k = snprintf(buf, n, "softirq %u", r->a); break;
	case ITR_TASKLET: k = snprintf(buf, n, "tasklet %u", r->a); break;
	case ITR_SYNC: k = snprintf(buf, n, "sync %u", r->a); break;
	case ITR_MARK: k = snprintf(buf, n, "mark %#x", r->a); break;
	case ITR_ISR: k = snprintf(buf, n, "isr v=%02x %s", r->vector, r->a ? "set" : "clear"); break;
	case ITR_IF: k = snprintf(buf, n, "%s (if=%u)", r->a ? "sti" : "cli", r->a ? 1 : 0); break;
	case ITR_RTE: k = snprintf(buf, n, "rte pin %u = %#x (v=%02x %s%s)", r->vector, r->a, r->a & 0xff,
				   r->a & (1u << 15) ? "level" : "edge", r->a & (1u << 16) ? " masked" : ""); break;
	case ITR_IPI: {
		static const char *const dm[8] = { "fixed", "lowest", "smi", "dm3", "nmi", "init", "sipi", "extint" };
		static const char *const sh[4] = { "", "self", "all", "all-but-self" };
		unsigned s = IVM_IPI_SHORTHAND(r->a);

		if (s)
			k = snprintf(buf, n, "ipi v=%02x %s to %s", r->vector, dm[IVM_IPI_DM(r->a)], sh[s]);
		else if (r->a & IVM_IPI_NOWHERE)
			k = snprintf(buf, n, "ipi v=%02x %s to %s beyond the vCPUs (x2apic)", r->vector,
				     dm[IVM_IPI_DM(r->a)], IVM_IPI_LOGICAL(r->a) ? "logical" : "apic");
		else
			k = snprintf(buf, n, "ipi v=%02x %s to %s %#x", r->vector, dm[IVM_IPI_DM(r->a)],
				     IVM_IPI_LOGICAL(r->a) ? "logical" : "apic", IVM_IPI_DEST(r->a));
		break;
	}
	case ITR_LDR:
		if (r->vector == IVM_LDR_X2APIC)
			k = snprintf(buf, n, "ldr x2apic cluster %u bits %#x", r->a >> 16, r->a & 0xffff);
		else
			k = snprintf(buf, n, "ldr %s %#x", r->vector == IVM_LDR_FLAT ? "flat" :
				     r->vector == IVM_LDR_CLUSTER ? "cluster" : "model?", r->a >> 24);
		break;
	case ITR_READ: {
		/* the LAPIC's 8-word banks by index (offset >> 4): ISR 0x10, TMR 0x18, IRR 0x20 */
		const char *bank = r->vector >= 0x10 && r->vector < 0x28 ?
				   (const char *[]){ "isr", "tmr", "irr" }[(r->vector - 0x10) / 8] : NULL;

		if (bank)
			k = snprintf(buf, n, "read %s%u = %#x IP=%016" PRIx64, bank, r->vector % 8, r->a, r->rip);
		else
			k = snprintf(buf, n, "read apic %#x = %#x IP=%016" PRIx64, (unsigned)r->vector << 4, r->a,
				     r->rip);
		break;
	}
	default: k = snprintf(buf, n, "guest record type %#x", r->type);
	}
	if (r->vcpu && k >= 0 && (size_t)k < n)
		snprintf(buf + k, n - k, " cpu=%u", r->vcpu);
}

void itr_show__format(const struct itr_record *r, unsigned depth, char *buf, size_t n)
{
	show_line(r, depth, false, buf, n);
}

/*
 * Which deliveries the trace shows to be software interrupts, for QEMU's i=1
 * (INT n, INT3, INTO; not INT1, which QEMU logs with i=0 as well):
 * - one `./vmm` delivered itself: a VMM_DELIVERY (rip = the instruction), then
 *   the next ENTRY of that vector on that vCPU whose saved RIP is the
 *   instruction's end, 1 to 15 bytes further. One byte with vector 1 is INT1.
 * - #BP (3) and #OF (4) that the VMM did not inject: nothing but INT3, INT n
 *   and INTO raises them.
 * Everything else is i=0. A software interrupt the CPU or KVM delivered with no
 * exit (`int $0x80` at CPL3 on VMX/SVM) leaves no host record, so the trace
 * can't tell it from a hardware interrupt of the same vector.
 */
struct soft_cpu {
	uint64_t rip;		/* the pending VMM delivery's instruction */
	uint8_t vector;
	bool pending;
	uint8_t injected[256 / 8];	/* exceptions the VMM injected, not yet entered */
};
struct soft_track {
	struct soft_cpu cpu[256];
};

static bool soft_track__feed(struct soft_track *s, const struct itr_record *r)
{
	struct soft_cpu *c = &s->cpu[r->vcpu];
	uint8_t v = r->vector, bit = 1u << (v & 7);
	bool soft;

	if (r->type == ITR_VMM_DELIVERY) {
		c->pending = true;
		c->vector = v;
		c->rip = r->rip;
		return false;
	}
	if (r->type == ITR_INJECT && (r->a & 0xff) == INJ_EXCEPTION) {
		c->injected[v / 8] |= bit;
		return false;
	}
	if (r->type != ITR_ENTRY || r->source != ITR_SRC_GUEST)
		return false;
	if (c->pending && c->vector == v && r->rip > c->rip && r->rip - c->rip <= 15) {
		c->pending = false;
		c->injected[v / 8] &= ~bit;
		return !(v == 1 && r->rip - c->rip == 1);
	}
	soft = (v == 3 || v == 4) && !(c->injected[v / 8] & bit);
	c->injected[v / 8] &= ~bit;
	return soft;
}

int itr_match__feed(struct itr_match *m, const struct itr_record *r, struct itr_match_frame *closed)
{
	unsigned v = r->vcpu, top = m->open[v];
	int k = 0;

	if (r->source != ITR_SRC_GUEST)
		return 0;
	if (r->type == ITR_ENTRY) {
		m->depth[v] = r->depth;
		if (r->depth > m->max_depth)
			m->max_depth = r->depth;
		if (top == ITR_MATCH_DEPTH) {	/* deeper than we track: forget the outermost */
			memmove(&m->stack[v][0], &m->stack[v][1], (top - 1) * sizeof(m->stack[v][0]));
			m->overflow++;
			top--;
		}
		m->stack[v][top] = (struct itr_match_frame){ r->vector, r->seq, r->time_ns };
		m->open[v] = top + 1;
		return 0;
	}
	if (r->type != ITR_IRET)
		return 0;
	m->depth[v] = r->depth ? r->depth - 1 : 0;
	for (unsigned i = top; i-- > 0;) {
		if (m->stack[v][i].vector != r->vector)
			continue;
		for (unsigned j = top; j-- > i;)	/* inner ones that never returned first */
			closed[k++] = m->stack[v][j];
		m->unmatched_entries += top - i - 1;
		m->open[v] = i;
		return k;
	}
	m->unmatched_irets++;
	return -1;
}

void itr_match__finish(struct itr_match *m)
{
	for (unsigned v = 0; v < 256; v++) {
		m->unmatched_entries += m->open[v];
		m->open[v] = 0;
	}
}

static int usage_err(const char *cmd, const char *what)
{
	fprintf(stderr, "vmm trace %s: %s (see vmm trace --help)\n", cmd, what);
	return 2;
}

static void truncated_warning(const char *path, struct itr_reader *r, uint64_t nrec)
{
	fprintf(stderr, "vmm trace: warning: %s: truncated: no ITR_END after %" PRIu64 " records%s",
		path, nrec, itr_reader__trailing_bytes(r) ? "" : "\n");
	if (itr_reader__trailing_bytes(r))
		fprintf(stderr, ", %" PRIu64 " trailing bytes of a partial record\n",
			itr_reader__trailing_bytes(r));
}

/* The reader and delivery matcher show and stats both walk a trace with. */
static int open_trace(const char *path, struct itr_header *h, struct itr_reader **r, struct itr_match **m)
{
	char err[512];

	*r = itr_reader__open(path, h, err, sizeof(err));
	*m = calloc(1, sizeof(**m));
	if (*r && *m)
		return 0;
	fprintf(stderr, "vmm trace: %s\n", *r ? "out of memory" : err);
	itr_reader__close(*r);
	free(*m);
	return -1;
}

int itr_show__main(int argc, char **argv)
{
	struct itr_match_frame closed[ITR_MATCH_DEPTH];
	struct itr_header h;
	struct itr_record rec;
	struct itr_reader *r;
	struct itr_match *m;
	struct soft_track *soft;
	char err[512], line[512];
	uint64_t n = 0;
	int st;

	if (argc != 2 || argv[1][0] == '-')
		return usage_err("show", "usage: vmm trace show FILE");
	if (open_trace(argv[1], &h, &r, &m) < 0)
		return 2;
	soft = calloc(1, sizeof(*soft));
	if (!soft) {
		fprintf(stderr, "vmm trace: out of memory\n");
		itr_reader__close(r);
		free(m);
		return 2;
	}
	printf("# trace %s: scenario '%s' irqchip %s host '%s' cmdline '%s'\n", argv[1], h.scenario,
	       h.irqchip, h.host, h.cmdline);
	while ((st = itr_reader__next(r, &rec, err, sizeof(err))) == 1) {
		show_line(&rec, m->depth[rec.vcpu], soft_track__feed(soft, &rec), line, sizeof(line));
		puts(line);
		itr_match__feed(m, &rec, closed);
		n++;
	}
	fflush(stdout);
	if (st < 0) {
		fprintf(stderr, "vmm trace: %s\n", err);
		st = 2;
	} else if (!itr_reader__complete(r)) {
		truncated_warning(argv[1], r, n);
		st = 1;
	}
	itr_reader__close(r);
	free(m);
	free(soft);
	return st;
}

static const char *vector_name(unsigned v)
{
	static const char *const exc[32] = {
		"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", NULL, "#TS", "#NP",
		"#SS", "#GP", "#PF", NULL, "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
	};

	return v < 32 && exc[v] ? exc[v] : "";
}

int itr_stats__main(int argc, char **argv)
{
	struct itr_match_frame closed[ITR_MATCH_DEPTH];
	uint64_t by_type[ITR_HOST_LAST + 2] = { 0 }, by_vec[256] = { 0 };
	uint64_t n = 0, lost = 0, t0 = 0, t1 = 0, hosts = 0;
	struct itr_header h;
	struct itr_record rec;
	struct itr_reader *r;
	struct itr_match *m;
	char err[512];
	int st;

	if (argc != 2 || argv[1][0] == '-')
		return usage_err("stats", "usage: vmm trace stats FILE");
	if (open_trace(argv[1], &h, &r, &m) < 0)
		return 2;
	while ((st = itr_reader__next(r, &rec, err, sizeof(err))) == 1) {
		if (rec.type == ITR_END)
			continue;
		if (!n++)
			t0 = rec.time_ns;
		t1 = rec.time_ns;
		by_type[rec.type <= ITR_HOST_LAST ? rec.type : ITR_HOST_LAST + 1]++;
		if (rec.source != ITR_SRC_GUEST)
			hosts++;
		if (rec.type == ITR_ENTRY && rec.source == ITR_SRC_GUEST)
			by_vec[rec.vector]++;
		if (rec.type == ITR_LOST)
			lost += rec.a + rec.b;
		if (rec.type == ITR_BAD_GUEST)
			lost++;
		itr_match__feed(m, &rec, closed);
	}
	if (st < 0) {
		fprintf(stderr, "vmm trace: %s\n", err);
		itr_reader__close(r);
		free(m);
		return 2;
	}
	itr_match__finish(m);
	printf("trace: %s\n", argv[1]);
	printf("scenario: '%s'  irqchip: %s  host: '%s'\n", h.scenario, h.irqchip, h.host);
	printf("records: %" PRIu64 " (%" PRIu64 " guest, %" PRIu64 " host), %s\n", n, n - hosts, hosts,
	       itr_reader__complete(r) ? "complete" : "TRUNCATED");
	printf("time span: %" PRIu64 ".%09" PRIu64 " s (%" PRIu64 " ns to %" PRIu64 " ns)\n",
	       (t1 - t0) / 1000000000u, (t1 - t0) % 1000000000u, t0, t1);
	printf("records by type:\n");
	for (unsigned t = 0; t <= ITR_HOST_LAST; t++)
		if (by_type[t])
			printf("  %-13s %12" PRIu64 "\n", itr_type__name(t), by_type[t]);
	printf("deliveries by vector:\n");
	for (unsigned v = 0; v < 256; v++)
		if (by_vec[v])
			printf("  0x%02x %-4s %12" PRIu64 "\n", v, vector_name(v), by_vec[v]);
	printf("max nesting depth: %u\n", m->max_depth);
	printf("deliveries without a matching IRET: %" PRIu64 "\n", m->unmatched_entries);
	printf("IRETs without a matching delivery: %" PRIu64 "\n", m->unmatched_irets);
	printf("lost or refused records: %" PRIu64 "\n", lost);
	fflush(stdout);
	st = 0;
	if (!itr_reader__complete(r)) {
		truncated_warning(argv[1], r, n);
		st = 1;
	}
	itr_reader__close(r);
	free(m);
	return st;
}
