// SPDX-License-Identifier: MIT
/* Storm plans and shrinking (vmm/storm/plan.c, shrink.c): seeded, bounded, 1-minimal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "abi.h"
#include "storm/storm.h"
#include "tap.h"
#include "trace_bytes.h"

static struct scenario a, b;

static bool same_plan(const struct scenario *x, const struct scenario *y)
{
	if (x->nsteps != y->nsteps)
		return false;
	for (unsigned i = 0; i < x->nsteps; i++)
		if (x->steps[i].at != y->steps[i].at || x->steps[i].n != y->steps[i].n ||
		    x->steps[i].ninj != y->steps[i].ninj ||
		    memcmp(x->steps[i].inj, y->steps[i].inj, x->steps[i].ninj * sizeof(struct injection)))
			return false;
	return true;
}

static bool msi_vector_ok(unsigned v)
{
	static const uint8_t vs[] = { IVM_STORM_MSI_VECTORS };

	for (unsigned i = 0; i < sizeof(vs); i++)
		if (vs[i] == v)
			return true;
	return false;
}

static bool is_ipi_request(const struct injection *in)
{
	return in->kind == INJ_MSI && in->vector >= IVM_STORM_IPI_REQ &&
	       in->vector < IVM_STORM_IPI_REQ + IVM_STORM_NR_IPI_FORMS;
}

/* The ipi kind: requests for each ICR form to each CPU, only on two vCPUs */
static void test_plan_ipi(void)
{
	struct storm_cfg cfg = { .seed = 11, .kinds = 1u << SK_IPI, .syncs = 64, .rate = 2,
				 .mode = IRQCHIP_KERNEL, .vcpus = 2, .timeout_s = 10 };
	unsigned forms = 0, dests = 0, n = 0;
	bool only = true;

	storm__plan(&cfg, 1, &a);
	storm__plan(&cfg, 1, &b);
	ok(same_plan(&a, &b), "plan: ipi: the same seed, the same plan");
	for (unsigned i = 0; i < a.nsteps; i++)
		for (unsigned j = 0; j < a.steps[i].ninj; j++) {
			const struct injection *in = &a.steps[i].inj[j];

			only &= is_ipi_request(in) && in->dest < 2;
			if (is_ipi_request(in))
				forms |= 1u << (in->vector - IVM_STORM_IPI_REQ);
			dests |= 1u << in->dest;
			n++;
		}
	ok(n > 0 && only && forms == (1u << IVM_STORM_NR_IPI_FORMS) - 1 && dests == 3,
	   "plan: --kinds=ipi --vcpus=2: %u requests, every form (0x33..0x37), to both CPUs", n);
	ok(a.vcpus == 2 && a.checks[2].kind == CHK_INTACT &&
	   a.checks[2].expect.v[1] == 2 * (IVM_STORM_NR_MSI + IVM_STORM_NR_PINS + 7 + IVM_STORM_NR_IPI_FORMS),
	   "plan: ipi: two CPUs' marks checks, and intact counts the IPI vector and the requests on each");
	cfg.vcpus = 1;
	storm__plan(&cfg, 1, &b);
	ok(storm__count(&b) == 0, "plan: --kinds=ipi on one vCPU: nothing to send between CPUs, no injection");
	cfg.kinds = STORM_KINDS_ALL;
	cfg.mode = IRQCHIP_USER;
	storm__plan(&cfg, 1, &b);
	only = storm__count(&b) > 0;
	for (unsigned i = 0; i < b.nsteps; i++)
		for (unsigned j = 0; j < b.steps[i].ninj; j++)
			only &= !is_ipi_request(&b.steps[i].inj[j]);
	ok(only, "plan: all on one vCPU leaves ipi out");
	ok(storm__kinds_vcpus(STORM_KINDS_ALL, 1) == (STORM_KINDS_ALL & ~(1u << SK_IPI | 1u << SK_INIT)) &&
	   storm__kinds_vcpus(STORM_KINDS_ALL, 2) == STORM_KINDS_ALL, "kinds: ipi and init need two vCPUs");
	cfg.vcpus = 2;
	storm__plan(&cfg, 3, &b);
	n = 0;
	for (unsigned i = 0; i < b.nsteps; i++)
		for (unsigned j = 0; j < b.steps[i].ninj; j++)
			n += is_ipi_request(&b.steps[i].inj[j]);
	ok(n > 0, "plan: all on two vCPUs: %u ipi requests among the rest", n);
}

