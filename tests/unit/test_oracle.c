// SPDX-License-Identifier: MIT
/*
 * The oracle's self-test: an architecturally exact stream passes, and each
 * planted defect is caught as the first finding, of the right kind, at the
 * planted record. Plus hand-built streams for cases the canned one lacks.
 */
#include <stdlib.h>
#include <unistd.h>
#include "tap.h"
#include "trace/oracle.h"
#include "trace/synth_arch.h"
#include "scenario/scenario.h"
#include "vapic/ioapic.h"
#include "abi.h"

static struct itr_record recs[ARCH_MAX];
static struct oracle o;

static void run_host(const struct itr_record *r, size_t n, enum oracle_host host)
{
	oracle__init(&o);
	o.host = host;
	for (size_t i = 0; i < n; i++)
		oracle__feed(&o, &r[i]);
	oracle__finish(&o, true);
}

static void run(const struct itr_record *r, size_t n)
{
	run_host(r, n, ORACLE_HOST_SDM);
}

static void show(void)
{
	if (o.nkept)
		printf("#   first: seq %" PRIu64 " [%s] %s\n", o.kept[0].seq, oracle_kind__name(o.kept[0].kind),
		       o.kept[0].text);
}

/* whether one of the oracle's notes holds @text */
static bool has_note(const char *text)
{
	for (unsigned i = 0; i < o.nnotes; i++)
		if (strstr(o.notes[i], text))
			return true;
	return false;
}

static void test_clean(void)
{
	size_t n = arch_synth(ARCH_CLEAN, recs, ARCH_MAX, NULL);

	run(recs, n);
	if (!ok(oracle__verdict(&o) == ORACLE_PASS && o.total == 0, "exact stream passes (%zu records)", n))
		show();
	ok(o.deliveries == 12, "all 12 deliveries checked (%" PRIu64 ")", o.deliveries);
}

static void test_planted(enum arch_defect d, enum oracle_kind want)
{
	uint64_t at;
	size_t n = arch_synth(d, recs, ARCH_MAX, &at);

	run(recs, n);
	ok(oracle__verdict(&o) == ORACLE_DIVERGENCE, "%s: divergence", arch_defect__name(d));
	if (!ok(o.nkept && o.kept[0].kind == want, "%s: first finding is [%s]", arch_defect__name(d),
		oracle_kind__name(want)))
		show();
	if (!ok(o.nkept && (o.kept[0].seq == at || (want == OK_NO_IRET && o.kept[0].seq > at)),
		"%s: at the planted record (seq %" PRIu64 ")", arch_defect__name(d), at))
		show();
}

/* Hand-built records */
static size_t nr;
static struct itr_record *add(uint16_t type, uint8_t src, uint8_t v, uint32_t a)
{
	struct itr_record *r = &recs[nr];

	memset(r, 0, sizeof(*r));
	r->type = type;
	r->source = src;
	r->vector = v;
	r->a = a;
	r->err = 0xffffffffu;
	r->seq = nr++;
	return r;
}

static void ent(uint8_t v, uint8_t depth, uint32_t rfl)
{
	struct itr_record *r = add(ITR_ENTRY, ITR_SRC_GUEST, v, 0xffffffffu);

	r->depth = depth;
	r->rflags = rfl;
}

static void ire(uint8_t v, uint8_t depth, uint32_t rfl)
{
	struct itr_record *r = add(ITR_IRET, ITR_SRC_GUEST, v, 0);

	r->depth = depth;
	r->rflags = rfl;
}

/* The lost interrupt at the trace's end, and NMI while IF=0 is fine */
static void test_hand(void)
{
	nr = 0;
	add(ITR_IF, ITR_SRC_GUEST, 0, 0);
	add(ITR_INJECT, ITR_SRC_VMM, 0x41, INJ_MSI);
	add(ITR_INJECT, ITR_SRC_VMM, 2, INJ_NMI);
	ent(2, 1, 0x2);
	ire(2, 1, 0x2);
	add(ITR_IF, ITR_SRC_GUEST, 0, 1);
	run(recs, nr);
	ok(o.count[OK_LOST] == 1 && o.nkept && o.kept[0].seq == UINT64_MAX,
	   "INJECT never followed by ENTRY while IF=1: lost at the end");
	ok(o.count[OK_NMI] == 0, "NMI taken with IF=0 is architectural");

	/* masked edge pin is dropped; unmasking does not deliver it */
	nr = 0;
	add(ITR_IF, ITR_SRC_GUEST, 0, 0);
	add(ITR_RTE, ITR_SRC_GUEST, 6, 0x56 | 1u << 16);
	add(ITR_INJECT, ITR_SRC_VMM, 0, INJ_PIN | 6 << 8 | PIN_PULSE << 16);
	add(ITR_RTE, ITR_SRC_GUEST, 6, 0x56);
	add(ITR_IF, ITR_SRC_GUEST, 0, 1);
	ent(0x56, 1, 0x202);
	run(recs, nr);
	ok(o.count[OK_EXTRA] == 1, "a masked edge is ignored, so its later delivery is extra");

	/* a held level pin is delivered once when unmasked (remote IRR) */
	nr = 0;
	add(ITR_IF, ITR_SRC_GUEST, 0, 0);
	add(ITR_RTE, ITR_SRC_GUEST, 7, 0x57 | 1u << 15 | 1u << 16);
	add(ITR_INJECT, ITR_SRC_VMM, 0, INJ_PIN | 7 << 8 | PIN_ASSERT << 16);
	add(ITR_RTE, ITR_SRC_GUEST, 7, 0x57 | 1u << 15);
	add(ITR_IF, ITR_SRC_GUEST, 0, 1);
	ent(0x57, 1, 0x202);
	add(ITR_INJECT, ITR_SRC_VMM, 0, INJ_PIN | 7 << 8 | PIN_DEASSERT << 16);
	add(ITR_EOI, ITR_SRC_GUEST, 0x57, 0);
	ire(0x57, 1, 0x202);
	ent(0x57, 1, 0x202);	/* the second delivery of kernel mode, PVM-4 */
	run(recs, nr);
	ok(o.total == 1 && o.count[OK_EXTRA] == 1, "level pin unmasked while held: once, a second is extra");

	/* timer (no source in the trace) with IF=1 is accepted, with IF=0 not */
	nr = 0;
	add(ITR_IF, ITR_SRC_GUEST, 0, 1);
	ent(0xec, 1, 0x202);
	add(ITR_EOI, ITR_SRC_GUEST, 0xec, 0);
	ire(0xec, 1, 0x202);
	add(ITR_IF, ITR_SRC_GUEST, 0, 0);
	ent(0xec, 1, 0x2);
	run(recs, nr);
	ok(o.total == 1 && o.count[OK_IF] == 1 && o.unmodelled == 2, "unmodelled source: IF still checked");

	/* ITR_LOST makes the verdict inconclusive, not a pass */
	nr = 0;
	add(ITR_LOST, ITR_SRC_VMM, 0, 3);
	run(recs, nr);
	ok(oracle__verdict(&o) == ORACLE_INCONCLUSIVE, "lost guest events: inconclusive");
	oracle__init(&o);
	oracle__finish(&o, false);
	ok(oracle__verdict(&o) == ORACLE_INCONCLUSIVE, "truncated trace: inconclusive");
}

/* A CPL3 frame: entry on RSP0, user CS and SS (RPL 3), RSP as given */
static struct itr_record *frame3(struct itr_record *r, uint64_t rsp)
{
	r->cpl = 3;
	r->cs = 0x33;
	r->ss = 0x2b;
	r->rsp = rsp;
	r->rip = 0x10b000;
	if (r->type == ITR_ENTRY)
		r->stack = IVM_STACK_RSP0;
	return r;
}

/* One MSI taken at CPL3; @plant: 0 exact, 1 IRET restores another RSP, 2 no stack switch, 3 SS RPL 0 */
static void cpl3_stream(int plant)
{
	struct itr_record *r;

	nr = 0;
	add(ITR_IF, ITR_SRC_GUEST, 0, 1);	/* user_run: IF=1 at CPL3 */
	add(ITR_INJECT, ITR_SRC_VMM, 0x41, INJ_MSI);
	ent(0x41, 1, 0x202);
	r = frame3(&recs[nr - 1], 0x139f90);
	if (plant == 2)
		r->stack = IVM_STACK_SAME;
	if (plant == 3)
		r->ss = 0x18;
	add(ITR_EOI, ITR_SRC_GUEST, 0x41, 0);
	ire(0x41, 1, 0x202);
	frame3(&recs[nr - 1], plant == 1 ? 0x139f98 : 0x139f90);
	/* a system call's #UD: RIP and IF moved by the handler, the user stack kept */
	ent(6, 1, 0x202);
	frame3(&recs[nr - 1], 0x139f90);
	ire(6, 1, 0x2);
	r = frame3(&recs[nr - 1], 0x139f90);
	r->rip += 2;
	/* the end of the run: its #UD returns to CPL0 on the kernel stack, not compared */
	ent(6, 1, 0x2);
	frame3(&recs[nr - 1], 0x13a000);
	ire(6, 1, 0x2);
	r = &recs[nr - 1];
	r->cs = 0x10;
	r->ss = 0x18;
	r->rsp = 0x223f08;
	run(recs, nr);
}

static void test_cpl3_frames(void)
{
	cpl3_stream(0);
	if (!ok(oracle__verdict(&o) == ORACLE_PASS && o.total == 0,
		"CPL3: interrupt and system calls from user mode, a return to CPL0: pass"))
		show();
	cpl3_stream(1);
	if (!ok(o.count[OK_FRAME] == 1 && o.nkept && o.kept[0].kind == OK_FRAME && o.kept[0].seq == 4 &&
		o.kept[0].since == 2, "CPL3: an IRET restoring another RSP than its ENTRY saved is [frame]"))
		show();
	cpl3_stream(2);
	if (!ok(o.count[OK_FRAME] == 1 && o.nkept && o.kept[0].kind == OK_FRAME && o.kept[0].seq == 2,
		"CPL3: a delivery from CPL3 on the interrupted stack is [frame]"))
		show();
	cpl3_stream(3);
	if (!ok(o.nkept && o.kept[0].kind == OK_FRAME && o.kept[0].seq == 2,
		"CPL3: a saved SS of RPL 0 from CPL3 is [frame]"))
		show();
}

