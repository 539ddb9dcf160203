// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lib/json.h"
#include "check.h"

static void put(struct check_values *o, int64_t v)
{
	if (o->n < SC_MAX_VALUES)
		o->v[o->n] = v;
	o->n++;		/* counts past the limit, so a flood never compares equal */
}

/*
 * "intact": what a lossless, unforged stream must show on each CPU. Every
 * IRET closes the innermost open ENTRY of the same vector; SEQ marks count
 * up from 0 with no gap; IN_NMI marks count up and sit inside an NMI
 * handler; each COUNT mark equals the ENTRY records of its vector so far;
 * SEQ and COUNT marks, made outside any delivery in flight, carry the
 * nesting depth the stream is at (so a lost IRET shows). Depth fields of
 * deliveries are not compared: an NMI between a record and the depth update
 * it goes with is architecturally possible. Values: [broken promises, COUNT
 * marks confirmed].
 */
struct intact_cpu {
	uint8_t open[IVM_MAX_DEPTH + 1];
	unsigned depth;
	uint32_t seq, in_nmi;
	uint32_t entries[256];
};

static void observe_intact(const struct check *c, const struct ivm_event *ev, size_t n,
			   struct check_values *obs)
{
	struct intact_cpu *cpus = calloc(256, sizeof(*cpus));
	int64_t broken = 0, confirmed = 0;

	if (!cpus) {
		obs->n = 1;
		obs->v[0] = -1;	/* can't judge: never a pass */
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct ivm_event *e = &ev[i];
		struct intact_cpu *s = &cpus[e->cpu];
		uint32_t tag = e->arg & IVM_MARK_TAG, val = e->arg & ~IVM_MARK_TAG;

		if (c->has_cpu && e->cpu != c->cpu)
			continue;
		switch (e->kind) {
		case IVM_EV_ENTRY:
			s->entries[e->vector]++;
			if (s->depth > IVM_MAX_DEPTH)
				broken++;
			else
				s->open[s->depth++] = e->vector;
			break;
		case IVM_EV_IRET:
			if (!s->depth || s->open[s->depth - 1] != e->vector)
				broken++;
			else
				s->depth--;
			break;
		case IVM_EV_MARK:
			/* the loop and the final counts record outside any handler in flight */
			if (tag == IVM_MARK_SEQ || tag == IVM_MARK_COUNT)
				broken += e->depth != s->depth;
			if (tag == IVM_MARK_SEQ) {
				broken += val != s->seq;
				s->seq = val + 1;
			} else if (tag == IVM_MARK_IN_NMI) {
				broken += val != s->in_nmi ||
					  !s->depth || s->open[s->depth - 1] != 2;
				s->in_nmi = val + 1;
			} else if (tag == IVM_MARK_COUNT) {
				bool same = (s->entries[val >> 20 & 0xff] & 0xfffff) == (val & 0xfffff);

				broken += !same;
				confirmed += same;
			}
			break;
		}
	}
	free(cpus);
	put(obs, broken);
	put(obs, confirmed);
}

size_t check__hide_frames(const struct scenario *sc, struct ivm_event *ev, size_t n)
{
	unsigned open[256] = { 0 };	/* per CPU: entries open inside a hidden frame */
	size_t k = 0;

	if (!sc->nhide)
		return n;
	for (size_t i = 0; i < n; i++) {
		const struct ivm_event *e = &ev[i];
		unsigned *o = &open[e->cpu];

		if (*o) {
			if (e->kind == IVM_EV_ENTRY)
				++*o;
			else if (e->kind == IVM_EV_IRET)
				--*o;
			continue;
		}
		if (e->kind == IVM_EV_ENTRY && scenario__hides(sc, e->vector)) {
			*o = 1;
			continue;
		}
		ev[k++] = *e;
	}
	return k;
}

