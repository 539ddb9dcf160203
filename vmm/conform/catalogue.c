// SPDX-License-Identifier: MIT
/* The conformance catalogue: the guest's cases, the emulation checks, the scenarios. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include "scenario/scenario.h"
#include "conform.h"

/*
 * The guest's cases (test=conformance), in the order guest/selftest.c and
 * guest/conform.c run them: a run that stops early is resumed after the
 * case in flight, so this order must be the guest's.
 */
static const struct {
	const char *name, *group, *what;
} cases[] = {
	{ "#DE-cpl0", "exceptions", "div by zero at CPL0: #DE, fault at the div" },
	{ "#DB-tf-cpl0", "exceptions", "RFLAGS.TF at CPL0: #DB trap on IST3 after one instruction, DR6.BS" },
	{ "#BP-cpl0", "software interrupts", "int3 at CPL0: #BP through the IDT, trap after the int3" },
	{ "#UD-cpl0", "exceptions", "ud2 at CPL0: #UD at the ud2" },
	{ "#NM-cpl0", "exceptions", "x87 at CPL0 with CR0.TS=1: #NM at the instruction" },
	{ "#SS-cpl0", "exceptions", "non-canonical access through RBP: #SS(0)" },
	{ "#GP-cpl0", "exceptions", "non-canonical access: #GP(0)" },
	{ "#PF-np-cpl0", "exceptions", "read of a not-present page: #PF(0), CR2" },
	{ "#PF-write-cpl0", "exceptions", "write to a read-only page: #PF(3), CR2" },
	{ "#PF-nx-cpl0", "exceptions", "fetch from an NX page: #PF(0x11), CR2 = RIP" },
	{ "#MF-cpl0", "exceptions", "unmasked x87 exception at CPL0: #MF at the fwait" },
	{ "#XM-cpl0", "exceptions", "unmasked SIMD exception at CPL0, CR4.OSXMMEXCPT: #XM" },
	{ "int41-cpl0", "software interrupts", "int $0x41 at CPL0: vector 0x41, trap after the int" },
	{ "#BP-cpl3", "software interrupts", "int3 at CPL3 through a DPL3 gate: #BP on RSP0" },
	{ "#UD-cpl3", "exceptions", "ud2 at CPL3: #UD on RSP0" },
	{ "#DE-cpl3", "exceptions", "div by zero at CPL3: #DE on RSP0" },
	{ "#DB-tf-cpl3", "exceptions", "RFLAGS.TF at CPL3: #DB trap on IST3, DR6.BS" },
	{ "#PF-np-cpl3", "exceptions", "user read of a not-present page: #PF(4), CR2" },
	{ "#PF-sup-cpl3", "exceptions", "user read of a supervisor page: #PF(5), CR2" },
	{ "#NM-cpl3", "exceptions", "x87 at CPL3 with CR0.TS=1: #NM" },
	{ "#MF-cpl3", "exceptions", "unmasked x87 exception at CPL3: #MF at the fwait" },
	{ "#XM-cpl3", "exceptions", "unmasked SIMD exception at CPL3: #XM" },
	{ "#AC-cpl3", "exceptions", "misaligned access at CPL3 with CR0.AM and RFLAGS.AC: #AC(0)" },
	{ "int80-cpl3", "software interrupts", "int $0x80 at CPL3 through a DPL3 gate: vector 0x80" },
	{ "int41-cpl3", "software interrupts", "int $0x41 at CPL3 through a DPL0 gate: #GP(0x41*8+2)" },
	{ "#DF-cpl0", "exceptions", "#NP while delivering #DE (contributory): #DF(0) on IST1" },
	{ "#NP-cpl0", "exceptions", "#UD's gate not present: #NP(6*8+3), not #DF" },
	{ "out-cpl3-iopl0", "I/O", "out at CPL3, IOPL 0, no I/O bitmap: #GP(0)" },
	{ "in-cpl3-iopl0", "I/O", "in at CPL3, IOPL 0, no I/O bitmap: #GP(0)" },
	{ "cli-cpl3", "privilege", "cli at CPL3 with IOPL 0: #GP(0)" },
	{ "hlt-cpl3", "privilege", "hlt at CPL3: #GP(0)" },
	{ "rdmsr-cpl3", "MSR", "rdmsr at CPL3: #GP(0)" },
	{ "rdmsr-unknown-cpl0", "MSR", "rdmsr of an MSR that does not exist: #GP(0)" },
	{ "wrmsr-unknown-cpl0", "MSR", "wrmsr of an MSR that does not exist: #GP(0)" },
	{ "int1-cpl0", "software interrupts", "icebp (int1) at CPL0: #DB trap on IST3" },
	{ "int1-cpl3", "software interrupts", "icebp (int1) at CPL3: #DB trap, no gate DPL check" },
	{ "into-cpl3", "software interrupts", "into in 64-bit mode: #UD" },
	{ "#DB-hwbp-cpl0", "exceptions", "DR0 execute breakpoint at CPL0: #DB fault at the instruction, DR6.B0" },
	{ "irq-sti-shadow-cpl0", "delivery", "an interrupt pending at sti is taken after the next instruction" },
	{ "iretq-cpl0", "iret", "iretq to CPL0 restores RIP, RSP and RFLAGS" },
	{ "movss-tf-cpl0", "delivery", "TF over mov ss: the single-step #DB waits for the next instruction" },
	{ "movss-tf-cpl3", "delivery", "TF over mov ss at CPL3: the #DB waits for the next instruction" },
	{ "int3-dpl0-cpl3", "software interrupts", "int3 at CPL3 through a DPL0 gate: #GP(3*8+2)" },
	{ "efer-rsvd-cpl0", "MSR", "wrmsr of EFER with a reserved bit (1) set: #GP(0)" },
	{ "pat-rsvd-cpl0", "MSR", "wrmsr of IA32_PAT with a reserved memory type (2) in PA7: #GP(0)" },
	{ "apicbase-rsvd-cpl0", "MSR", "wrmsr of IA32_APIC_BASE with reserved bit 0 set: #GP(0)" },
	{ "int41-trapgate-cpl0", "software interrupts",
	  "int $0x41 at CPL0 with IF=1 through a trap gate: the handler runs with IF=1" },
	{ "#BP-trapgate-cpl3", "software interrupts",
	  "int3 at CPL3 through a DPL3 trap gate: #BP with IF=1 in the handler" },
	{ "iretq-tf-cpl0", "iret", "iretq that loads TF: #DB after the target's first instruction, DR6.BS" },
	{ "iretq-nullcs-cpl0", "iret", "iretq with a NULL CS selector in the frame: #GP(0) at the iretq" },
	{ "out-cpl3-iopl3", "I/O", "out at CPL3 with IOPL 3: allowed, no fault" },
	{ "cli-cpl3-iopl3", "privilege", "cli at CPL3 with IOPL 3: allowed, IF cleared, no fault" },
	{ "apic-tpr-lower-cpl0", "LAPIC",
	  "a vector held back by TPR 15 with IF=1 arrives at the instruction after the write "
	  "that lowers the APIC's TPR register (xAPIC MMIO or x2APIC MSR)" },
	{ "out-cpl3-iomap-allowed", "I/O", "out at CPL3, IOPL 0, to a port the TSS I/O bitmap allows: no fault" },
	{ "in-cpl3-iomap-allowed", "I/O", "in at CPL3, IOPL 0, from a port the TSS I/O bitmap allows: no fault" },
	{ "out-cpl3-iomap-denied", "I/O", "out at CPL3, IOPL 0, to a port the TSS I/O bitmap denies: #GP(0)" },
	{ "outw-cpl3-iomap-partial", "I/O",
	  "16-bit out at CPL3, IOPL 0, its first port allowed by the TSS I/O bitmap, its second denied: #GP(0)" },
	{ "#NP-db-cpl0", "exceptions",
	  "single-step #DB's gate not present (benign, then contributory): #NP(1*8+3) at the #DB's "
	  "return address, not #DF" },
	{ "#DF-pf-pf-cpl0", "exceptions",
	  "#PF while delivering #PF (its frame pushed onto a not-present stack): #DF(0) on IST1" },
	{ "#DF-pf-np-cpl0", "exceptions",
	  "#NP while delivering #PF (its gate not present; page fault, then contributory): #DF(0) on IST1" },
	{ "#DB-buslock-cpl3", "exceptions",
	  "a split lock at CPL3 with IA32_DEBUGCTL.BUS_LOCK_DETECT: #DB trap, DR6.BLD cleared "
	  "(no CPUID.(7,0):ECX[24]: UNSUPPORTED)" },
	{ "lvt-error-illegal-cpl0", "LAPIC",
	  "a fixed self-IPI with vector 3 sets ESR send illegal vector and raises the LVT error vector" },
	{ "selfipi-illegal-cpl0", "LAPIC",
	  "vector 3 written to the x2APIC SELF IPI register (MSR 0x83f) sets ESR send illegal vector "
	  "and raises the LVT error vector (no x2APIC: UNSUPPORTED)" },
	{ "#DF-shutdown-cpl0", "exceptions",
	  "#DE's and #DF's gates not present: #NP while delivering #DE gives #DF, #NP while "
	  "delivering #DF shuts the processor down (a triple fault; run alone)" },
};
#define NR_CASES (sizeof(cases) / sizeof(cases[0]))

