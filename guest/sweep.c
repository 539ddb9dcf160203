// SPDX-License-Identifier: MIT
/*
 * test=sweep: every instruction form in sweep.S runs with the same inputs
 * at CPL3 and at CPL0, and the outputs are compared. Where CPL0 code is
 * emulated by the host (KVM's instruction emulator on a PVM backend) and
 * CPL3 code runs natively, CPL3 is the reference. Outputs the SDM leaves
 * undefined are masked per form (sweep.S) and per input (form_masks()).
 *
 * One line per form (a contract other tools parse):
 *   insn NAME SAME | DIFF in=K REG=cpl0/cpl3 ... | FAULT cpl0=V cpl3=V | SKIP why
 *   insn done forms=N same=S diff=D fault=F skip=K
 * and after each form's line but a SKIP, its digests: "insd NAME d=D" when
 * the CPLs agree, else "insd NAME d0=D" and "insd NAME d3=D" for each CPL
 * that ran every input. D, over every input, is "F,F,F,F/H.H...": each
 * input's defined flags (3 hex digits), a 32-bit hash per register rax..r11
 * and one of the scratch area (8 hex digits each), so another target's run
 * of the same form can be compared field by field.
 */
#include "programs.h"
#include "sweep.h"

/* The harness's registers in and out (sweep.S; SW_* indexes) */
struct sw_state {
	uint64_t r[SW_NREGS];
	uint64_t flags;
	uint8_t mem[SW_MEM_SIZE];
};
_Static_assert(__builtin_offsetof(struct sw_state, flags) == SW_RFLAGS * 8, "rflags slot");
_Static_assert(__builtin_offsetof(struct sw_state, mem) == SW_MEM, "scratch copy");

struct sw_form {
	const char *name;
	const void *code;
	uint16_t undef;		/* RFLAGS bits the SDM leaves undefined */
	uint16_t regs;		/* registers (1 << SW_RAX...) left undefined */
	uint8_t vs, feat, kind, w, cnt, df;
	uint8_t pad[6];
};
_Static_assert(sizeof(struct sw_form) == SW_FORM_SIZE, "FORM in sweep.S");

extern const struct sw_form sw_forms[], sw_forms_end[];
extern char sweep_fault[];
void sweep_exec(const void *code);

/* Read and written at CPL3 too: the image is user-accessible */
struct sw_state sw_in, sw_out;
uint8_t sw_scratch[SW_MEM_SIZE] __aligned(64);

/* How the scratch area starts */
enum { MEM_REGS, MEM_SAME, MEM_HOLES, MEM_RAMP };

struct sw_vec {
	uint64_t r[SW_NREGS];	/* rax rbx rcx rdx rsi rdi r8 r9 r10 r11 */
	uint16_t flags;
	uint8_t mem;
};

#define NVEC	4
#define ALLF	(SW_CF | SW_PF | SW_AF | SW_ZF | SW_SF | SW_OF)

/* Other registers: distinct values, so a stray write shows */
#define REST	0x0123456789abcdefull, 0xfedcba9876543210ull, 0x8000000080008080ull, \
		0x00000000ffffffffull, 0x7full, 0

