// SPDX-License-Identifier: MIT
/*
 * Scenario checks against planted event streams: the right stream passes,
 * swapped order / a lost interrupt / an extra nested delivery / a missing
 * softirq each fail, and a pinned host divergence is recognised only when
 * the host does exactly the pinned thing.
 */
#include <stdlib.h>
#include "scenario/check.h"
#include "tap.h"

#define E(k, vec, a) { .kind = (k), .vector = (vec), .arg = (a) }

static struct check mk(enum check_kind kind, uint8_t vector, unsigned n, const int64_t *v)
{
	struct check c = { .kind = kind, .vector = vector };

	c.expect.n = n;
	if (n)
		memcpy(c.expect.v, v, n * sizeof(*v));
	return c;
}

static enum check_verdict judge(const struct check *c, enum irqchip_mode m, const struct ivm_event *ev,
				size_t n)
{
	struct check_values obs;

	check__observe(c, ev, n, &obs);
	return check__judge(c, m, &obs);
}

/* "intact": a lossless stream passes; each planted loss or forgery is counted */
static void test_intact(void)
{
	static const int64_t whole[] = { 0, 2 };
	const struct check c = mk(CHK_INTACT, 0, 2, whole);
	struct ivm_event ev[] = {
		E(IVM_EV_MARK, 0, IVM_MARK_SEQ + 0),
		E(IVM_EV_ENTRY, 2, ~0u),
		E(IVM_EV_MARK, 0, IVM_MARK_IN_NMI + 0),
		E(IVM_EV_IRET, 2, 0),
		E(IVM_EV_MARK, 0, IVM_MARK_SEQ + 1),
		E(IVM_EV_ENTRY, 0xec, ~0u),
		E(IVM_EV_ENTRY, 2, ~0u),	/* an NMI inside the timer handler */
		E(IVM_EV_MARK, 0, IVM_MARK_IN_NMI + 1),
		E(IVM_EV_IRET, 2, 0),
		E(IVM_EV_IRET, 0xec, 0),
		E(IVM_EV_MARK, 0, IVM_MARK_SEQ + 2),
		E(IVM_EV_MARK, 0, IVM_MARK_COUNT | 2 << 20 | 2),
		E(IVM_EV_MARK, 0, IVM_MARK_COUNT | 0xec << 20 | 1),
		E(IVM_EV_MARK, 0, 0x42),	/* untagged: marks' */
	};
	const size_t n = sizeof(ev) / sizeof(ev[0]);
	struct check_values obs;
	struct check m = mk(CHK_MARKS, 0, 1, (const int64_t[]){ 0x42 });

	ok(judge(&c, IRQCHIP_USER, ev, n) == CHECK_PASS, "intact: a lossless stream passes");
	ok(judge(&m, IRQCHIP_USER, ev, n) == CHECK_PASS, "marks: tagged marks are intact's, not marks'");

	ev[4].arg = IVM_MARK_SEQ + 5;	/* a gap: records lost */
	check__observe(&c, ev, n, &obs);
	ok(obs.v[0] == 2 && judge(&c, IRQCHIP_USER, ev, n) == CHECK_FAIL,
	   "intact: a gap in the numbered records is caught (and the one after it)");
	ev[4].arg = IVM_MARK_SEQ + 1;

	ev[2].kind = IVM_EV_ENTRY;	/* a lost IRET and a record outside the NMI */
	ev[2].vector = 0x30;
	check__observe(&c, ev, n, &obs);
	ok(obs.v[0] > 0, "intact: an IRET that does not close the innermost delivery is caught");
	ev[2] = (struct ivm_event)E(IVM_EV_MARK, 0, IVM_MARK_IN_NMI + 0);

	ev[7].arg = IVM_MARK_IN_NMI + 0;	/* a record of the NMI handler forged twice */
	ok(judge(&c, IRQCHIP_USER, ev, n) == CHECK_FAIL, "intact: a repeated in-NMI record is caught");
	ev[7].arg = IVM_MARK_IN_NMI + 1;

	ev[11].arg = IVM_MARK_COUNT | 2 << 20 | 3;	/* the guest counted a delivery the stream lacks */
	check__observe(&c, ev, n, &obs);
	ok(obs.v[0] == 1 && obs.v[1] == 1, "intact: a guest count the stream does not bear out is caught");
	ev[11].arg = IVM_MARK_COUNT | 2 << 20 | 2;

	ev[2].kind = IVM_EV_MARK;
	ev[3] = (struct ivm_event)E(IVM_EV_MARK, 0, 0);	/* the NMI's IRET lost: its mark is outside */
	ok(judge(&c, IRQCHIP_USER, ev, n) == CHECK_FAIL, "intact: an NMI without its IRET is caught");
}

