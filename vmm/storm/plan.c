// SPDX-License-Identifier: MIT
/*
 * Storm plans: a seeded stream of injections for the guest's storm program
 * (guest/storm.c), made only of what that guest has handlers for, so every
 * violation is the hypervisor's or a planted bug's, never a missing driver.
 */
#include <stdio.h>
#include <string.h>
#include "abi.h"
#include "storm.h"

static const char *const kind_names[SK_NR] = {
	[SK_MSI] = "msi", [SK_EDGE] = "edge", [SK_LEVEL] = "level", [SK_NMI] = "nmi",
	[SK_EXCEPTION] = "exception", [SK_SPURIOUS] = "spurious", [SK_TIMER] = "timer",
	[SK_IPI] = "ipi", [SK_INIT] = "init",
};

/* Exceptions a guest can take at any instruction and resume from: no aborts, no IST */
static const uint8_t exc_vectors[] = { 0, 1, 3, 4, 5, 6, 7, 10, 11, 12, 13, 14, 16, 17, 19 };
static const uint8_t msi_vectors[IVM_STORM_NR_MSI] = { IVM_STORM_MSI_VECTORS };
#define STORM_SPURIOUS_VECTOR	0xff	/* the guest's SVR vector (guest/x86.h) */

const char *storm__kind_name(enum storm_kind k)
{
	return (unsigned)k < SK_NR ? kind_names[k] : "?";
}

int storm__parse_kinds(const char *s, unsigned *kinds, char *bad, size_t badlen)
{
	unsigned bits = 0;

	while (s && *s) {
		size_t len = strcspn(s, ",");
		unsigned k;

		if (len == 3 && !strncmp(s, "all", 3))
			bits |= STORM_KINDS_ALL;
		for (k = 0; k < SK_NR && !(strlen(kind_names[k]) == len &&
					   !strncmp(s, kind_names[k], len)); k++)
			;
		if (k < SK_NR)
			bits |= 1u << k;
		else if (!(len == 3 && !strncmp(s, "all", 3))) {
			snprintf(bad, badlen, "%.*s", (int)len, s);
			return -1;
		}
		s += len + (s[len] == ',');
	}
	if (!bits) {
		snprintf(bad, badlen, "%s", "");
		return -1;
	}
	*kinds = bits;
	return 0;
}

unsigned storm__kinds_for(unsigned kinds, enum irqchip_mode mode)
{
	return mode == IRQCHIP_USER ? kinds : kinds & ~(1u << SK_SPURIOUS);
}

unsigned storm__kinds_vcpus(unsigned kinds, unsigned vcpus)
{
	return vcpus >= 2 ? kinds : kinds & ~(1u << SK_IPI | 1u << SK_INIT);
}

/* splitmix64: small, fast, and the same sequence on every host */
static uint64_t next_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned pick(uint64_t *s, unsigned n)
{
	return (unsigned)(next_rand(s) % n);
}

static void make_exception(uint64_t *s, struct injection *in)
{
	in->vector = exc_vectors[pick(s, sizeof(exc_vectors))];
	in->pending = pick(s, 4) == 0;
	if (scenario__exc_has_error(in->vector)) {
		in->has_error = true;
		in->error_code = (uint32_t)next_rand(s) & 0xfffe;
	}
	if (in->vector == 14) {
		in->has_cr2 = true;
		/* canonical, page-aligned, below 1 TiB: the guest's mark holds bits 39:12 */
		in->cr2 = next_rand(s) & 0x000000fffffff000ull;
	}
	if (in->vector == 1) {
		in->has_dr6 = true;
		in->dr6 = 1ull << pick(s, 4);	/* one breakpoint hit: KVM's payload format */
	}
}

static void make_injection(uint64_t *s, enum storm_kind k, unsigned vcpus, struct injection *in)
{
	memset(in, 0, sizeof(*in));
	/* IOAPIC pins go to vCPU 0 (the guest routes them there), exceptions too */
	if (k == SK_MSI || k == SK_NMI || k == SK_SPURIOUS || k == SK_IPI)
		in->dest = vcpus > 1 ? pick(s, vcpus) : 0;
	switch (k) {
	case SK_MSI:
		in->kind = INJ_MSI;
		in->vector = msi_vectors[pick(s, IVM_STORM_NR_MSI)];
		break;
	case SK_EDGE:
		in->kind = INJ_PIN;
		in->pin = IVM_STORM_PIN0 + pick(s, 2);
		in->action = PIN_PULSE;
		break;
	case SK_LEVEL:
		in->kind = INJ_PIN;
		in->pin = IVM_STORM_PIN0 + 2 + pick(s, 2);
		in->action = PIN_ASSERT;
		break;
	case SK_NMI:
		in->kind = INJ_NMI;
		break;
	case SK_EXCEPTION:
		in->kind = INJ_EXCEPTION;
		make_exception(s, in);
		break;
	case SK_TIMER:
		/* the request: the storm program's timer runs on CPU 0 */
		in->kind = INJ_MSI;
		in->vector = IVM_STORM_TIMER_VECTOR;
		in->dest = 0;
		break;
	case SK_IPI:
		/* the request's vector names the ICR form its CPU sends */
		in->kind = INJ_MSI;
		in->vector = IVM_STORM_IPI_REQ + pick(s, IVM_STORM_NR_IPI_FORMS);
		break;
	case SK_INIT:
		/* the request: CPU 0 restarts CPU 1 */
		in->kind = INJ_MSI;
		in->vector = IVM_STORM_INIT_REQ;
		in->dest = 0;
		break;
	default:
		in->kind = INJ_SPURIOUS;
		break;
	}
}