/* What KVM's own tracepoints must not say about a case the guest passed. */
static const struct {
	const char *name, *case_name, *group, *what;
} emulation_checks[] = {
	{ "emulation:iretq", "iretq-cpl0", "iret",
	  "an iretq that completes is not reported as an emulation failure" },
};

/*
 * Host-side observations (KVM_CAP_EXCEPTION_PAYLOAD): the VMM injects a
 * pending exception with a payload and reads the register back before the
 * next KVM_RUN; case_name is the head of vmm probe's line for it.
 */
static const struct {
	const char *name, *case_name, *what;
} host_checks[] = {
	{ "host:pf-payload-pending", "pending #PF, CR2 payload",
	  "#PF injected pending with a CR2 payload (KVM_SET_VCPU_EVENTS): CR2 keeps its old value "
	  "until the delivery, the handler reads the payload" },
	{ "host:db-payload-pending", "pending #DB, DR6 payload",
	  "#DB injected pending with a DR6 payload (B1): DR6 keeps its old value until the delivery, "
	  "the handler reads B0-B3 cleared and B1 set" },
	{ "host:pf-payload-sti-shadow", "pending #PF in STI shadow",
	  "#PF injected pending with a CR2 payload while the vCPU is in an STI shadow (IF=1): the "
	  "shadow holds off interrupts, not exceptions: delivered at the entry, CR2 deferred to it" },
};