static const struct sw_vec vec_sets[VS_COUNT][NVEC] = {
	/* 8/16/32-bit carries into zero and 64-bit overflow; 0x80+0x80; long carry chains; zeros */
	[VS_ALU] = {
		{ { 0x7fffffffffffffffull, 1, 0x8000000000000000ull, ~0ull, REST }, 0, MEM_REGS },
		{ { 0x800000007fff7f80ull, 0xffffffffffffff80ull, 0x7f7f7f7f7f7f7f7full, 1, REST },
		  SW_CF, MEM_REGS },
		{ { 0x0123456789abcdefull, 0xfedcba9876543210ull, ~0ull, 0xffffffffull, REST },
		  ALLF, MEM_REGS },
		{ { 0, 0, 0x8000000000000000ull, 0x5555555555555555ull, REST }, SW_ZF | SW_SF,
		  MEM_REGS },
	},
	/* CL = 0 (flags kept, so all set), 1, 63 (31 below 64 bits), 65 (1) */
	[VS_SHIFT] = {
		{ { 0x8000000080008081ull, 0x0123456789abcdefull, 0, 0, REST }, ALLF, MEM_REGS },
		{ { 0xc000000040004041ull, 0xfedcba9876543210ull, 1, 0, REST }, 0, MEM_REGS },
		{ { 0x4000000180018001ull, 0xffffffffffffffffull, 63, 0, REST }, SW_CF, MEM_REGS },
		{ { 0x7fffffffffffffffull, 0x8000000000000001ull, 65, 0, REST }, SW_CF | SW_OF,
		  MEM_REGS },
	},
	/* high half below the divisor at every width: AH < BL, DX < BX, EDX < EBX, RDX < RBX */
	[VS_DIV] = {
		{ { 0x123456789abcdef0ull, 0xfedcba98765432ffull, 0, 0x12, REST }, 0, MEM_REGS },
		{ { 0xfffffffffffffeffull, ~0ull, 0, 0xfffffffffffffffeull, REST }, ALLF, MEM_REGS },
		{ { 5, 1, 0, 0, REST }, SW_CF, MEM_REGS },
		{ { 0x8000000000000000ull, 0x8000000080008003ull, 0, 1, REST }, 0, MEM_REGS },
	},
	/* the dividend sign-extended at every width (+-113), small divisors */
	[VS_IDIV] = {
		{ { 0x71, 7, 0, 0, REST }, 0, MEM_REGS },
		{ { -113ull, 7, 0, ~0ull, REST }, ALLF, MEM_REGS },
		{ { -113ull, -3ull, 0, ~0ull, REST }, SW_CF, MEM_REGS },
		{ { 0x71, ~0ull, 0, 0, REST }, 0, MEM_REGS },
	},
	/* bit offsets in RCX; 300 reaches qword 4 of the scratch area */
	[VS_BIT] = {
		{ { 0x8000000000000001ull, 0xfedcba9876543210ull, 0, 0, REST }, 0, MEM_REGS },
		{ { 0x0123456789abcdefull, 0x00000000ffffffffull, 5, 0, REST }, ALLF, MEM_REGS },
		{ { 0xffffffff00000000ull, 0x0000000000001f04ull, 37, 0, REST }, SW_CF, MEM_REGS },
		{ { 0x5555555555555555ull, 0x0000000000002808ull, 300, 0, REST }, SW_ZF,
		  MEM_REGS },
	},
	/*
	 * The m128 at scratch+16 is RDX:RCX (MEM_REGS), the m64 is RCX:
	 * cmpxchg8b succeeds in 0 and 3, cmpxchg16b and cmpxchg r/m in 1 and 3.
	 */
	[VS_CX] = {
		{ { 0x1111111122222222ull, 0xaaaaaaaabbbbbbbbull, 0x3333333322222222ull,
		    0x4444444433333333ull, REST }, 0, MEM_REGS },
		{ { 0x4444444455555555ull, 0xccccccccddddddddull, 0x4444444455555555ull,
		    0x6666666677777777ull, REST }, ALLF, MEM_REGS },
		{ { 0x8000000000000000ull, 1, 0x7fffffffffffffffull, 2, REST }, SW_CF, MEM_REGS },
		{ { 0, 0x9999999999999999ull, 0, 0, REST }, SW_ZF, MEM_REGS },
	},
	/* every condition both ways; RCX: jrcxz/jecxz taken, jecxz only, neither, both */
	[VS_COND] = {
		{ { 0x1111111111111111ull, 0x2222222222222222ull, 0, 0, REST }, 0, MEM_REGS },
		{ { 0x3333333333333333ull, 0x4444444444444444ull, 0x100000000ull, 0, REST },
		  SW_CF | SW_ZF | SW_PF, MEM_REGS },
		{ { 0x5555555555555555ull, 0x6666666666666666ull, 1, 0, REST }, SW_SF, MEM_REGS },
		{ { 0x7777777777777777ull, 0x8888888888888888ull, 0, 0, REST },
		  SW_OF | SW_SF | SW_AF, MEM_REGS },
	},
	/* element counts 0, 1, 3, 5 (RSI/RDI are set by the forms) */
	[VS_STR] = {
		{ { 0x4141414141414141ull, 0, 0, 0, REST }, 0, MEM_SAME },
		{ { 0x4141414141414141ull, 0, 1, 0, REST }, SW_CF, MEM_HOLES },
		{ { 0x0706050403020100ull, 0, 3, 0, REST }, ALLF, MEM_RAMP },
		{ { 0x4141414141414141ull, 0, 5, 0, REST }, SW_ZF, MEM_HOLES },
	},
	/* LOOP counts (never 0: 2^64 rounds), ZF both ways for LOOPE/LOOPNE */
	[VS_LOOP] = {
		{ { 0, 0, 1, 0, REST }, SW_ZF, MEM_REGS },
		{ { 0, 0, 5, 0, REST }, 0, MEM_REGS },
		{ { 0, 0, 3, 0, REST }, SW_ZF | SW_CF, MEM_REGS },
		{ { 0, 0, 2, 0, REST }, SW_SF, MEM_REGS },
	},
	/* sources in RBX (and scratch qword 0): zero, 1, the top bit, zero in the low 16 bits */
	[VS_SCAN] = {
		{ { 0xdeadbeefdeadbeefull, 0, 0, 0, REST }, ALLF, MEM_REGS },
		{ { 0xdeadbeefdeadbeefull, 1, 0, 0, REST }, 0, MEM_REGS },
		{ { 0xdeadbeefdeadbeefull, 0x8000000000000000ull, 0, 0, REST }, SW_CF, MEM_REGS },
		{ { 0xdeadbeefdeadbeefull, 0x00f0000000010000ull, 0, 0, REST }, SW_ZF, MEM_REGS },
	},
};

