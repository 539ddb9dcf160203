// SPDX-License-Identifier: MIT
/*
 * Scenario config parser (docs/SCENARIOS.md): the schema. yaml.c loads the
 * file and reads typed, range-checked nodes; this walks them against a fixed
 * schema where every key is known, and the first problem found becomes one
 * line "PATH:LINE:COL: what is wrong" pointing at the offending node.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/errline.h"
#include "abi.h"
#include "scenario.h"
#include "yaml.h"

#define SC_MAX_FILE	(1u << 20)	/* configs are small; anything bigger is a mistake */
#define SC_MAX_TIMEOUT	600.0
#define SC_DEF_TIMEOUT	10.0

struct pctx {
	struct yaml_ctx y;	/* the document, and where errors go */
	struct scenario *sc;
};

static const char *const mode_names[IRQCHIP_NR] = {
	[IRQCHIP_KERNEL] = "kernel",
	[IRQCHIP_SPLIT] = "split",
	[IRQCHIP_USER] = "user",
};

const char *irqchip_mode__name(enum irqchip_mode m)
{
	/* A cast int can hold anything; never index out of the table. */
	if ((unsigned)m >= IRQCHIP_NR)
		return "unknown";
	return mode_names[m];
}

int irqchip_mode__parse(const char *s, enum irqchip_mode *m)
{
	for (unsigned i = 0; s && i < IRQCHIP_NR; i++) {
		if (!strcmp(s, mode_names[i])) {
			*m = (enum irqchip_mode)i;
			return 0;
		}
	}
	return -1;
}

/* ---- irqchip ---- */

static int parse_mode(struct pctx *p, yaml_node_t *n, const char *where, unsigned *mask)
{
	int m = yaml__get_enum(&p->y, n, where, mode_names, IRQCHIP_NR, "kernel, split, user");

	if (m < 0)
		return -1;
	if (*mask & (1u << m))
		return yaml__fail(&p->y, n, "%s: '%s' listed twice", where, mode_names[m]);
	*mask |= 1u << m;
	return 0;
}

static int parse_irqchip(struct pctx *p, yaml_node_t *n)
{
	unsigned mask = 0;

	if (n->type == YAML_SCALAR_NODE) {
		if (parse_mode(p, n, "irqchip", &mask))
			return -1;
	} else if (n->type == YAML_SEQUENCE_NODE) {
		if (!yaml__seq_len(n))
			return yaml__fail(&p->y, n,
					  "irqchip: empty list (leave it out to run under all modes)");
		for (unsigned i = 0; i < yaml__seq_len(n); i++)
			if (parse_mode(p, yaml__seq_item(&p->y, n, i), "irqchip", &mask))
				return -1;
	} else {
		return yaml__fail(&p->y, n, "irqchip: expected a mode or a list of modes, got %s",
				  yaml__type_name(n));
	}
	p->sc->irqchips = mask;
	return 0;
}

/* ---- steps ---- */

static const char *const kind_names[] = {
	[INJ_MSI] = "msi", [INJ_PIN] = "pin", [INJ_NMI] = "nmi", [INJ_EXCEPTION] = "exception",
	[INJ_INIT] = "init", [INJ_SIPI] = "sipi", [INJ_SPURIOUS] = "spurious",
};

/* Keys each kind takes; anything else is an error, not ignored. */
static const char *const kind_keys[][7] = {
	[INJ_MSI] = { "kind", "vector", "dest", "delivery", "trigger" },
	[INJ_PIN] = { "kind", "pin", "action" },
	[INJ_NMI] = { "kind", "dest" },
	[INJ_EXCEPTION] = { "kind", "vector", "error_code", "cr2", "dr6", "pending", "dest" },
	[INJ_INIT] = { "kind", "dest" },
	[INJ_SIPI] = { "kind", "dest", "vector" },
	[INJ_SPURIOUS] = { "kind", "dest" },
};

/* Delivery-mode names at their MSI encoding; 3 and 6 are reserved. */
static const char *const delivery_names[8] = {
	[0] = "fixed", [1] = "lowest", [2] = "smi", [4] = "nmi", [5] = "init", [7] = "extint",
};