static bool is_init_request(const struct injection *in)
{
	return in->kind == INJ_MSI && in->vector == IVM_STORM_INIT_REQ;
}

/* The init kind: requests to CPU 0 (which restarts CPU 1), seeded, only on two vCPUs */
static void test_plan_init(void)
{
	struct storm_cfg cfg = { .seed = 5, .kinds = 1u << SK_INIT | 1u << SK_IPI, .syncs = 64, .rate = 2,
				 .mode = IRQCHIP_SPLIT, .vcpus = 2, .timeout_s = 10 };
	unsigned inits = 0, ipis = 0, other = 0;

	storm__plan(&cfg, 1, &a);
	storm__plan(&cfg, 1, &b);
	ok(same_plan(&a, &b), "plan: init: the same seed, the same plan");
	for (unsigned i = 0; i < a.nsteps; i++)
		for (unsigned j = 0; j < a.steps[i].ninj; j++) {
			const struct injection *in = &a.steps[i].inj[j];

			if (is_init_request(in))
				inits += in->dest == 0 ? 1 : 1000;
			else if (is_ipi_request(in))
				ipis++;
			else
				other++;
		}
	ok(inits > 0 && inits < 1000 && ipis > 0 && !other,
	   "plan: --kinds=init,ipi --vcpus=2: %u init requests, all to CPU 0, among %u ipi requests", inits, ipis);
	storm__plan(&cfg, 2, &b);
	ok(!same_plan(&a, &b), "plan: init: another round, another plan");
	cfg.vcpus = 1;
	cfg.kinds = 1u << SK_INIT;
	storm__plan(&cfg, 1, &b);
	ok(storm__count(&b) == 0, "plan: --kinds=init on one vCPU: no CPU 1 to restart, no injection");
	cfg.kinds = STORM_KINDS_ALL;
	storm__plan(&cfg, 1, &b);
	inits = 0;
	for (unsigned i = 0; i < b.nsteps; i++)
		for (unsigned j = 0; j < b.steps[i].ninj; j++)
			inits += is_init_request(&b.steps[i].inj[j]);
	ok(storm__count(&b) > 0 && !inits, "plan: all on one vCPU leaves init out");
	cfg.vcpus = 2;
	storm__plan(&cfg, 1, &b);
	for (unsigned i = 0; i < b.nsteps; i++)
		for (unsigned j = 0; j < b.steps[i].ninj; j++)
			inits += is_init_request(&b.steps[i].inj[j]);
	ok(inits > 0, "plan: all on two vCPUs: %u init requests among the rest", inits);
	ok(storm__parse_kinds("init", &cfg.kinds, (char[32]){ 0 }, 32) == 0 && cfg.kinds == 1u << SK_INIT &&
	   !strcmp(storm__kind_name(SK_INIT), "init"), "kinds: init");
}

