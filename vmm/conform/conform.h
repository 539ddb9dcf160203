/* SPDX-License-Identifier: MIT */
/*
 * `vmm conformance`, the pure half: the catalogue of checks, a target's
 * output read into verdicts, the known divergences that name them, and the
 * report (text matrix, JSON, HTML, result lines, the divergence table).
 * Running the guest on a target is vmm/target/'s job.
 */
#ifndef VMM_CONFORM_H
#define VMM_CONFORM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum conf_kind {
	CONF_EXC,		/* a case of the guest's exception/conformance table */
	CONF_SCENARIO,		/* a scenario config, judged by its checks and the oracle */
	CONF_EMULATION,		/* what KVM's tracepoints say about a case the guest passed */
	CONF_SWEEP,		/* a family of the instruction sweep, CPL0 against CPL3 */
	CONF_HOST,		/* a host-side observation: an injection, then the vCPU read back
				   before the next KVM_RUN (vmm probe's tiny guests) */
};

enum conf_status {
	CONF_NOT_RUN,		/* no target ran it (yet) */
	CONF_PASS,
	CONF_DIVERGENCE,	/* the target did something the architecture does not */
	CONF_HANG,		/* the watchdog stopped the run while this check ran */
	CONF_UNSUPPORTED,	/* the target can't perform it: note says why */
	CONF_ERROR,		/* the run died or its output was unreadable: note says how */
	CONF_EXPECTED,		/* the model's column: what the architecture expects, no run */
	CONF_NR_STATUS
};

#define CONF_NAME_MAX	80
#define CONF_TEXT_MAX	240
#define CONF_PATH_MAX	512

struct conf_check {
	char name[CONF_NAME_MAX];	/* "#PF-np-cpl3", "scenario:isr", "emulation:iretq" */
	enum conf_kind kind;
	const char *group;		/* "exceptions", "I/O", ... */
	const char *what;		/* the architectural expectation, one line */
	char case_name[CONF_NAME_MAX];	/* the guest's case (EXC, EMULATION) or scenario name */
	char path[CONF_PATH_MAX];	/* the scenario config (SCENARIO) */
	bool needs_host_injection;	/* a scenario with sync-point steps: ./vmm only */
	bool alone;			/* EXC: ends the run (a shutdown): run alone, after the rest */
	unsigned vcpus;
	unsigned irqchips;		/* SCENARIO: bit per enum irqchip_mode it runs under */
};

struct conf_cell {
	enum conf_status status;
	char id[32];			/* the divergence ID ("PVM-2", "KVM-2+PVM-4"), "new" when none fits;
					   EXPECTED: the expectation in a word ("#PF(0x4)") */
	char expected[CONF_TEXT_MAX];	/* the fields that differ, as the SDM has them */
	char observed[CONF_TEXT_MAX];	/* ... and as the target did them */
	char note[CONF_TEXT_MAX];	/* HANG: where; UNSUPPORTED/ERROR: why */
	char repro[CONF_PATH_MAX];	/* one command that shows it again */
	char trace[CONF_PATH_MAX];	/* the run's trace, when the target makes one */
	char vs_model[CONF_TEXT_MAX];	/* a case: field by field, the model against what was observed */
};

/* ---- the catalogue ---- */

struct conf_catalogue {
	struct conf_check *checks;
	unsigned n, cap;
};

/*
 * The guest's cases in the order it runs them: the catalogue's EXC checks.
 * conf__nr_plain_cases counts those a run with no only= runs: not a case
 * that must run alone (the model expects a shutdown: it ends the run), which
 * the guest runs only when only= names it.
 */
unsigned conf__nr_cases(void);
unsigned conf__nr_plain_cases(void);
const char *conf__case_name(unsigned i);

/*
 * The catalogue: every guest case, the emulation checks, and each scenario
 * config in @configs_dir (sorted; ring-stress is a stress test, left out),
 * keeping the checks whose name contains one of @filter's comma-separated
 * texts (NULL: all). -1 with @err
 * on an unreadable directory or config.
 */