/* Two vCPUs through oracle__run_file: one model each, records routed by vCPU */
static void write_smp(const char *path, bool plant_if)
{
	struct itr_header h = { .version = ITR_VERSION };
	struct itr_writer *w;
	char err[256];
	struct itr_record t[] = {
		{ .type = ITR_IF, .source = ITR_SRC_GUEST, .vcpu = 0, .a = 1 },
		{ .type = ITR_IF, .source = ITR_SRC_GUEST, .vcpu = 1, .a = plant_if ? 0 : 1 },
		/* an MSI for APIC ID 1: vCPU 0 has IF=1 but must not be expected to take it */
		{ .type = ITR_INJECT, .source = ITR_SRC_VMM, .vcpu = 0, .vector = 0x41, .a = INJ_MSI | 1 << 8 },
		{ .type = ITR_ENTRY, .source = ITR_SRC_GUEST, .vcpu = 1, .vector = 0x41, .depth = 1,
		  .rflags = 0x202, .err = 0xffffffffu },
		{ .type = ITR_EOI, .source = ITR_SRC_GUEST, .vcpu = 1, .vector = 0x41 },
		{ .type = ITR_IRET, .source = ITR_SRC_GUEST, .vcpu = 1, .vector = 0x41, .depth = 1,
		  .rflags = 0x202 },
		/* an NMI IPI from vCPU 0: no record of it, an unmodelled source */
		{ .type = ITR_ENTRY, .source = ITR_SRC_GUEST, .vcpu = 1, .vector = 2, .depth = 1,
		  .rflags = 0x202, .err = 0xffffffffu },
		{ .type = ITR_IRET, .source = ITR_SRC_GUEST, .vcpu = 1, .vector = 2, .depth = 1,
		  .rflags = 0x202 },
		/* vCPU 0's own nesting is independent of vCPU 1's */
		{ .type = ITR_INJECT, .source = ITR_SRC_VMM, .vcpu = 0, .vector = 0x51, .a = INJ_MSI },
		{ .type = ITR_ENTRY, .source = ITR_SRC_GUEST, .vcpu = 0, .vector = 0x51, .depth = 1,
		  .rflags = 0x202, .err = 0xffffffffu },
		{ .type = ITR_EOI, .source = ITR_SRC_GUEST, .vcpu = 0, .vector = 0x51 },
		{ .type = ITR_IRET, .source = ITR_SRC_GUEST, .vcpu = 0, .vector = 0x51, .depth = 1,
		  .rflags = 0x202 },
	};

	w = itr_writer__open(path, &h, err, sizeof(err));
	for (size_t i = 0; w && i < sizeof(t) / sizeof(t[0]); i++) {
		if (!t[i].err && t[i].type != ITR_ENTRY)
			t[i].err = 0xffffffffu;
		itr_writer__put(w, &t[i]);
	}
	if (w)
		itr_writer__close(w, err, sizeof(err));
}

/* An empty temporary file at @path (a mkstemp template) for a planted trace */
static bool temp_trace(char *path)
{
	int fd = mkstemp(path);

	if (fd < 0) {
		ok(0, "temp file");
		return false;
	}
	close(fd);
	return true;
}

static void test_smp(void)
{
	char path[] = "/tmp/test_oracle.XXXXXX";
	struct itr_header h;
	char err[256];

	if (!temp_trace(path))
		return;
	write_smp(path, false);
	ok(oracle__run_file(path, &o, &h, err, sizeof(err)) == 0, "two-vCPU trace read");
	show();
	ok(oracle__verdict(&o) == ORACLE_PASS && o.deliveries == 3,
	   "two vCPUs: MSI routed to its destination, another vCPU's NMI unmodelled: PASS");
	write_smp(path, true);
	ok(oracle__run_file(path, &o, &h, err, sizeof(err)) == 0, "planted trace read");
	ok(o.count[OK_IF] == 1 && o.nkept && o.kept[0].kind == OK_IF && o.kept[0].seq == 3 &&
	   !strncmp(o.kept[0].text, "cpu 1: ", 7),
	   "planted: vCPU 1 takes an interrupt with its own IF=0 (vCPU 0's is 1): caught on cpu 1");
	show();
	unlink(path);
}

/*
 * INJECT for a pin past the model's 24 (a valid trace can name pins 0-255):
 * a note, no state touched. The old code read line[pin] before its bounds
 * check, which -fsanitize=bounds (make sanitize, the fuzz replay) reports.
 */
static void test_pin_beyond(void)
{
	static const uint8_t pins[] = { ORACLE_PINS, 200, 255 };
	static struct oracle before;

	for (size_t i = 0; i < sizeof(pins); i++) {
		for (unsigned act = PIN_ASSERT; act <= PIN_PULSE; act++) {
			nr = 0;
			add(ITR_IF, ITR_SRC_GUEST, 0, 1);
			add(ITR_INJECT, ITR_SRC_VMM, 0, INJ_PIN | (uint32_t)pins[i] << 8 | act << 16);
			oracle__init(&o);
			oracle__feed(&o, &recs[0]);
			before = o;
			oracle__feed(&o, &recs[1]);
			ok(o.nnotes == (act == PIN_PULSE ? 2u : 1u) && strstr(o.notes[0], "beyond the modelled") &&
			   !memcmp(o.line, before.line, sizeof(o.line)) &&
			   !memcmp(o.remote_irr, before.remote_irr, sizeof(o.remote_irr)) &&
			   !memcmp(o.irr, before.irr, sizeof(o.irr)) && o.total == 0,
			   "INJECT pin %u action %u: noted as beyond the model, state untouched",
			   pins[i], act);
		}
	}
}

/* An NMI while blocked, nested deeper than the model keeps frames (found by fuzz_itr) */
static void test_nmi_deep(void)
{
	nr = 0;
	add(ITR_INJECT, ITR_SRC_VMM, 2, INJ_NMI);
	ent(2, 1, 0x2);
	for (unsigned d = 2; d <= ORACLE_DEPTH + 1; d++)
		ent(0x20, d, 0x2);
	ent(2, ORACLE_DEPTH + 2, 0x2);
	run(recs, nr);
	ok(o.count[OK_NMI] == 1 && o.depth == ORACLE_DEPTH + 2,
	   "NMI while blocked at depth %u: one [nmi] finding", ORACLE_DEPTH + 2);
	for (unsigned i = 0; i < o.nkept; i++)
		if (o.kept[i].kind == OK_NMI)
			ok(o.kept[i].since == UINT64_MAX, "  whose opening frame, past the model, is not named");
}

/* Two NMIs sent before either is taken: once or twice is the SDM's; a third is not */
static void test_nmi_pair(void)
{
	for (unsigned sent = 2; sent <= 3; sent++) {
		for (unsigned taken = 1; taken <= 3; taken++) {
			bool good = taken <= 2;

			nr = 0;
			for (unsigned i = 0; i < sent; i++)
				add(ITR_INJECT, ITR_SRC_VMM, 2, INJ_NMI);
			for (unsigned i = 0; i < taken; i++) {
				ent(2, 1, 0x2);
				ire(2, 1, 0x2);
			}
			run(recs, nr);
			ok(good ? oracle__verdict(&o) == ORACLE_PASS :
			   o.count[OK_NMI] == 1 && o.total == 1,
			   "%u NMIs sent at once, taken %u times: %s", sent, taken,
			   good ? "PASS (one may latch behind the first)" : "one [nmi] finding");
		}
	}
	/* sent one at a time, each taken before the next: a second entry is extra */
	nr = 0;
	add(ITR_INJECT, ITR_SRC_VMM, 2, INJ_NMI);
	ent(2, 1, 0x2);
	ire(2, 1, 0x2);
	ent(2, 1, 0x2);
	ire(2, 1, 0x2);
	run(recs, nr);
	ok(o.count[OK_NMI] == 1, "one NMI sent, taken twice: one [nmi] finding");
}

/* An NMI injected with an exception lands in the exception's stub, before its ENTRY */
static void test_nmi_in_exception_stub(void)
{
	for (int in_stub = 1; in_stub >= 0; in_stub--) {
		nr = 0;
		add(ITR_INJECT, ITR_SRC_VMM, 2, INJ_NMI);
		add(ITR_INJECT, ITR_SRC_VMM, 4, INJ_EXCEPTION);
		ent(2, in_stub ? 2 : 1, 0x2);
		ire(2, in_stub ? 2 : 1, 0x2);
		ent(4, 1, 0x2);
		ire(4, 1, 0x2);
		run(recs, nr);
		if (in_stub) {
			if (!ok(oracle__verdict(&o) == ORACLE_PASS && o.deliveries == 2,
				"NMI in the injected #OF's stub (one deeper), its ENTRY after: PASS"))
				show();
		} else {
			ok(o.count[OK_LOST] == 1 && o.kept[0].kind == OK_LOST && o.kept[0].seq == 2,
			   "NMI taken before the injected #OF at the same depth: [lost] at it");
		}
	}
}

/* ---- the guest's IPIs (ITR_IPI, trace v4) ---- */

enum ipi_plant { IPI_CLEAN, IPI_NO_RECORD, IPI_WRONG_CPU };

static size_t ipi_rec(struct itr_record *t, size_t k, uint8_t cpu, uint8_t v, uint32_t icr, uint32_t dest)
{
	t[k] = (struct itr_record){ .type = ITR_IPI, .source = ITR_SRC_GUEST, .vcpu = cpu, .vector = v,
				    .a = IVM_IPI_ARG(icr | v, dest), .err = 0xffffffffu };
	return k + 1;
}

/* IF=1 records of vCPUs 0 to @ncpu - 1, the start of a planted SMP stream: how many */
static size_t if_on(struct itr_record *t, uint8_t ncpu)
{
	for (uint8_t c = 0; c < ncpu; c++)
		t[c] = (struct itr_record){ .type = ITR_IF, .source = ITR_SRC_GUEST, .vcpu = c, .a = 1,
					    .err = 0xffffffffu };
	return ncpu;
}

/* @t[0..k) as a trace at @path (the writer numbers them) */
static void write_records(const char *path, struct itr_record *t, size_t k)
{
	struct itr_header h = { .version = ITR_VERSION };
	struct itr_writer *w;
	char err[256];

	w = itr_writer__open(path, &h, err, sizeof(err));
	for (size_t i = 0; w && i < k; i++)
		itr_writer__put(w, &t[i]);
	if (w)
		itr_writer__close(w, err, sizeof(err));
}

/* ENTRY, EOI, IRET of @v at depth 1 on @cpu */
static size_t ipi_take(struct itr_record *t, size_t k, uint8_t cpu, uint8_t v)
{
	t[k++] = (struct itr_record){ .type = ITR_ENTRY, .source = ITR_SRC_GUEST, .vcpu = cpu, .vector = v,
				      .depth = 1, .rflags = 0x202, .err = 0xffffffffu };
	t[k++] = (struct itr_record){ .type = ITR_EOI, .source = ITR_SRC_GUEST, .vcpu = cpu, .vector = v,
				      .err = 0xffffffffu };
	t[k++] = (struct itr_record){ .type = ITR_IRET, .source = ITR_SRC_GUEST, .vcpu = cpu, .vector = v,
				      .depth = 1, .rflags = 0x202, .err = 0xffffffffu };
	return k;
}

/*
 * Three vCPUs: vCPU 0 sends 0xfd to APIC ID 1, which takes it; vCPU 1 takes
 * 0xfd again before vCPU 2's record of its own send to it reaches the stream
 * (its ring drained later); vCPU 0 sends itself 0xfb and takes it.
 */
static void write_ipi(const char *path, enum ipi_plant plant)
{
	struct itr_record t[32];
	size_t k = if_on(t, 3);

	if (plant != IPI_NO_RECORD)
		k = ipi_rec(t, k, 0, 0xfd, 0, 1);
	k = ipi_take(t, k, plant == IPI_WRONG_CPU ? 2 : 1, 0xfd);	/* seq 4 (3 with no record) */
	k = ipi_take(t, k, 1, 0xfd);
	k = ipi_rec(t, k, 2, 0xfd, 0, 1);
	k = ipi_rec(t, k, 0, 0xfb, 1u << 18, 0);	/* self */
	k = ipi_take(t, k, 0, 0xfb);
	write_records(path, t, k);
}

enum nmi_plant { NMI_CLEAN, NMI_EXTRA, NMI_UNRECORDED };

