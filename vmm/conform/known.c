// SPDX-License-Identifier: MIT
/*
 * The divergences the project knows, each with its ID (docs/DIVERGENCES.md
 * is generated from this table), and the exact signature by which a case's
 * result is recognised as one: the case, what was delivered instead, exactly
 * which checks failed. Anything else that differs is "new".
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "abi.h"
#include "conform.h"

static const struct conf_divergence divergences[] = {
	{ "PVM-1", "PVM", "`int $n`, `int3` and `int1` at CPL0 deliver through the IDT",
	  "KVM's emulator can't run them: `KVM_EXIT_INTERNAL_ERROR` (emulation failure); "
	  "the VMM delivers them itself (`via vmm`)", NULL, NULL },
	{ "PVM-2", "PVM", "`int n` at CPL3 goes through gate n: vector n through a DPL3 gate, "
	  "#GP(n*8+2) through a DPL0 gate",
	  "#UD, with no error code, at the `int` instruction, whatever the gate", NULL, NULL },
	{ "PVM-3", "PVM", "`out`/`in` at CPL3 with IOPL 0 and no I/O permission bitmap raise #GP(0)",
	  "the access exits to the VMM as `KVM_EXIT_IO`; the guest sees no fault",
	  "not seen on the hosts of 2026-12 (Linux 6.18): `out-cpl3-iopl0` and `in-cpl3-iopl0` pass", NULL },
	{ "PVM-4", "PVM", "a fixed interrupt stays in the LAPIC's ISR until the guest writes EOI; "
	  "an IOAPIC level pin keeps remote IRR until then",
	  "the in-kernel LAPIC EOIs the vector when it accepts it (kernel and split irqchips)", NULL, NULL },
	{ "PVM-5", "PVM", "an event that becomes deliverable is taken at the next instruction "
	  "boundary (after `sti`'s shadow, after the IRET that unblocks NMIs)",
	  "it is taken only at the next VM exit, often much later", NULL, NULL },
	{ "PVM-6", "PVM", "x87 and SSE instructions run at CPL0 (and fault as the SDM says)",
	  "KVM's CPL0 emulator can't execute them: emulation failure; the VMM injects #UD "
	  "(KVM's `handle_ud` policy), or #NM itself when CR0.TS is set", NULL, NULL },
	{ "PVM-7", "PVM", "an x87 instruction at CPL3 with CR0.TS=1 raises #NM",
	  "it runs natively: no #NM", NULL, NULL },
	{ "PVM-8", "PVM", "#NP while delivering a benign exception (#UD, the single-step #DB) is "
	  "delivered as #NP",
	  "escalated to #DF(0) on IST1", NULL, NULL },
	{ "PVM-9", "PVM", "an instruction that completes is not an emulation failure",
	  "KVM's `kvm_emulate_insn` tracepoint reports `iretq` (48 cf) as failed, "
	  "yet the guest goes on at the right place", NULL, NULL },
	{ "PVM-10", "PVM", "`icebp` (`int1`) at CPL3 raises #DB as a trap: the saved RIP follows "
	  "the instruction", "the saved RIP is the `icebp` itself, as for a fault", NULL,
	  "seen on the hosts before 2026-12 and on Linux 6.18.44-fc-v1098 (2026-12-02, AMD EPYC); "
	  "not on 6.18.44-fc-v1045 the same day, where `int1-cpl3` passed in every mode" },
	{ "PVM-11", "PVM", "`tzcnt` (F3 0F BC) counts trailing zeros: a zero source gives the operand "
	  "width and CF=1", "KVM's CPL0 emulator runs it as `bsf`: a zero source leaves the destination "
	  "and sets ZF", NULL, NULL },
	{ "PVM-12", "PVM", "a 32-bit `cmpxchg` to a register that fails leaves the destination as the "
	  "CPU does (this CPU: RCX unchanged)", "KVM's CPL0 emulator writes it back as a 32-bit "
	  "register: bits 63:32 cleared (the SDM's pseudo-code writes DEST; CPUs differ)", NULL, NULL },
	{ "PVM-13", "PVM", "`popcnt`, BMI1 (`andn`, `bextr`, `blsi`, `blsr`, `blsmsk`), ADX, `movbe`, "
	  "`crc32` and `cmpxchg16b` run at CPL0 where CPUID offers them",
	  "KVM's CPL0 emulator can't execute them: emulation failure, and the VMM injects #UD "
	  "(KVM's `handle_ud` policy)", NULL, NULL },
	{ "PVM-14", "PVM", "`mov ss` blocks debug exceptions until after the next instruction: "
	  "with TF set, the single-step #DB comes after the instruction that follows it",
	  "KVM's CPL0 emulator delivers the #DB right after `mov ss` (CPL3, native, is right)", NULL, NULL },
	{ "PVM-15", "PVM", "`int3` at CPL3 through a DPL0 gate raises #GP(3*8+2)",
	  "#BP is delivered through the gate anyway, its DPL not checked", NULL, NULL },
	{ "PVM-16", "PVM", "`wrmsr` to IA32_PAT with an entry of a reserved memory type (2, 3, or "
	  "above 7) raises #GP(0)", "no fault: the value is taken", NULL, NULL },
	{ "PVM-17", "PVM", "with IOPL 3, `in`/`out` and `cli`/`sti` run at CPL3",
	  "#GP(0), as with IOPL 0: the guest's IOPL is not applied to CPL3 code, which runs "
	  "natively", NULL, NULL },
	{ "QEMU-1", "QEMU 7.2 TCG", "a non-canonical access through RBP gives #SS(0)", "#GP(0)", NULL, NULL },
	{ "QEMU-2", "QEMU 7.2 TCG", "SS is unchanged on an IST switch without a privilege change",
	  "SS is loaded with NULL", NULL, NULL },
	{ "QEMU-3", "QEMU 7.2 TCG", "#XM for an unmasked SIMD exception when CR4.OSXMMEXCPT=1",
	  "never raised (MXCSR shows the flag)", NULL, NULL },
	{ "QEMU-4", "QEMU 7.2 TCG", "#AC(0) for a misaligned access at CPL3 with CR0.AM and RFLAGS.AC",
	  "no #AC: TCG never checks alignment", NULL, NULL },
	{ "QEMU-5", "QEMU 7.2 TCG", "`int n` (and `int3`) through a DPL0 gate from CPL3 gives #GP(n*8+2)",
	  "#GP(n*16+2)", NULL, NULL },
	{ "QEMU-6", "QEMU 7.2 TCG", "#NP during delivery has error code vector*8+2+EXT",
	  "vector*16+2, no EXT bit", NULL, NULL },
	{ "QEMU-7", "QEMU 7.2 TCG", "`icebp` (`int1`) raises #DB, a trap, on the #DB gate's stack",
	  "#UD at the instruction", NULL, NULL },
	{ "QEMU-8", "QEMU 7.2 TCG", "`rdmsr`/`wrmsr` of an MSR the CPU does not have raise #GP(0)",
	  "no fault", NULL, NULL },
	{ "QEMU-9", "QEMU 7.2 TCG", "`wrmsr` to EFER with a reserved bit set raises #GP(0)",
	  "no fault", NULL, NULL },
	{ "QEMU-10", "QEMU 7.2 TCG", "`wrmsr` to IA32_PAT with a reserved memory type in an entry "
	  "raises #GP(0)", "no fault", NULL, NULL },
	{ "QEMU-11", "QEMU 7.2 TCG", "`wrmsr` to IA32_APIC_BASE with a reserved bit set raises #GP(0)",
	  "no fault", NULL, NULL },
	{ "QEMU-12", "QEMU 7.2 TCG", "a write to the APIC's TPR register that unmasks a pending "
	  "interrupt lets it in at the next instruction boundary",
	  "it is taken only when the translation block ends: one instruction late when the next "
	  "one is a jump", NULL, NULL },
	{ "QEMU-13", "QEMU 7.2 TCG", "a fixed IPI with a vector below 16 is not sent: ESR gets "
	  "\"send illegal vector\" and the LVT error interrupt is raised",
	  "the vector is accepted into IRR, and with the PPR at 0 delivered as an interrupt through "
	  "that exception's gate (vector 3: #BP's); ESR stays 0, no LVT error interrupt", NULL, NULL },
	{ "SVM-1", "nested SVM (kvm_amd in QEMU TCG)",
	  "#NP while delivering #DE (contributory) escalates to #DF(0)",
	  "sometimes #NP(2) is delivered without the escalation, when nested SVM event "
	  "injection delivers the #NP itself", NULL, NULL },
	{ "SVM-2", "nested SVM (kvm_amd in QEMU TCG)", "a VM entry whose VMCB has the interrupt-"
	  "shadow bit set keeps the shadow: an interrupt pending at `sti` waits for the next "
	  "instruction to complete", "QEMU 7.2's VMRUN drops the shadow (fixed in QEMU 9.1): when a "
	  "#VMEXIT lands right after `sti` (a host timer, the VMM's poll), the interrupt is taken "
	  "before the next instruction", NULL, NULL },
	{ "KVM-1", "KVM's in-kernel LAPIC (on PVM and kvm_amd alike)",
	  "a fixed IPI with a vector below 16, through the ICR or the x2APIC SELF IPI register, "
	  "is not sent: ESR gets \"send illegal vector\" and the LVT error interrupt is raised",
	  "the vector is accepted into IRR (where class 0 never beats the PPR: nothing is "
	  "delivered); ESR stays 0, no LVT error interrupt", NULL, NULL },
	{ "KVM-2", "KVM's in-kernel LAPIC (on PVM and kvm_amd alike)",
	  "a SIPI to a CPU that is not in wait-for-SIPI is ignored: a CPU halted with IF=0 stays "
	  "halted until an NMI, SMI, INIT or RESET",
	  "the SIPI ends the HLT (`kvm_vcpu_has_events` sees it pending, `kvm_apic_accept_events` "
	  "then drops it): the CPU runs on after its HLT", NULL, NULL },
	{ NULL, NULL, NULL, NULL, NULL, NULL },
};

#define V IVM_CHK_VECTOR
#define E IVM_CHK_ERRCODE
#define R IVM_CHK_RIP
#define S IVM_CHK_SS
#define K IVM_CHK_STACK
#define RES IVM_CHK_RESUME
#define NF IVM_CHK_NOFAULT
#define NONE (-1)

static const struct conf_signature signatures[] = {
	{ "PVM-1", "#BP-cpl0", 3, 0, true, 0 },
	{ "PVM-1", "int41-cpl0", 0x41, 0, true, 0 },
	{ "PVM-1", "int1-cpl0", 1, 0, true, 0 },
	{ "PVM-1", "int41-trapgate-cpl0", 0x41, 0, true, 0 },
	{ "PVM-2", "int80-cpl3", 6, V | R, false, 0 },
	{ "PVM-2", "int41-cpl3", 6, V | E, false, 0 },
	{ "PVM-3", "out-cpl3-iopl0", NONE, NF, false, 0 },
	{ "PVM-3", "in-cpl3-iopl0", NONE, NF, false, 0 },
	{ "PVM-5", "irq-sti-shadow-cpl0", 0xe5, R, false, .rip_side = 1 },	/* late */
	{ "PVM-6", "#MF-cpl0", 6, V | R | RES, false, 0 },
	{ "PVM-6", "#XM-cpl0", 6, V | R | RES, false, 0 },
	{ "PVM-6", "#NM-cpl0", 7, 0, true, 0 },
	{ "PVM-7", "#NM-cpl3", NONE, NF, false, 0 },
	{ "PVM-8", "#NP-cpl0", 8, V | E | K, false, 0 },
	{ "PVM-8", "#NP-db-cpl0", 8, V | E | K, false, 0 },	/* the same, #DB the benign one */
	{ "PVM-10", "int1-cpl3", 1, R, false, 0 },
	{ "PVM-14", "movss-tf-cpl0", 1, R, false, 0 },
	{ "PVM-15", "int3-dpl0-cpl3", 3, V | E | R, false, 0 },
	{ "PVM-16", "pat-rsvd-cpl0", NONE, NF, false, 0 },
	{ "PVM-17", "out-cpl3-iopl3", 13, V | R, false, 0 },
	{ "PVM-17", "cli-cpl3-iopl3", 13, V | R, false, 0 },
	{ "QEMU-1", "#SS-cpl0", 13, V, false, 0 },
	{ "QEMU-2", "#DB-tf-cpl0", 1, S, false, 0 },
	{ "QEMU-2", "#DF-cpl0", 8, S, false, 0 },
	{ "QEMU-2", "#DF-pf-pf-cpl0", 8, S, false, 0 },
	{ "QEMU-2", "#DF-pf-np-cpl0", 8, S, false, 0 },
	{ "QEMU-3", "#XM-cpl0", NONE, NF, false, 0 },
	{ "QEMU-3", "#XM-cpl3", NONE, NF, false, 0 },
	{ "QEMU-4", "#AC-cpl3", NONE, NF, false, 0 },
	{ "QEMU-5", "int41-cpl3", 13, E, false, 0 },
	{ "QEMU-6", "#NP-cpl0", 11, E, false, 0 },
	{ "QEMU-6", "#NP-db-cpl0", 11, E, false, 0 },
	{ "QEMU-2", "#DB-hwbp-cpl0", 1, S, false, 0 },
	{ "QEMU-2", "movss-tf-cpl0", 1, S, false, 0 },
	{ "QEMU-2", "iretq-tf-cpl0", 1, S, false, 0 },
	{ "QEMU-5", "int3-dpl0-cpl3", 13, E, false, 0 },
	{ "QEMU-9", "efer-rsvd-cpl0", NONE, NF, false, 0 },
	{ "QEMU-7", "int1-cpl0", 6, V | R | K, false, 0 },
	{ "QEMU-7", "int1-cpl3", 6, V | R | K, false, 0 },
	{ "QEMU-8", "rdmsr-unknown-cpl0", NONE, NF, false, 0 },
	{ "QEMU-8", "wrmsr-unknown-cpl0", NONE, NF, false, 0 },
	{ "QEMU-10", "pat-rsvd-cpl0", NONE, NF, false, 0 },
	{ "QEMU-11", "apicbase-rsvd-cpl0", NONE, NF, false, 0 },
	{ "SVM-1", "#DF-cpl0", 11, V | E | K, false, 0 },
	{ "SVM-2", "irq-sti-shadow-cpl0", 0xe5, R, false, .rip_side = -1 },	/* early: in the shadow */
	{ "PVM-5", "apic-tpr-lower-cpl0", 0xe5, R, false, .rip_side = 1 },	/* late */
	{ "QEMU-12", "apic-tpr-lower-cpl0", 0xe5, R, false, .rip_side = 1 },	/* at the TB's end */
	{ "KVM-1", "lvt-error-illegal-cpl0", NONE, NF, false, 0 },
	{ "KVM-1", "selfipi-illegal-cpl0", NONE, NF, false, 0 },	/* the same, through MSR 0x83f */
	{ "QEMU-13", "lvt-error-illegal-cpl0", 3, V | RES, false, 0 },
	/* the error interrupt is pending at sti, as irq-sti-shadow-cpl0's vector is */
	{ "PVM-5", "lvt-error-illegal-cpl0", 0xfe, R, false, .rip_side = 1 },	/* late */
	{ "SVM-2", "lvt-error-illegal-cpl0", 0xfe, R, false, .rip_side = -1 },	/* in the shadow */
};