static const char *const action_names[] = {
	[PIN_ASSERT] = "assert", [PIN_DEASSERT] = "deassert", [PIN_PULSE] = "pulse",
};

static const char *const trigger_names[] = { "edge", "level" };

/* Exceptions that push an error code (SDM vol. 3 table 6-1). */
bool scenario__exc_has_error(unsigned v)
{
	return v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30;
}

static int parse_vector(struct pctx *p, yaml_node_t *m, const char *where, uint64_t max,
			uint8_t *out)
{
	char w[96];
	yaml_node_t *n;
	uint64_t v = 0;

	yaml__join(w, sizeof(w), where, "vector");
	n = yaml__need(&p->y, m, where, "vector");
	if (!n || yaml__get_uint(&p->y, n, w, 0, max, &v))
		return -1;
	*out = v;
	return 0;
}

static int parse_dest(struct pctx *p, yaml_node_t *m, const char *where, uint64_t max,
		      uint32_t *out)
{
	yaml_node_t *n = yaml__get(&p->y, m, "dest");
	char w[96];
	uint64_t v = 0;

	if (!n)
		return 0;
	yaml__join(w, sizeof(w), where, "dest");
	if (yaml__get_uint(&p->y, n, w, 0, 255, &v))
		return -1;
	/* every kind but MSI names a vCPU index, which must exist */
	if (v > max)
		return yaml__fail(&p->y, n, "%s: vCPU %" PRIu64 " does not exist (vcpus: %u)", w, v,
				  p->sc->vcpus);
	*out = v;
	return 0;
}

static int parse_exception(struct pctx *p, yaml_node_t *m, const char *where, struct injection *in)
{
	yaml_node_t *n, *k;
	char w[96];
	uint64_t v = 0;

	/* KVM_SET_VCPU_EVENTS refuses exception numbers above 31. */
	if (parse_vector(p, m, where, 31, &in->vector))
		return -1;
	n = yaml__get_kv(&p->y, m, "error_code", &k);
	if (n && !scenario__exc_has_error(in->vector))
		return yaml__fail(&p->y, k, "%s: vector %u has no error code", where, in->vector);
	/* A vector that pushes one always does: the guest's frame layout depends on it. */
	in->has_error = scenario__exc_has_error(in->vector);
	yaml__join(w, sizeof(w), where, "error_code");
	if (n && yaml__get_uint(&p->y, n, w, 0, UINT32_MAX, &v))
		return -1;
	in->error_code = n ? v : 0;

	n = yaml__get_kv(&p->y, m, "cr2", &k);
	if (n && in->vector != 14)
		return yaml__fail(&p->y, k, "%s: cr2 is only for vector 14 (#PF)", where);
	yaml__join(w, sizeof(w), where, "cr2");
	if (n && yaml__get_uint(&p->y, n, w, 0, UINT64_MAX, &in->cr2))
		return -1;
	in->has_cr2 = n;

	n = yaml__get_kv(&p->y, m, "dr6", &k);
	if (n && in->vector != 1)
		return yaml__fail(&p->y, k, "%s: dr6 is only for vector 1 (#DB)", where);
	yaml__join(w, sizeof(w), where, "dr6");
	if (n && yaml__get_uint(&p->y, n, w, 0, UINT64_MAX, &in->dr6))
		return -1;
	in->has_dr6 = n;

	n = yaml__get(&p->y, m, "pending");
	yaml__join(w, sizeof(w), where, "pending");
	return n ? yaml__get_bool(&p->y, n, w, &in->pending) : 0;
}