/* ENTRY and IRET of an NMI at depth 1 on @cpu */
static size_t nmi_take(struct itr_record *t, size_t k, uint8_t cpu)
{
	t[k++] = (struct itr_record){ .type = ITR_ENTRY, .source = ITR_SRC_GUEST, .vcpu = cpu, .vector = 2,
				      .depth = 1, .rflags = 0x202, .err = 0xffffffffu };
	t[k++] = (struct itr_record){ .type = ITR_IRET, .source = ITR_SRC_GUEST, .vcpu = cpu, .vector = 2,
				      .depth = 1, .rflags = 0x202, .err = 0xffffffffu };
	return k;
}

/*
 * Three vCPUs and NMI IPIs (delivery mode 4): vCPU 0 sends one to APIC ID 1,
 * which takes it; vCPU 1 takes a second before vCPU 2's record of its send
 * to it reaches the stream; vCPU 0 sends one to all but itself: vCPU 2 takes
 * it, vCPU 1's is still to come at the end (a note: it may have merged).
 * Planted: vCPU 1 takes one NMI more than was sent; or no send is recorded
 * (a guest from before NMI IPIs were: every NMI unmodelled).
 */
static void write_nmi_ipi(const char *path, enum nmi_plant plant)
{
	struct itr_record t[32];
	size_t k = if_on(t, 3);

	if (plant != NMI_UNRECORDED)
		k = ipi_rec(t, k, 0, 0, 4u << 8, 1);
	k = nmi_take(t, k, 1);
	k = nmi_take(t, k, 1);
	if (plant != NMI_UNRECORDED)
		k = ipi_rec(t, k, 2, 0, 4u << 8, 1);
	if (plant != NMI_UNRECORDED)
		k = ipi_rec(t, k, 0, 0, 4u << 8 | 3u << 18, 0);	/* all but self */
	k = nmi_take(t, k, 2);
	if (plant == NMI_EXTRA)
		k = nmi_take(t, k, 1);	/* seq 12: the one still owed to it */
	if (plant == NMI_EXTRA)
		k = nmi_take(t, k, 1);	/* seq 14: one nobody sent */
	write_records(path, t, k);
}

static void test_nmi_ipi_smp(void)
{
	char path[] = "/tmp/test_oracle.XXXXXX";
	struct itr_header h;
	char err[256];

	if (!temp_trace(path))
		return;
	write_nmi_ipi(path, NMI_CLEAN);
	ok(oracle__run_file(path, &o, &h, err, sizeof(err)) == 0, "nmi ipi: three-vCPU trace read");
	if (!ok(oracle__verdict(&o) == ORACLE_PASS && o.deliveries == 3 && o.unmodelled == 0 &&
		has_note("cpu 1: 1 NMI IPI sent to this vCPU (the first at seq 9) not taken"),
		"nmi ipi: each NMI has its send (one later in the stream), none unmodelled; one still owed "
		"at the end is a note (NMIs merge)"))
		show();
	write_nmi_ipi(path, NMI_EXTRA);
	ok(oracle__run_file(path, &o, &h, err, sizeof(err)) == 0, "nmi ipi: planted trace read");
	if (!ok(o.count[OK_NMI] == 1 && o.total == 1 && o.kept[0].seq == 14 &&
		strstr(o.kept[0].text, "cpu 1: NMI delivered but none is pending (none injected, none sent"),
		"nmi ipi: an NMI more than were sent to vCPU 1: [nmi] on cpu 1, at that one"))
		show();
	write_nmi_ipi(path, NMI_UNRECORDED);
	ok(oracle__run_file(path, &o, &h, err, sizeof(err)) == 0, "nmi ipi: unrecorded trace read");
	if (!ok(oracle__verdict(&o) == ORACLE_PASS && o.unmodelled == 3,
		"nmi ipi: a trace with no NMI IPI records (an older guest): every other vCPU's NMI unmodelled"))
		show();
	unlink(path);
}

static void test_ipi_smp(void)
{
	char path[] = "/tmp/test_oracle.XXXXXX";
	struct itr_header h;
	char err[256];

	if (!temp_trace(path))
		return;
	write_ipi(path, IPI_CLEAN);
	ok(oracle__run_file(path, &o, &h, err, sizeof(err)) == 0, "ipi: three-vCPU trace read");
	if (!ok(oracle__verdict(&o) == ORACLE_PASS && o.deliveries == 3 && o.unmodelled == 0,
		"ipi: every IPI ENTRY has its record (one later in the stream), a self-IPI: PASS, none unmodelled"))
		show();
	write_ipi(path, IPI_NO_RECORD);
	ok(oracle__run_file(path, &o, &h, err, sizeof(err)) == 0, "ipi: planted trace read");
	if (!ok(o.count[OK_EXTRA] == 1 && o.total == 1 && o.kept[0].kind == OK_EXTRA && o.kept[0].seq == 6 &&
		!strncmp(o.kept[0].text, "cpu 1: ", 7),
		"ipi: an IPI ENTRY with no ICR record for it: [extra] on cpu 1 at its second ENTRY"))
		show();
	write_ipi(path, IPI_WRONG_CPU);
	ok(oracle__run_file(path, &o, &h, err, sizeof(err)) == 0, "ipi: wrong-vCPU trace read");
	if (!ok(o.count[OK_EXTRA] == 1 && o.count[OK_LOST] == 1 && o.nkept == 2 &&
		o.kept[0].kind == OK_EXTRA && o.kept[0].seq == 4 && !strncmp(o.kept[0].text, "cpu 2: ", 7) &&
		o.kept[1].kind == OK_LOST && strstr(o.kept[1].text, "cpu 1: IPI v=fd sent from another vCPU"),
		"ipi: sent to vCPU 1, delivered to vCPU 2: [extra] on cpu 2, [lost] on cpu 1"))
		show();
	unlink(path);
}

/*
 * An x2APIC destination no vCPU has (IVM_IPI_NOWHERE): the guest's encoding
 * (the broadcast as 0xff, a physical ID from 0xff up or a logical one outside
 * cluster 0 flagged), routed to nobody; a delivery of its vector is [extra],
 * where the ID's low byte alone would have owed it to CPU 0.
 */
static void test_ipi_nowhere(void)
{
	char path[] = "/tmp/test_oracle.XXXXXX";
	struct itr_record t[16];
	struct itr_header h;
	char err[256];
	size_t k;
	struct itr_record r = { .type = ITR_IPI, .vcpu = 1, .vector = 0xfd };

	ok(IVM_IPI_X2APIC_ARG(0xfdu, 0xffffffffu) == IVM_IPI_ARG(0xfdu, 0xffu) &&
	   IVM_IPI_X2APIC_ARG(0xfdu, 0xfeu) == IVM_IPI_ARG(0xfdu, 0xfeu) &&
	   IVM_IPI_X2APIC_ARG(0xfdu, 0xffu) == (IVM_IPI_ARG(0xfdu, 0u) | IVM_IPI_NOWHERE) &&
	   IVM_IPI_X2APIC_ARG(0xfdu, 0x100u) == (IVM_IPI_ARG(0xfdu, 0u) | IVM_IPI_NOWHERE) &&
	   IVM_IPI_X2APIC_ARG(1u << 11 | 0xfd, 0xffu) == IVM_IPI_ARG(1u << 11 | 0xfd, 0xffu) &&
	   IVM_IPI_X2APIC_ARG(1u << 11 | 0xfd, 0x1ffu) == IVM_IPI_ARG(1u << 11 | 0xfd, 0xffu) &&
	   IVM_IPI_X2APIC_ARG(1u << 11 | 0xfd, 0x10001u) == (IVM_IPI_ARG(1u << 11 | 0xfd, 0u) | IVM_IPI_NOWHERE),
	   "x2APIC IPI records: all ones is the broadcast 0xff; a physical ID from 0xff up and a logical one "
	   "outside cluster 0 name no vCPU; cluster 0's IDs 8-15 are dropped");
	r.a = IVM_IPI_X2APIC_ARG(0xfdu, 0x100u);
	ok(!oracle__ipi_targets(&r, 0, NULL) && !oracle__ipi_targets(&r, 1, NULL) && oracle__ipi_modelled(&r, NULL),
	   "an IPI to x2APIC ID 0x100: modelled, and targets no vCPU (not CPU 0, its low byte)");
	if (!temp_trace(path))
		return;
	k = if_on(t, 2);
	t[k] = (struct itr_record){ .type = ITR_IPI, .source = ITR_SRC_GUEST, .vcpu = 1, .vector = 0xfd,
				    .a = IVM_IPI_X2APIC_ARG(0xfdu, 0x100u), .err = 0xffffffffu };
	write_records(path, t, k + 1);
	ok(oracle__run_file(path, &o, &h, err, sizeof(err)) == 0 && oracle__verdict(&o) == ORACLE_PASS &&
	   o.unmodelled == 0, "an IPI to an x2APIC ID no vCPU has, never taken: PASS, nothing owed");
	k = ipi_take(t, k + 1, 0, 0xfd);
	write_records(path, t, k);
	ok(oracle__run_file(path, &o, &h, err, sizeof(err)) == 0 && o.count[OK_EXTRA] == 1 && o.total == 1 &&
	   !strncmp(o.kept[0].text, "cpu 0: ", 7), "...and taken by CPU 0: [extra] on cpu 0");
	unlink(path);
}

/* ---- logical destinations (ITR_LDR, trace v11) ---- */

/* the LDR record of @cpu at @t */
static size_t ldr_rec(struct itr_record *t, size_t k, uint8_t cpu, uint8_t model, uint32_t ldr, uint64_t when)
{
	t[k] = (struct itr_record){ .type = ITR_LDR, .source = ITR_SRC_GUEST, .vcpu = cpu, .vector = model,
				    .a = ldr, .err = 0xffffffffu, .time_ns = when };
	return k + 1;
}