int conf__catalogue(struct conf_catalogue *cat, const char *configs_dir, const char *filter,
		    char *err, size_t errlen);
void conf__catalogue_free(struct conf_catalogue *cat);

/* ---- reading a target's output ---- */

/* One result line of the guest's table (guest/selftest.c report(), vmm run --results). */
struct conf_exc {
	char name[CONF_NAME_MAX];
	unsigned cpl;
	int exp_vector, obs_vector;	/* obs -1: nothing was delivered */
	uint64_t exp_err, obs_err;	/* ~0: no error code */
	uint64_t exp_rip, obs_rip;
	char exp_stack[8], obs_stack[8];
	uint32_t mismatch;		/* IVM_CHK_* */
	bool via_vmm;			/* the VMM delivered it (KVM could not) */
};

/*
 * Parse "exc NAME cpl=C vec=E/O err=E/O rip=0xE/0xO stack=E/O mismatch=0xM
 * PASS|FAIL [via=kvm|vmm] [div=ID]". 0, or -1 for a line that is not one.
 */
int conf__parse_exc(const char *line, struct conf_exc *e);
/*
 * "selftest: NAME: unsupported: WHY", the guest's line for a case whose
 * CPU lacks what it needs (it ran nothing): 1 with @name and @why, else 0.
 */
int conf__parse_unsupported(const char *line, char *name, size_t namelen, char *why, size_t whylen);
/*
 * A case whose outcome is a shutdown: "selftest: NAME: shutdown expected"
 * (said right before its trigger) is 1; "selftest: NAME: no shutdown:
 * vector V" or "...: nothing delivered" (the guest went on) is 2, with
 * @obs_vector V or -1; any other line 0.
 */
int conf__parse_shutdown(const char *line, char *name, size_t namelen, int *obs_vector);
/*
 * The observation of such a case, for conf__judge_exc: @obs_vector
 * CONF_MODEL_SHUTDOWN when the run ended in a shutdown there, else what
 * the guest said was delivered (-1: nothing).
 */
void conf__shutdown_exc(const char *name, int obs_vector, struct conf_exc *e);
/*
 * The verdict on one case on @target (a column name, or NULL): PASS, or
 * DIVERGENCE with the differing fields and its ID.
 */
void conf__judge_exc(const struct conf_exc *e, struct conf_cell *cell, const char *target);

/*
 * A scenario's verdict from `vmm check`'s summary line ("check NAME
 * irqchip=MODE: ... oracle VERDICT ...; ... OK|FAIL"): 1 and @cell filled when
 * @line is that line, 0 otherwise.
 */
int conf__parse_check_line(const char *line, const char *scenario, const char *mode,
			   struct conf_cell *cell);
/*
 * A host check's verdict from `vmm probe`'s line for it ("  pending #PF, CR2
 * payload: deferred to delivery: ..."; @what is the line's head, the check's
 * case_name): 1 and @cell filled (PASS when deferred, DIVERGENCE "new" with
 * what was seen, UNSUPPORTED with the probe's reason), 0 for another line.
 */
int conf__parse_host_line(const char *line, const char *what, struct conf_cell *cell);

/* One line of the guest's instruction sweep (test=sweep) */
enum conf_insn_verdict { CONF_INSN_SAME, CONF_INSN_DIFF, CONF_INSN_FAULT, CONF_INSN_SKIP };

struct conf_insn {
	char name[64];			/* "alu.adc-r64-r64" */
	char family[16];		/* "alu" */
	enum conf_insn_verdict verdict;
	char detail[160];		/* "DIFF in=0 rax=.../...", "FAULT cpl0=6 cpl3=-" */
	bool done;			/* the "insn done ..." line */
};

/* Parse "insn NAME SAME|DIFF ...|FAULT ...|SKIP ..." or "insn done ...": 0, or -1. */
int conf__parse_insn(const char *line, struct conf_insn *in);
/*
 * One form's verdict into its family's cell: PASS until a form differs or
 * faults; then DIVERGENCE, the forms listed, the ID the known forms give
 * ("PVM-11+PVM-13"), "new" when one is not known.
 */