static char *tap_text(const struct scenario *sc, enum irqchip_mode m, const struct ivm_event *ev, size_t n,
		      bool strict, unsigned *num, unsigned *bad)
{
	char *text = NULL;
	size_t len;
	FILE *f = open_memstream(&text, &len);

	*bad = check__tap(sc, m, "irqchip kernel", ev, n, strict, num, f);
	fclose(f);
	return text;
}

/* --tap: the exact lines; a pinned divergence is a SKIP, a failure its expected/observed */
static void test_tap(void)
{
	static struct scenario sc;
	const struct ivm_event ev[] = { E(IVM_EV_ENTRY, 0x41, 0), E(IVM_EV_EOI, 0xff, 0) };
	unsigned num = 4, bad;
	const char *want;
	char *text;

	snprintf(sc.name, sizeof(sc.name), "isr");
	sc.nchecks = 3;
	sc.checks[0] = mk(CHK_COUNT, 0x41, 1, (const int64_t[]){ 1 });
	snprintf(sc.checks[0].name, sizeof(sc.checks[0].name), "delivered once");
	sc.checks[1] = mk(CHK_EOIS, 0, 1, (const int64_t[]){ 0x41 });
	snprintf(sc.checks[1].name, sizeof(sc.checks[1].name), "EOI #1 retires \\0x41");
	sc.checks[1].known[IRQCHIP_KERNEL].set = true;
	snprintf(sc.checks[1].known[IRQCHIP_KERNEL].ref, sizeof(sc.checks[1].known[0].ref), "PVM-4");
	sc.checks[1].known[IRQCHIP_KERNEL].observed.n = 1;
	sc.checks[1].known[IRQCHIP_KERNEL].observed.v[0] = 0xff;
	sc.checks[2] = mk(CHK_COUNT, 0x45, 1, (const int64_t[]){ 2 });
	snprintf(sc.checks[2].name, sizeof(sc.checks[2].name), "0x45 twice");

	text = tap_text(&sc, IRQCHIP_KERNEL, ev, 2, false, &num, &bad);
	want = "ok 5 - isr (irqchip kernel): delivered once\n"
	       "ok 6 - isr (irqchip kernel): EOI \\#1 retires \\\\0x41 # SKIP known divergence PVM-4\n"
	       "not ok 7 - isr (irqchip kernel): 0x45 twice\n"
	       "#   expected [0x2] observed [0]\n";
	if (!ok(!strcmp(text, want) && bad == 1 && num == 7,
		"--tap: numbered on, a pinned divergence SKIPs, a failure says expected/observed"))
		printf("# got:\n%s# want:\n%s", text, want);
	free(text);

	num = 0;
	text = tap_text(&sc, IRQCHIP_KERNEL, ev, 2, true, &num, &bad);
	want = "ok 1 - isr (irqchip kernel): delivered once\n"
	       "not ok 2 - isr (irqchip kernel): EOI \\#1 retires \\\\0x41\n"
	       "#   expected [0x41] observed [0xff]\n"
	       "#   known divergence PVM-4 under irqchip kernel (--strict: counted as a failure)\n"
	       "not ok 3 - isr (irqchip kernel): 0x45 twice\n"
	       "#   expected [0x2] observed [0]\n";
	if (!ok(!strcmp(text, want) && bad == 2 && num == 3, "--tap --strict: the pinned divergence is not ok"))
		printf("# got:\n%s# want:\n%s", text, want);
	free(text);

	text = NULL;
	{
		size_t len;
		FILE *f = open_memstream(&text, &len);

		check__tap_point(f, 9, true, "a\nb#c", "SKIP why");
		check__tap_point(f, 10, false, "plain", NULL);
		fclose(f);
	}
	ok(!strcmp(text, "ok 9 - a?b\\#c # SKIP why\nnot ok 10 - plain\n"),
	   "--tap: a control character can't end the line, '#' is escaped");
	free(text);
}