/* The sweep's families (guest/sweep.S), one check each */
static const struct {
	const char *name, *family, *what;
} sweep_checks[] = {
	{ "insn:alu", "alu", "add/adc/sub/sbb/logic/inc/dec/neg/not/cmp/test, 8 to 64 bits, reg, imm, mem, lock" },
	{ "insn:shift", "shift", "shl/shr/sar/rol/ror/rcl/rcr by 1, imm and CL; shld/shrd" },
	{ "insn:muldiv", "muldiv", "mul, imul (1, 2, 3 operands), div, idiv" },
	{ "insn:bit", "bit", "bt*, bsf/bsr, bswap, popcnt, lzcnt/tzcnt, BMI1, ADX, movbe, crc32" },
	{ "insn:move", "move", "mov/movzx/movsx, lea, xchg/xadd/cmpxchg*, sign extensions, lahf/sahf, push/pop, xlat" },
	{ "insn:cond", "cond", "setcc, cmovcc and jcc for the 16 conditions, loop, jrcxz" },
	{ "insn:string", "string", "movs/stos/lods/cmps/scas, 1 to 8 bytes, rep/repe/repne, DF 0 and 1" },
};

/* A case the model expects to end the run (a shutdown): the guest runs it only when named */
static bool alone(const char *name)
{
	const struct conf_model_case *x = conf__model_case(name);

	return x && x->resume == CONF_RESUME_SHUTDOWN;
}

unsigned conf__nr_cases(void)
{
	return NR_CASES;
}

unsigned conf__nr_plain_cases(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < NR_CASES; i++)
		n += !alone(cases[i].name);
	return n;
}

const char *conf__case_name(unsigned i)
{
	return i < NR_CASES ? cases[i].name : NULL;
}

static struct conf_check *add(struct conf_catalogue *cat)
{
	if (cat->n == cat->cap) {
		unsigned cap = cat->cap ? cat->cap * 2 : 64;
		struct conf_check *p = realloc(cat->checks, cap * sizeof(*p));

		if (!p)
			return NULL;
		cat->checks = p;
		cat->cap = cap;
	}
	memset(&cat->checks[cat->n], 0, sizeof(cat->checks[0]));
	return &cat->checks[cat->n++];
}

