// SPDX-License-Identifier: MIT
/*
 * The model column: what the architecture (Intel SDM vol. 3) expects of
 * each check, with no guest run. For a guest case it is the vector, the
 * error code, the resume point, the stack, CR2 and DR6; the error codes
 * and stacks are derived here from the SDM's rules (the #PF error code's
 * bits, a selector error code's IDT and EXT bits, the IST a vector's gate
 * names), not copied from the guest. The guest's checker (guest/selftest.c)
 * demands its own expectation on every run; conf__judge_exc holds the two
 * against each other, so neither can drift from the other unseen.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include "abi.h"
#include "conform.h"

/* SDM 4.7: the #PF error code */
#define PF_P		(1u << 0)	/* a protection violation (0: not present) */
#define PF_W		(1u << 1)	/* a write */
#define PF_U		(1u << 2)	/* at CPL3 */
#define PF_I		(1u << 4)	/* an instruction fetch */
/* SDM 6.13: a selector error code naming an IDT entry; EXT: an external event's delivery */
#define IDT_ERR(v)	((uint64_t)(v) * 8 + 2)
#define EXT		1u
#define NOERR		CONF_MODEL_NO_ERR

/* guest/x86.h's test pages (the guest's page tables map them so) */
#define PAGE_NP		0x1fc000	/* not present */
#define PAGE_RO		0x1fd000	/* read-only */
#define PAGE_SUP	0x1fe000	/* supervisor only */
#define PAGE_NX		0x1ff000	/* no execute */

#define DR6_B0		(1u << 0)
#define DR6_BLD		(1u << 11)	/* active low */
#define DR6_BS		(1u << 14)

/* the guest's IDT (guest/x86.h IST_INDEX_*): #DF on IST1, NMI on IST2, #DB on IST3, #MC on IST4 */
#define TC_IRQ		0xe5	/* the cases' external vector */
#define APIC_ERROR	0xfe	/* the LVT error vector */

#define FAULT		CONF_RESUME_AT_TRIGGER
#define TRAP		CONF_RESUME_AFTER_TRIGGER
#define IRQ		CONF_RESUME_IRQ
#define NOFAULT		CONF_RESUME_NO_FAULT

/* name, CPL, vector, error code, resume point[, .cr2, .dr6] */
#define X(_name, _cpl, _vec, _err, _resume, ...)					\
	{ .name = _name, .cpl = _cpl, .vector = _vec, .err = _err, .resume = _resume, __VA_ARGS__ }