static int parse_injection(struct pctx *p, yaml_node_t *m, const char *where, struct injection *in)
{
	static const char *const any_key[] = { "kind", "vector", "dest", "delivery", "trigger",
					       "pin", "action", "error_code", "cr2", "dr6",
					       "pending", NULL };
	yaml_node_t *n;
	char w[96];
	uint64_t v = 0;
	int kind, i;

	if (yaml__want_map(&p->y, m, where) || yaml__check_keys(&p->y, m, where, any_key))
		return -1;
	n = yaml__need(&p->y, m, where, "kind");
	yaml__join(w, sizeof(w), where, "kind");
	if (!n || (kind = yaml__get_enum(&p->y, n, w, kind_names, 7,
					 "msi, pin, nmi, exception, init, sipi, spurious")) < 0)
		return -1;
	/* Known keys that this kind does not take: say so, at the key. */
	for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = yaml__node(&p->y, pr->key);
		bool known = false;

		for (i = 0; i < 7 && kind_keys[kind][i]; i++)
			known |= yaml__scalar_is(k, kind_keys[kind][i]);
		if (!known)
			return yaml__fail(&p->y, k, "%s: kind %s takes no '%s'", where,
					  kind_names[kind], yaml__scalar(k));
	}

	memset(in, 0, sizeof(*in));
	in->kind = kind;
	in->line = m->start_mark.line + 1;
	in->action = PIN_PULSE;
	switch (in->kind) {
	case INJ_MSI:
		if (parse_vector(p, m, where, 255, &in->vector) || parse_dest(p, m, where, 255, &in->dest))
			return -1;
		if ((n = yaml__get(&p->y, m, "delivery"))) {
			yaml__join(w, sizeof(w), where, "delivery");
			if (n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
			    *yaml__scalar(n) >= '0' && *yaml__scalar(n) <= '9') {
				if (yaml__get_uint(&p->y, n, w, 0, 7, &v))
					return -1;
				in->delivery = v;
			} else {
				if ((i = yaml__get_enum(&p->y, n, w, delivery_names, 8,
							"fixed, lowest, smi, nmi, init, extint or 0..7")) < 0)
					return -1;
				in->delivery = i;
			}
		}
		if ((n = yaml__get(&p->y, m, "trigger"))) {
			yaml__join(w, sizeof(w), where, "trigger");
			if ((i = yaml__get_enum(&p->y, n, w, trigger_names, 2, "edge, level")) < 0)
				return -1;
			in->level = i;
		}
		return 0;
	case INJ_PIN:
		n = yaml__need(&p->y, m, where, "pin");
		yaml__join(w, sizeof(w), where, "pin");
		if (!n || yaml__get_uint(&p->y, n, w, 0, 23, &v))
			return -1;
		in->pin = v;
		if ((n = yaml__get(&p->y, m, "action"))) {
			yaml__join(w, sizeof(w), where, "action");
			if ((i = yaml__get_enum(&p->y, n, w, action_names, 3,
						"assert, deassert, pulse")) < 0)
				return -1;
			in->action = i;
		}
		return 0;
	case INJ_EXCEPTION:
		if (parse_exception(p, m, where, in))
			return -1;
		return parse_dest(p, m, where, p->sc->vcpus - 1, &in->dest);
	case INJ_SIPI:
		if (parse_vector(p, m, where, 255, &in->vector))
			return -1;
		/* fall through */
	default:
		return parse_dest(p, m, where, p->sc->vcpus - 1, &in->dest);
	}
}