static void fill_scratch(const struct sw_vec *v, unsigned int k)
{
	uint64_t *q = (uint64_t *)sw_scratch;
	unsigned int i;

	switch (v->mem) {
	case MEM_REGS:	/* rbx rax rcx rdx r8 r9 r10 r11: memory forms mirror register forms */
		q[0] = v->r[SW_RBX];
		q[1] = v->r[SW_RAX];
		q[2] = v->r[SW_RCX];
		q[3] = v->r[SW_RDX];
		for (i = 0; i < 4; i++)
			q[4 + i] = v->r[SW_R8 + i] ^ (0x1000000000000001ull * k);
		break;
	case MEM_SAME:	/* equal everywhere: REPE runs out the count */
		memset(sw_scratch, 0x41, SW_MEM_SIZE);
		break;
	case MEM_HOLES:	/* a few differing bytes: REPE/REPNE stop inside */
		memset(sw_scratch, 0x41, SW_MEM_SIZE);
		sw_scratch[2] = 0x42;
		sw_scratch[27] = 0;
		sw_scratch[45] = 0x40;
		sw_scratch[60] = 0x42;
		break;
	case MEM_RAMP:
		for (i = 0; i < SW_MEM_SIZE; i++)
			sw_scratch[i] = i;
		break;
	}
}

/* ---- CPUID features ---- */
static uint32_t cpuid_reg(uint32_t leaf, int reg)
{
	uint32_t r[4];

	cpuid(leaf, &r[0], &r[1], &r[2], &r[3]);
	return r[reg];
}

static const char *const feat_names[] = {
	[FT_POPCNT] = "popcnt", [FT_LZCNT] = "lzcnt", [FT_BMI1] = "bmi1", [FT_ADX] = "adx",
	[FT_MOVBE] = "movbe", [FT_SSE42] = "sse4.2", [FT_CX16] = "cx16", [FT_LAHF] = "lahf-lm",
};
static bool features[ARRAY_SIZE(feat_names)];

enum { EAX, EBX, ECX, EDX };