static const struct conf_model_case model_cases[] = {
	X("#DE-cpl0", 0, 0, NOERR, FAULT),
	X("#DB-tf-cpl0", 0, 1, NOERR, TRAP, .dr6 = DR6_BS),
	X("#BP-cpl0", 0, 3, NOERR, TRAP),
	X("#UD-cpl0", 0, 6, NOERR, FAULT),
	X("#NM-cpl0", 0, 7, NOERR, FAULT),
	X("#SS-cpl0", 0, 12, 0, FAULT),
	X("#GP-cpl0", 0, 13, 0, FAULT),
	X("#PF-np-cpl0", 0, 14, 0, FAULT, .cr2 = PAGE_NP),
	X("#PF-write-cpl0", 0, 14, PF_P | PF_W, FAULT, .cr2 = PAGE_RO),
	/* a fetch fault: RIP is the page itself, CR2 = RIP */
	X("#PF-nx-cpl0", 0, 14, PF_P | PF_I, CONF_RESUME_AT_CR2, .cr2 = PAGE_NX),
	X("#MF-cpl0", 0, 16, NOERR, FAULT),
	X("#XM-cpl0", 0, 19, NOERR, FAULT),
	X("int41-cpl0", 0, 0x41, NOERR, TRAP),
	X("#BP-cpl3", 3, 3, NOERR, TRAP),
	X("#UD-cpl3", 3, 6, NOERR, FAULT),
	X("#DE-cpl3", 3, 0, NOERR, FAULT),
	X("#DB-tf-cpl3", 3, 1, NOERR, TRAP, .dr6 = DR6_BS),
	X("#PF-np-cpl3", 3, 14, PF_U, FAULT, .cr2 = PAGE_NP),
	X("#PF-sup-cpl3", 3, 14, PF_P | PF_U, FAULT, .cr2 = PAGE_SUP),
	X("#NM-cpl3", 3, 7, NOERR, FAULT),
	X("#MF-cpl3", 3, 16, NOERR, FAULT),
	X("#XM-cpl3", 3, 19, NOERR, FAULT),
	X("#AC-cpl3", 3, 17, 0, FAULT),
	X("int80-cpl3", 3, 0x80, NOERR, TRAP),
	/* a DPL0 gate from CPL3: #GP with the gate's selector error code */
	X("int41-cpl3", 3, 13, IDT_ERR(0x41), FAULT),
	/* #NP while delivering #DE: contributory on contributory, #DF(0) */
	X("#DF-cpl0", 0, 8, 0, FAULT),
	/* #UD's gate not present: #NP naming it, EXT set (a benign exception's delivery) */
	X("#NP-cpl0", 0, 11, IDT_ERR(6) | EXT, FAULT),
	X("out-cpl3-iopl0", 3, 13, 0, FAULT),
	X("in-cpl3-iopl0", 3, 13, 0, FAULT),
	X("cli-cpl3", 3, 13, 0, FAULT),
	X("hlt-cpl3", 3, 13, 0, FAULT),
	X("rdmsr-cpl3", 3, 13, 0, FAULT),
	X("rdmsr-unknown-cpl0", 0, 13, 0, FAULT),
	X("wrmsr-unknown-cpl0", 0, 13, 0, FAULT),
	/* icebp: a trap, no gate DPL check; DR6 not pinned down */
	X("int1-cpl0", 0, 1, NOERR, TRAP),
	X("int1-cpl3", 3, 1, NOERR, TRAP),
	/* INTO is invalid in 64-bit mode */
	X("into-cpl3", 3, 6, NOERR, FAULT),
	X("#DB-hwbp-cpl0", 0, 1, NOERR, FAULT, .dr6 = DR6_B0),
	/* SDM 6.8.3: after the instruction following STI, i.e. before the trigger */
	X("irq-sti-shadow-cpl0", 0, TC_IRQ, NOERR, IRQ),
	X("iretq-cpl0", 0, CONF_MODEL_NO_VECTOR, NOERR, NOFAULT),
	X("movss-tf-cpl0", 0, 1, NOERR, TRAP, .dr6 = DR6_BS),
	X("movss-tf-cpl3", 3, 1, NOERR, TRAP, .dr6 = DR6_BS),
	X("int3-dpl0-cpl3", 3, 13, IDT_ERR(3), FAULT),
	X("efer-rsvd-cpl0", 0, 13, 0, FAULT),
	X("pat-rsvd-cpl0", 0, 13, 0, FAULT),
	X("apicbase-rsvd-cpl0", 0, 13, 0, FAULT),
	X("int41-trapgate-cpl0", 0, 0x41, NOERR, TRAP),
	X("#BP-trapgate-cpl3", 3, 3, NOERR, TRAP),
	/* SDM 17.3.1.4: TF loaded by IRET traps after the target's first instruction */
	X("iretq-tf-cpl0", 0, 1, NOERR, TRAP, .dr6 = DR6_BS),
	X("iretq-nullcs-cpl0", 0, 13, 0, FAULT),
	X("out-cpl3-iopl3", 3, CONF_MODEL_NO_VECTOR, NOERR, NOFAULT),
	X("cli-cpl3-iopl3", 3, CONF_MODEL_NO_VECTOR, NOERR, NOFAULT),
	/* SDM 10.8.3.1: the instruction after the TPR write lets the vector in */
	X("apic-tpr-lower-cpl0", 0, TC_IRQ, NOERR, IRQ),
	X("out-cpl3-iomap-allowed", 3, CONF_MODEL_NO_VECTOR, NOERR, NOFAULT),
	X("in-cpl3-iomap-allowed", 3, CONF_MODEL_NO_VECTOR, NOERR, NOFAULT),
	/* SDM 19.5.2: a bit per byte accessed; one denied byte faults */
	X("out-cpl3-iomap-denied", 3, 13, 0, FAULT),
	X("outw-cpl3-iomap-partial", 3, 13, 0, FAULT),
	/* Table 6-5: benign (#DB), then contributory (#NP of its gate): serially, #NP at the trap's RIP */
	X("#NP-db-cpl0", 0, 11, IDT_ERR(1) | EXT, TRAP),
	/* SDM 6.15 Table 6-5: page fault, then page fault: #DF(0) (SDM 6.15: "page fault" then "page fault") */
	X("#DF-pf-pf-cpl0", 0, 8, 0, FAULT),
	/* page fault, then contributory (#NP of the #PF gate): #DF(0) */
	X("#DF-pf-np-cpl0", 0, 8, 0, FAULT),
	/* SDM 18.3.1.6: bus-lock detection's #DB is a trap; DR6.BLD (bit 11) is cleared */
	X("#DB-buslock-cpl3", 3, 1, NOERR, TRAP, .dr6_clear = DR6_BLD),
	/* SDM 10.5.3: ESR send illegal vector, the LVT error vector, pending at sti */
	X("lvt-error-illegal-cpl0", 0, APIC_ERROR, NOERR, IRQ),
	/* SDM 11.12.11: the SELF IPI register sends as the ICR does, so the same error */
	X("selfipi-illegal-cpl0", 0, APIC_ERROR, NOERR, IRQ),
	/*
	 * SDM 6.15, interrupt 8: #NP while delivering #DE is #DF (contributory on
	 * contributory); a contributory exception while calling the #DF handler
	 * (its gate not present: #NP) shuts the processor down
	 */
	X("#DF-shutdown-cpl0", 0, CONF_MODEL_SHUTDOWN, NOERR, CONF_RESUME_SHUTDOWN),
};