void check__observe(const struct check *c, const struct ivm_event *ev, size_t n,
		    struct check_values *obs)
{
	memset(obs, 0, sizeof(*obs));
	if (c->kind == CHK_INTACT) {
		observe_intact(c, ev, n, obs);
		return;
	}
	if (c->kind == CHK_COUNT)
		obs->n = 1;
	for (size_t i = 0; i < n; i++) {
		const struct ivm_event *e = &ev[i];

		if (c->has_cpu && e->cpu != c->cpu)
			continue;
		switch (c->kind) {
		case CHK_ENTRIES:
			if (e->kind == IVM_EV_ENTRY && e->vector >= 0x20)
				put(obs, e->vector);
			break;
		case CHK_COUNT:
			if (e->kind == IVM_EV_ENTRY && e->vector == c->vector)
				obs->v[0]++;
			break;
		case CHK_ISR_AT_ENTRY:
			if (e->kind == IVM_EV_ISR && e->vector == c->vector)
				put(obs, e->arg != 0);
			break;
		case CHK_SOFTIRQS:
			if (e->kind == IVM_EV_SOFTIRQ)
				put(obs, e->arg);
			break;
		case CHK_TASKLETS:
			if (e->kind == IVM_EV_TASKLET)
				put(obs, e->arg);
			break;
		case CHK_MARKS:
			/* tagged marks are the "intact" check's */
			if (e->kind == IVM_EV_MARK && !(e->arg & IVM_MARK_TAG))
				put(obs, e->arg);
			break;
		case CHK_EOIS:
			if (e->kind == IVM_EV_EOI)
				put(obs, e->vector);
			break;
		case CHK_INTACT:
			break;
		}
	}
}

static bool same(const struct check_values *a, const struct check_values *b)
{
	return a->n == b->n && a->n <= SC_MAX_VALUES &&
	       !memcmp(a->v, b->v, a->n * sizeof(a->v[0]));
}

enum check_verdict check__judge(const struct check *c, enum irqchip_mode mode,
				const struct check_values *obs)
{
	if (same(obs, &c->expect))
		return CHECK_PASS;
	if (mode < IRQCHIP_NR && c->known[mode].set && same(obs, &c->known[mode].observed))
		return CHECK_DIVERGENCE;
	return CHECK_FAIL;
}

static void print_values(FILE *f, const struct check_values *v)
{
	unsigned shown = v->n < SC_MAX_VALUES ? v->n : SC_MAX_VALUES;

	fputc('[', f);
	for (unsigned i = 0; i < shown; i++)
		fprintf(f, "%s%#llx", i ? ", " : "", (unsigned long long)v->v[i]);
	if (v->n > shown)
		fprintf(f, ", ... %u more", v->n - shown);
	fputc(']', f);
}

/* One check over a run's events: what it saw in @obs, and the verdict the table, TAP and JSON print */
static enum check_verdict observe_judge(const struct check *c, enum irqchip_mode mode,
					const struct ivm_event *ev, size_t n, struct check_values *obs)
{
	check__observe(c, ev, n, obs);
	return check__judge(c, mode, obs);
}

unsigned check__report(const struct scenario *sc, enum irqchip_mode mode, const char *where,
		       const struct ivm_event *ev, size_t n, bool strict, FILE *f)
{
	unsigned pass = 0, div = 0, fail = 0;
	int w = 40;	/* the verdicts in one column: the longest name's, within reason */

	for (unsigned i = 0; i < sc->nchecks; i++)
		if (strlen(sc->checks[i].name) > (size_t)w)
			w = strlen(sc->checks[i].name) < 64 ? (int)strlen(sc->checks[i].name) : 64;
	fprintf(f, "\nscenario %s (%s): %u checks\n", sc->name, where, sc->nchecks);
	for (unsigned i = 0; i < sc->nchecks; i++) {
		const struct check *c = &sc->checks[i];
		struct check_values obs;
		enum check_verdict v;

		v = observe_judge(c, mode, ev, n, &obs);
		fprintf(f, "  %-*s %s", w, c->name, v == CHECK_PASS ? "PASS" :
			v == CHECK_DIVERGENCE ? "DIVERGENCE" : "FAIL");
		if (v == CHECK_DIVERGENCE)
			fprintf(f, " (%s)", c->known[mode].ref);
		if (v != CHECK_PASS) {
			fprintf(f, "\n  %-*s expected ", w, "");
			print_values(f, &c->expect);
			fprintf(f, " observed ");
			print_values(f, &obs);
		}
		fputc('\n', f);
		pass += v == CHECK_PASS;
		div += v == CHECK_DIVERGENCE;
		fail += v == CHECK_FAIL;
	}
	fprintf(f, "scenario %s: %u passed, %u failed, %u known divergences\n", sc->name, pass, fail, div);
	return fail + (strict ? div : 0);
}

