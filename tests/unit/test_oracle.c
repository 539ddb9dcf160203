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

static struct itr_record recs[ARCH_MAX];
static struct oracle o;

static void run(const struct itr_record *r, size_t n)
{
	oracle__init(&o);
	for (size_t i = 0; i < n; i++)
		oracle__feed(&o, &r[i]);
	oracle__finish(&o, true);
}

static void show(void)
{
	if (o.nkept)
		printf("#   first: seq %" PRIu64 " [%s] %s\n", o.kept[0].seq, oracle_kind__name(o.kept[0].kind),
		       o.kept[0].text);
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

static void test_smp(void)
{
	char path[] = "/tmp/test_oracle.XXXXXX";
	struct itr_header h;
	char err[256];
	int fd = mkstemp(path);

	if (fd < 0) {
		ok(0, "temp file");
		return;
	}
	close(fd);
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
	test_hand();
	test_pin_beyond();
	test_nmi_deep();
	test_nmi_inside_records();
	test_summary();
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