const struct conf_signature *conf__signatures(size_t *n)
{
	*n = sizeof(signatures) / sizeof(signatures[0]);
	return signatures;
}

const struct conf_divergence *conf__divergences(void)
{
	return divergences;
}

const struct conf_divergence *conf__divergence(const char *id)
{
	for (const struct conf_divergence *d = divergences; d->id; d++)
		if (!strcmp(d->id, id))
			return d;
	return NULL;
}

bool conf__id_has(const char *id, const char *one)
{
	size_t n = strlen(one);

	for (const char *p = id; *p; ) {
		size_t len = strcspn(p, "+");

		if (len == n && !strncmp(p, one, n))
			return true;
		p += len + (p[len] == '+');
	}
	return false;
}

bool conf__id_add(char *id, size_t n, const char *one)
{
	const char *parts[8];
	char buf[64], out[64], *q = buf;
	unsigned np = 0;
	size_t len = 0;

	if (!*one || strchr(one, '+'))
		return false;
	if (conf__id_has(id, one))
		return true;
	if (snprintf(buf, sizeof(buf), "%s", id) >= (int)sizeof(buf))
		return false;
	for (; *q && np < 7; np++) {	/* split in place */
		parts[np] = q;
		q += strcspn(q, "+");
		if (*q)
			*q++ = 0;
	}
	if (*q)
		return false;		/* more parts than any cell ID holds */
	parts[np++] = one;
	for (unsigned i = 1; i < np; i++)	/* a handful: insertion sort */
		for (unsigned j = i; j && strcmp(parts[j - 1], parts[j]) > 0; j--) {
			const char *t = parts[j];

			parts[j] = parts[j - 1];
			parts[j - 1] = t;
		}
	out[0] = 0;
	for (unsigned i = 0; i < np; i++) {
		int k = snprintf(out + len, sizeof(out) - len, "%s%s", i ? "+" : "", parts[i]);

		if (k < 0 || (size_t)k >= sizeof(out) - len)
			return false;
		len += (size_t)k;
	}
	if (len >= n)
		return false;
	memcpy(id, out, len + 1);
	return true;
}