void check__tap_point(FILE *f, unsigned num, bool ok, const char *desc, const char *directive)
{
	fprintf(f, "%sok %u - ", ok ? "" : "not ", num);
	for (const unsigned char *s = (const unsigned char *)desc; *s; s++) {
		if (*s == '#' || *s == '\\')
			fputc('\\', f);
		fputc(*s < 0x20 || *s == 0x7f ? '?' : *s, f);
	}
	if (directive)
		fprintf(f, " # %s", directive);
	fputc('\n', f);
}

unsigned check__tap(const struct scenario *sc, enum irqchip_mode mode, const char *where,
		    const struct ivm_event *ev, size_t n, bool strict, unsigned *num, FILE *f)
{
	unsigned bad = 0;

	for (unsigned i = 0; i < sc->nchecks; i++) {
		const struct check *c = &sc->checks[i];
		struct check_values obs;
		enum check_verdict v;
		char desc[sizeof(sc->name) + sizeof(c->name) + 80], skip[80];
		bool good;

		v = observe_judge(c, mode, ev, n, &obs);
		good = v == CHECK_PASS || (v == CHECK_DIVERGENCE && !strict);
		snprintf(desc, sizeof(desc), "%s (%s): %s", sc->name, where, c->name);
		if (v == CHECK_DIVERGENCE)
			snprintf(skip, sizeof(skip), "SKIP known divergence %s", c->known[mode].ref);
		check__tap_point(f, ++*num, good, desc, v == CHECK_DIVERGENCE && !strict ? skip : NULL);
		if (good)
			continue;
		bad++;
		fprintf(f, "#   expected ");
		print_values(f, &c->expect);
		fprintf(f, " observed ");
		print_values(f, &obs);
		fputc('\n', f);
		if (v == CHECK_DIVERGENCE)
			fprintf(f, "#   known divergence %s under irqchip %s (--strict: counted as a failure)\n",
				c->known[mode].ref, irqchip_mode__name(mode));
	}
	return bad;
}

/* A check's values as a JSON array, with "more" when there are more than were kept */
static void json_values(FILE *f, const char *key, const struct check_values *v)
{
	unsigned shown = v->n < SC_MAX_VALUES ? v->n : SC_MAX_VALUES;

	json__key(f, ",", key);
	fputc('[', f);
	for (unsigned i = 0; i < shown; i++)
		fprintf(f, "%s%lld", i ? "," : "", (long long)v->v[i]);
	fputc(']', f);
	if (v->n > shown)
		fprintf(f, ",\"%s_more\":%u", key, v->n - shown);
}