/* oracle__ipi_targets of a logical destination, by the LDRs as of the record's time */
static void test_ipi_route_logical(void)
{
	static struct oracle_ldrs l;
	struct itr_record t[8];
	struct itr_record ipi = { .type = ITR_IPI, .source = ITR_SRC_GUEST, .vcpu = 0, .vector = 0xfc,
				  .a = IVM_IPI_ARG(1u << 11 | 0xfc, 0x06u), .time_ns = 100 };
	size_t k = 0;

	oracle_ldrs__init(&l);
	k = ldr_rec(t, k, 1, IVM_LDR_FLAT, 1u << 25, 10);
	k = ldr_rec(t, k, 2, IVM_LDR_FLAT, 1u << 26, 150);	/* after the IPI */
	k = ldr_rec(t, k, 3, IVM_LDR_CLUSTER, 0x12u << 24, 10);	/* cluster 1, bit 1 */
	k = ldr_rec(t, k, 4, IVM_LDR_X2APIC, 1u << 4, 10);
	for (size_t i = 0; i < k; i++)
		oracle_ldrs__see(&l, &t[i]);
	oracle_ldrs__finish(&l);
	ok(oracle__ipi_modelled(&ipi, &l) && !oracle__ipi_modelled(&ipi, NULL),
	   "route: a logical IPI is modelled where the trace has LDRs, not without");
	ok(oracle__ipi_targets(&ipi, 1, &l) && !oracle__ipi_targets(&ipi, 2, &l) && !oracle__ipi_targets(&ipi, 0, &l),
	   "route: flat 0x06 reaches vCPU 1 (LDR bit 1), not vCPU 2, whose LDR came after it, nor vCPU 0 (none)");
	ipi.time_ns = 200;
	ok(oracle__ipi_targets(&ipi, 2, &l), "route: ... and reaches vCPU 2 once its LDR is set");
	ipi.a = IVM_IPI_ARG(1u << 11 | 0xfc, 0x12u);
	ok(oracle__ipi_targets(&ipi, 3, &l) && oracle__ipi_targets(&ipi, 1, &l),
	   "route: 0x12 reaches cluster 1's bit 1 (vCPU 3, cluster model) and flat vCPU 1 (its bit 1)");
	ipi.a = IVM_IPI_ARG(1u << 11 | 0xfc, 0x11u);
	ok(!oracle__ipi_targets(&ipi, 3, &l) && !oracle__ipi_targets(&ipi, 1, &l),
	   "route: 0x11 (cluster 1, bit 0) misses both");
	ipi.a = IVM_IPI_ARG(1u << 11 | 0xfc, 0x22u);
	ok(!oracle__ipi_targets(&ipi, 3, &l), "route: 0x22 (cluster 2) misses cluster 1");
	ipi.a = IVM_IPI_ARG(1u << 11 | 0xfc, 0x10u);
	ok(oracle__ipi_targets(&ipi, 4, &l) && !oracle__ipi_targets(&ipi, 3, &l),
	   "route: x2APIC cluster 0 bit 4 reaches vCPU 4 (x2APIC ID 4)");
	/* lowest priority: modelled where its destination is one CPU (then it is that one's) */
	ipi.time_ns = 200;
	ipi.a = IVM_IPI_ARG(1u << 8 | 0xfc, 1u);
	ok(oracle__ipi_modelled(&ipi, &l), "route: lowest priority to APIC ID 1: modelled (one CPU)");
	ipi.a = IVM_IPI_ARG(1u << 8 | 1u << 11 | 0xfc, 0x02u);
	ok(oracle__ipi_modelled(&ipi, &l) && oracle__ipi_targets(&ipi, 1, &l),
	   "route: lowest priority to logical 0x02 (vCPU 1 alone): modelled, vCPU 1's");
	ipi.a = IVM_IPI_ARG(1u << 8 | 1u << 11 | 0xfc, 0x06u);
	ok(!oracle__ipi_modelled(&ipi, &l), "route: lowest priority to logical 0x06 (vCPUs 1 and 2): not modelled");
	ipi.a = IVM_IPI_ARG(1u << 8 | 3u << 18 | 0xfc, 0u);
	ok(!oracle__ipi_modelled(&ipi, &l), "route: lowest priority to all but self: not modelled");
	/* INIT at 300: vCPU 1's xAPIC LDR back to 0, vCPU 4's x2APIC one kept */
	t[0] = (struct itr_record){ .type = ITR_IPI, .source = ITR_SRC_GUEST, .vcpu = 0,
				    .a = IVM_IPI_ARG(5u << 8 | 1u << 14, 1u), .time_ns = 300 };
	t[1] = (struct itr_record){ .type = ITR_INJECT, .source = ITR_SRC_VMM, .a = INJ_INIT | 4u << 8,
				    .time_ns = 300 };
	oracle_ldrs__see(&l, &t[0]);
	oracle_ldrs__see(&l, &t[1]);
	oracle_ldrs__finish(&l);
	ipi.time_ns = 400;
	ipi.a = IVM_IPI_ARG(1u << 11 | 0xfc, 0x12u);
	ok(!oracle__ipi_targets(&ipi, 1, &l) && !l.unsure, "route: an INIT resets an xAPIC's LDR");
	ipi.a = IVM_IPI_ARG(1u << 11 | 0xfc, 0x10u);
	ok(oracle__ipi_targets(&ipi, 4, &l), "route: ... and leaves an x2APIC's (it keeps its mode)");
	/* the INIT first in the file, the LDR it resets (earlier in time) after it */
	oracle_ldrs__init(&l);
	ldr_rec(t, 1, 1, IVM_LDR_FLAT, 1u << 25, 10);
	oracle_ldrs__see(&l, &t[0]);	/* the INIT of vCPU 1 at 300 */
	oracle_ldrs__see(&l, &t[1]);
	oracle_ldrs__finish(&l);
	ipi.time_ns = 200;
	ipi.a = IVM_IPI_ARG(1u << 11 | 0xfc, 0x02u);
	ok(oracle__ipi_targets(&ipi, 1, &l), "route: an LDR before an INIT in time, after it in the file: set ...");
	ipi.time_ns = 400;
	ok(!oracle__ipi_targets(&ipi, 1, &l), "route: ... then reset by the INIT");
	t[0].a = IVM_IPI_ARG(5u << 8 | 1u << 11 | 1u << 14, 2u);	/* a logical INIT */
	oracle_ldrs__see(&l, &t[0]);
	ok(l.unsure && !oracle__ipi_modelled(&ipi, &l), "route: a logical INIT leaves logical IPIs unmodelled");
	oracle_ldrs__init(&l);
	t[0] = (struct itr_record){ .type = ITR_LDR, .source = ITR_SRC_GUEST, .vector = 7 };
	oracle_ldrs__see(&l, &t[0]);
	ok(l.recorded && l.unsure, "route: an LDR record of an unknown model: recorded, not followed");
	oracle_ldrs__init(&l);
	for (unsigned i = 0; i <= ORACLE_LDR_STATES; i++) {
		t[0] = (struct itr_record){ .type = ITR_LDR, .source = ITR_SRC_GUEST, .vcpu = 1,
					    .vector = IVM_LDR_FLAT, .a = 1u << 25, .time_ns = i };
		oracle_ldrs__see(&l, &t[0]);
	}
	ok(l.unsure, "route: more LDR changes of one vCPU than followed: unsure");
}

enum logical_plant { LOGICAL_CLEAN, LOGICAL_WRONG_CPU, LOGICAL_NO_LDR, LOGICAL_EARLY, LOGICAL_LOWEST };

/*
 * Three vCPUs with flat logical IDs 1, 2, 4: vCPU 0 sends 0xfc to logical
 * 0x06, vCPUs 1 and 2 take it. Planted: only vCPU 1 is named (0x02) but
 * vCPU 2 takes one too; no LDR records (a trace before version 11); vCPU 2
 * takes it though its LDR was set after the IPI (its record drained first);
 * the IPI is of lowest priority to 0x02 (vCPU 1 alone), and vCPU 2 takes one.
 */
static void write_logical(const char *path, enum logical_plant plant)
{
	struct itr_record t[32];
	size_t k = if_on(t, 3);

	if (plant != LOGICAL_NO_LDR) {
		k = ldr_rec(t, k, 0, IVM_LDR_FLAT, 1u << 24, 1);
		k = ldr_rec(t, k, 1, IVM_LDR_FLAT, 1u << 25, 1);
		k = ldr_rec(t, k, 2, IVM_LDR_FLAT, 1u << 26, plant == LOGICAL_EARLY ? 200 : 1);
	}
	k = ipi_rec(t, k, 0, 0xfc, 1u << 11 | (plant == LOGICAL_LOWEST ? 1u << 8 : 0),
		    plant == LOGICAL_WRONG_CPU || plant == LOGICAL_LOWEST ? 0x02 : 0x06);
	t[k - 1].time_ns = 100;
	k = ipi_take(t, k, 1, 0xfc);
	k = ipi_take(t, k, 2, 0xfc);
	write_records(path, t, k);
}

static void test_ipi_logical(void)
{
	char path[] = "/tmp/test_oracle.XXXXXX";
	struct itr_header h;
	char err[256];

	if (!temp_trace(path))
		return;
	write_logical(path, LOGICAL_CLEAN);
	ok(oracle__run_file(path, &o, &h, err, sizeof(err)) == 0, "logical: three-vCPU trace read");
	if (!ok(oracle__verdict(&o) == ORACLE_PASS && o.deliveries == 2 && o.unmodelled == 0 &&
		!has_note("not modelled"),
		"logical: 0x06 taken by vCPUs 1 and 2 (LDR bits 1 and 2): PASS, modelled, no note"))
		show();
	write_logical(path, LOGICAL_WRONG_CPU);
	ok(oracle__run_file(path, &o, &h, err, sizeof(err)) == 0, "logical: planted trace read");
	if (!ok(o.count[OK_EXTRA] == 1 && o.total == 1 && !strncmp(o.kept[0].text, "cpu 2: ", 7),
		"logical: sent to 0x02 (vCPU 1 only), taken by vCPU 2 as well: [extra] on cpu 2"))
		show();
	write_logical(path, LOGICAL_EARLY);
	ok(oracle__run_file(path, &o, &h, err, sizeof(err)) == 0, "logical: early trace read");
	if (!ok(o.count[OK_EXTRA] == 1 && o.total == 1 && !strncmp(o.kept[0].text, "cpu 2: ", 7),
		"logical: vCPU 2's LDR set after the IPI: its ENTRY is [extra] (routed by time, not file order)"))
		show();
	write_logical(path, LOGICAL_LOWEST);
	ok(oracle__run_file(path, &o, &h, err, sizeof(err)) == 0, "logical: lowest-priority trace read");
	if (!ok(o.count[OK_EXTRA] == 1 && o.total == 1 && !strncmp(o.kept[0].text, "cpu 2: ", 7),
		"logical: lowest priority to 0x02 (vCPU 1 alone) is vCPU 1's: vCPU 2's ENTRY is [extra]"))
		show();
	write_logical(path, LOGICAL_NO_LDR);
	ok(oracle__run_file(path, &o, &h, err, sizeof(err)) == 0, "logical: trace without LDRs read");
	if (!ok(oracle__verdict(&o) == ORACLE_PASS && o.unmodelled == 2 &&
		has_note("IPIs to a logical destination are not modelled (no LDR records"),
		"logical: no LDR records (a trace before version 11): unmodelled, with a note"))
		show();
	unlink(path);
}

/* An MSI's delivery mode (INJECT rsp, v3): an NMI latches; SMI is noted; fixed is a vector */
static void test_msi_delivery(void)
{
	nr = 0;
	add(ITR_IF, ITR_SRC_GUEST, 0, 1);
	add(ITR_INJECT, ITR_SRC_VMM, 0, INJ_MSI)->rsp = 4ull << 32;	/* delivery NMI, vector 0 */
	ent(2, 1, 0x202);
	ire(2, 1, 0x202);
	run(recs, nr);
	if (!ok(oracle__verdict(&o) == ORACLE_PASS && o.deliveries == 1,
		"MSI of delivery mode NMI: an NMI is owed and taken (no vector 0 expected): PASS"))
		show();
	nr = 0;
	add(ITR_IF, ITR_SRC_GUEST, 0, 1);
	add(ITR_INJECT, ITR_SRC_VMM, 0, INJ_MSI)->rsp = 4ull << 32;
	add(ITR_IF, ITR_SRC_GUEST, 0, 0);
	run(recs, nr);
	if (!ok(o.count[OK_LOST] == 1 && strstr(o.kept[0].text, "expected ENTRY NMI"),
		"MSI of delivery mode NMI, never taken: [lost] NMI"))
		show();
	nr = 0;
	add(ITR_IF, ITR_SRC_GUEST, 0, 1);
	add(ITR_INJECT, ITR_SRC_VMM, 0x41, INJ_MSI)->rsp = 2ull << 32;	/* SMI */
	add(ITR_IF, ITR_SRC_GUEST, 0, 0);
	run(recs, nr);
	if (!ok(oracle__verdict(&o) == ORACLE_PASS && has_note("an MSI of delivery mode 2 is not modelled"),
		"MSI of delivery mode SMI: nothing owed, a note"))
		show();
}

/* ---- INIT: the model restarts at the vCPU's next LDR record (trace v11) ---- */

enum init_plant { INIT_CLEAN, INIT_NONE, INIT_LATE_IN_FILE, INIT_OWED_BEFORE, INIT_SENT_AFTER, INIT_BY_VMM };