static int parse_step(struct pctx *p, yaml_node_t *m, const char *where, struct step *st,
		      bool *have_sync, uint64_t *last_sync)
{
	static const char *const step_keys[] = { "at", "inject", NULL };
	static const char *const at_keys[] = { "sync", "delay_us", NULL };
	yaml_node_t *at, *inj, *n, *k;
	char w[96];

	if (yaml__want_map(&p->y, m, where) || yaml__check_keys(&p->y, m, where, step_keys))
		return -1;
	if (!(at = yaml__need(&p->y, m, where, "at")) ||
	    !(inj = yaml__need(&p->y, m, where, "inject")))
		return -1;
	st->line = m->start_mark.line + 1;

	yaml__join(w, sizeof(w), where, "at");
	if (yaml__want_map(&p->y, at, w) || yaml__check_keys(&p->y, at, w, at_keys))
		return -1;
	if (yaml__map_len(at) != 1) {
		yaml_node_t *where_n = yaml__map_len(at) ?
				       yaml__node(&p->y, at->data.mapping.pairs.start[1].key) : at;

		return yaml__fail(&p->y, where_n, "%s: needs exactly one of sync, delay_us", w);
	}
	if ((n = yaml__get_kv(&p->y, at, "sync", &k))) {
		snprintf(w, sizeof(w), "%s.at.sync", where);
		if (yaml__get_uint(&p->y, n, w, 0, UINT64_MAX, &st->n))
			return -1;
		/* Sync points are reached in order; a step out of order would never fire. */
		if (*have_sync && st->n <= *last_sync)
			return yaml__fail(&p->y, n, "%s: %" PRIu64
					  " is not after the previous sync step's %" PRIu64, w,
					  st->n, *last_sync);
		*have_sync = true;
		*last_sync = st->n;
		st->at = AT_SYNC;
	} else {
		n = yaml__get(&p->y, at, "delay_us");
		snprintf(w, sizeof(w), "%s.at.delay_us", where);
		if (yaml__get_uint(&p->y, n, w, 0, UINT64_MAX, &st->n))
			return -1;
		/* A delay past the timeout would only ever be reported as a timeout. */
		if ((double)st->n >= p->sc->timeout_s * 1e6)
			return yaml__fail(&p->y, n,
					  "%s: %" PRIu64 " us is not before the timeout (%g s)", w,
					  st->n, p->sc->timeout_s);
		st->at = AT_DELAY_US;
	}

	yaml__join(w, sizeof(w), where, "inject");
	if (inj->type != YAML_SEQUENCE_NODE)
		return yaml__fail(&p->y, inj, "%s: expected a list, got %s", w,
				  yaml__type_name(inj));
	if (!yaml__seq_len(inj))
		return yaml__fail(&p->y, inj, "%s: empty list", w);
	for (unsigned i = 0; i < yaml__seq_len(inj); i++) {
		yaml_node_t *item = yaml__seq_item(&p->y, inj, i);

		if (i >= SC_MAX_INJ)
			return yaml__fail(&p->y, item, "%s: more than %d items", w, SC_MAX_INJ);
		snprintf(w, sizeof(w), "%s.inject[%u]", where, i);
		if (parse_injection(p, item, w, &st->inj[i]))
			return -1;
		st->ninj = i + 1;
		yaml__join(w, sizeof(w), where, "inject");
	}
	return 0;
}

static int parse_steps(struct pctx *p, yaml_node_t *n)
{
	uint64_t last_sync = 0;
	bool have_sync = false;
	char w[32];

	if (n->type != YAML_SEQUENCE_NODE)
		return yaml__fail(&p->y, n, "steps: expected a list, got %s", yaml__type_name(n));
	for (unsigned i = 0; i < yaml__seq_len(n); i++) {
		yaml_node_t *item = yaml__seq_item(&p->y, n, i);

		struct step *st;

		if (i >= SC_MAX_STEPS)
			return yaml__fail(&p->y, item, "steps: more than %d items", SC_MAX_STEPS);
		if (!(st = scenario__add_step(p->sc, SC_MAX_STEPS)))
			return yaml__fail(&p->y, item, "steps: out of memory");
		snprintf(w, sizeof(w), "steps[%u]", i);
		if (parse_step(p, item, w, st, &have_sync, &last_sync))
			return -1;
	}
	return 0;
}

/* ---- checks ---- */

static const char *const expect_names[] = {
	[CHK_ENTRIES] = "entries", [CHK_COUNT] = "count", [CHK_ISR_AT_ENTRY] = "isr_at_entry",
	[CHK_SOFTIRQS] = "softirqs", [CHK_TASKLETS] = "tasklets", [CHK_MARKS] = "marks",
	[CHK_EOIS] = "eois", [CHK_INTACT] = "intact",
};

/* One expected value: an integer in the range the check's events can hold, or a boolean. */
static int parse_value(struct pctx *p, yaml_node_t *n, const char *where, enum check_kind kind,
		       int64_t *out)
{
	bool neg = false, b = false;
	uint64_t v = 0;

	if (n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    (yaml__scalar_is(n, "true") || yaml__scalar_is(n, "false"))) {
		if (kind == CHK_COUNT)
			return yaml__fail(&p->y, n, "%s: a count is an integer, not %s", where,
					  yaml__scalar(n));
		yaml__get_bool(&p->y, n, where, &b);
		*out = b;
		return 0;
	}
	switch (kind) {
	case CHK_ENTRIES:
	case CHK_EOIS:
		if (yaml__get_uint(&p->y, n, where, 0, 255, &v))
			return -1;
		*out = v;
		return 0;
	case CHK_ISR_AT_ENTRY:
		if (yaml__get_uint(&p->y, n, where, 0, 1, &v))
			return -1;
		*out = v;
		return 0;
	case CHK_COUNT:
		if (yaml__get_uint(&p->y, n, where, 0, INT64_MAX, &v))
			return -1;
		*out = v;
		return 0;
	default:
		if (yaml__parse_int(&p->y, n, where, &neg, &v))
			return -1;
		if (neg ? v > (uint64_t)INT64_MAX + 1 : v > (uint64_t)INT64_MAX)
			return yaml__fail(&p->y, n, "%s: %.40s does not fit in 64 signed bits",
					  where, yaml__scalar(n));
		*out = neg ? (int64_t)(0 - v) : (int64_t)v;
		return 0;
	}
}