/* What the storm program promises at its end (guest/storm.c), each CPU for itself */
static void add_checks(struct scenario *sc, unsigned vcpus)
{
	struct check *c;

	for (unsigned cpu = 0; cpu < vcpus; cpu++) {
		c = &sc->checks[sc->nchecks++];
		snprintf(c->name, sizeof(c->name), "cpu %u: guest invariants (broken ones, their count)", cpu);
		c->kind = CHK_MARKS;
		c->has_cpu = vcpus > 1;
		c->cpu = (uint8_t)cpu;
		c->expect.n = 1;
		c->expect.v[0] = 0;
	}
	c = &sc->checks[sc->nchecks++];
	snprintf(c->name, sizeof(c->name), "%s", "guest counts equal the stream's deliveries");
	c->kind = CHK_INTACT;
	c->expect.n = 2;
	c->expect.v[0] = 0;
	/* the MSIs, the pins, the self-IPI vector, NMI, the timer's request and fire, the ipi
	 * kind's two vectors and its requests, the init kind's request, on each CPU */
	c->expect.v[1] = (IVM_STORM_NR_MSI + IVM_STORM_NR_PINS + 7 + IVM_STORM_NR_IPI_FORMS) * vcpus;
}

static bool names_vector(const struct scenario *sc, unsigned v)
{
	for (unsigned i = 0; i < sc->nsteps; i++)
		for (unsigned j = 0; j < sc->steps[i].ninj; j++)
			if (sc->steps[i].inj[j].kind == INJ_MSI && sc->steps[i].inj[j].vector == v)
				return true;
	for (unsigned i = 0; i < sc->nchecks; i++) {
		const struct check *c = &sc->checks[i];

		if ((c->kind == CHK_COUNT || c->kind == CHK_ISR_AT_ENTRY) && c->vector == v)
			return true;
		if (c->kind != CHK_ENTRIES && c->kind != CHK_EOIS)
			continue;
		for (unsigned k = 0; k < c->expect.n; k++)
			if (c->expect.v[k] == (int64_t)v)
				return true;
		for (unsigned m = 0; m < IRQCHIP_NR; m++)
			for (unsigned k = 0; c->known[m].set && k < c->known[m].observed.n; k++)
				if (c->known[m].observed.v[k] == (int64_t)v)
					return true;
	}
	return false;
}

static bool injects(const struct scenario *sc, enum inj_kind kind)
{
	for (unsigned i = 0; i < sc->nsteps; i++)
		for (unsigned j = 0; j < sc->steps[i].ninj; j++)
			if (sc->steps[i].inj[j].kind == kind)
				return true;
	return false;
}

unsigned storm__kinds_base(unsigned kinds, const struct scenario *base, uint8_t *vectors,
			   unsigned *nvec)
{
	unsigned ok = 1u << SK_MSI, n = 0;

	for (unsigned i = 0; i < IVM_STORM_NR_MSI; i++)
		if (!names_vector(base, msi_vectors[i]))
			vectors[n++] = msi_vectors[i];
	*nvec = n;
	if (!n)
		ok = 0;
	/* nor NMIs into one that counts NMIs itself (its guest's NMI IPIs, sipi's checks) */
	if (!injects(base, INJ_NMI) && !names_vector(base, 2))
		ok |= 1u << SK_NMI;
	if (!injects(base, INJ_SPURIOUS) && !names_vector(base, STORM_SPURIOUS_VECTOR))
		ok |= 1u << SK_SPURIOUS;
	return kinds & ok;
}

unsigned storm__sync_steps(const struct scenario *sc)
{
	unsigned n = 0;

	for (unsigned i = 0; i < sc->nsteps; i++)
		n += sc->steps[i].at == AT_SYNC;
	return n;
}