static const struct conf_model_case *table = model_cases;
static size_t table_n = sizeof(model_cases) / sizeof(model_cases[0]);

const struct conf_model_case *conf__model_cases(size_t *n)
{
	*n = table_n;
	return table;
}

void conf__model_use(const struct conf_model_case *t, size_t n)
{
	table = t ? t : model_cases;
	table_n = t ? n : sizeof(model_cases) / sizeof(model_cases[0]);
}

const struct conf_model_case *conf__model_case(const char *name)
{
	for (size_t i = 0; i < table_n; i++)
		if (!strcmp(table[i].name, name))
			return &table[i];
	return NULL;
}

const char *conf__model_stack(const struct conf_model_case *x)
{
	switch (x->vector) {
	case 8: return "ist1";	/* #DF */
	case 2: return "ist2";	/* NMI */
	case 1: return "ist3";	/* #DB */
	case 18: return "ist4";	/* #MC */
	case CONF_MODEL_NO_VECTOR: return "same";
	case CONF_MODEL_SHUTDOWN: return "none";
	}
	return x->cpl ? "rsp0" : "same";
}

static const char *const exc_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", NULL, "#TS", "#NP",
	"#SS", "#GP", "#PF", NULL, "#MF", "#AC", "#MC", "#XM",
};

static void vector_name(char *buf, size_t n, int v)
{
	if (v >= 0 && v < 32 && exc_names[v])
		snprintf(buf, n, "%s", exc_names[v]);
	else
		snprintf(buf, n, "0x%x", (unsigned)v);
}

static const char *resume_text(enum conf_resume r)
{
	switch (r) {
	case CONF_RESUME_AT_TRIGGER: return "fault at the trigger";
	case CONF_RESUME_AFTER_TRIGGER: return "trap after the trigger";
	case CONF_RESUME_AT_CR2: return "fault at the fetched page (RIP = CR2)";
	case CONF_RESUME_IRQ: return "taken at the trigger, the instruction after STI or the TPR write";
	case CONF_RESUME_NO_FAULT: return "runs to its end";
	case CONF_RESUME_SHUTDOWN: return "none: shutdown (a triple fault)";
	}
	return "?";
}