static int parse_values(struct pctx *p, yaml_node_t *n, const char *where, enum check_kind kind,
			struct check_values *cv)
{
	char w[112];

	cv->n = 0;
	if (n->type == YAML_SCALAR_NODE) {
		cv->n = 1;
		return parse_value(p, n, where, kind, &cv->v[0]);
	}
	if (kind == CHK_COUNT)
		return yaml__fail(&p->y, n, "%s: a count takes one integer, got %s", where,
				  yaml__type_name(n));
	if (n->type != YAML_SEQUENCE_NODE)
		return yaml__fail(&p->y, n, "%s: expected a list or a value, got %s", where,
				  yaml__type_name(n));
	for (unsigned i = 0; i < yaml__seq_len(n); i++) {
		yaml_node_t *item = yaml__seq_item(&p->y, n, i);

		if (i >= SC_MAX_VALUES)
			return yaml__fail(&p->y, item, "%s: more than %d items", where,
					  SC_MAX_VALUES);
		snprintf(w, sizeof(w), "%s[%u]", where, i);
		if (yaml__want_scalar(&p->y, item, w) || parse_value(p, item, w, kind, &cv->v[i]))
			return -1;
		cv->n = i + 1;
	}
	return 0;
}

static int parse_known(struct pctx *p, yaml_node_t *n, const char *where, struct check *c)
{
	static const char *const mode_keys[] = { "kernel", "split", "user", NULL };
	static const char *const known_keys[] = { "ref", "observed", NULL };
	yaml_node_pair_t *pr;
	char w[96], w2[112];

	if (yaml__want_map(&p->y, n, where) || yaml__check_keys(&p->y, n, where, mode_keys))
		return -1;
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = yaml__node(&p->y, pr->key), *v = yaml__node(&p->y, pr->value), *f;
		enum irqchip_mode m = IRQCHIP_KERNEL;

		irqchip_mode__parse(yaml__scalar(k), &m);
		if (!(p->sc->irqchips & (1u << m)))
			return yaml__fail(&p->y, k, "%s: mode '%s' is not in irqchip", where,
					  yaml__scalar(k));
		yaml__join(w, sizeof(w), where, yaml__scalar(k));
		if (yaml__want_map(&p->y, v, w) || yaml__check_keys(&p->y, v, w, known_keys))
			return -1;
		yaml__join(w2, sizeof(w2), w, "ref");
		if (!(f = yaml__need(&p->y, v, w, "ref")) ||
		    yaml__get_str(&p->y, f, w2, c->known[m].ref, sizeof(c->known[m].ref),
				  YAML_STR_LINE))
			return -1;
		yaml__join(w2, sizeof(w2), w, "observed");
		if (!(f = yaml__need(&p->y, v, w, "observed")) ||
		    parse_values(p, f, w2, c->kind, &c->known[m].observed))
			return -1;
		c->known[m].set = true;
	}
	return 0;
}