/* @base's steps, checks and limits into @sc, the vectors the storm may use hidden */
static int copy_base(const struct scenario *base, const uint8_t *vectors, unsigned nvec,
		     unsigned kinds, struct scenario *sc)
{
	struct step *steps = sc->steps;
	unsigned cap = sc->steps_cap;

	*sc = *base;
	sc->steps = steps;
	sc->steps_cap = cap;
	sc->nsteps = 0;
	for (unsigned i = 0; i < base->nsteps; i++) {
		struct step *st = scenario__add_step(sc, SC_MAX_PLAN_STEPS);

		if (!st)
			return -1;
		*st = base->steps[i];
	}
	for (unsigned i = 0; kinds >> SK_MSI & 1 && i < nvec; i++)
		if (!scenario__hides(sc, vectors[i])) {
			sc->hide[vectors[i] / 64] |= 1ull << (vectors[i] % 64);
			sc->nhide++;
		}
	if (kinds >> SK_SPURIOUS & 1 && !scenario__hides(sc, STORM_SPURIOUS_VECTOR)) {
		sc->hide[STORM_SPURIOUS_VECTOR / 64] |= 1ull << (STORM_SPURIOUS_VECTOR % 64);
		sc->nhide++;
	}
	return 0;
}

/* A round on a user's scenario: the storm's injections after its own, at its sync steps */
static int plan_base(const struct storm_cfg *cfg, uint64_t *s, struct scenario *sc)
{
	const struct scenario *base = cfg->base;
	unsigned kinds[SK_NR], nk = 0, nvec, most = 2 * cfg->rate;
	unsigned bits = storm__kinds_for(cfg->kinds, cfg->mode);
	uint8_t vectors[IVM_STORM_NR_MSI];

	bits = storm__kinds_base(bits, base, vectors, &nvec);
	scenario__free(sc);
	if (copy_base(base, vectors, nvec, bits, sc) < 0)
		return -1;
	if (cfg->timeout_s > sc->timeout_s)
		sc->timeout_s = cfg->timeout_s;
	for (unsigned k = 0; k < SK_NR; k++)
		if (bits >> k & 1)
			kinds[nk++] = k;
	for (unsigned i = 0; nk && i < sc->nsteps; i++) {
		struct step *st = &sc->steps[i];
		unsigned n = pick(s, most + 1);

		if (st->at != AT_SYNC)
			continue;
		if (n > SC_MAX_INJ - st->ninj)
			n = SC_MAX_INJ - st->ninj;
		for (unsigned j = 0; j < n; j++) {
			struct injection *in = &st->inj[st->ninj++];

			make_injection(s, kinds[pick(s, nk)], 1, in);
			if (in->kind == INJ_MSI)
				in->vector = vectors[pick(s, nvec)];
		}
	}
	return 0;
}

int storm__plan(const struct storm_cfg *cfg, unsigned round, struct scenario *sc)
{
	uint64_t s = cfg->seed * 0x2545f4914f6cdd1dull + round;
	unsigned kinds[SK_NR], nk = 0, most = 2 * cfg->rate;

	if (cfg->base)
		return plan_base(cfg, &s, sc);
	scenario__free(sc);
	snprintf(sc->name, sizeof(sc->name), "storm-%llu-%u", (unsigned long long)cfg->seed, round);
	snprintf(sc->guest, sizeof(sc->guest), "%s", "storm");
	sc->irqchips = 1u << cfg->mode;
	sc->vcpus = cfg->vcpus ? cfg->vcpus : 1;
	sc->timeout_s = cfg->timeout_s;
	add_checks(sc, sc->vcpus);
	for (unsigned k = 0; k < SK_NR; k++)
		if (storm__kinds_vcpus(storm__kinds_for(cfg->kinds, cfg->mode), sc->vcpus) >> k & 1)
			kinds[nk++] = k;
	if (most > SC_MAX_INJ)
		most = SC_MAX_INJ;
	for (unsigned i = 1; nk && i <= cfg->syncs && i <= STORM_MAX_SYNCS; i++) {
		unsigned n = pick(&s, most + 1);
		struct step *st;

		if (!n)
			continue;
		if (!(st = scenario__add_step(sc, SC_MAX_PLAN_STEPS)))
			return -1;
		st->at = AT_SYNC;
		st->n = i;
		for (; st->ninj < n; st->ninj++)
			make_injection(&s, kinds[pick(&s, nk)], cfg->vcpus, &st->inj[st->ninj]);
	}
	return 0;
}

unsigned storm__count(const struct scenario *sc)
{
	unsigned n = 0;

	for (unsigned i = 0; i < sc->nsteps; i++)
		n += sc->steps[i].ninj;
	return n;
}

uint64_t storm__last_sync(const struct scenario *sc)
{
	uint64_t last = 0;

	for (unsigned i = 0; i < sc->nsteps; i++)
		if (sc->steps[i].at == AT_SYNC && sc->steps[i].n > last)
			last = sc->steps[i].n;
	return last;
}