/*
 * Scenarios that need an optional CPU feature: the line of their checks that
 * says the target's CPU lacks it, with "observed [0]" on the next line.
 */
static const struct {
	const char *scenario, *check, *why;
} feature_checks[] = {
	{ "timer-tsc-deadline", "tick count (0 means no TSC-deadline in CPUID)",
	  "the target's CPU has no TSC-deadline timer (CPUID.1:ECX[24] is clear)" },
};

bool conf__lacks_feature(const char *scenario, const char *log, char *why, size_t n)
{
	for (size_t i = 0; i < sizeof(feature_checks) / sizeof(feature_checks[0]); i++) {
		char line[512];
		bool armed = false, hit = false;
		FILE *f;

		if (strcmp(feature_checks[i].scenario, scenario) || !(f = fopen(log, "r")))
			continue;
		while (!hit && fgets(line, sizeof(line), f)) {
			if (armed)
				hit = strstr(line, "observed [0]") != NULL;
			armed = strstr(line, feature_checks[i].check) && strstr(line, "FAIL");
		}
		fclose(f);
		if (hit) {
			snprintf(why, n, "%s", feature_checks[i].why);
			return true;
		}
	}
	return false;
}

/* The ID family of a target's own platform: QEMU TCG's for qemu-tcg and libvirt, else PVM's */
static const char *family(const char *target)
{
	if (target && (!strncmp(target, "qemu", 4) || !strncmp(target, "libvirt", 7)))
		return "QEMU-";
	return "PVM-";
}