static void test_plan(void)
{
	struct storm_cfg cfg = { .seed = 7, .kinds = STORM_KINDS_ALL, .syncs = 64, .rate = 2,
				 .mode = IRQCHIP_USER, .timeout_s = 10 };
	unsigned kinds_seen = 0, most = 0;
	bool in_range = true;

	ok(storm__plan(&cfg, 1, &a) == 0 && storm__plan(&cfg, 1, &b) == 0, "plan: made twice");
	ok(same_plan(&a, &b) && storm__count(&a) > 0, "plan: the same seed and round, the same plan (%u "
	   "injections)", storm__count(&a));
	storm__plan(&cfg, 2, &b);
	ok(!same_plan(&a, &b), "plan: another round, another plan");
	cfg.seed = 8;
	storm__plan(&cfg, 1, &b);
	ok(!same_plan(&a, &b), "plan: another seed, another plan");
	ok(!strcmp(a.guest, "storm") && a.irqchips == 1u << IRQCHIP_USER && a.nchecks == 2 &&
	   a.checks[1].kind == CHK_INTACT && a.checks[1].expect.v[1] == IVM_STORM_NR_MSI + IVM_STORM_NR_PINS + 7 + IVM_STORM_NR_IPI_FORMS,
	   "plan: the storm program, its mode, its two checks");
	for (unsigned i = 0; i < a.nsteps; i++) {
		const struct step *st = &a.steps[i];

		in_range &= st->at == AT_SYNC && st->n >= 1 && st->n <= 64 && st->ninj <= 4 &&
			    (i == 0 || st->n > a.steps[i - 1].n);
		most = st->ninj > most ? st->ninj : most;
		for (unsigned j = 0; j < st->ninj; j++) {
			const struct injection *in = &st->inj[j];

			kinds_seen |= 1u << in->kind;
			if (in->kind == INJ_MSI)
				in_range &= msi_vector_ok(in->vector) ||
					    (in->vector == IVM_STORM_TIMER_VECTOR && in->dest == 0);
			if (in->kind == INJ_PIN)
				in_range &= in->pin >= IVM_STORM_PIN0 && in->pin < IVM_STORM_PIN0 + IVM_STORM_NR_PINS &&
					    (IVM_STORM_PIN_LEVEL(in->pin) ? in->action == PIN_ASSERT :
					     in->action == PIN_PULSE);
			if (in->kind == INJ_EXCEPTION)
				in_range &= in->vector < 32 && in->vector != 2 && in->vector != 8 &&
					    in->vector != 18 && in->has_error == scenario__exc_has_error(in->vector) &&
					    in->has_cr2 == (in->vector == 14) && in->has_dr6 == (in->vector == 1);
		}
	}
	ok(in_range, "plan: increasing sync points 1..64, at most 2 * rate each, only what the guest handles");
	ok(most == 4, "plan: some sync point gets the most (2 * rate = 4)");
	ok(kinds_seen == (1u << INJ_MSI | 1u << INJ_PIN | 1u << INJ_NMI | 1u << INJ_EXCEPTION |
			  1u << INJ_SPURIOUS), "plan: every kind under user");
	cfg.mode = IRQCHIP_KERNEL;
	storm__plan(&cfg, 1, &b);
	kinds_seen = 0;
	for (unsigned i = 0; i < b.nsteps; i++)
		for (unsigned j = 0; j < b.steps[i].ninj; j++)
			kinds_seen |= 1u << b.steps[i].inj[j].kind;
	ok(!(kinds_seen & 1u << INJ_SPURIOUS) && kinds_seen & 1u << INJ_MSI,
	   "plan: no spurious under kernel (an in-kernel LAPIC can't make one)");
	cfg.kinds = 1u << SK_NMI;
	storm__plan(&cfg, 1, &b);
	kinds_seen = 0;
	for (unsigned i = 0; i < b.nsteps; i++)
		for (unsigned j = 0; j < b.steps[i].ninj; j++)
			kinds_seen |= 1u << b.steps[i].inj[j].kind;
	ok(kinds_seen == 1u << INJ_NMI, "plan: --kinds=nmi gives NMIs only");
	cfg.kinds = 1u << SK_TIMER;
	cfg.vcpus = 2;
	storm__plan(&cfg, 1, &b);
	kinds_seen = 0;
	in_range = storm__count(&b) > 0;
	for (unsigned i = 0; i < b.nsteps; i++)
		for (unsigned j = 0; j < b.steps[i].ninj; j++) {
			kinds_seen |= 1u << b.steps[i].inj[j].kind;
			in_range &= b.steps[i].inj[j].vector == IVM_STORM_TIMER_VECTOR &&
				    b.steps[i].inj[j].dest == 0;
		}
	ok(kinds_seen == 1u << INJ_MSI && in_range,
	   "plan: --kinds=timer gives requests to CPU 0's timer only (the MSI to IVM_STORM_TIMER_VECTOR)");
	test_plan_ipi();
	test_plan_init();
}

static void test_kinds(void)
{
	unsigned k = 0;
	char bad[32];

	ok(storm__parse_kinds("msi,nmi", &k, bad, sizeof(bad)) == 0 && k == (1u << SK_MSI | 1u << SK_NMI),
	   "kinds: msi,nmi");
	ok(storm__parse_kinds("all", &k, bad, sizeof(bad)) == 0 && k == STORM_KINDS_ALL, "kinds: all");
	ok(storm__parse_kinds("timer", &k, bad, sizeof(bad)) == 0 && k == 1u << SK_TIMER &&
	   !strcmp(storm__kind_name(SK_TIMER), "timer"), "kinds: timer");
	ok(storm__parse_kinds("msi,ipi", &k, bad, sizeof(bad)) == 0 && k == (1u << SK_MSI | 1u << SK_IPI) &&
	   !strcmp(storm__kind_name(SK_IPI), "ipi"), "kinds: msi,ipi");
	ok(storm__parse_kinds("msi,bogus", &k, bad, sizeof(bad)) < 0 && !strcmp(bad, "bogus"),
	   "kinds: an unknown name is refused and named");
	ok(storm__parse_kinds("", &k, bad, sizeof(bad)) < 0, "kinds: none is refused");
	ok(storm__kinds_for(STORM_KINDS_ALL, IRQCHIP_SPLIT) == (STORM_KINDS_ALL & ~(1u << SK_SPURIOUS)),
	   "kinds: spurious is user-only");
}