unsigned check__json(const struct scenario *sc, enum irqchip_mode mode, const char *where,
		     const struct ivm_event *ev, size_t n, bool strict, FILE *f)
{
	static const char *const names[] = { [CHECK_PASS] = "PASS", [CHECK_DIVERGENCE] = "DIVERGENCE",
					      [CHECK_FAIL] = "FAIL" };
	unsigned count[3] = { 0 };

	json__key(f, "{", "scenario");
	json__str(f, sc->name);
	json__key(f, ",", "where");
	json__str(f, where);
	json__key(f, ",", "irqchip");
	json__str_or_null(f, mode < IRQCHIP_NR ? irqchip_mode__name(mode) : NULL);
	fputs(",\"checks\":[", f);
	for (unsigned i = 0; i < sc->nchecks; i++) {
		const struct check *c = &sc->checks[i];
		struct check_values obs;
		enum check_verdict v;

		v = observe_judge(c, mode, ev, n, &obs);
		count[v]++;
		json__key(f, i ? ",{" : "{", "name");
		json__str(f, c->name);
		json__key(f, ",", "verdict");
		json__str(f, names[v]);
		json__key(f, ",", "divergence");
		json__str_or_null(f, v == CHECK_DIVERGENCE ? c->known[mode].ref : NULL);
		json_values(f, "expected", &c->expect);
		json_values(f, "observed", &obs);
		fputc('}', f);
	}
	fprintf(f, "],\"passed\":%u,\"failed\":%u,\"divergences\":%u,\"strict\":%s}",
		count[CHECK_PASS], count[CHECK_FAIL], count[CHECK_DIVERGENCE], strict ? "true" : "false");
	return count[CHECK_FAIL] + (strict ? count[CHECK_DIVERGENCE] : 0);
}

static const char *const ev_names[] = {
	[IVM_EV_ENTRY] = "entry", [IVM_EV_IRET] = "iret", [IVM_EV_EOI] = "eoi",
	[IVM_EV_TPR] = "tpr", [IVM_EV_SOFTIRQ] = "softirq", [IVM_EV_TASKLET] = "tasklet",
	[IVM_EV_SYNC] = "sync", [IVM_EV_MARK] = "mark", [IVM_EV_ISR] = "isr",
	[IVM_EV_IF] = "if", [IVM_EV_RTE] = "rte", [IVM_EV_IPI] = "ipi", [IVM_EV_READ] = "read",
	[IVM_EV_LDR] = "ldr",
};

static int ev_kind(const char *name)
{
	for (unsigned k = 1; k < sizeof(ev_names) / sizeof(ev_names[0]); k++)
		if (ev_names[k] && !strcmp(ev_names[k], name))
			return (int)k;
	return -1;
}

int check__read_event_log(const char *path, struct ivm_event **ev, size_t *n, uint32_t *dropped,
			  char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[512], kind[16];
	size_t cap = 0;
	unsigned lineno = 0, vec, depth, cpl, arg, head;

	*ev = NULL;
	*n = 0;
	*dropped = 0;
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		struct ivm_event e = { 0 };
		int k;

		lineno++;
		if (strncmp(line, "ev ", 3))
			continue;
		if (sscanf(line, "ev head=%u dropped=%u", &head, dropped) == 2)
			continue;
		if (sscanf(line, "ev %15s vec=%x depth=%u cpl=%u arg=%x", kind, &vec, &depth, &cpl, &arg) != 5 ||
		    (k = ev_kind(kind)) < 0 || vec > 255 || depth > 255 || cpl > 3) {
			snprintf(err, errlen, "%s:%u: not an event line: %.60s", path, lineno, line);
			goto fail;
		}
		if (*n == cap) {
			struct ivm_event *grown;

			cap = cap ? cap * 2 : 256;
			if (cap > (1u << 22) || !(grown = realloc(*ev, cap * sizeof(**ev)))) {
				snprintf(err, errlen, "%s:%u: too many events", path, lineno);
				goto fail;
			}
			*ev = grown;
		}
		e.kind = k;
		e.vector = vec;
		e.depth = depth;
		e.cpl = cpl;
		e.arg = arg;
		(*ev)[(*n)++] = e;
	}
	fclose(f);
	return 0;
fail:
	fclose(f);
	free(*ev);
	*ev = NULL;
	*n = 0;
	return -1;
}
