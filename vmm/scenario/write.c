// SPDX-License-Identifier: MIT
/*
 * A scenario written back as a config: what `vmm storm` hands a human as the
 * shrunk reproducer. Every value is written as the parser reads it, so a
 * written config parses to the same steps and checks (tests/unit/test_scenario.c).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "scenario.h"

static void write_injection(const struct injection *in, FILE *f)
{
	fprintf(f, "      - {kind: %s", scenario__inj_kind_name(in->kind));
	switch (in->kind) {
	case INJ_MSI:
		fprintf(f, ", vector: 0x%x", in->vector);
		if (in->dest)
			fprintf(f, ", dest: %u", in->dest);
		if (in->delivery)
			fprintf(f, ", delivery: %u", in->delivery);
		if (in->level)
			fprintf(f, ", trigger: level");
		break;
	case INJ_PIN:
		fprintf(f, ", pin: %u, action: %s", in->pin, scenario__action_name(in->action));
		break;
	case INJ_EXCEPTION:
		fprintf(f, ", vector: %u", in->vector);
		if (in->has_error)
			fprintf(f, ", error_code: 0x%x", in->error_code);
		if (in->has_cr2)
			fprintf(f, ", cr2: 0x%" PRIx64, in->cr2);
		if (in->has_dr6)
			fprintf(f, ", dr6: 0x%" PRIx64, in->dr6);
		if (in->pending)
			fprintf(f, ", pending: true");
		if (in->dest)
			fprintf(f, ", dest: %u", in->dest);
		break;
	case INJ_NMI:
	case INJ_INIT:
	case INJ_SPURIOUS:
		if (in->dest)
			fprintf(f, ", dest: %u", in->dest);
		break;
	case INJ_SIPI:
		fprintf(f, ", dest: %u, vector: 0x%x", in->dest, in->vector);
		break;
	}
	fprintf(f, "}\n");
}

static void write_values(const struct check_values *v, FILE *f)
{
	fprintf(f, "[");
	for (unsigned i = 0; i < v->n; i++)
		fprintf(f, "%s%" PRId64, i ? ", " : "", v->v[i]);
	fprintf(f, "]");
}

/* Double-quoted: any printable text stays one YAML string */
static void write_quoted(const char *s, FILE *f)
{
	fputc('"', f);
	for (; *s; s++)
		fprintf(f, *s == '"' || *s == '\\' ? "\\%c" : "%c", *s);
	fputc('"', f);
}

static void write_check(const struct check *c, FILE *f)
{
	fprintf(f, "  - name: ");
	write_quoted(c->name, f);
	fprintf(f, "\n    expect: %s\n", scenario__expect_name(c->kind));
	if (c->kind == CHK_COUNT || c->kind == CHK_ISR_AT_ENTRY)
		fprintf(f, "    vector: 0x%x\n", c->vector);
	if (c->has_cpu)
		fprintf(f, "    cpu: %u\n", c->cpu);
	fprintf(f, "    value: ");
	if (c->kind == CHK_COUNT && c->expect.n == 1)
		fprintf(f, "%" PRId64, c->expect.v[0]);
	else
		write_values(&c->expect, f);
	fprintf(f, "\n");
	for (unsigned m = 0, n = 0; m < IRQCHIP_NR; m++) {
		if (!c->known[m].set)
			continue;
		if (!n++)
			fprintf(f, "    known:\n");
		fprintf(f, "      %s: {ref: ", irqchip_mode__name(m));
		write_quoted(c->known[m].ref, f);
		fprintf(f, ", observed: ");
		if (c->kind == CHK_COUNT && c->known[m].observed.n == 1)
			fprintf(f, "%" PRId64, c->known[m].observed.v[0]);
		else
			write_values(&c->known[m].observed, f);
		fprintf(f, "}\n");
	}
}

int scenario__write(const struct scenario *sc, const char *comment, FILE *f)
{
	unsigned modes = 0;

	while (comment && *comment) {
		size_t n = strcspn(comment, "\n");

		fprintf(f, "# %.*s\n", (int)n, comment);
		comment += n + (comment[n] == '\n');
	}
	fprintf(f, "name: %s\n", sc->name);
	if (sc->description[0]) {
		fprintf(f, "description: ");
		write_quoted(sc->description, f);
		fputc('\n', f);
	}
	fprintf(f, "guest: %s\nirqchip: [", sc->guest);
	for (unsigned m = 0; m < IRQCHIP_NR; m++)
		if (sc->irqchips >> m & 1)
			fprintf(f, "%s%s", modes++ ? ", " : "", irqchip_mode__name(m));
	fprintf(f, "]\nvcpus: %u\ntimeout: %g\n", sc->vcpus, sc->timeout_s);
	if (sc->nsteps)
		fprintf(f, "steps:\n");
	for (unsigned i = 0; i < sc->nsteps; i++) {
		const struct step *st = &sc->steps[i];

		fprintf(f, "  - at: {%s: %" PRIu64 "}\n    inject:\n",
			st->at == AT_SYNC ? "sync" : "delay_us", st->n);
		for (unsigned j = 0; j < st->ninj; j++)
			write_injection(&st->inj[j], f);
	}
	fprintf(f, "checks:\n");
	for (unsigned i = 0; i < sc->nchecks; i++)
		write_check(&sc->checks[i], f);
	if (sc->nhide) {
		unsigned k = 0;

		fprintf(f, "hide: [");
		for (unsigned v = 0x20; v < 256; v++)
			if (scenario__hides(sc, v))
				fprintf(f, "%s%#x", k++ ? ", " : "", v);
		fprintf(f, "]\n");
	}
	return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}