/* A predicate standing for a run: the bug shows when vector 0x63 is sent before NMI sync 30 */
static unsigned runs;

static bool needs_two(const struct scenario *sc, void *ctx)
{
	bool msi = false, nmi = false;

	(void)ctx;
	runs++;
	for (unsigned i = 0; i < sc->nsteps; i++)
		for (unsigned j = 0; j < sc->steps[i].ninj; j++) {
			const struct injection *in = &sc->steps[i].inj[j];

			msi |= in->kind == INJ_MSI && in->vector == 0x63;
			nmi |= msi && in->kind == INJ_NMI;
		}
	return msi && nmi;
}

static bool always(const struct scenario *sc, void *ctx)
{
	(void)sc;
	(void)ctx;
	return true;
}

static void test_shrink(void)
{
	struct storm_cfg cfg = { .seed = 3, .kinds = 1u << SK_MSI | 1u << SK_NMI, .syncs = 200, .rate = 3,
				 .mode = IRQCHIP_USER, .timeout_s = 10 };
	unsigned before;
	long r;

	storm__plan(&cfg, 1, &a);
	before = storm__count(&a);
	if (!ok(needs_two(&a, NULL), "shrink: the plan shows the planted bug (%u injections)", before))
		return;
	runs = 0;
	r = storm__shrink(&a, needs_two, NULL, 1000);
	ok(r > 0 && r == (long)runs, "shrink: %ld runs, each counted", r);
	ok(storm__count(&a) == 2 && needs_two(&a, NULL), "shrink: %u injections to 2, still failing", before);
	ok((a.nsteps == 2 && a.steps[0].n == 1 && a.steps[1].n == 2 && a.steps[0].inj[0].kind == INJ_MSI &&
	    a.steps[1].inj[0].kind == INJ_NMI) ||
	   (a.nsteps == 1 && a.steps[0].n == 1 && a.steps[0].inj[0].kind == INJ_MSI &&
	    a.steps[0].inj[1].kind == INJ_NMI), "shrink: sync points renumbered from 1, in their order");
	storm__plan(&cfg, 1, &a);
	runs = 0;
	r = storm__shrink(&a, needs_two, NULL, 5);
	ok(r == 5 && needs_two(&a, NULL), "shrink: stops at its run bound, with a plan that still fails");
	storm__plan(&cfg, 1, &a);
	ok(storm__shrink(&a, always, NULL, 100) == 1 && storm__count(&a) == 0,
	   "shrink: a violation without any injection shrinks to none, in one run");
}

/* A predicate: the bug shows when CPU 1 is asked for an IPI to the other CPU, then CPU 0 for one to all */
static bool needs_ipis(const struct scenario *sc, void *ctx)
{
	bool other = false, all = false;

	(void)ctx;
	runs++;
	for (unsigned i = 0; i < sc->nsteps; i++)
		for (unsigned j = 0; j < sc->steps[i].ninj; j++) {
			const struct injection *in = &sc->steps[i].inj[j];

			other |= in->kind == INJ_MSI && in->vector == IVM_STORM_IPI_REQ + IVM_STORM_IPI_OTHER &&
				 in->dest == 1;
			all |= other && in->kind == INJ_MSI &&
			       in->vector == IVM_STORM_IPI_REQ + IVM_STORM_IPI_ALL && in->dest == 0;
		}
	return other && all;
}

/* The same sync points and MSIs (what a reproducer holds of a request), the loader's other fields aside */
static bool same_requests(const struct scenario *x, const struct scenario *y)
{
	if (x->nsteps != y->nsteps)
		return false;
	for (unsigned i = 0; i < x->nsteps; i++) {
		if (x->steps[i].at != y->steps[i].at || x->steps[i].n != y->steps[i].n ||
		    x->steps[i].ninj != y->steps[i].ninj)
			return false;
		for (unsigned j = 0; j < x->steps[i].ninj; j++)
			if (x->steps[i].inj[j].kind != y->steps[i].inj[j].kind ||
			    x->steps[i].inj[j].vector != y->steps[i].inj[j].vector ||
			    x->steps[i].inj[j].dest != y->steps[i].inj[j].dest)
				return false;
	}
	return true;
}