/* Two hosts can fail a case the same way: the target's own platform names it, else the first */
static const char *match(const struct conf_exc *e, const char *target)
{
	const char *first = NULL, *fam = family(target);

	for (size_t i = 0; i < sizeof(signatures) / sizeof(signatures[0]); i++) {
		const struct conf_signature *s = &signatures[i];

		if (strcmp(s->case_name, e->name) || s->obs_vector != e->obs_vector ||
		    s->mismatch != e->mismatch || s->via_vmm != e->via_vmm ||
		    (s->rip_side && (s->rip_side > 0 ? e->obs_rip <= e->exp_rip : e->obs_rip >= e->exp_rip)))
			continue;
		if (!strncmp(s->id, fam, strlen(fam)))
			return s->id;
		if (!first)
			first = s->id;
	}
	return first ? first : "new";
}

static void append(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void append(char *buf, size_t n, const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;

	if (len + 1 >= n)
		return;
	if (len) {
		snprintf(buf + len, n - len, ", ");
		len = strlen(buf);
	}
	va_start(ap, fmt);
	vsnprintf(buf + len, n - len, fmt, ap);
	va_end(ap);
}

static void err_text(char *buf, size_t n, uint64_t err)
{
	if (err == ~(uint64_t)0)
		snprintf(buf, n, "none");
	else
		snprintf(buf, n, "0x%" PRIx64, err);
}

/*
 * The model beside the verdict: what the target did against the model,
 * field by field; and when the guest's checker demanded something other
 * than the model does, neither verdict can stand: an ERROR saying which.
 */
static void judge_model(const struct conf_exc *e, struct conf_cell *cell)
{
	const struct conf_model_case *m = conf__model_case(e->name);
	char why[CONF_TEXT_MAX - 64];

	cell->vs_model[0] = 0;
	if (!m)
		return;
	conf__model_vs(m, e, cell->vs_model, sizeof(cell->vs_model));
	if (!conf__model_checker(m, e, why, sizeof(why)))
		return;
	cell->status = CONF_ERROR;
	snprintf(cell->note, sizeof(cell->note), "the guest's checker and the model disagree: %s", why);
}

static void judge_fields(const struct conf_exc *e, struct conf_cell *cell, const char *target);

void conf__judge_exc(const struct conf_exc *e, struct conf_cell *cell, const char *target)
{
	judge_fields(e, cell, target);
	judge_model(e, cell);
}

static void judge_fields(const struct conf_exc *e, struct conf_cell *cell, const char *target)
{
	char *x = cell->expected, *o = cell->observed;
	size_t xn = sizeof(cell->expected), on = sizeof(cell->observed);
	char a[24], b[24];

	cell->status = CONF_PASS;
	x[0] = o[0] = 0;
	if (!e->mismatch && !e->via_vmm)
		return;
	cell->status = CONF_DIVERGENCE;
	snprintf(cell->id, sizeof(cell->id), "%s", match(e, target));
	if (e->exp_vector == CONF_MODEL_SHUTDOWN) {
		append(x, xn, "shutdown (a triple fault)");
		if (e->mismatch & NF)
			append(o, on, "no shutdown, nothing delivered");
		else
			append(o, on, "no shutdown: vector %d delivered", e->obs_vector);
		return;
	}
	if (e->mismatch & NF) {
		append(x, xn, "vector %d", e->exp_vector);
		append(o, on, "nothing delivered");
	}
	if ((e->mismatch & V) && !(e->mismatch & NF)) {
		append(x, xn, "vector %d", e->exp_vector);
		append(o, on, "vector %d", e->obs_vector);
	}
	if (e->mismatch & E) {
		err_text(a, sizeof(a), e->exp_err);
		err_text(b, sizeof(b), e->obs_err);
		append(x, xn, "error code %s", a);
		append(o, on, "error code %s", b);
	}
	if (e->mismatch & R) {
		append(x, xn, "rip 0x%" PRIx64, e->exp_rip);
		append(o, on, "rip 0x%" PRIx64, e->obs_rip);
	}
	if (e->mismatch & K) {
		append(x, xn, "stack %s", e->exp_stack);
		append(o, on, "stack %s", e->obs_stack);
	}
	if (e->mismatch & IVM_CHK_CS) {
		append(x, xn, "CS as the gate has it");
		append(o, on, "another CS");
	}
	if (e->mismatch & S) {
		append(x, xn, "SS as the SDM has it");
		append(o, on, "another SS");
	}
	if (e->mismatch & IVM_CHK_IF) {
		append(x, xn, "IF=0 in the handler");
		append(o, on, "IF=1 in the handler");
	}
	if (e->mismatch & IVM_CHK_CR2) {
		append(x, xn, "CR2 the faulting address");
		append(o, on, "another CR2");
	}
	if (e->mismatch & RES) {
		append(x, xn, "resumed with RIP, RSP and RFLAGS intact");
		append(o, on, "not resumed intact");
	}
	if (e->via_vmm) {
		append(x, xn, "delivered by the CPU under KVM");
		append(o, on, "KVM could not (emulation failure): the VMM delivered it");
	}
}