static void probe_features(void)
{
	uint32_t max = cpuid_reg(0, EAX), xmax = cpuid_reg(0x80000000, EAX);
	uint32_t c1 = cpuid_reg(1, ECX);
	uint32_t b7 = max >= 7 ? cpuid_reg(7, EBX) : 0;
	uint32_t xc1 = xmax >= 0x80000001 ? cpuid_reg(0x80000001, ECX) : 0;

	features[FT_NONE] = true;
	features[FT_POPCNT] = c1 & (1u << 23);
	features[FT_MOVBE] = c1 & (1u << 22);
	features[FT_SSE42] = c1 & (1u << 20);
	features[FT_CX16] = c1 & (1u << 13);
	features[FT_BMI1] = b7 & (1u << 3);
	features[FT_ADX] = b7 & (1u << 19);
	features[FT_LAHF] = xc1 & (1u << 0);
	features[FT_LZCNT] = xc1 & (1u << 5);	/* ABM; without it LZCNT runs as BSR */
}

/* ---- running one form ---- */
#define NO_FAULT	(-1)

static volatile int sw_fault = NO_FAULT;
static volatile bool sw_armed;

/* Any exception in a form: note the vector, resume at sweep_fault at the same CPL */
static bool sweep_trap(struct pt_regs *regs)
{
	if (!sw_armed || regs->vector >= 32 || regs->vector == X86_TRAP_NMI)
		return false;
	sw_armed = false;	/* a fault in the way out is a panic, not a loop */
	sw_fault = regs->vector;
	regs->ip = (uint64_t)sweep_fault;
	regs->flags &= ~(uint64_t)(X86_EFLAGS_TF | X86_EFLAGS_DF);
	return true;
}

static void exec_user(void *code)
{
	sweep_exec(code);
}

/* One run; the vector it faulted with, or NO_FAULT */
static int run_form(const struct sw_form *f, const struct sw_vec *v, unsigned int k,
		    bool user, struct sw_state *out)
{
	memcpy(sw_in.r, v->r, sizeof(sw_in.r));
	sw_in.flags = (v->flags & SW_ARITH) | (f->df ? SW_DF : 0);
	memset(&sw_out, 0, sizeof(sw_out));
	fill_scratch(v, k);
	sw_fault = NO_FAULT;
	sw_armed = true;
	if (user)
		user_run(exec_user, (void *)f->code);
	else
		sweep_exec(f->code);
	sw_armed = false;
	*out = sw_out;
	out->flags &= SW_FLAGS;
	memcpy(out->mem, sw_scratch, SW_MEM_SIZE);
	return sw_fault;
}

/* The form's undefined flags and registers for input @v */
static void form_masks(const struct sw_form *f, const struct sw_vec *v, uint16_t *undef,
		       uint16_t *regs)
{
	unsigned int c = f->cnt == CNT_CL ? v->r[SW_RCX] & 0xff : f->cnt;
	uint64_t wmask = f->w == 64 ? ~0ull : (1ull << f->w) - 1;

	*undef = f->undef;
	*regs = f->regs;
	c &= f->w == 64 ? 63 : 31;	/* the masked count the SDM's flag rules speak of */
	switch (f->kind) {
	case K_SHXD16:
		/* a count above 16 leaves the result and all flags undefined */
		if (c > 16) {
			*undef |= SW_ARITH;
			*regs |= 1u << SW_RAX;
		}
		/* fall through */
	case K_SHIFT:
		if (c)
			*undef |= SW_AF;
		if (c > 1)
			*undef |= SW_OF;
		/*
		 * SHL/SHR: CF undefined for a count >= the width (SDM). SAR is
		 * not listed there; masked too, for want of a firmer rule.
		 */
		if (c >= f->w)
			*undef |= SW_CF;
		break;
	case K_ROT:
		if (c > 1)
			*undef |= SW_OF;
		break;
	case K_SCAN:
		if (!(v->r[SW_RBX] & wmask))
			*regs |= 1u << SW_RAX;
		break;
	}
}

static const char *const reg_names[SW_NREGS] = {
	"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11",
};

#define LINE_MAX	1024