/* Shrinking an ipi storm keeps the requests, their forms and CPUs; the reproducer reads back the same */
static void test_shrink_ipi(void)
{
	struct storm_cfg cfg = { .seed = 5, .kinds = 1u << SK_IPI | 1u << SK_MSI | 1u << SK_NMI, .syncs = 64,
				 .rate = 2, .mode = IRQCHIP_SPLIT, .vcpus = 2, .timeout_s = 10 };
	static struct scenario back;
	char path[] = "/tmp/test_storm_ipi_XXXXXX", err[256];
	unsigned before;
	FILE *f;
	int fd;

	storm__plan(&cfg, 1, &a);
	before = storm__count(&a);
	if (!ok(needs_ipis(&a, NULL), "shrink ipi: the plan shows the planted bug (%u injections)", before))
		return;
	storm__shrink(&a, needs_ipis, NULL, 1000);
	ok(storm__count(&a) == 2 && needs_ipis(&a, NULL) && a.vcpus == 2,
	   "shrink ipi: %u injections to the two requests, forms and CPUs kept, on two vCPUs", before);
	fd = mkstemp(path);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	ok(f && scenario__write(&a, "ipi", f) == 0 && fclose(f) == 0 &&
	   scenario__load(path, &back, err, sizeof(err)) == 0 && same_requests(&a, &back) && back.vcpus == 2,
	   "shrink ipi: the reproducer written reads back as the same plan");
	if (fd >= 0)
		unlink(path);
	scenario__free(&back);
}

/* @n records under a user-irqchip header, written to @path */
static int user_trace(const char *path, struct itr_record *r, unsigned n)
{
	struct itr_header h = { 0 };

	snprintf(h.irqchip, sizeof(h.irqchip), "user");
	return trace_file(path, &h, r, n);
}

/* A temporary file at @path (a mkstemp template); false, and a failed test, if none */
static bool temp_file(char *path)
{
	int fd = mkstemp(path);

	if (fd < 0)
		return ok(0, "temp file");
	close(fd);
	return true;
}

/* A round's trace: an injected #PF with @cr2, its ENTRY, the handler's CR2 mark @seen, its IRET */
static int pf_trace(const char *path, uint64_t cr2, uint64_t seen)
{
	struct itr_record r[] = {
		{ .type = ITR_IF, .source = ITR_SRC_GUEST, .a = 0, .err = 0xffffffffu },
		{ .type = ITR_INJECT, .source = ITR_SRC_VMM, .vector = 14, .a = INJ_EXCEPTION, .b = 1,
		  .err = 2, .rsp = ITR_INJ_HAS_CR2, .rip = cr2 },
		{ .type = ITR_ENTRY, .source = ITR_SRC_GUEST, .vector = 14, .depth = 1, .err = 2, .cs = 0x10 },
		{ .type = ITR_MARK, .source = ITR_SRC_GUEST, .depth = 1, .err = 0xffffffffu,
		  .a = IVM_MARK_CR2 | (uint32_t)(seen >> 12 & 0x0fffffff) },
		{ .type = ITR_IRET, .source = ITR_SRC_GUEST, .vector = 14, .depth = 1, .cs = 0x10 },
	};

	return user_trace(path, r, sizeof(r) / sizeof(r[0]));
}

/* The judge sees a handler that read another CR2 than the one injected */
static void test_judge_payload(void)
{
	char path[] = "/tmp/test_storm.XXXXXX";
	struct storm_verdict v;

	if (!temp_file(path))
		return;
	ok(pf_trace(path, 0x12345000, 0x12345000) == 0, "judge: a #PF trace written");
	storm__judge(path, IRQCHIP_USER, 0, &v);
	ok(!v.violated && v.deliveries == 1, "judge: the CR2 injected is read: clean (%s)",
	   v.violated ? v.sig : "");
	pf_trace(path, 0x12345000, 0x54321000);
	storm__judge(path, IRQCHIP_USER, 0, &v);
	ok(v.violated && !strcmp(v.sig, "guest a CR2 or DR6 other than injected") && v.seq == 3,
	   "judge: another CR2 read: the violation, at the handler's mark (%s)", v.sig);
	pf_trace(path, 0x12345000, 0x12345000);
	storm__judge(path, IRQCHIP_USER, 4, &v);
	ok(v.violated && !strcmp(v.sig, "run status 4"), "judge: a dead guest is a violation (%s)", v.sig);
	unlink(path);
}