/* the record just added, @t[@k - 1], at time @when; @k again */
static size_t at(struct itr_record *t, size_t k, uint64_t when)
{
	t[k - 1].time_ns = when;
	return k;
}

/*
 * vCPU 1 takes 0xfb from vCPU 0 and is still in its handler when vCPU 0
 * sends it INIT and SIPI; it restarts (LDR record) and takes 0xfc. Planted:
 * no INIT (the model can't restart: the second ENTRY is one too deep); the
 * INIT's record after the LDR record in the file (drained later, sent
 * earlier); 0xfd sent to it before the INIT, in its handler with IF=0, never
 * taken (gone with the INIT: owed nothing); 0xfe sent after the restart but
 * drained before its LDR record, never taken (still owed: [lost]); or the
 * INIT is the VMM's (INJECT init), not the guest's.
 */
static void write_init(const char *path, enum init_plant plant)
{
	struct itr_record t[40];
	size_t k = if_on(t, 2), init_at;

	k = at(t, ldr_rec(t, k, 0, IVM_LDR_FLAT, 1u << 24, 2), 2);
	k = at(t, ldr_rec(t, k, 1, IVM_LDR_FLAT, 1u << 25, 3), 3);
	k = at(t, ipi_rec(t, k, 0, 0xfb, 0, 1), 10);
	t[k++] = (struct itr_record){ .type = ITR_ENTRY, .source = ITR_SRC_GUEST, .vcpu = 1, .vector = 0xfb,
				      .depth = 1, .rflags = 0x202, .err = 0xffffffffu, .time_ns = 20 };
	if (plant == INIT_OWED_BEFORE)
		k = at(t, ipi_rec(t, k, 0, 0xfd, 0, 1), 25);
	init_at = k;
	if (plant == INIT_BY_VMM)
		t[k++] = (struct itr_record){ .type = ITR_INJECT, .source = ITR_SRC_VMM, .a = INJ_INIT | 1u << 8,
					      .err = 0xffffffffu, .time_ns = 30 };
	else if (plant != INIT_NONE)
		k = at(t, ipi_rec(t, k, 0, 0, 5u << 8 | 1u << 14, 1), 30);
	if (plant == INIT_SENT_AFTER)
		k = at(t, ipi_rec(t, k, 0, 0xfe, 0, 1), 60);
	k = at(t, ldr_rec(t, k, 1, IVM_LDR_FLAT, 1u << 25, 50), 50);
	if (plant == INIT_LATE_IN_FILE) {	/* the INIT's record after the restart's */
		struct itr_record init = t[init_at];

		memmove(&t[init_at], &t[init_at + 1], (k - init_at - 1) * sizeof(t[0]));
		t[k - 1] = init;
	}
	t[k++] = (struct itr_record){ .type = ITR_IF, .source = ITR_SRC_GUEST, .vcpu = 1, .a = 1,
				      .err = 0xffffffffu, .time_ns = 51 };
	k = at(t, ipi_rec(t, k, 0, 0xfc, 0, 1), 70);
	k = ipi_take(t, k, 1, 0xfc);
	write_records(path, t, k);
}

static void test_init_restart(void)
{
	char path[] = "/tmp/test_oracle.XXXXXX";
	struct itr_header h;
	char err[256];

	if (!temp_trace(path))
		return;
	write_init(path, INIT_CLEAN);
	ok(oracle__run_file(path, &o, &h, err, sizeof(err)) == 0, "init: trace read");
	if (!ok(oracle__verdict(&o) == ORACLE_PASS && o.deliveries == 2 &&
		has_note("cpu 1: seq 7: restarted after an INIT: 1 deliveries in progress, IRR clear, ISR set"),
		"init: vCPU 1 INITed in its handler restarts at its LDR record: 0xfc at depth 1, PASS, a note"))
		show();
	write_init(path, INIT_NONE);
	ok(oracle__run_file(path, &o, &h, err, sizeof(err)) == 0, "init: planted trace read");
	if (!ok(o.count[OK_DEPTH] >= 1 && !has_note("restarted"),
		"init: the same with no INIT: no restart, 0xfc is one too deep ([depth])"))
		show();
	write_init(path, INIT_LATE_IN_FILE);
	ok(oracle__run_file(path, &o, &h, err, sizeof(err)) == 0, "init: late trace read");
	if (!ok(oracle__verdict(&o) == ORACLE_PASS && has_note("restarted after an INIT"),
		"init: the INIT's record after the restart in the file, before it in time: still a restart"))
		show();
	write_init(path, INIT_OWED_BEFORE);
	ok(oracle__run_file(path, &o, &h, err, sizeof(err)) == 0, "init: owed trace read");
	if (!ok(oracle__verdict(&o) == ORACLE_PASS && has_note("1 IPIs owed, dropped"),
		"init: an IPI sent before the INIT and never taken is gone with it (a note, no [lost])"))
		show();
	write_init(path, INIT_SENT_AFTER);
	ok(oracle__run_file(path, &o, &h, err, sizeof(err)) == 0, "init: after trace read");
	if (!ok(o.count[OK_LOST] == 1 && o.total == 1 && strstr(o.kept[0].text, "IPI v=fe sent from another vCPU"),
		"init: one sent after the restart, drained before it, never taken: still owed ([lost])"))
		show();
	write_init(path, INIT_BY_VMM);
	ok(oracle__run_file(path, &o, &h, err, sizeof(err)) == 0, "init: VMM trace read");
	if (!ok(oracle__verdict(&o) == ORACLE_PASS && has_note("restarted after an INIT"),
		"init: the VMM's INIT (INJECT init) restarts it the same"))
		show();
	unlink(path);
}

/* A self-IPI is pending at its record: order and priority are judged as for an injection */
static void test_ipi_self(void)
{
	for (int good = 0; good <= 1; good++) {
		nr = 0;
		add(ITR_IF, ITR_SRC_GUEST, 0, 0);
		add(ITR_INJECT, ITR_SRC_VMM, 0x41, INJ_MSI);
		add(ITR_IPI, ITR_SRC_GUEST, 0xfb, IVM_IPI_ARG(1u << 18 | 0xfb, 0u));
		add(ITR_IF, ITR_SRC_GUEST, 0, 1);
		if (good) {
			ent(0xfb, 1, 0x202);
			add(ITR_EOI, ITR_SRC_GUEST, 0xfb, 0);
			ire(0xfb, 1, 0x202);
		}
		ent(0x41, 1, 0x202);
		add(ITR_EOI, ITR_SRC_GUEST, 0x41, 0);
		ire(0x41, 1, 0x202);
		run(recs, nr);
		if (good)
			ok(oracle__verdict(&o) == ORACLE_PASS && o.unmodelled == 0,
			   "self-IPI 0xfb pending with MSI 0x41: 0xfb first, then 0x41: PASS");
		else
			ok(o.count[OK_ORDER] == 1 && o.kept[0].kind == OK_ORDER && o.kept[0].seq == 4 &&
			   strstr(o.kept[0].text, "expected ENTRY v=fb"),
			   "self-IPI 0xfb pending with MSI 0x41: 0x41 first is [order]");
		show();
	}
}

/* PVM-5: what becomes deliverable is taken at the next exit: late is allowed, out of order not */
static void test_pvm5_late(void)
{
	nr = 0;
	add(ITR_INJECT, ITR_SRC_VMM, 2, INJ_NMI);
	add(ITR_INJECT, ITR_SRC_VMM, 4, INJ_EXCEPTION);
	ent(4, 1, 0x2);
	ire(4, 1, 0x2);		/* the NMI was owed in #OF's handler */
	add(ITR_IF, ITR_SRC_GUEST, 0, 1);
	ent(2, 1, 0x202);
	ire(2, 1, 0x202);
	run_host(recs, nr, ORACLE_HOST_SDM);
	ok(o.count[OK_LOST] == 1 && o.kept[0].seq == 3, "a late NMI: [lost] under the SDM");
	run_host(recs, nr, ORACLE_HOST_PVM5);
	ok(oracle__verdict(&o) == ORACLE_PASS, "a late NMI: PASS under PVM-5");
	run_host(recs, nr - 2, ORACLE_HOST_PVM5);
	ok(o.count[OK_LOST] == 1, "never taken: [lost] at the end under PVM-5 too");
	nr = 0;
	add(ITR_IF, ITR_SRC_GUEST, 0, 1);
	add(ITR_INJECT, ITR_SRC_VMM, 0x61, INJ_MSI);
	add(ITR_INJECT, ITR_SRC_VMM, 0x41, INJ_MSI);
	add(ITR_MARK, ITR_SRC_GUEST, 0, 1);
	ent(0x41, 1, 0x202);
	run_host(recs, nr, ORACLE_HOST_PVM5);
	ok(o.count[OK_ORDER] == 1, "0x41 before the late 0x61: [order] under PVM-5");
	run_host(recs, nr, ORACLE_HOST_PVM4_5);
	ok(o.count[OK_ORDER] == 1, "  and under PVM-4+PVM-5");
}

/* vCPU 1's model: an MSI sent from vCPU 0's thread may find a delivery already in flight */
static void run_cpu1(void)
{
	oracle__init(&o);
	o.smp = true;
	o.cpu = 1;
	o.if_records = 1;
	for (size_t i = 0; i < nr; i++)
		oracle__feed(&o, &recs[i]);
	oracle__finish(&o, true);
}

/* vCPU 1 takes @v at IF=1: its ENTRY, EOI and IRET */
static void take_cpu1(uint8_t v)
{
	ent(v, 1, 0x202);
	recs[nr - 1].vcpu = 1;
	add(ITR_EOI, ITR_SRC_GUEST, v, 0)->vcpu = 1;
	ire(v, 1, 0x202);
	recs[nr - 1].vcpu = 1;
}

/* vCPU 0 sends 0xfb to vCPU 1 three times before it takes one: one to three deliveries, not four */
static void test_ipi_repeat(void)
{
	for (unsigned takes = 1; takes <= 4; takes++) {
		nr = 0;
		add(ITR_IF, ITR_SRC_GUEST, 0, 1)->vcpu = 1;
		for (int i = 0; i < 3; i++)
			add(ITR_IPI, ITR_SRC_GUEST, 0xfb, IVM_IPI_ARG(0xfbu, 1u));
		for (unsigned i = 0; i < takes; i++) {
			take_cpu1(0xfb);
		}
		run_cpu1();
		if (takes < 4)
			ok(oracle__verdict(&o) == ORACLE_PASS && o.unmodelled == 0,
			   "ipi: sent 3 times from vCPU 0 before taken, taken %u times on vCPU 1: PASS", takes);
		else
			ok(o.count[OK_EXTRA] == 1 && o.total == 1,
			   "ipi: sent 3 times from vCPU 0, taken 4 times on vCPU 1: [extra]");
		show();
	}
}

static void test_in_flight(void)
{
	for (unsigned from = 0; from <= 1; from++) {
		nr = 0;
		add(ITR_IF, ITR_SRC_GUEST, 0, 1)->vcpu = 1;
		add(ITR_INJECT, ITR_SRC_VMM, 0x74, INJ_MSI | 1 << 8)->vcpu = (uint8_t)from;
		ent(0x2e, 1, 0x202);	/* another vCPU's IPI, which the trace can't show */
		recs[nr - 1].vcpu = 1;
		ire(0x2e, 1, 0x202);
		recs[nr - 1].vcpu = 1;
		ent(0x74, 1, 0x202);
		recs[nr - 1].vcpu = 1;
		ire(0x74, 1, 0x202);
		recs[nr - 1].vcpu = 1;
		run_cpu1();
		if (from == 0)
			ok(oracle__verdict(&o) == ORACLE_PASS,
			   "smp: 0x74 sent from vCPU 0's thread, an IPI already in flight on vCPU 1 first: PASS");
		else
			ok(o.count[OK_ORDER] == 1, "smp: 0x74 sent on vCPU 1's own exit, 0x2e first: [order]");
	}
}