static int parse_check(struct pctx *p, yaml_node_t *m, const char *where, struct check *c)
{
	static const char *const check_keys_[] = { "name", "expect", "vector", "cpu", "value",
						    "known", NULL };
	yaml_node_t *n, *k;
	char w[96];
	uint64_t v = 0;
	int kind;

	if (yaml__want_map(&p->y, m, where) || yaml__check_keys(&p->y, m, where, check_keys_))
		return -1;
	c->line = m->start_mark.line + 1;
	n = yaml__need(&p->y, m, where, "name");
	yaml__join(w, sizeof(w), where, "name");
	if (!n || yaml__get_str(&p->y, n, w, c->name, sizeof(c->name), YAML_STR_LINE))
		return -1;
	/* Results are reported by check name, so two alike would be ambiguous. */
	for (struct check *o = p->sc->checks; o < c; o++)
		if (!strcmp(o->name, c->name))
			return yaml__fail(&p->y, n,
					  "%s: '%s' is already the name of line %u's check", w,
					  c->name, o->line);

	n = yaml__need(&p->y, m, where, "expect");
	yaml__join(w, sizeof(w), where, "expect");
	if (!n || (kind = yaml__get_enum(&p->y, n, w, expect_names, 8,
					 "entries, count, isr_at_entry, softirqs, tasklets, marks, eois, intact")) < 0)
		return -1;
	c->kind = kind;

	n = yaml__get_kv(&p->y, m, "vector", &k);
	if (kind == CHK_COUNT || kind == CHK_ISR_AT_ENTRY) {
		yaml__join(w, sizeof(w), where, "vector");
		if (!n)
			return yaml__fail(&p->y, m, "%s: expect %s needs a vector", where,
					  expect_names[kind]);
		if (yaml__get_uint(&p->y, n, w, 0, 255, &v))
			return -1;
		c->vector = v;
	} else if (n) {
		return yaml__fail(&p->y, k, "%s: expect %s takes no vector", where,
				  expect_names[kind]);
	}

	if ((n = yaml__get(&p->y, m, "cpu"))) {
		yaml__join(w, sizeof(w), where, "cpu");
		if (yaml__get_uint(&p->y, n, w, 0, p->sc->vcpus - 1, &v))
			return -1;
		c->has_cpu = true;
		c->cpu = v;
	}

	n = yaml__need(&p->y, m, where, "value");
	yaml__join(w, sizeof(w), where, "value");
	if (!n || parse_values(p, n, w, c->kind, &c->expect))
		return -1;

	n = yaml__get(&p->y, m, "known");
	yaml__join(w, sizeof(w), where, "known");
	return n ? parse_known(p, n, w, c) : 0;
}

static int parse_checks(struct pctx *p, yaml_node_t *n)
{
	char w[32];

	if (n->type != YAML_SEQUENCE_NODE)
		return yaml__fail(&p->y, n, "checks: expected a list, got %s", yaml__type_name(n));
	if (!yaml__seq_len(n))
		return yaml__fail(&p->y, n, "checks: empty list (a scenario must check something)");
	for (unsigned i = 0; i < yaml__seq_len(n); i++) {
		yaml_node_t *item = yaml__seq_item(&p->y, n, i);

		if (i >= SC_MAX_CHECKS)
			return yaml__fail(&p->y, item, "checks: more than %d items", SC_MAX_CHECKS);
		snprintf(w, sizeof(w), "checks[%u]", i);
		if (parse_check(p, item, w, &p->sc->checks[i]))
			return -1;
		p->sc->nchecks = i + 1;
	}
	return 0;
}

/* ---- top level ---- */

static int parse_timeout(struct pctx *p, yaml_node_t *n)
{
	const char *s;
	char *end;
	double t;
	bool neg = false;
	uint64_t v = 0;

	if (yaml__want_scalar(&p->y, n, "timeout"))
		return -1;
	s = yaml__scalar(n);
	/* Fractions are allowed: plain digits.digits, read by strtod in the C locale. */
	if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && strchr(s, '.')) {
		if (strspn(s, "0123456789.") != n->data.scalar.length || *s == '.' ||
		    strchr(s, '.') != strrchr(s, '.') || s[n->data.scalar.length - 1] == '.')
			return yaml__fail(&p->y, n, "timeout: expected seconds, got '%.40s'", s);
		t = strtod(s, &end);
	} else {
		if (yaml__parse_int(&p->y, n, "timeout", &neg, &v))
			return -1;
		t = neg ? -(double)v : (double)v;
	}
	if (!(t > 0 && t <= SC_MAX_TIMEOUT))
		return yaml__fail(&p->y, n, "timeout: %.40s is out of range (0, 600] seconds", s);
	p->sc->timeout_s = t;
	return 0;
}