/*
 * A round's trace: the guest's broken-invariant mark "CPU 1 did not restart"
 * and an MSI left deliverable (IF=1) when the trace ends, in the order
 * @mark_first says.
 */
static int lost_trace(const char *path, bool mark_first)
{
	struct itr_record mark = { .type = ITR_MARK, .source = ITR_SRC_GUEST, .err = 0xffffffffu,
				   .a = IVM_STORM_BROKEN | IVM_SB_CPU1 << 8 | 3 };
	struct itr_record msi = { .type = ITR_INJECT, .source = ITR_SRC_VMM, .vector = 0x41, .a = INJ_MSI,
				  .b = 1, .err = 0xffffffffu };
	struct itr_record r[] = {
		{ .type = ITR_IF, .source = ITR_SRC_GUEST, .a = 1, .err = 0xffffffffu },
		mark_first ? mark : msi,
		mark_first ? msi : mark,
	};

	return user_trace(path, r, sizeof(r) / sizeof(r[0]));
}

/*
 * The oracle's finding and the guest's mark: the earlier is reported. A guest
 * that saw CPU 1 lost ends the run without making it quiet, and the oracle
 * then finds what it still held (59-storm.t's INIT mutant, now and then).
 */
static void test_judge_order(void)
{
	char path[] = "/tmp/test_storm.XXXXXX";
	struct storm_verdict v;

	if (!temp_file(path))
		return;
	ok(lost_trace(path, true) == 0, "judge order: a trace written");
	storm__judge(path, IRQCHIP_USER, 1, &v);
	ok(v.violated && !strcmp(v.sig, "guest CPU 1 did not start, finish or restart") && v.seq == 1,
	   "judge order: the guest's mark before an interrupt the trace ended owing: the mark (%s)", v.sig);
	lost_trace(path, false);
	storm__judge(path, IRQCHIP_USER, 1, &v);
	ok(v.violated && !strncmp(v.sig, "oracle [", 8) && v.began == 1,
	   "judge order: an interrupt owed before the guest's mark: the oracle's finding (%s)", v.sig);
	lost_trace(path, true);
	storm__judge(path, IRQCHIP_USER, 6, &v);
	ok(v.violated && !strcmp(v.sig, "run status 6"), "judge order: a hang stays first (%s)", v.sig);
	unlink(path);
}

/* --scenario: a user's scenario with two sync steps, a delay step, its own NMI, a check naming 0x52 */
static const char base_yaml[] =
	"name: base\nguest: tpr\nirqchip: [user, kernel]\n"
	"steps:\n"
	"  - at: {sync: 1}\n    inject: [{kind: msi, vector: 0x41}, {kind: msi, vector: 0x61}]\n"
	"  - at: {delay_us: 100}\n    inject: [{kind: nmi}]\n"
	"  - at: {sync: 3}\n    inject: [{kind: pin, pin: 5}]\n"
	"checks:\n  - {name: c, expect: entries, value: [0x61, 0x52, 0x41]}\n"
	"  - {name: d, expect: count, vector: 0xca, value: 0}\n";
static struct scenario base;

/* Whether @sc still holds @base's injections, first in each of its steps, in order */
static bool keeps_base(const struct scenario *sc)
{
	if (sc->nsteps != base.nsteps)
		return false;
	for (unsigned i = 0; i < base.nsteps; i++)
		if (sc->steps[i].at != base.steps[i].at || sc->steps[i].n != base.steps[i].n ||
		    sc->steps[i].ninj < base.steps[i].ninj ||
		    memcmp(sc->steps[i].inj, base.steps[i].inj, base.steps[i].ninj * sizeof(struct injection)))
			return false;
	return true;
}

/* A run on the base: the bug shows when the storm sends 0x63 and the base's own steps are whole */
static bool needs_63(const struct scenario *sc, void *ctx)
{
	(void)ctx;
	if (!keeps_base(sc))
		return false;
	for (unsigned i = 0; i < sc->nsteps; i++)
		for (unsigned j = base.steps[i].ninj; j < sc->steps[i].ninj; j++)
			if (sc->steps[i].inj[j].kind == INJ_MSI && sc->steps[i].inj[j].vector == 0x63)
				return true;
	return false;
}