void conf__sweep_add(struct conf_cell *cell, const struct conf_insn *in);

/* ---- the sweep across targets, form by form (forms.c) ---- */

#define CONF_DIGEST_INPUTS	4
#define CONF_DIGEST_HASHES	11	/* rax rbx rcx rdx rsi rdi r8 r9 r10 r11, the scratch area */

/* One CPL's outputs of a form over every input (the guest's insd line) */
struct conf_digest {
	uint16_t flags[CONF_DIGEST_INPUTS];	/* the defined ones */
	uint32_t hash[CONF_DIGEST_HASHES];
};

/*
 * Parse "insd NAME d=D|d0=D|d3=D" (guest/sweep.c): 0 with @cpl 0, 3, or -1
 * for d= (both CPLs, which agreed); -1 for a line that is not one.
 */
int conf__parse_insd(const char *line, char *name, size_t namelen, int *cpl, struct conf_digest *d);

/* What one target's run of a form at one CPL ended in */
struct conf_form_out {
	bool known;		/* read: a fault, or a digest */
	bool skipped;		/* SKIP: the target's CPU lacks the form's feature */
	int fault;		/* the vector, -1: none (then @d) */
	struct conf_digest d;
};

#define CONF_FORM_TARGETS	16

struct conf_matrix;

/* Every form any target ran, each target's outcome at CPL0 and CPL3 */
struct conf_forms {
	unsigned n, cap, ntargets, hint;
	char (*names)[64];
	struct conf_form_out *out;	/* [(form * ntargets + target) * 2 + (0: CPL0, 1: CPL3)] */
};

/* A form's verdict line (FAULT: the vectors) and digest lines, into column @col */
void conf__forms_insn(struct conf_matrix *m, unsigned col, const struct conf_insn *in);
void conf__forms_digest(struct conf_matrix *m, unsigned col, const char *name, int cpl,
			const struct conf_digest *d);

/*
 * An insn or insd line into column @col (the family cells aside): 0, or -1
 * for a line that is neither.
 */
int conf__forms_read_line(struct conf_matrix *m, unsigned col, const char *line);
/*
 * Each target's forms as "form" lines (the nested run's, for the outer one):
 * "form\tTARGET\t" then the insn line that says a SKIP or a fault, and an
 * insd line per CPL with a digest. conf__parse_form_line gives the target
 * and the line after it, for conf__forms_read_line; NULL for another line.
 */
void conf__forms_write_lines(const struct conf_matrix *m, FILE *f);
const char *conf__parse_form_line(const char *line, char *target, size_t targetlen);

/* The fields an outcome differs in: a bit per flag (CF PF AF ZF SF OF DF), register, memory, fault */
#define CONF_FF_FLAGS	7
#define CONF_FF_REG(i)	(1u << (CONF_FF_FLAGS + (i)))
#define CONF_FF_MEM	CONF_FF_REG(10)
#define CONF_FF_FAULT	CONF_FF_REG(11)
/* "OF rax mem" */
void conf__form_fields(uint32_t fields, char *buf, size_t n);

/*
 * One form across targets. The reference is the outcome most targets give
 * at CPL3 (the model has no instruction semantics; a tie goes to the first
 * column's); each target's CPL0 and CPL3 are held against it.
 */
struct conf_form_cmp {
	int ref_target;				/* the first column giving the reference, -1: none */
	unsigned ref_votes, ref_of;		/* targets giving it, of those whose CPL3 ran the form */
	bool ran[CONF_FORM_TARGETS][2];		/* [target][0: CPL0, 1: CPL3] an outcome was read */
	uint32_t fields[CONF_FORM_TARGETS][2];	/* ... and the fields it differs from the reference in */
	unsigned ndiff;				/* (target, CPL) outcomes that differ */
};
void conf__form_compare(const struct conf_forms *s, unsigned form, struct conf_form_cmp *c);
/*
 * The targets that differ, those that differ alike grouped: "kvm/kernel,
 * kvm/split CPL0: fault 6 (reference: none); qemu-tcg CPL0+CPL3: OF"
 */