/*
 * vCPU 1's self-IPI 0xdd pending, vCPU 0's 0xdd sent to it before vCPU 1
 * took it (storm seed 108, user): the two may merge in IRR, so one ENTRY is
 * all that is owed; a second is allowed (it came after), a third is not
 */
static void test_ipi_merges_with_own(void)
{
	for (unsigned takes = 0; takes <= 7; takes++) {
		bool remote_first = takes >= 4;	/* the other order: the remote one sent first */

		nr = 0;
		add(ITR_IF, ITR_SRC_GUEST, 0, 0)->vcpu = 1;
		if (remote_first)
			add(ITR_IPI, ITR_SRC_GUEST, 0xdd, IVM_IPI_ARG(0xddu, 1u))->vcpu = 0;
		add(ITR_IPI, ITR_SRC_GUEST, 0xdd, IVM_IPI_ARG(1u << 18 | 0xdd, 0u))->vcpu = 1;
		if (!remote_first)
			add(ITR_IPI, ITR_SRC_GUEST, 0xdd, IVM_IPI_ARG(0xddu, 1u))->vcpu = 0;
		add(ITR_IF, ITR_SRC_GUEST, 0, 1)->vcpu = 1;
		for (unsigned i = 0; i < takes % 4; i++) {
			take_cpu1(0xdd);
		}
		run_cpu1();
		if (takes % 4 == 0)
			ok(o.count[OK_LOST] >= 1, "ipi (%s first): vCPU 1's own 0xdd never taken: [lost]",
			   remote_first ? "vCPU 0's" : "its own");
		else if (takes % 4 < 3)
			ok(oracle__verdict(&o) == ORACLE_PASS,
			   "ipi (%s first): vCPU 0's 0xdd and vCPU 1's own, neither taken before the other was "
			   "sent, taken %u time%s: PASS", remote_first ? "vCPU 0's" : "its own", takes % 4,
			   takes % 4 == 1 ? " (merged)" : "s");
		else
			ok(o.count[OK_EXTRA] == 1, "ipi (%s first): the same, taken 3 times: [extra]",
			   remote_first ? "vCPU 0's" : "its own");
		show();
	}
}

/*
 * vCPU 1's self-IPI 0xd4 pending, vCPU 0's IPI @remote sent to it: one of a
 * higher vector, even in the same class, may have come while 0xd4 waited and
 * is rightly taken first (the storm's ipi kind); a lower one may not
 */
static void test_ipi_remote_first(void)
{
	static const unsigned remote[] = { 0xd5, 0xd3 };

	for (unsigned k = 0; k < 2; k++) {
		nr = 0;
		add(ITR_IF, ITR_SRC_GUEST, 0, 0)->vcpu = 1;
		add(ITR_IPI, ITR_SRC_GUEST, 0xd4, IVM_IPI_ARG(1u << 18 | 0xd4, 0u))->vcpu = 1;
		add(ITR_IPI, ITR_SRC_GUEST, remote[k], IVM_IPI_ARG(remote[k], 1u))->vcpu = 0;
		add(ITR_IF, ITR_SRC_GUEST, 0, 1)->vcpu = 1;
		for (int i = 0; i < 2; i++) {
			unsigned v = i ? 0xd4 : remote[k];

			take_cpu1(v);
		}
		run_cpu1();
		if (k == 0)
			ok(oracle__verdict(&o) == ORACLE_PASS && o.deliveries == 2,
			   "ipi: vCPU 0's 0xd5 taken before vCPU 1's own pending 0xd4 (same class, higher): PASS");
		else
			ok(o.count[OK_ORDER] == 1, "ipi: vCPU 0's 0xd3 taken before the pending 0xd4: [order]");
		show();
	}
}

/*
 * smp: 0x35 sent twice from vCPU 0's thread, the first taken, then @later
 * (from vCPU 0's thread, or on vCPU 1's own exit): the second waits in IRR
 * from its send, so it comes before a lower vector sent since (the storm's
 * ipi requests, split, seed 1), and before a higher one another thread sent
 * since, which may have arrived after it was accepted: its ENTRY record comes
 * after the acceptance, so it can follow that send's INJECT (storm
 * --kinds=ipi, kernel, seed 3: 3 storms in 500). A higher one sent at vCPU
 * 1's own exit was there with it: [order]
 */
static void test_remote_repeat_first(void)
{
	static const struct { unsigned later, from; } c[] = { { 0x34, 0 }, { 0x36, 0 }, { 0x36, 1 } };

	for (unsigned k = 0; k < 3; k++) {
		nr = 0;
		add(ITR_IF, ITR_SRC_GUEST, 0, 1)->vcpu = 1;
		add(ITR_INJECT, ITR_SRC_VMM, 0x35, INJ_MSI | 1 << 8)->vcpu = 0;
		add(ITR_INJECT, ITR_SRC_VMM, 0x35, INJ_MSI | 1 << 8)->vcpu = 0;
		take_cpu1(0x35);
		add(ITR_INJECT, ITR_SRC_VMM, c[k].later, INJ_MSI | 1 << 8)->vcpu = (uint8_t)c[k].from;
		for (int i = 0; i < 2; i++) {
			unsigned v = i ? c[k].later : 0x35;

			take_cpu1(v);
		}
		run_cpu1();
		if (k == 0)
			ok(oracle__verdict(&o) == ORACLE_PASS && o.deliveries == 3,
			   "smp: 0x35's second copy from vCPU 0's thread before 0x34 sent since: PASS");
		else if (k == 1)
			ok(oracle__verdict(&o) == ORACLE_PASS && o.deliveries == 3,
			   "smp: 0x35's second copy before 0x36 sent since from vCPU 0's thread: PASS");
		else
			ok(o.count[OK_ORDER] == 1,
			   "planted: 0x35's second copy before 0x36 sent on vCPU 1's own exit: [order]");
		show();
	}
}

/*
 * smp: the repeat of 0x35 sent after 0x36 (both from vCPU 0's thread) was not
 * there before 0x36: taken first, [order]. And the storm's shape (seed 3,
 * kernel): 0x36 sent twice, the first taken; 0x37, then 0x36 a third time;
 * the repeat taken before 0x37, the third copy taken after it, or merged
 * with the repeat (not taken again): PASS; a fourth ENTRY of 0x36 is [extra]
 */
static void test_remote_repeat_late(void)
{
	nr = 0;
	add(ITR_IF, ITR_SRC_GUEST, 0, 1)->vcpu = 1;
	add(ITR_INJECT, ITR_SRC_VMM, 0x35, INJ_MSI | 1 << 8)->vcpu = 0;
	add(ITR_INJECT, ITR_SRC_VMM, 0x36, INJ_MSI | 1 << 8)->vcpu = 0;
	add(ITR_INJECT, ITR_SRC_VMM, 0x35, INJ_MSI | 1 << 8)->vcpu = 0;
	take_cpu1(0x35);
	take_cpu1(0x35);
	take_cpu1(0x36);
	run_cpu1();
	ok(o.count[OK_ORDER] == 1, "planted: 0x35's repeat sent after 0x36, taken before it: [order]");
	show();
	for (unsigned takes = 0; takes < 3; takes++) {
		nr = 0;
		add(ITR_IF, ITR_SRC_GUEST, 0, 1)->vcpu = 1;
		add(ITR_INJECT, ITR_SRC_VMM, 0x36, INJ_MSI | 1 << 8)->vcpu = 0;
		add(ITR_INJECT, ITR_SRC_VMM, 0x36, INJ_MSI | 1 << 8)->vcpu = 0;
		take_cpu1(0x36);
		add(ITR_INJECT, ITR_SRC_VMM, 0x37, INJ_MSI | 1 << 8)->vcpu = 0;
		add(ITR_INJECT, ITR_SRC_VMM, 0x36, INJ_MSI | 1 << 8)->vcpu = 0;
		take_cpu1(0x36);
		take_cpu1(0x37);
		for (unsigned i = 0; i < takes; i++)
			take_cpu1(0x36);
		run_cpu1();
		if (takes < 2)
			ok(oracle__verdict(&o) == ORACLE_PASS && o.deliveries == 3 + takes,
			   "smp: 0x36's repeat before 0x37, its third copy %s: PASS",
			   takes ? "after 0x37" : "merged");
		else
			ok(o.count[OK_EXTRA] == 1, "planted: 0x36 sent three times, taken four: [extra]");
		show();
	}
}

/* smp: one vector sent twice from another vCPU's thread: the target may take the first in between */
static void test_remote_repeat(void)
{
	for (unsigned from = 0; from <= 1; from++) {
		nr = 0;
		add(ITR_IF, ITR_SRC_GUEST, 0, 1)->vcpu = 1;
		add(ITR_INJECT, ITR_SRC_VMM, 0x86, INJ_MSI | 1 << 8)->vcpu = (uint8_t)from;
		add(ITR_INJECT, ITR_SRC_VMM, 0x86, INJ_MSI | 1 << 8)->vcpu = (uint8_t)from;
		for (int i = 0; i < 2; i++) {
			ent(0x86, 1, 0x202);
			recs[nr - 1].vcpu = 1;
			add(ITR_EOI, ITR_SRC_GUEST, 0x86, 0)->vcpu = 1;
			ire(0x86, 1, 0x202);
			recs[nr - 1].vcpu = 1;
		}
		run_cpu1();
		if (from == 0)
			ok(oracle__verdict(&o) == ORACLE_PASS && o.deliveries == 2,
			   "smp: 0x86 sent twice from vCPU 0's thread, taken twice on vCPU 1: PASS");
		else
			ok(o.count[OK_EXTRA] == 1, "smp: sent twice on vCPU 1's own exit, they merge: [extra]");
	}
}

/*
 * One vector sent twice (@kind: an MSI or the INTA-race spurious), its ENTRY
 * in between; with @deliver, the VMM's INTA (DELIVER) before each ENTRY.
 */
static void twice(uint8_t v, uint32_t kind, bool deliver)
{
	nr = 0;
	add(ITR_IF, ITR_SRC_GUEST, 0, 1);
	add(ITR_INJECT, ITR_SRC_VMM, v, kind);
	for (int i = 0; i < 2; i++) {
		if (deliver)
			add(ITR_DELIVER, ITR_SRC_VMM, v, ITR_DELIVER_IRQ);
		if (i == 0)
			add(ITR_INJECT, ITR_SRC_VMM, v, kind);
		ent(v, 1, 0x202);
		if (kind == INJ_SPURIOUS)
			add(ITR_ISR, ITR_SRC_GUEST, v, 0);	/* no EOI for a spurious vector */
		else
			add(ITR_EOI, ITR_SRC_GUEST, v, 0);
		ire(v, 1, 0x202);
	}
	run(recs, nr);
}