void conf__model_short(const struct conf_model_case *x, char *buf, size_t n)
{
	char v[8];

	if (x->vector == CONF_MODEL_NO_VECTOR) {
		snprintf(buf, n, "no fault");
		return;
	}
	if (x->vector == CONF_MODEL_SHUTDOWN) {
		snprintf(buf, n, "shutdown");
		return;
	}
	vector_name(v, sizeof(v), x->vector);
	if (x->err != NOERR)
		snprintf(buf, n, "%s(0x%" PRIx64 ")", v, x->err);
	else
		snprintf(buf, n, "%s %s", v, x->resume == CONF_RESUME_AFTER_TRIGGER ? "trap" :
			 x->resume == CONF_RESUME_IRQ ? "irq" : "fault");
}

void conf__model_text(const struct conf_model_case *x, char *buf, size_t n)
{
	size_t len;

	if (x->vector == CONF_MODEL_NO_VECTOR) {
		snprintf(buf, n, "vector none, %s", resume_text(x->resume));
		return;
	}
	if (x->vector == CONF_MODEL_SHUTDOWN) {
		snprintf(buf, n, "no delivery: shutdown (a triple fault), the run ends there");
		return;
	}
	snprintf(buf, n, "vector %d", x->vector);
	len = strlen(buf);
	if (x->err == NOERR)
		snprintf(buf + len, n - len, ", error code none");
	else
		snprintf(buf + len, n - len, ", error code 0x%" PRIx64, x->err);
	len = strlen(buf);
	snprintf(buf + len, n - len, ", rip %s, stack %s", resume_text(x->resume), conf__model_stack(x));
	len = strlen(buf);
	if (x->cr2)
		snprintf(buf + len, n - len, ", cr2 0x%" PRIx64, x->cr2);
	len = strlen(buf);
	if (x->dr6)
		snprintf(buf + len, n - len, ", dr6 has 0x%x", x->dr6);
	len = strlen(buf);
	if (x->dr6_clear && len < n)
		snprintf(buf + len, n - len, ", dr6 lacks 0x%x", x->dr6_clear);
}