void conf__form_text(const struct conf_matrix *m, unsigned form, const struct conf_form_cmp *c,
		     char *buf, size_t n);

struct conf_forms_totals {
	unsigned forms, compared, agree, differ;	/* compared: some target ran it */
	unsigned targets;				/* columns with a form's outcome */
};
void conf__forms_totals(const struct conf_matrix *m, struct conf_forms_totals *t);

/* ---- the model: what the architecture expects, with no run ---- */

#define CONF_MODEL_NO_VECTOR	255		/* a case that must not fault (the guest's mark) */
#define CONF_MODEL_NO_ERR	(~(uint64_t)0)	/* no error code pushed */
#define CONF_MODEL_SHUTDOWN	256		/* no vector: the processor shuts down (a triple fault) */

enum conf_resume {
	CONF_RESUME_AT_TRIGGER,		/* a fault: RIP is the faulting instruction */
	CONF_RESUME_AFTER_TRIGGER,	/* a trap: RIP is the instruction after it */
	CONF_RESUME_AT_CR2,		/* a fetch fault: RIP is the page, CR2 = RIP */
	CONF_RESUME_IRQ,		/* an interrupt taken before the trigger, once it is let in */
	CONF_RESUME_NO_FAULT,		/* runs to its end */
	CONF_RESUME_SHUTDOWN,		/* nothing resumes: shutdown, the run ends there */
};

/* One guest case as the SDM has it */
struct conf_model_case {
	const char *name;
	unsigned cpl;
	int vector;			/* CONF_MODEL_NO_VECTOR: no fault */
	uint64_t err;			/* CONF_MODEL_NO_ERR: none */
	enum conf_resume resume;
	uint64_t cr2;			/* 0: not a #PF */
	uint32_t dr6;			/* #DB: DR6 bits that must be set */
	uint32_t dr6_clear;		/* #DB: DR6 bits that must be clear (BLD is active low) */
};

/* The model's cases; conf__model_use swaps in another table (NULL: the model's own), for tests. */
const struct conf_model_case *conf__model_cases(size_t *n);
void conf__model_use(const struct conf_model_case *t, size_t n);
const struct conf_model_case *conf__model_case(const char *name);
/* The stack the guest's IDT makes the delivery use: "ist1" (#DF), "ist3" (#DB), "rsp0", "same" */
const char *conf__model_stack(const struct conf_model_case *x);
/* "#PF(0x4)", "#DB trap", "0xe5 irq", "no fault" */
void conf__model_short(const struct conf_model_case *x, char *buf, size_t n);
/* every field: "vector 14, error code 0x4, rip fault at the trigger, stack rsp0, cr2 0x1fc000" */
void conf__model_text(const struct conf_model_case *x, char *buf, size_t n);
/*
 * The guest checker's expectation (@e's exp_ fields) against the model's:
 * the number of fields that differ, each in @buf ("vector: model 13, checker 6").
 */
unsigned conf__model_checker(const struct conf_model_case *x, const struct conf_exc *e,
			     char *buf, size_t n);
/* What a target did (@e's obs_ fields) against the model: the fields that differ, in @buf. */
unsigned conf__model_vs(const struct conf_model_case *x, const struct conf_exc *e, char *buf, size_t n);
/*
 * The model column's cell for @ck: EXPECTED with the expectation (a case,
 * an emulation check), or UNSUPPORTED with why the model can't say (a
 * scenario, a sweep family).
 */
void conf__model_cell(const struct conf_check *ck, struct conf_cell *cell);

/* ---- known divergences ---- */

struct conf_divergence {
	const char *id;		/* "PVM-2": docs/DIVERGENCES.md's IDs */
	const char *host;	/* whose behaviour: "PVM", "QEMU 7.2 TCG", "nested SVM" */
	const char *sdm;	/* what the architecture does */
	const char *seen;	/* what the host does instead */
	const char *retired;	/* NULL, or why the catalogue no longer finds it */
	const char *varies;	/* NULL, or which hosts show it: some builds of one kernel do, some not */
};