/* --filter=TEXT[,TEXT...]: the name contains one of them */
static bool keep(const char *name, const char *filter)
{
	if (!filter || !*filter)
		return true;
	for (const char *p = filter; *p; ) {
		size_t len = strcspn(p, ",");
		char one[CONF_NAME_MAX];

		if (len && len < sizeof(one)) {
			memcpy(one, p, len);
			one[len] = 0;
			if (strstr(name, one))
				return true;
		}
		p += len + (p[len] == ',');
	}
	return false;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int add_scenarios(struct conf_catalogue *cat, const char *dir, const char *filter,
			 char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	char *names[256];
	unsigned n = 0;
	struct dirent *de;
	int rc = 0;

	if (!d) {
		snprintf(err, errlen, "%s: cannot read the scenario configs (--configs)", dir);
		return -1;
	}
	while ((de = readdir(d)) && n < sizeof(names) / sizeof(names[0])) {
		size_t len = strlen(de->d_name);

		if (len > 5 && !strcmp(de->d_name + len - 5, ".yaml") &&
		    strcmp(de->d_name, "ring-stress.yaml"))	/* a stress test, not a check */
			names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), by_name);
	for (unsigned i = 0; i < n; i++) {
		struct scenario sc = { 0 };
		char name[CONF_NAME_MAX], path[CONF_PATH_MAX];
		struct conf_check *c;

		if (!names[i])
			continue;
		snprintf(name, sizeof(name), "scenario:%.*s", (int)(strlen(names[i]) - 5), names[i]);
		if (rc || !keep(name, filter)) {
			free(names[i]);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		free(names[i]);
		if (scenario__load(path, &sc, err, errlen)) {
			rc = -1;
			continue;
		}
		c = add(cat);
		if (!c) {
			scenario__free(&sc);
			snprintf(err, errlen, "out of memory");
			rc = -1;
			continue;
		}
		snprintf(c->name, sizeof(c->name), "%s", name);
		c->kind = CONF_SCENARIO;
		c->group = "scenarios";
		c->what = "every check of the config passes and the oracle finds every delivery architectural";
		snprintf(c->case_name, sizeof(c->case_name), "%s", sc.name);
		snprintf(c->path, sizeof(c->path), "%s", path);
		c->needs_host_injection = sc.nsteps > 0;
		c->vcpus = sc.vcpus ? sc.vcpus : 1;
		c->irqchips = sc.irqchips;
		scenario__free(&sc);
	}
	return rc;
}

int conf__catalogue(struct conf_catalogue *cat, const char *configs_dir, const char *filter,
		    char *err, size_t errlen)
{
	memset(cat, 0, sizeof(*cat));
	for (unsigned i = 0; i < NR_CASES; i++) {
		struct conf_check *c;

		if (!keep(cases[i].name, filter))
			continue;
		if (!(c = add(cat)))
			goto oom;
		snprintf(c->name, sizeof(c->name), "%s", cases[i].name);
		snprintf(c->case_name, sizeof(c->case_name), "%s", cases[i].name);
		c->kind = CONF_EXC;
		c->group = cases[i].group;
		c->what = cases[i].what;
		c->alone = alone(cases[i].name);
		c->vcpus = 1;
	}
	for (unsigned i = 0; i < sizeof(emulation_checks) / sizeof(emulation_checks[0]); i++) {
		struct conf_check *c;

		if (!keep(emulation_checks[i].name, filter))
			continue;
		if (!(c = add(cat)))
			goto oom;
		snprintf(c->name, sizeof(c->name), "%s", emulation_checks[i].name);
		snprintf(c->case_name, sizeof(c->case_name), "%s", emulation_checks[i].case_name);
		c->kind = CONF_EMULATION;
		c->group = emulation_checks[i].group;
		c->what = emulation_checks[i].what;
		c->vcpus = 1;
	}
	for (unsigned i = 0; i < sizeof(host_checks) / sizeof(host_checks[0]); i++) {
		struct conf_check *c;

		if (!keep(host_checks[i].name, filter))
			continue;
		if (!(c = add(cat)))
			goto oom;
		snprintf(c->name, sizeof(c->name), "%s", host_checks[i].name);
		snprintf(c->case_name, sizeof(c->case_name), "%s", host_checks[i].case_name);
		c->kind = CONF_HOST;
		c->group = "pending exceptions";
		c->what = host_checks[i].what;
		c->vcpus = 1;
	}
	for (unsigned i = 0; i < sizeof(sweep_checks) / sizeof(sweep_checks[0]); i++) {
		struct conf_check *c;

		if (!keep(sweep_checks[i].name, filter))
			continue;
		if (!(c = add(cat)))
			goto oom;
		snprintf(c->name, sizeof(c->name), "%s", sweep_checks[i].name);
		snprintf(c->case_name, sizeof(c->case_name), "%s", sweep_checks[i].family);
		c->kind = CONF_SWEEP;
		c->group = "instructions";
		c->what = sweep_checks[i].what;
		c->vcpus = 1;
	}
	if (configs_dir && add_scenarios(cat, configs_dir, filter, err, errlen)) {
		conf__catalogue_free(cat);
		return -1;
	}
	return 0;
oom:
	conf__catalogue_free(cat);
	snprintf(err, errlen, "out of memory");
	return -1;
}

void conf__catalogue_free(struct conf_catalogue *cat)
{
	free(cat->checks);
	memset(cat, 0, sizeof(*cat));
}

int conf__find_check(const struct conf_catalogue *cat, const char *name)
{
	for (unsigned i = 0; i < cat->n; i++)
		if (!strcmp(cat->checks[i].name, name))
			return (int)i;
	return -1;
}