static void test_base(void)
{
	struct storm_cfg cfg = { .seed = 11, .kinds = STORM_KINDS_ALL, .rate = 4, .mode = IRQCHIP_USER,
				 .timeout_s = 20, .base = &base };
	uint8_t vec[IVM_STORM_NR_MSI];
	unsigned nvec, kinds, added = 0, seen = 0;
	bool only_ok = true, hidden = true;
	char err[256];

	if (!ok(scenario__parse(base_yaml, sizeof(base_yaml) - 1, "base.yaml", &base, err, sizeof(err)) == 0,
		"base: parsed (%s)", err))
		return;
	kinds = storm__kinds_base(STORM_KINDS_ALL, &base, vec, &nvec);
	ok(kinds == (1u << SK_MSI | 1u << SK_SPURIOUS), "base: msi and spurious; not nmi (it injects one), "
	   "nor pins, exceptions");
	ok(nvec == IVM_STORM_NR_MSI - 3 && memchr(vec, 0x45, nvec) && !memchr(vec, 0x41, nvec) &&
	   !memchr(vec, 0x52, nvec) && !memchr(vec, 0xca, nvec), "base: MSI vectors it names nowhere (%u)", nvec);
	ok(storm__kinds_base(1u << SK_NMI, &base, vec, &nvec) == 0, "base: nmi alone: nothing left");
	ok(storm__sync_steps(&base) == 2, "base: two sync steps");

	ok(storm__plan(&cfg, 1, &a) == 0 && storm__plan(&cfg, 1, &b) == 0 && same_plan(&a, &b),
	   "base: the same seed and round, the same plan");
	ok(keeps_base(&a) && a.steps[1].ninj == 1 && !strcmp(a.guest, "tpr") && a.nchecks == 2 &&
	   a.irqchips == base.irqchips && a.timeout_s == 20,
	   "base: its steps, delay step untouched, its program, checks and modes");
	for (unsigned r = 1; r <= 20; r++) {
		storm__plan(&cfg, r, &a);
		for (unsigned i = 0; i < a.nsteps; i++)
			for (unsigned j = base.steps[i].ninj; j < a.steps[i].ninj; j++) {
				const struct injection *in = &a.steps[i].inj[j];

				added++;
				seen |= 1u << in->kind;
				only_ok &= a.steps[i].at == AT_SYNC && in->dest == 0 &&
					   ((in->kind == INJ_MSI && memchr(vec, in->vector, nvec)) ||
					    in->kind == INJ_SPURIOUS);
			}
		for (unsigned i = 0; i < nvec; i++)
			hidden &= scenario__hides(&a, vec[i]);
		hidden &= scenario__hides(&a, 0xff) && !scenario__hides(&a, 0x41);
	}
	ok(added > 20 && only_ok && seen == (1u << INJ_MSI | 1u << INJ_SPURIOUS),
	   "base: %u injections added, at its sync steps, of the kinds allowed, to vectors it names nowhere",
	   added);
	ok(hidden, "base: the storm's vectors and the spurious vector are hidden from its checks");
	cfg.mode = IRQCHIP_KERNEL;
	storm__plan(&cfg, 1, &a);
	ok(!scenario__hides(&a, 0xff), "base: no spurious, none hidden, under kernel");

	cfg.mode = IRQCHIP_USER;
	for (unsigned r = 1; r < 50; r++) {
		storm__plan(&cfg, r, &a);
		if (needs_63(&a, NULL) && storm__count(&a) >= storm__count(&base) + 3)
			break;
	}
	if (!ok(needs_63(&a, NULL), "base shrink: a plan with the bug (%u injections)", storm__count(&a)))
		return;
	ok(storm__shrink_on(&a, &base, needs_63, NULL, 1000) > 0 && needs_63(&a, NULL) &&
	   storm__count(&a) == storm__count(&base) + 1, "base shrink: to the one storm injection, the "
	   "scenario's own kept in place, sync points not renumbered");
}

int main(void)
{
	printf("TAP version 13\n");
	test_plan();
	test_kinds();
	test_shrink();
	test_shrink_ipi();
	test_judge_payload();
	test_judge_order();
	test_base();
	scenario__free(&base);
	scenario__free(&a);
	scenario__free(&b);
	return tap_done();
}