/* hide: [VECTOR, ...]: 1..32 interrupt vectors (0x20..0xff), each once */
static int parse_hide(struct pctx *p, yaml_node_t *n)
{
	struct scenario *sc = p->sc;
	char w[32];

	if (n->type != YAML_SEQUENCE_NODE)
		return yaml__fail(&p->y, n, "hide: expected a list of vectors, got %s",
				  yaml__type_name(n));
	if (!yaml__seq_len(n))
		return yaml__fail(&p->y, n, "hide: empty list (leave it out to hide nothing)");
	for (unsigned i = 0; i < yaml__seq_len(n); i++) {
		yaml_node_t *it = yaml__seq_item(&p->y, n, i);
		uint64_t v = 0;

		snprintf(w, sizeof(w), "hide[%u]", i);
		if (i >= SC_MAX_VALUES)
			return yaml__fail(&p->y, it, "hide: more than %d vectors", SC_MAX_VALUES);
		if (yaml__get_uint(&p->y, it, w, 0x20, 0xff, &v))
			return -1;
		if (scenario__hides(sc, (unsigned)v))
			return yaml__fail(&p->y, it, "%s: %#x listed twice", w, (unsigned)v);
		sc->hide[v / 64] |= 1ull << (v % 64);
		sc->nhide++;
	}
	return 0;
}

static int parse_top(struct pctx *p, yaml_node_t *root)
{
	static const char *const top_keys[] = { "name", "description", "guest", "irqchip",
						"vcpus", "timeout", "steps", "checks", "hide", NULL };
	struct scenario *sc = p->sc;
	yaml_node_t *n;
	uint64_t v = 0;

	if (root->type != YAML_MAPPING_NODE)
		return yaml__fail(&p->y, root, "top level: expected a map, got %s",
				  yaml__type_name(root));
	if (yaml__check_keys(&p->y, root, "top level", top_keys))
		return -1;
	/* Fixed order, whatever the file's: later keys are checked against earlier ones. */
	if (!(n = yaml__need(&p->y, root, "top level", "name")) ||
	    yaml__get_str(&p->y, n, "name", sc->name, sizeof(sc->name), YAML_STR_NAME))
		return -1;
	if ((n = yaml__get(&p->y, root, "description")) &&
	    yaml__get_str(&p->y, n, "description", sc->description, sizeof(sc->description),
			  YAML_STR_ANY))
		return -1;
	if (!(n = yaml__need(&p->y, root, "top level", "guest")) ||
	    yaml__get_str(&p->y, n, "guest", sc->guest, sizeof(sc->guest), YAML_STR_IDENT))
		return -1;
	sc->guest_line = n->start_mark.line + 1;
	sc->guest_col = n->start_mark.column + 1;
	if ((n = yaml__get(&p->y, root, "irqchip")) && parse_irqchip(p, n))
		return -1;
	if ((n = yaml__get(&p->y, root, "vcpus"))) {
		if (yaml__get_uint(&p->y, n, "vcpus", 1, SC_MAX_VCPUS, &v))
			return -1;
		sc->vcpus = v;
	}
	if ((n = yaml__get(&p->y, root, "timeout")) && parse_timeout(p, n))
		return -1;
	if ((n = yaml__get(&p->y, root, "steps")) && parse_steps(p, n))
		return -1;
	if (!(n = yaml__need(&p->y, root, "top level", "checks")) || parse_checks(p, n))
		return -1;
	if ((n = yaml__get(&p->y, root, "hide")) && parse_hide(p, n))
		return -1;
	return 0;
}

struct step *scenario__add_step(struct scenario *sc, unsigned max)
{
	if (sc->nsteps >= max)
		return NULL;
	if (sc->nsteps == sc->steps_cap) {
		unsigned cap = sc->steps_cap ? 2 * sc->steps_cap : 8;
		struct step *n = realloc(sc->steps, (size_t)cap * sizeof(*n));

		if (!n)
			return NULL;
		sc->steps = n;
		sc->steps_cap = cap;
	}
	memset(&sc->steps[sc->nsteps], 0, sizeof(sc->steps[0]));
	return &sc->steps[sc->nsteps++];
}

void scenario__free(struct scenario *sc)
{
	free(sc->steps);
	memset(sc, 0, sizeof(*sc));
}