/* printf onto the line at *len, never past LINE_MAX - 2 (room for the newline) */
static void __printf(3, 4) app(char *buf, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + *len, LINE_MAX - 1 - *len, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len += n;
	if (*len > LINE_MAX - 2)
		*len = LINE_MAX - 2;
}

/* Append " FIELD=a/b" for each masked difference; the number of them */
static unsigned int diff_fields(const struct sw_state *a, const struct sw_state *b,
				uint16_t undef, uint16_t regs, char *buf, size_t *len)
{
	const uint64_t *ma = (const uint64_t *)a->mem, *mb = (const uint64_t *)b->mem;
	unsigned int i, n = 0;

	for (i = 0; i < SW_NREGS; i++) {
		if ((regs & (1u << i)) || a->r[i] == b->r[i])
			continue;
		app(buf, len, " %s=%lx/%lx", reg_names[i],
				 a->r[i], b->r[i]);
		n++;
	}
	if ((a->flags ^ b->flags) & SW_FLAGS & ~undef) {
		app(buf, len, " rflags=%lx/%lx",
				 a->flags & ~(uint64_t)undef, b->flags & ~(uint64_t)undef);
		n++;
	}
	for (i = 0; i < SW_MEM_SIZE / 8; i++) {
		if (ma[i] == mb[i])
			continue;
		app(buf, len, " mem+%u=%lx/%lx", i * 8,
				 ma[i], mb[i]);
		n++;
	}
	return n;
}

enum verdict { V_SAME, V_DIFF, V_FAULT, V_SKIP };

/*
 * A form's outputs at each CPL, every input, for its digest: what another
 * target's run of the form is held against (vmm conformance compares them
 * form by form). Static: the digest is made at CPL3, where it costs nothing.
 */
static struct {
	struct sw_state o[2][NVEC];	/* [0]: CPL0, [1]: CPL3 */
	uint16_t undef[NVEC], regs[NVEC];
	bool ran[2];			/* that CPL ran every input without a fault */
	unsigned int cpl;		/* the digest line being made: 0, 1 (CPL3), 2 (both) */
	char line[LINE_MAX];
	size_t len;
} dg;

/* FNV-1a-style over qwords: a register's or the scratch area's values over the inputs */
static uint64_t mix(uint64_t h, uint64_t v)
{
	h = (h ^ v) * 0x100000001b3ull;
	return h ^ (h >> 32);
}

static void hex(char *p, uint64_t v, unsigned int digits)
{
	while (digits--) {
		p[digits] = "0123456789abcdef"[v & 0xf];
		v >>= 4;
	}
}

#define DIGEST_LEN	(4 * 4 + (SW_NREGS + 1) * 9)

/*
 * "FFF,FFF,FFF,FFF/H.H...": each input's defined flags, then a 32-bit hash
 * per register (rax..r11, undefined ones as 0) and one of the scratch area
 */
static void digest(const struct sw_state *o, char *p)
{
	unsigned int i, k;

	for (k = 0; k < NVEC; k++) {
		hex(p, o[k].flags & SW_FLAGS & ~(uint64_t)dg.undef[k], 3);
		p[3] = k + 1 < NVEC ? ',' : '/';
		p += 4;
	}
	for (i = 0; i <= SW_NREGS; i++) {
		uint64_t h = 0xcbf29ce484222325ull;

		for (k = 0; k < NVEC; k++) {
			const uint64_t *m = (const uint64_t *)o[k].mem;

			if (i == SW_NREGS)
				for (unsigned int j = 0; j < SW_MEM_SIZE / 8; j++)
					h = mix(h, m[j]);
			else
				h = mix(h, (dg.regs[k] & (1u << i)) ? 0 : o[k].r[i]);
		}
		hex(p, h, 8);
		p[8] = i < SW_NREGS ? '.' : 0;
		p += 9;
	}
}

