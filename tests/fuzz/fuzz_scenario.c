// SPDX-License-Identifier: MIT
/*
 * Scenario configs: scenario__parse on an exact-size copy of the input (so
 * ASan sees a read past its end: libyaml is given a length, not a string),
 * and, for one input in 256, scenario__load on the same bytes as a file.
 * Every refusal must be one "FILE:LINE:COL: ..." or "FILE: ..." line, and
 * every accepted scenario within the limits the runner relies on.
 */
#include "fuzz.h"
#include "scenario/scenario.h"

static struct scenario sc;
static struct fuzz_file ff;

static void check_err(const char *err, size_t errlen, const char *name)
{
	size_t n = strnlen(err, errlen), k = strlen(name);

	fuzz_assert(n > k + 1 && n < errlen);
	fuzz_assert(!memcmp(err, name, k) && err[k] == ':');
	for (size_t i = 0; i < n; i++)
		fuzz_assert((unsigned char)err[i] >= 0x20 && err[i] != 0x7f);
}

/* What a successful parse promises inject.c, check.c and the runner. */
static void check_sc(const struct scenario *s)
{
	fuzz_assert(s->name[0] && s->guest[0] && memchr(s->name, 0, sizeof(s->name)));
	fuzz_assert(memchr(s->guest, 0, sizeof(s->guest)) &&
		    memchr(s->description, 0, sizeof(s->description)));
	fuzz_assert(s->irqchips && !(s->irqchips & ~IRQCHIP_ALL));
	fuzz_assert(s->vcpus >= 1 && s->vcpus <= SC_MAX_VCPUS);
	fuzz_assert(s->timeout_s > 0 && s->timeout_s <= 600);
	fuzz_assert(s->nsteps <= SC_MAX_STEPS);
	fuzz_assert(s->nchecks >= 1 && s->nchecks <= SC_MAX_CHECKS);
	for (unsigned i = 0; i < s->nsteps; i++) {
		const struct step *st = &s->steps[i];

		fuzz_assert(st->ninj >= 1 && st->ninj <= SC_MAX_INJ);
		fuzz_assert(st->at == AT_SYNC || st->at == AT_DELAY_US);
		for (unsigned j = 0; j < st->ninj; j++) {
			const struct injection *in = &st->inj[j];

			fuzz_assert(in->kind <= INJ_SPURIOUS && in->pin < 24);
			fuzz_assert(in->action <= PIN_PULSE && in->delivery <= 7);
			/* every per-vCPU kind names a vCPU the scenario has */
			fuzz_assert(in->kind == INJ_MSI || in->dest < s->vcpus);
		}
	}
	for (unsigned i = 0; i < s->nchecks; i++) {
		const struct check *c = &s->checks[i];

		fuzz_assert(c->name[0] && memchr(c->name, 0, sizeof(c->name)));
		fuzz_assert(c->expect.n <= SC_MAX_VALUES);
		fuzz_assert(!c->has_cpu || c->cpu < s->vcpus);
		for (unsigned m = 0; m < IRQCHIP_NR; m++) {
			if (!c->known[m].set)
				continue;
			fuzz_assert(s->irqchips & 1u << m);
			fuzz_assert(c->known[m].observed.n <= SC_MAX_VALUES);
			fuzz_assert(memchr(c->known[m].ref, 0, sizeof(c->known[m].ref)));
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	const char *path;

	fuzz__quiet_fds();
	if (scenario__parse((const char *)data, size, "f.yaml", &sc, err, sizeof(err)))
		check_err(err, sizeof(err), "f.yaml");
	else
		check_sc(&sc);
	/* scenario__load reads through a fresh 1 MiB buffer: 1 input in 256 is enough */
	if (size < 2 || (uint8_t)(data[0] ^ data[size - 1]) != 0x5a)
		return 0;
	path = fuzz_file__set(&ff, data, size);
	if (scenario__load(path, &sc, err, sizeof(err)))
		check_err(err, sizeof(err), path);
	else
		check_sc(&sc);
	return 0;
}