int scenario__parse(const char *buf, size_t len, const char *name, struct scenario *sc,
		    char *err, size_t errlen)
{
	struct pctx p = { .y = { .path = name ? name : "scenario", .buf = buf, .len = len,
				 .err = err, .errlen = errlen }, .sc = sc };
	yaml_node_t *root;
	int ret;

	scenario__free(sc);
	sc->irqchips = IRQCHIP_ALL;
	sc->vcpus = 1;
	sc->timeout_s = SC_DEF_TIMEOUT;
	if (err && errlen)
		err[0] = '\0';
	ret = yaml__load(&p.y, "a scenario map", &root);
	if (!ret) {
		ret = parse_top(&p, root);
		yaml__unload(&p.y);
	}
	if (ret) {
		/* Never hand back a half-filled scenario. */
		scenario__free(sc);
	}
	return ret;
}

int scenario__load(const char *path, struct scenario *sc, char *err, size_t errlen)
{
	size_t n = 0;
	char *buf;
	FILE *f;
	int ret;

	f = fopen(path, "rb");
	if (!f) {
		errline__set(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		return -1;
	}
	buf = malloc(SC_MAX_FILE + 1);
	if (!buf) {
		fclose(f);
		errline__set(err, errlen, "%s: cannot read: %s", path, strerror(ENOMEM));
		return -1;
	}
	/* One byte more than the limit tells "exactly 1 MiB" from "larger". */
	errno = 0;
	n = fread(buf, 1, SC_MAX_FILE + 1, f);
	if (ferror(f)) {
		errline__set(err, errlen, "%s: cannot read: %s", path, strerror(errno ? errno : EIO));
		ret = -1;
	} else if (n > SC_MAX_FILE) {
		errline__set(err, errlen, "%s: cannot read: larger than 1 MiB", path);
		ret = -1;
	} else {
		ret = scenario__parse(buf, n, path, sc, err, errlen);
	}
	free(buf);
	fclose(f);
	if (ret)
		scenario__free(sc);
	return ret;
}

/* The programs guest.elf runs for scenario=NAME: include/abi.h's list, shared with the guest. */
static const char *const guest_programs[] = { IVM_GUEST_PROGRAMS, NULL };

const char *const *scenario__guest_programs(void)
{
	return guest_programs;
}

int scenario__check_guest(const struct scenario *sc, const char *path, char *err, size_t errlen)
{
	for (const char *const *g = guest_programs; *g; g++)
		if (!strcmp(sc->guest, *g))
			return 0;
	errline__set(err, errlen, "%s:%u:%u: guest: '%s' is not a program of guest.elf "
		     "(vmm validate --help lists them)", path, sc->guest_line, sc->guest_col, sc->guest);
	return -1;
}

int scenario__check_guest_in(const struct scenario *sc, const char *path, const char *const *programs,
			     const char *kernel, char *err, size_t errlen)
{
	char list[160] = "";
	size_t used = 0;

	for (const char *const *g = programs; *g; g++)
		if (!strcmp(sc->guest, *g))
			return 0;
	/* the kernel's own names, as many as fit in a line worth reading */
	for (const char *const *g = programs; *g; g++) {
		size_t need = strlen(*g) + (used ? 1 : 0);

		if (used + need + 4 >= sizeof(list)) {
			snprintf(list + used, sizeof(list) - used, " ...");
			break;
		}
		used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s", used ? " " : "", *g);
	}
	errline__set(err, errlen, "%s:%u:%u: guest: '%s' is not a scenario program of %s (%s%s)", path,
		     sc->guest_line, sc->guest_col, sc->guest, kernel,
		     programs[0] ? "its scenarios: " : "it registers no scenario", list);
	return -1;
}

/* The names the language uses, for the writer (write.c); "?" outside the tables */
#define NAME_OF(t, i) ((unsigned)(i) < sizeof(t) / sizeof(t[0]) && t[i] ? t[i] : "?")

const char *scenario__inj_kind_name(enum inj_kind k)
{
	return NAME_OF(kind_names, k);
}

const char *scenario__action_name(enum pin_action a)
{
	return NAME_OF(action_names, a);
}

const char *scenario__expect_name(enum check_kind k)
{
	return NAME_OF(expect_names, k);
}