/* At CPL3: the form's digest line for CPL @dg.cpl (2: both, the same) */
static void digest_user(void *arg)
{
	static const char *const key[3] = { " d0=", " d3=", " d=" };
	const char *name = arg;
	size_t n = strlen(name);
	char *p = dg.line;

	if (n > LINE_MAX - 16 - DIGEST_LEN)
		n = LINE_MAX - 16 - DIGEST_LEN;
	memcpy(p, "insd ", 5);
	memcpy(p + 5, name, n);
	p += 5 + n;
	memcpy(p, key[dg.cpl], strlen(key[dg.cpl]));
	p += strlen(key[dg.cpl]);
	digest(dg.o[dg.cpl == 2 ? 1 : dg.cpl], p);
	p += DIGEST_LEN - 1;
	*p++ = '\n';
	dg.len = p - dg.line;
}

/* A line of its own: an insn line and two digests would pass a hypercall's 240 bytes */
static void print_digest(const struct sw_form *f, unsigned int cpl)
{
	dg.cpl = cpl;
	user_run(digest_user, (void *)f->name);
	console_write(dg.line, dg.len);
}

/*
 * Every input at both CPLs (a CPL that faults stops there): the verdict,
 * the first input that differs, and the digest of each CPL that ran
 */
static enum verdict sweep_form(const struct sw_form *f, char *buf, size_t *len)
{
	const struct sw_vec *vs = vec_sets[f->vs];
	int e[2] = { NO_FAULT, NO_FAULT };
	unsigned int k;
	bool diff = false;

	if (f->feat >= ARRAY_SIZE(features) || !features[f->feat]) {
		app(buf, len, " SKIP cpuid lacks %s",
				 f->feat < ARRAY_SIZE(feat_names) ? feat_names[f->feat] : "?");
		return V_SKIP;
	}
	for (k = 0; k < NVEC; k++) {
		form_masks(f, &vs[k], &dg.undef[k], &dg.regs[k]);
		if (e[1] == NO_FAULT)
			e[1] = run_form(f, &vs[k], k, true, &dg.o[1][k]);
		if (e[0] == NO_FAULT)
			e[0] = run_form(f, &vs[k], k, false, &dg.o[0][k]);
	}
	dg.ran[0] = e[0] == NO_FAULT;
	dg.ran[1] = e[1] == NO_FAULT;
	if (e[0] != NO_FAULT || e[1] != NO_FAULT) {
		char v0[8] = "-", v3[8] = "-";

		if (e[0] != NO_FAULT)
			snprintf(v0, sizeof(v0), "%d", e[0]);
		if (e[1] != NO_FAULT)
			snprintf(v3, sizeof(v3), "%d", e[1]);
		app(buf, len, " FAULT cpl0=%s cpl3=%s",
				 v0, v3);
		return V_FAULT;
	}
	for (k = 0; k < NVEC && !diff; k++) {
		size_t at = *len;

		app(buf, len, " DIFF in=%u", k);
		diff = diff_fields(&dg.o[0][k], &dg.o[1][k], dg.undef[k], dg.regs[k], buf, len);
		if (!diff) {
			*len = at;
			buf[at] = 0;
		}
	}
	if (!diff)
		app(buf, len, " SAME");
	return diff ? V_DIFF : V_SAME;
}

void sweep_run(void)
{
	bool (*old_hook)(struct pt_regs *) = exception_hook;
	unsigned int counts[4] = { 0 }, n = 0;
	const struct sw_form *f;
	static char buf[LINE_MAX];
	enum verdict v;

	probe_features();
	exception_hook = sweep_trap;
	for (f = sw_forms; f < sw_forms_end; f++, n++) {
		size_t len = 0;

		app(buf, &len, "insn %s", f->name);

		v = sweep_form(f, buf, &len);
		counts[v]++;
		buf[len++] = '\n';
		console_write(buf, len);
		if (v == V_SAME)
			print_digest(f, 2);
		for (unsigned int c = 0; c < 2 && (v == V_DIFF || v == V_FAULT); c++)
			if (dg.ran[c])
				print_digest(f, c);
	}
	exception_hook = old_hook;
	printf("insn done forms=%u same=%u diff=%u fault=%u skip=%u\n", n, counts[V_SAME],
	       counts[V_DIFF], counts[V_FAULT], counts[V_SKIP]);
}