/* Two INTA-race spurious vectors: the VMM handed the first over before the second came */
static void test_spurious_twice(void)
{
	twice(0xff, INJ_SPURIOUS, true);
	ok(oracle__verdict(&o) == ORACLE_PASS && o.deliveries == 2,
	   "spurious, handed over (DELIVER) before a second is injected: both taken, PASS");
	twice(0xff, INJ_SPURIOUS, false);
	ok(o.count[OK_ISR] == 1, "spurious injected twice before it is taken: they merge, a second ENTRY "
	   "is no spurious one ([isr] at its snapshot)");
}

/* The VMM's INTA (DELIVER): the vector left IRR, so the same one sent again is another */
static void test_inta(void)
{
	twice(0x41, INJ_MSI, true);
	ok(oracle__verdict(&o) == ORACLE_PASS && o.deliveries == 2,
	   "INTA (DELIVER) before the same MSI comes again: two deliveries, PASS");
	twice(0x41, INJ_MSI, false);
	ok(o.count[OK_EXTRA] == 1, "without the INTA record the two MSIs merge: [extra]");
	/* an INTA the model does not predict is judged at its ENTRY, not taken on trust */
	nr = 0;
	add(ITR_IF, ITR_SRC_GUEST, 0, 1);
	add(ITR_INJECT, ITR_SRC_VMM, 0x41, INJ_MSI);
	add(ITR_INJECT, ITR_SRC_VMM, 0x61, INJ_MSI);
	add(ITR_DELIVER, ITR_SRC_VMM, 0x41, ITR_DELIVER_IRQ);
	ent(0x41, 1, 0x202);
	run(recs, nr);
	ok(o.count[OK_ORDER] == 1, "an INTA of 0x41 with 0x61 pending: [order] at its ENTRY");
}

/* A finding's summary line names verdict, counts and the first seq */
static void test_summary(void)
{
	char buf[256];
	size_t n = arch_synth(ARCH_ORDER, recs, ARCH_MAX, NULL);

	run(recs, n);
	oracle__summary(&o, buf, sizeof(buf));
	ok(!strcmp(buf, "DIVERGENCE (1 finding: order 1), first at seq 6 [order]"), "summary: '%s'", buf);
}

/*
 * An NMI can come at any instruction: between an interrupt's delivery and its
 * ENTRY record (the stub counted itself: one deeper), and between cli/sti and
 * their IF records. What the stream said before the NMI still holds after it;
 * real IF and depth errors around NMIs are still caught.
 */
static void test_nmi_inside_records(void)
{
	/* 0x41 delivered at IF=1; the NMI lands in its stub before the ENTRY record */
	nr = 0;
	add(ITR_IF, ITR_SRC_GUEST, 0, 1);
	add(ITR_INJECT, ITR_SRC_VMM, 0x41, INJ_MSI);
	add(ITR_INJECT, ITR_SRC_VMM, 2, INJ_NMI);
	ent(2, 2, 0x2);		/* frame: IF=0 (the interrupt gate), depth 2 */
	ire(2, 2, 0x2);
	ent(0x41, 1, 0x202);
	add(ITR_EOI, ITR_SRC_GUEST, 0x41, 0);
	ire(0x41, 1, 0x202);
	run(recs, nr);
	if (!ok(o.total == 0, "an NMI inside a stub before its ENTRY record: no finding"))
		show();

	/* the same, but before the stub counted itself: depth 1 */
	recs[3].depth = recs[4].depth = 1;
	run(recs, nr);
	if (!ok(o.total == 0, "an NMI at the stub's first instruction: no finding"))
		show();

	/* an NMI between sti's record and sti: the sti still holds after its IRET */
	nr = 0;
	add(ITR_IF, ITR_SRC_GUEST, 0, 1);
	add(ITR_INJECT, ITR_SRC_VMM, 2, INJ_NMI);
	ent(2, 1, 0x2);
	ire(2, 1, 0x2);
	add(ITR_INJECT, ITR_SRC_VMM, 0x41, INJ_MSI);
	ent(0x41, 1, 0x202);
	add(ITR_EOI, ITR_SRC_GUEST, 0x41, 0);
	ire(0x41, 1, 0x202);
	run(recs, nr);
	if (!ok(o.total == 0, "an NMI between sti's record and sti: IF=1 after its IRET"))
		show();

	/* planted: the stream said cli; an interrupt after the NMI is still an IF error */
	nr = 0;
	add(ITR_IF, ITR_SRC_GUEST, 0, 0);
	add(ITR_INJECT, ITR_SRC_VMM, 2, INJ_NMI);
	ent(2, 1, 0x202);
	ire(2, 1, 0x202);
	ent(0xec, 1, 0x2);
	run(recs, nr);
	ok(o.count[OK_IF] == 1, "planted: IF=0 in the stream, a delivery after an NMI is still caught");

	/* planted: an NMI two deeper than the model is not a stub's window */
	nr = 0;
	add(ITR_INJECT, ITR_SRC_VMM, 2, INJ_NMI);
	ent(2, 3, 0x2);
	ire(2, 3, 0x2);
	run(recs, nr);
	ok(o.count[OK_DEPTH] == 2, "planted: an NMI at depth 3 over an empty model: both records caught");
}

/* ---- the PVM-4 host model ---------------------------------------------------- */

/* The same program as a PVM-4 host records it: findings under the SDM, none under PVM-4 */
static void test_pvm4_synth(void)
{
	char buf[256];
	size_t n = arch_synth(ARCH_PVM4, recs, ARCH_MAX, NULL);

	run_host(recs, n, ORACLE_HOST_PVM4);
	if (!ok(oracle__verdict(&o) == ORACLE_PASS && o.deliveries == 13,
		"PVM-4 synth stream passes under PVM-4 (%" PRIu64 " deliveries)", o.deliveries))
		show();
	oracle__summary(&o, buf, sizeof(buf));
	ok(!strcmp(buf, "PASS under host model PVM-4 (13 deliveries checked)"), "summary names the model: '%s'", buf);
	run(recs, n);
	ok(o.count[OK_EOI] && o.count[OK_ISR] && o.count[OK_NEST] && o.count[OK_EXTRA] &&
	   o.total == o.count[OK_EOI] + o.count[OK_ISR] + o.count[OK_NEST] + o.count[OK_EXTRA],
	   "... and under the SDM has PVM-4's findings only (eoi %" PRIu64 ", isr %" PRIu64 ", nest %" PRIu64
	   ", extra %" PRIu64 ")", o.count[OK_EOI], o.count[OK_ISR], o.count[OK_NEST], o.count[OK_EXTRA]);
	n = arch_synth(ARCH_CLEAN, recs, ARCH_MAX, NULL);
	run_host(recs, n, ORACLE_HOST_PVM4);
	ok(oracle__verdict(&o) == ORACLE_DIVERGENCE && o.count[OK_EOI] && o.count[OK_ISR],
	   "an SDM host's exact stream diverges under PVM-4: the model stays exact");
}

/* A defect planted in the PVM-4 stream is still caught under PVM-4, first, at its record */
static void test_planted_pvm4(enum arch_defect d, enum oracle_kind want)
{
	uint64_t at;
	size_t n = arch_synth_host(d, true, recs, ARCH_MAX, &at);

	run_host(recs, n, ORACLE_HOST_PVM4);
	if (!ok(o.nkept && o.kept[0].kind == want &&
		(o.kept[0].seq == at || (want == OK_NO_IRET && o.kept[0].seq > at)),
		"PVM-4, planted %s: first finding [%s] at seq %" PRIu64, arch_defect__name(d),
		oracle_kind__name(want), at))
		show();
}

static void level_pin5(void)
{
	add(ITR_IF, ITR_SRC_GUEST, 0, 0);
	add(ITR_RTE, ITR_SRC_GUEST, 5, 0x51 | 1u << 15);
	add(ITR_INJECT, ITR_SRC_VMM, 0, INJ_PIN | 5 << 8 | PIN_ASSERT << 16);
	add(ITR_IF, ITR_SRC_GUEST, 0, 1);
}

static struct itr_record *ioapic_ev(unsigned pin, enum ioapic_event ev, uint64_t arg)
{
	struct itr_record *r = add(ITR_IOAPIC, ITR_SRC_VMM, (uint8_t)pin, ev);

	r->b = arg;
	return r;
}

/*
 * By hand, what kernel mode records on PVM: ISR reads 0 in the handler, the
 * EOI sees 0xff, a same-class vector nests, and a level pin still high at
 * acceptance is taken again at the handler's sti, before it deasserts.
 */