static void add(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add(char *buf, size_t n, const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;

	if (len + 3 >= n)
		return;
	if (len)
		len += (size_t)snprintf(buf + len, n - len, "; ");
	va_start(ap, fmt);
	vsnprintf(buf + len, n - len, fmt, ap);
	va_end(ap);
}

static void err_text(char *buf, size_t n, uint64_t err)
{
	if (err == NOERR)
		snprintf(buf, n, "none");
	else
		snprintf(buf, n, "0x%" PRIx64, err);
}

static void vector_text(char *buf, size_t n, int v)
{
	if (v < 0)
		snprintf(buf, n, "nothing delivered");
	else if (v == CONF_MODEL_NO_VECTOR)
		snprintf(buf, n, "no fault");
	else if (v == CONF_MODEL_SHUTDOWN)
		snprintf(buf, n, "shutdown");
	else
		snprintf(buf, n, "%d", v);
}

unsigned conf__model_checker(const struct conf_model_case *x, const struct conf_exc *e,
			     char *buf, size_t n)
{
	unsigned diff = 0;
	char a[24], b[24];

	buf[0] = 0;
	if (e->exp_vector != x->vector) {
		vector_text(a, sizeof(a), x->vector);
		vector_text(b, sizeof(b), e->exp_vector);
		add(buf, n, "vector: model %s, checker %s", a, b);
		diff++;
	}
	if (e->exp_err != x->err) {
		err_text(a, sizeof(a), x->err);
		err_text(b, sizeof(b), e->exp_err);
		add(buf, n, "error code: model %s, checker %s", a, b);
		diff++;
	}
	if (strcmp(e->exp_stack, conf__model_stack(x))) {
		add(buf, n, "stack: model %s, checker %s", conf__model_stack(x), e->exp_stack);
		diff++;
	}
	if (e->cpl != x->cpl) {
		add(buf, n, "cpl: model %u, checker %u", x->cpl, e->cpl);
		diff++;
	}
	return diff;
}

unsigned conf__model_vs(const struct conf_model_case *x, const struct conf_exc *e, char *buf, size_t n)
{
	unsigned diff = 0;
	char a[24], b[24];

	buf[0] = 0;
	if (e->obs_vector != x->vector) {
		vector_text(a, sizeof(a), x->vector);
		vector_text(b, sizeof(b), e->obs_vector);
		add(buf, n, "vector: model %s, observed %s", a, b);
		diff++;
	}
	if (e->obs_vector < 0)	/* no frame: nothing more to compare */
		return diff;
	if (e->obs_err != x->err) {
		err_text(a, sizeof(a), x->err);
		err_text(b, sizeof(b), e->obs_err);
		add(buf, n, "error code: model %s, observed %s", a, b);
		diff++;
	}
	/* the resume point's address is the guest's: the model names its side */
	if (e->obs_rip != e->exp_rip) {
		add(buf, n, "rip: model %s (0x%" PRIx64 "), observed 0x%" PRIx64 " (%s)",
		    resume_text(x->resume), e->exp_rip, e->obs_rip,
		    e->obs_rip > e->exp_rip ? "later" : "earlier");
		diff++;
	}
	if (strcmp(e->obs_stack, conf__model_stack(x))) {
		add(buf, n, "stack: model %s, observed %s", conf__model_stack(x), e->obs_stack);
		diff++;
	}
	if (x->cr2 && (e->mismatch & IVM_CHK_CR2)) {
		add(buf, n, "cr2: model 0x%" PRIx64 ", observed another", x->cr2);
		diff++;
	}
	return diff;
}

void conf__model_cell(const struct conf_check *ck, struct conf_cell *cell)
{
	const struct conf_model_case *x;

	memset(cell, 0, sizeof(*cell));
	switch (ck->kind) {
	case CONF_EXC:
		x = conf__model_case(ck->case_name);
		if (!x) {
			cell->status = CONF_ERROR;
			snprintf(cell->note, sizeof(cell->note),
				 "the model has no expectation for the guest case %s", ck->case_name);
			return;
		}
		cell->status = CONF_EXPECTED;
		conf__model_short(x, cell->id, sizeof(cell->id));
		conf__model_text(x, cell->expected, sizeof(cell->expected));
		return;
	case CONF_EMULATION:
		cell->status = CONF_EXPECTED;
		snprintf(cell->id, sizeof(cell->id), "no emul-fail");
		snprintf(cell->expected, sizeof(cell->expected),
			 "%s completes with no failed emulation (no kvm_emulate_insn failed=1)",
			 ck->case_name);
		return;
	case CONF_SWEEP:
		cell->status = CONF_UNSUPPORTED;
		snprintf(cell->note, sizeof(cell->note),
			 "the sweep compares each form at CPL0 with the same form at CPL3 on one CPU; "
			 "the model has no instruction semantics to compare with");
		return;
	case CONF_HOST:
		cell->status = CONF_EXPECTED;
		snprintf(cell->id, sizeof(cell->id), "deferred");
		snprintf(cell->expected, sizeof(cell->expected),
			 "KVM API, KVM_CAP_EXCEPTION_PAYLOAD: a pending exception's payload is applied "
			 "at its delivery only (CR2 for #PF, DR6 for #DB), never at the injection");
		return;
	case CONF_SCENARIO:
		cell->status = CONF_UNSUPPORTED;
		snprintf(cell->note, sizeof(cell->note),
			 "a scenario's deliveries follow the guest's own EOIs, TPR writes and timing: "
			 "the oracle judges a run's trace, it can't predict one without the guest");
		return;
	}
}