/* hide: a storm's frames (ENTRY to its IRET, nested ones too) vanish, per CPU; nothing else */
static void test_hide(const int64_t *prio)
{
	static struct scenario sc;
	struct ivm_event ev[] = {
		E(IVM_EV_ENTRY, 0x61, 0), E(IVM_EV_ENTRY, 0x52, 0), E(IVM_EV_ENTRY, 2, 0),
		E(IVM_EV_EOI, 0x52, 0), E(IVM_EV_IRET, 2, 0), E(IVM_EV_EOI, 0x52, 0),
		E(IVM_EV_IRET, 0x52, 0), E(IVM_EV_EOI, 0x61, 0), E(IVM_EV_IRET, 0x61, 0),
		E(IVM_EV_ENTRY, 0x41, 0), E(IVM_EV_EOI, 0x41, 0), E(IVM_EV_IRET, 0x41, 0),
		E(IVM_EV_ENTRY, 0x52, 0),	/* cpu 1: its frame never closes */
	};
	static const int64_t eois[] = { 0x61, 0x41 };
	struct check c = mk(CHK_ENTRIES, 0, 2, prio), e = mk(CHK_EOIS, 0, 2, eois);
	size_t n = sizeof(ev) / sizeof(ev[0]), k;

	ev[n - 1].cpu = 1;
	ok(judge(&c, IRQCHIP_USER, ev, n) == CHECK_FAIL, "hide: without it, a storm's 0x52 is an entry");
	ok(check__hide_frames(&sc, ev, n) == n, "hide: nothing hidden, nothing gone");
	sc.hide[0x52 / 64] |= 1ull << (0x52 % 64);
	sc.nhide = 1;
	k = check__hide_frames(&sc, ev, n);
	ok(k == 6 && judge(&c, IRQCHIP_USER, ev, k) == CHECK_PASS && judge(&e, IRQCHIP_USER, ev, k) == CHECK_PASS,
	   "hide: 0x52's frame, with the NMI and EOIs inside it, is gone (%zu events left)", k);
	ok(ev[k - 1].kind == IVM_EV_IRET && ev[k - 1].vector == 0x41, "hide: what follows the frame stays");
}