static void test_pvm4_hand(void)
{
	nr = 0;
	add(ITR_IF, ITR_SRC_GUEST, 0, 1);
	add(ITR_INJECT, ITR_SRC_VMM, 0x41, INJ_MSI);
	ent(0x41, 1, 0x202);
	add(ITR_ISR, ITR_SRC_GUEST, 0x41, 0);
	add(ITR_IF, ITR_SRC_GUEST, 0, 1);
	add(ITR_INJECT, ITR_SRC_VMM, 0x45, INJ_MSI);
	ent(0x45, 2, 0x202);		/* same class, 0x41 not in service */
	add(ITR_EOI, ITR_SRC_GUEST, 0xff, 0);
	ire(0x45, 2, 0x202);
	add(ITR_EOI, ITR_SRC_GUEST, 0xff, 0);
	ire(0x41, 1, 0x202);
	level_pin5();
	ent(0x51, 1, 0x202);		/* accepted: EOI'd, the pin still high: sent again */
	add(ITR_ISR, ITR_SRC_GUEST, 0x51, 0);
	add(ITR_IF, ITR_SRC_GUEST, 0, 1);
	ent(0x51, 2, 0x202);		/* at the sti, before the deassert; sent a third time */
	add(ITR_INJECT, ITR_SRC_VMM, 0, INJ_PIN | 5 << 8 | PIN_DEASSERT << 16);
	add(ITR_EOI, ITR_SRC_GUEST, 0xff, 0);
	ire(0x51, 2, 0x202);
	ent(0x51, 2, 0x202);		/* the third, accepted with the pin low: the last */
	add(ITR_EOI, ITR_SRC_GUEST, 0xff, 0);
	ire(0x51, 2, 0x202);
	add(ITR_EOI, ITR_SRC_GUEST, 0xff, 0);
	ire(0x51, 1, 0x202);
	run_host(recs, nr, ORACLE_HOST_PVM4);
	if (!ok(oracle__verdict(&o) == ORACLE_PASS && o.deliveries == 5, "PVM-4 by hand: PASS under PVM-4"))
		show();
	run(recs, nr);
	ok(o.count[OK_ISR] == 2 && o.count[OK_EOI] && o.count[OK_NEST] && !o.count[OK_IF] && !o.count[OK_TPR],
	   "... and under the SDM: isr %" PRIu64 ", eoi %" PRIu64 ", nest %" PRIu64 ", extra %" PRIu64,
	   o.count[OK_ISR], o.count[OK_EOI], o.count[OK_NEST], o.count[OK_EXTRA]);

	/* planted: the re-delivery left out, so the pin's second message is lost */
	nr = 0;
	level_pin5();
	ent(0x51, 1, 0x202);
	add(ITR_INJECT, ITR_SRC_VMM, 0, INJ_PIN | 5 << 8 | PIN_DEASSERT << 16);
	add(ITR_EOI, ITR_SRC_GUEST, 0xff, 0);
	ire(0x51, 1, 0x202);
	add(ITR_IF, ITR_SRC_GUEST, 0, 0);
	run_host(recs, nr, ORACLE_HOST_PVM4);
	ok(o.total == 1 && o.count[OK_LOST] == 1 && o.kept[0].seq == 8,
	   "PVM-4, kernel IOAPIC: a still-high pin not taken again is lost");

	/* split: the VMM's IOAPIC hears the acceptance's EOI at its own record, here after the deassert */
	nr = 0;
	level_pin5();
	ioapic_ev(5, IOAPIC_EV_REMOTE_IRR_SET, 0x51);
	ent(0x51, 1, 0x202);
	add(ITR_INJECT, ITR_SRC_VMM, 0, INJ_PIN | 5 << 8 | PIN_DEASSERT << 16);
	ioapic_ev(0xff, IOAPIC_EV_EOI, 0x51);
	add(ITR_EOI, ITR_SRC_GUEST, 0xff, 0);
	ire(0x51, 1, 0x202);
	add(ITR_IF, ITR_SRC_GUEST, 0, 0);
	run_host(recs, nr, ORACLE_HOST_PVM4);
	if (!ok(oracle__verdict(&o) == ORACLE_PASS, "PVM-4, the VMM's IOAPIC: EOI at its record, pin low: once"))
		show();
	/* planted: the host EOI comes with the pin high, and no second delivery follows */
	nr = 0;
	level_pin5();
	ioapic_ev(5, IOAPIC_EV_REMOTE_IRR_SET, 0x51);
	ent(0x51, 1, 0x202);
	ioapic_ev(0xff, IOAPIC_EV_EOI, 0x51);
	add(ITR_INJECT, ITR_SRC_VMM, 0, INJ_PIN | 5 << 8 | PIN_DEASSERT << 16);
	add(ITR_EOI, ITR_SRC_GUEST, 0xff, 0);
	ire(0x51, 1, 0x202);
	add(ITR_IF, ITR_SRC_GUEST, 0, 0);
	run_host(recs, nr, ORACLE_HOST_PVM4);
	ok(o.count[OK_LOST] == 1, "PVM-4, the VMM's IOAPIC: EOI'd while high, the second delivery is owed");

	/* split: the acceptance's EOI exit before the ENTRY record, the pin still high: the
	 * re-send waits in IRR while the accepted one is recorded, then it is taken */
	nr = 0;
	level_pin5();
	ioapic_ev(5, IOAPIC_EV_REMOTE_IRR_SET, 0x51);
	add(ITR_INJECT, ITR_SRC_VMM, 0x61, INJ_MSI);
	ent(0x61, 1, 0x202);
	add(ITR_EOI, ITR_SRC_GUEST, 0xff, 0);
	ire(0x61, 1, 0x202);
	ioapic_ev(0xff, IOAPIC_EV_EOI, 0x51);
	ioapic_ev(5, IOAPIC_EV_REMOTE_IRR_SET, 0x51);
	ent(0x51, 1, 0x202);
	add(ITR_EOI, ITR_SRC_GUEST, 0xff, 0);
	ire(0x51, 1, 0x202);
	ent(0x51, 1, 0x202);
	add(ITR_INJECT, ITR_SRC_VMM, 0, INJ_PIN | 5 << 8 | PIN_DEASSERT << 16);
	ioapic_ev(0xff, IOAPIC_EV_EOI, 0x51);
	add(ITR_EOI, ITR_SRC_GUEST, 0xff, 0);
	ire(0x51, 1, 0x202);
	add(ITR_IF, ITR_SRC_GUEST, 0, 0);
	run_host(recs, nr, ORACLE_HOST_PVM4_5);
	if (!ok(oracle__verdict(&o) == ORACLE_PASS && o.deliveries == 3,
		"PVM-4, the VMM's IOAPIC: accepted before its ENTRY record, re-sent meanwhile: twice"))
		show();
	nr -= 6;	/* planted: the re-send never taken, though IF=1 to the end */
	run_host(recs, nr, ORACLE_HOST_PVM4_5);
	ok(o.count[OK_LOST] == 1, "  the re-send never taken: [lost] at the end");
}

/* The architecture still holds under PVM-4: IF, TPR, edges, NMI blocking, error codes */
static void test_pvm4_arch(void)
{
	/* an interrupt with IF=0 */
	nr = 0;
	add(ITR_IF, ITR_SRC_GUEST, 0, 0);
	add(ITR_INJECT, ITR_SRC_VMM, 0x41, INJ_MSI);
	ent(0x41, 1, 0x2);
	run_host(recs, nr, ORACLE_HOST_PVM4);
	ok(o.nkept && o.kept[0].kind == OK_IF, "PVM-4: delivered with IF=0 is [if]");

	/* TPR masks the class even with the ISR empty */
	nr = 0;
	add(ITR_TPR, ITR_SRC_GUEST, 0, 0x50);
	add(ITR_IF, ITR_SRC_GUEST, 0, 1);
	add(ITR_INJECT, ITR_SRC_VMM, 0x41, INJ_MSI);
	ent(0x41, 1, 0x202);
	run_host(recs, nr, ORACLE_HOST_PVM4);
	ok(o.nkept && o.kept[0].kind == OK_TPR, "PVM-4: delivered through TPR 0x50 is [tpr]");

	/* an edge MSI taken twice, though EOI'd at acceptance */
	nr = 0;
	add(ITR_IF, ITR_SRC_GUEST, 0, 1);
	add(ITR_INJECT, ITR_SRC_VMM, 0x41, INJ_MSI);
	ent(0x41, 1, 0x202);
	add(ITR_EOI, ITR_SRC_GUEST, 0xff, 0);
	ire(0x41, 1, 0x202);
	ent(0x41, 1, 0x202);
	run_host(recs, nr, ORACLE_HOST_PVM4);
	ok(o.total == 1 && o.count[OK_EXTRA] == 1, "PVM-4: an edge delivered twice is [extra]");

	/* NMI blocking is not the LAPIC's: a second NMI waits for the IRET */
	nr = 0;
	add(ITR_INJECT, ITR_SRC_VMM, 2, INJ_NMI);
	ent(2, 1, 0x2);
	add(ITR_INJECT, ITR_SRC_VMM, 2, INJ_NMI);
	ent(2, 2, 0x2);
	run_host(recs, nr, ORACLE_HOST_PVM4);
	ok(o.count[OK_NMI] == 1, "PVM-4: an NMI while NMIs are blocked is [nmi]");

	/* an injected exception's error code */
	nr = 0;
	add(ITR_INJECT, ITR_SRC_VMM, 14, INJ_EXCEPTION)->err = 2;
	{
		struct itr_record *r = add(ITR_ENTRY, ITR_SRC_GUEST, 14, 0);

		r->depth = 1;
		r->rflags = 0x2;
		r->err = 3;
	}
	run_host(recs, nr, ORACLE_HOST_PVM4);
	ok(o.nkept && o.kept[0].kind == OK_ERRCODE, "PVM-4: a wrong error code is [errcode]");

	/* the guest saw a vector in service: not this host */
	nr = 0;
	add(ITR_IF, ITR_SRC_GUEST, 0, 1);
	add(ITR_INJECT, ITR_SRC_VMM, 0x41, INJ_MSI);
	ent(0x41, 1, 0x202);
	add(ITR_ISR, ITR_SRC_GUEST, 0x41, 1);
	add(ITR_EOI, ITR_SRC_GUEST, 0x41, 0);
	ire(0x41, 1, 0x202);
	run_host(recs, nr, ORACLE_HOST_PVM4);
	ok(o.count[OK_ISR] == 1 && o.count[OK_EOI] == 1, "PVM-4: ISR read 1 and an EOI that saw 0x41 are findings");
}

static void test_host_names(void)
{
	enum oracle_host h = ORACLE_HOST_NR;

	ok(oracle_host__parse("pvm-4", &h) == 0 && h == ORACLE_HOST_PVM4, "parse pvm-4");
	ok(oracle_host__parse("SDM", &h) == 0 && h == ORACLE_HOST_SDM, "parse SDM");
	ok(oracle_host__parse("pvm4", &h) < 0 && oracle_host__parse("", &h) < 0, "parse refuses pvm4 and ''");
	ok(!strcmp(oracle_host__name(ORACLE_HOST_PVM4), "PVM-4") && !strcmp(oracle_host__name(ORACLE_HOST_NR), "?"),
	   "names");
}

/* oracle__run_file_opts gives every vCPU's model the host; NULL opts is the SDM */
static void test_run_file_opts(void)
{
	char path[] = "/tmp/test_oracle.XXXXXX";
	struct oracle_opts pvm4 = { .host = ORACLE_HOST_PVM4 };
	struct itr_header h;
	char err[256];

	if (!temp_trace(path))
		return;
	write_smp(path, false);
	ok(oracle__run_file_opts(path, NULL, &o, &h, err, sizeof(err)) == 0 &&
	   oracle__verdict(&o) == ORACLE_PASS && o.host == ORACLE_HOST_SDM, "run_file_opts(NULL): the SDM");
	ok(oracle__run_file_opts(path, &pvm4, &o, &h, err, sizeof(err)) == 0 && o.host == ORACLE_HOST_PVM4 &&
	   o.count[OK_EOI] == 2 && o.total == 2,
	   "run_file_opts(PVM-4): both vCPUs' EOIs that saw their vector are findings");
	unlink(path);
}

int main(void)
{
	printf("TAP version 13\n");
	test_clean();
	test_planted(ARCH_ORDER, OK_ORDER);
	test_planted(ARCH_LOST, OK_LOST);
	test_planted(ARCH_NO_IRET, OK_NO_IRET);
	test_planted(ARCH_NEST, OK_NEST);
	test_planted(ARCH_NMI, OK_NMI);
	test_planted(ARCH_IF, OK_IF);
	test_planted(ARCH_TPR, OK_TPR);
	test_planted(ARCH_ERRCODE, OK_ERRCODE);
	test_planted(ARCH_DEPTH, OK_DEPTH);
	test_planted(ARCH_EXTRA, OK_EXTRA);
	test_planted(ARCH_EOI, OK_EOI);
	test_smp();
	test_ipi_smp();
	test_ipi_nowhere();
	test_ipi_self();
	test_ipi_repeat();
	test_hand();
	test_cpl3_frames();
	test_pin_beyond();
	test_nmi_deep();
	test_nmi_pair();
	test_nmi_in_exception_stub();
	test_nmi_ipi_smp();
	test_pvm5_late();
	test_in_flight();
	test_spurious_twice();
	test_inta();
	test_remote_repeat();
	test_remote_repeat_first();
	test_remote_repeat_late();
	test_ipi_merges_with_own();
	test_ipi_remote_first();
	test_nmi_inside_records();
	test_summary();
	test_pvm4_synth();
	test_planted_pvm4(ARCH_ORDER, OK_ORDER);
	test_planted_pvm4(ARCH_LOST, OK_LOST);
	test_planted_pvm4(ARCH_NO_IRET, OK_NO_IRET);
	test_planted_pvm4(ARCH_NEST, OK_LOST);	/* 0x45 waited for 0x41's EOI: owed before it */
	test_planted_pvm4(ARCH_NMI, OK_NMI);
	test_planted_pvm4(ARCH_IF, OK_IF);
	test_planted_pvm4(ARCH_TPR, OK_TPR);
	test_planted_pvm4(ARCH_ERRCODE, OK_ERRCODE);
	test_planted_pvm4(ARCH_DEPTH, OK_DEPTH);
	test_planted_pvm4(ARCH_EXTRA, OK_EXTRA);
	test_planted_pvm4(ARCH_EOI, OK_EOI);
	test_pvm4_hand();
	test_pvm4_arch();
	test_host_names();
	test_run_file_opts();
	test_ipi_route_logical();
	test_ipi_logical();
	test_init_restart();
	test_msi_delivery();
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