/* A guest case's result that a known divergence explains */
struct conf_signature {
	const char *id, *case_name;
	int obs_vector;		/* -1: nothing delivered */
	uint32_t mismatch;	/* exactly these IVM_CHK_* checks fail */
	bool via_vmm;
	int rip_side;		/* 0: any; 1: observed RIP after the expected one; -1: before it */
};
const struct conf_signature *conf__signatures(size_t *n);

/* Every ID the catalogue can name, in the order the docs list them; NULL-terminated. */
const struct conf_divergence *conf__divergences(void);
const struct conf_divergence *conf__divergence(const char *id);
/* Whether the cell ID @id ("PVM-4" or a model's "PVM-4+PVM-5") names @one. */
bool conf__id_has(const char *id, const char *one);
/* Adds @one to the cell ID @id (size @n), its parts kept sorted and once: false if it won't fit. */
bool conf__id_add(char *id, size_t n, const char *one);
/*
 * Whether the checks @log (a scenario's judged output) shows failing say
 * that the target's CPU lacks a feature @scenario needs: UNSUPPORTED, not a
 * divergence; @why says which.
 */
bool conf__lacks_feature(const char *scenario, const char *log, char *why, size_t n);
/*
 * The checks @log (a scenario's judged output) shows as known divergences
 * ("DIVERGENCE (KVM-2)"): their IDs added to @id, their names to @observed
 * ("known: NAME (ID)"). Returns how many.
 */
unsigned conf__known_checks(const char *log, char *id, size_t idn, char *observed, size_t obsn);
/*
 * The scenario checks @log's table shows failing, with what each observed, in
 * @out ("failing checks: NAME (observed [...]); ..."); "" when none does.
 */
void conf__failed_checks(const char *log, char *out, size_t n);

/* ---- the matrix ---- */

struct conf_matrix {
	const struct conf_catalogue *cat;
	unsigned ntargets;
	const char *const *targets;	/* column names: "kvm/kernel", "qemu-tcg" */
	struct conf_cell *cells;	/* [check * ntargets + target] */
	struct conf_forms *forms;	/* the sweep's forms, target by target (NULL: none read) */
	double wall_s;
};

int conf__matrix_init(struct conf_matrix *m, const struct conf_catalogue *cat,
		      const char *const *targets, unsigned ntargets);
void conf__matrix_free(struct conf_matrix *m);
struct conf_cell *conf__cell(struct conf_matrix *m, unsigned check, unsigned target);
const struct conf_cell *conf__cell_c(const struct conf_matrix *m, unsigned check, unsigned target);
int conf__find_check(const struct conf_catalogue *cat, const char *name);

const char *conf__status_name(enum conf_status s);
int conf__status_parse(const char *s);

/* Whether @id is accepted by the --expect list @expect ("PVM-2,QEMU-1", "known", NULL: none). */
bool conf__expected(const char *expect, const char *id);

/* ---- the report ---- */

struct conf_totals {
	unsigned counts[CONF_NR_STATUS];
	unsigned unexpected;	/* divergences (or hangs, errors) --expect does not cover */
};
void conf__totals(const struct conf_matrix *m, const char *expect, struct conf_totals *t);

/* The matrix, then each divergence, hang and error with its reproducer, then a summary. */
void conf__report_text(const struct conf_matrix *m, const char *expect, FILE *f);
void conf__report_json(const struct conf_matrix *m, const char *expect, FILE *f);
void conf__report_html(const struct conf_matrix *m, const char *expect, FILE *f);

/*
 * One "conf" line per cell, tab-separated (the form a nested vmm prints for
 * the outer one): conf, check, target, status, id, expected, observed, note,
 * repro, trace; tabs and newlines in a field become spaces. Then the
 * sweep's forms (conf__forms_write_lines).
 */
void conf__write_lines(const struct conf_matrix *m, FILE *f);
/* Parse one such line: 1 with the fields, 0 if it is not a conf line, -1 if malformed. */
int conf__parse_line(const char *line, char *check, size_t checklen, char *target, size_t targetlen,
		     struct conf_cell *cell);

/* docs/DIVERGENCES.md's ID table, as Markdown. */
void conf__write_markdown(FILE *f);

#endif