int main(void)
{
	static const int64_t prio[] = { 0x61, 0x41 };
	static const int64_t one[] = { 1 };
	static const int64_t two[] = { 2 };
	static const int64_t sirq[] = { 1, 3, 6 };
	const struct ivm_event good[] = {
		E(IVM_EV_ENTRY, 0x0e, 0), E(IVM_EV_IRET, 0x0e, 0),	/* an exception: not an entry check */
		E(IVM_EV_ENTRY, 0x61, 0), E(IVM_EV_ISR, 0x61, 1), E(IVM_EV_EOI, 0x61, 0),
		E(IVM_EV_IRET, 0x61, 0), E(IVM_EV_ENTRY, 0x41, 0), E(IVM_EV_EOI, 0x41, 0),
		E(IVM_EV_SOFTIRQ, 0, 1), E(IVM_EV_SOFTIRQ, 0, 3), E(IVM_EV_SOFTIRQ, 0, 6),
		E(IVM_EV_IRET, 0x41, 0),
	};
	const struct ivm_event swapped[] = { E(IVM_EV_ENTRY, 0x41, 0), E(IVM_EV_ENTRY, 0x61, 0) };
	const struct ivm_event lost[] = { E(IVM_EV_ENTRY, 0x61, 0) };
	const struct ivm_event extra[] = { E(IVM_EV_ENTRY, 0x61, 0), E(IVM_EV_ENTRY, 0x45, 0),
					   E(IVM_EV_ENTRY, 0x41, 0) };
	const struct ivm_event isr0[] = { E(IVM_EV_ENTRY, 0x61, 0), E(IVM_EV_ISR, 0x61, 0) };
	const struct ivm_event sirq_bad[] = { E(IVM_EV_SOFTIRQ, 0, 6), E(IVM_EV_SOFTIRQ, 0, 1),
					      E(IVM_EV_SOFTIRQ, 0, 3) };
	struct check c;
	struct ivm_event *flood;

	c = mk(CHK_ENTRIES, 0, 2, prio);
	ok(judge(&c, IRQCHIP_USER, good, 12) == CHECK_PASS, "entries: right order passes, exceptions ignored");
	ok(judge(&c, IRQCHIP_USER, swapped, 2) == CHECK_FAIL, "entries: swapped order fails");
	ok(judge(&c, IRQCHIP_USER, lost, 1) == CHECK_FAIL, "entries: a lost interrupt fails");
	ok(judge(&c, IRQCHIP_USER, extra, 3) == CHECK_FAIL, "entries: an extra nested delivery fails");

	test_hide(prio);

	c = mk(CHK_COUNT, 0x61, 1, one);
	ok(judge(&c, IRQCHIP_USER, good, 12) == CHECK_PASS, "count: one delivery of 0x61");
	c = mk(CHK_COUNT, 0x61, 1, two);
	ok(judge(&c, IRQCHIP_USER, good, 12) == CHECK_FAIL, "count: expecting two fails");

	c = mk(CHK_ISR_AT_ENTRY, 0x61, 1, one);
	ok(judge(&c, IRQCHIP_USER, good, 12) == CHECK_PASS, "isr_at_entry: bit set passes");
	ok(judge(&c, IRQCHIP_KERNEL, isr0, 2) == CHECK_FAIL, "isr_at_entry: bit clear fails without a pin");
	c.known[IRQCHIP_KERNEL].set = true;
	snprintf(c.known[IRQCHIP_KERNEL].ref, sizeof(c.known[0].ref), "PVM-4");
	c.known[IRQCHIP_KERNEL].observed.n = 1;
	c.known[IRQCHIP_KERNEL].observed.v[0] = 0;
	ok(judge(&c, IRQCHIP_KERNEL, isr0, 2) == CHECK_DIVERGENCE, "isr_at_entry: pinned kernel divergence");
	ok(judge(&c, IRQCHIP_USER, isr0, 2) == CHECK_FAIL, "the kernel-mode pin does not excuse user mode");
	ok(judge(&c, IRQCHIP_KERNEL, good, 12) == CHECK_PASS, "a fixed platform passes, not 'divergence'");

	c = mk(CHK_SOFTIRQS, 0, 3, sirq);
	ok(judge(&c, IRQCHIP_USER, good, 12) == CHECK_PASS, "softirqs: ascending order passes");
	ok(judge(&c, IRQCHIP_USER, sirq_bad, 3) == CHECK_FAIL, "softirqs: raise order instead of bit order fails");

	/* more events than a value list holds must not compare equal by truncation */
	flood = calloc(SC_MAX_VALUES + 5, sizeof(*flood));
	for (int i = 0; i < SC_MAX_VALUES + 5; i++)
		flood[i] = (struct ivm_event)E(IVM_EV_ENTRY, 0x41, 0);
	c = mk(CHK_ENTRIES, 0, 0, NULL);
	c.expect.n = SC_MAX_VALUES;
	for (int i = 0; i < SC_MAX_VALUES; i++)
		c.expect.v[i] = 0x41;
	ok(judge(&c, IRQCHIP_USER, flood, SC_MAX_VALUES + 5) == CHECK_FAIL,
	   "a flood longer than the expected list fails");
	ok(judge(&c, IRQCHIP_USER, flood, SC_MAX_VALUES) == CHECK_PASS, "exactly the list passes");
	free(flood);
	/* two vCPUs: a check with cpu: looks at that vCPU's events only */
	{
		static const int64_t ap[] = { 0xfb, 0xfc };
		static const int64_t bsp[] = { 0xfd };
		const struct ivm_event two_cpus[] = {
			{ .kind = IVM_EV_ENTRY, .vector = 0xfb, .cpu = 1 },
			{ .kind = IVM_EV_ENTRY, .vector = 0xfd, .cpu = 0 },
			{ .kind = IVM_EV_ENTRY, .vector = 0xfc, .cpu = 1 },
		};
		const struct ivm_event wrong_cpu[] = {
			{ .kind = IVM_EV_ENTRY, .vector = 0xfb, .cpu = 1 },
			{ .kind = IVM_EV_ENTRY, .vector = 0xfd, .cpu = 1 },
			{ .kind = IVM_EV_ENTRY, .vector = 0xfc, .cpu = 0 },
		};

		c = mk(CHK_ENTRIES, 0, 2, ap);
		c.has_cpu = true;
		c.cpu = 1;
		ok(judge(&c, IRQCHIP_USER, two_cpus, 3) == CHECK_PASS, "cpu 1: only its entries, in order");
		ok(judge(&c, IRQCHIP_USER, wrong_cpu, 3) == CHECK_FAIL,
		   "cpu 1: a vector taken on the other vCPU fails the check");
		c = mk(CHK_ENTRIES, 0, 1, bsp);
		c.has_cpu = true;
		c.cpu = 0;
		ok(judge(&c, IRQCHIP_USER, two_cpus, 3) == CHECK_PASS, "cpu 0: only its entries");
		c.has_cpu = false;
		ok(judge(&c, IRQCHIP_USER, two_cpus, 3) == CHECK_FAIL, "no cpu: every vCPU's entries count");
	}
	test_intact();
	test_tap();
	return tap_done();
}
