// SPDX-License-Identifier: MIT
/*
 * Scenario config parser (docs/SCENARIOS.md). The file is loaded with
 * libyaml's document API and then walked against a fixed schema: every key
 * is known, typed and range-checked, and the first problem found becomes one
 * line "PATH:LINE:COL: what is wrong" pointing at the offending node.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "lib/errline.h"
#include "abi.h"
#include "scenario.h"

#define SC_MAX_FILE	(1u << 20)	/* configs are small; anything bigger is a mistake */
#define SC_MAX_TIMEOUT	600.0
#define SC_DEF_TIMEOUT	10.0
#define SC_MAX_DEPTH	32	/* configs nest 6 deep; libyaml's scanner is quadratic in depth */

struct pctx {
	const char *path;
	const char *buf;
	size_t len;
	yaml_document_t *doc;
	struct scenario *sc;
	char *err;
	size_t errlen;
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


static int fail_at(struct pctx *p, size_t line, size_t col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail_at(struct pctx *p, size_t line, size_t col, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	errline__set(p->err, p->errlen, "%s:%zu:%zu: %s", p->path, line, col, msg);
	return -1;
}

/* libyaml marks are 0-based; messages are 1-based like compilers'. */
#define fail(p, n, ...) fail_at(p, (n)->start_mark.line + 1, (n)->start_mark.column + 1, __VA_ARGS__)

/* "WHERE.KEY" into @w, cut short rather than overflowing: it only names a field. */
static void join(char *w, size_t cap, const char *where, const char *key)
{
	size_t a = strnlen(where, cap - 1), b;

	memcpy(w, where, a);
	if (a < cap - 1)
		w[a++] = '.';
	b = strnlen(key, cap - 1 - a);
	memcpy(w + a, key, b);
	w[a + b] = '\0';
}

static yaml_node_t *node(struct pctx *p, int idx)
{
	return yaml_document_get_node(p->doc, idx);
}

static const char *scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

/* True when the scalar holds exactly @s (libyaml scalars may contain NULs). */
static bool scalar_is(const yaml_node_t *n, const char *s)
{
	size_t l = strlen(s);

	return n->type == YAML_SCALAR_NODE && n->data.scalar.length == l &&
	       !memcmp(n->data.scalar.value, s, l);
}

static bool is_null(const yaml_node_t *n);

static const char *type_name(const yaml_node_t *n)
{
	if (is_null(n))
		return "nothing";
	switch (n->type) {
	case YAML_MAPPING_NODE:
		return "a map";
	case YAML_SEQUENCE_NODE:
		return "a list";
	default:
		return "a scalar";
	}
}

/* YAML's null: a plain ~, null or nothing at all. */
static bool is_null(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       (n->data.scalar.length == 0 || scalar_is(n, "~") || scalar_is(n, "null"));
}

static int want_map(struct pctx *p, yaml_node_t *n, const char *where)
{
	if (n->type == YAML_MAPPING_NODE)
		return 0;
	return fail(p, n, "%s: expected a map, got %s", where, type_name(n));
}

static int want_scalar(struct pctx *p, yaml_node_t *n, const char *where)
{
	if (n->type == YAML_SCALAR_NODE)
		return 0;
	return fail(p, n, "%s: expected a scalar, got %s", where, type_name(n));
}

static unsigned map_len(const yaml_node_t *map)
{
	return map->data.mapping.pairs.top - map->data.mapping.pairs.start;
}

static unsigned seq_len(const yaml_node_t *seq)
{
	return seq->data.sequence.items.top - seq->data.sequence.items.start;
}

static yaml_node_t *seq_item(struct pctx *p, const yaml_node_t *seq, unsigned i)
{
	return node(p, seq->data.sequence.items.start[i]);
}

/*
 * Every key of @map must be a scalar named in @allowed (NULL-terminated) and
 * appear once: libyaml's document API keeps duplicates, so we look for them.
 */
static int check_keys(struct pctx *p, yaml_node_t *map, const char *where,
		      const char *const *allowed)
{
	yaml_node_pair_t *pr, *q;

	for (pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = node(p, pr->key);
		bool known = false;

		if (k->type != YAML_SCALAR_NODE)
			return fail(p, k, "%s: keys must be scalars, got %s", where, type_name(k));
		for (const char *const *a = allowed; *a && !known; a++)
			known = scalar_is(k, *a);
		if (!known)
			return fail(p, k, "%s: unknown key '%.40s'", where, scalar(k));
		for (q = map->data.mapping.pairs.start; q < pr; q++)
			if (scalar_is(node(p, q->key), scalar(k)))
				return fail(p, k, "%s: duplicate key '%s'", where, scalar(k));
	}
	return 0;
}

/* The value under @key (checked by check_keys first), and its key node in @kn. */
static yaml_node_t *get_kv(struct pctx *p, yaml_node_t *map, const char *key, yaml_node_t **kn)
{
	yaml_node_pair_t *pr;

	for (pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top; pr++) {
		if (scalar_is(node(p, pr->key), key)) {
			if (kn)
				*kn = node(p, pr->key);
			return node(p, pr->value);
		}
	}
	return NULL;
}

static yaml_node_t *get(struct pctx *p, yaml_node_t *map, const char *key)
{
	return get_kv(p, map, key, NULL);
}

static yaml_node_t *need(struct pctx *p, yaml_node_t *map, const char *where, const char *key)
{
	yaml_node_t *v = get(p, map, key);

	if (!v)
		fail(p, map, "%s: missing required key '%s'", where, key);
	return v;
}

/* Integers are plain decimal (optionally negative) or 0x hex, as a sign and a magnitude. */
static int parse_int(struct pctx *p, yaml_node_t *n, const char *where, bool *neg, uint64_t *mag)
{
	const char *s = scalar(n), *d;
	unsigned base = 10;
	uint64_t v = 0;

	if (want_scalar(p, n, where))
		return -1;
	/* A quoted "5" is a string in YAML; accepting it would hide typos. */
	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return fail(p, n, "%s: expected an integer, got a quoted string", where);
	if (is_null(n))
		return fail(p, n, "%s: expected an integer, got nothing", where);
	*neg = *s == '-';
	d = s + *neg;
	if (d[0] == '0' && (d[1] == 'x' || d[1] == 'X')) {
		base = 16;
		d += 2;
	} else if (d[0] == '0' && d[1]) {
		/* YAML 1.1 reads 010 as octal; refuse rather than guess. */
		return fail(p, n, "%s: '%.40s' has a leading zero (write decimal or 0x hex)", where, s);
	}
	if (!*d || strlen(d) + (d - s) != n->data.scalar.length)
		goto bad;
	for (; *d; d++) {
		unsigned dig;

		if (*d >= '0' && *d <= '9')
			dig = *d - '0';
		else if (base == 16 && *d >= 'a' && *d <= 'f')
			dig = *d - 'a' + 10;
		else if (base == 16 && *d >= 'A' && *d <= 'F')
			dig = *d - 'A' + 10;
		else
			goto bad;
		if (v > (UINT64_MAX - dig) / base)
			return fail(p, n, "%s: %.40s is too large", where, s);
		v = v * base + dig;
	}
	*mag = v;
	return 0;
bad:
	return fail(p, n, "%s: expected an integer, got '%.40s'", where, s);
}

static int get_uint(struct pctx *p, yaml_node_t *n, const char *where, uint64_t min, uint64_t max,
		    uint64_t *out)
{
	bool neg = false;
	uint64_t v = 0;

	if (parse_int(p, n, where, &neg, &v))
		return -1;
	if ((neg && v) || v < min || v > max)
		return fail(p, n, "%s: %.40s is out of range %" PRIu64 "..%" PRIu64, where,
			    scalar(n), min, max);
	*out = v;
	return 0;
}

static int get_bool(struct pctx *p, yaml_node_t *n, const char *where, bool *out)
{
	if (want_scalar(p, n, where))
		return -1;
	if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && scalar_is(n, "true"))
		*out = true;
	else if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && scalar_is(n, "false"))
		*out = false;
	else
		return fail(p, n, "%s: expected true or false, got '%.40s'", where, scalar(n));
	return 0;
}

/* Index of the scalar in @names, or -1 with the error set. */
static int get_enum(struct pctx *p, yaml_node_t *n, const char *where, const char *const *names,
		    unsigned nr, const char *choices)
{
	if (want_scalar(p, n, where))
		return -1;
	for (unsigned i = 0; i < nr; i++)
		if (names[i] && scalar_is(n, names[i]))
			return i;
	fail(p, n, "%s: '%.40s' is not one of %s", where, scalar(n), choices);
	return -1;
}

enum str_rule { STR_ANY, STR_NAME, STR_GUEST, STR_LINE };

/* Copy a string scalar into @dst (@cap bytes with the NUL), checked against @rule. */
static int get_str(struct pctx *p, yaml_node_t *n, const char *where, char *dst, size_t cap,
		   enum str_rule rule)
{
	const char *s;
	size_t len;

	if (want_scalar(p, n, where))
		return -1;
	if (is_null(n))
		return fail(p, n, "%s: expected a string, got nothing", where);
	s = scalar(n);
	len = n->data.scalar.length;
	if (strlen(s) != len)
		return fail(p, n, "%s: contains a NUL character", where);
	/* Block scalars (description: >) end in a newline nobody means to keep. */
	while (len && (s[len - 1] == '\n' || s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (!len)
		return fail(p, n, "%s: must not be empty", where);
	if (len >= cap)
		return fail(p, n, "%s: longer than %zu characters", where, cap - 1);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = s[i];
		bool okc;

		switch (rule) {
		case STR_NAME:
			okc = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
			break;
		case STR_GUEST:
			okc = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
			      c == '_';
			break;
		case STR_LINE:
			okc = c >= 0x20 && c != 0x7f;
			break;
		default:
			okc = true;
			break;
		}
		if (!okc)
			return fail(p, n, "%s: '%.40s' may only contain %s", where, s,
				    rule == STR_NAME ? "a-z, 0-9 and -" :
				    rule == STR_GUEST ? "a-z, 0-9, _ and -" :
				    "printable characters on one line");
	}
	memcpy(dst, s, len);
	dst[len] = '\0';
	return 0;
}

/* ---- irqchip ---- */

static int parse_mode(struct pctx *p, yaml_node_t *n, const char *where, unsigned *mask)
{
	int m = get_enum(p, n, where, mode_names, IRQCHIP_NR, "kernel, split, user");

	if (m < 0)
		return -1;
	if (*mask & (1u << m))
		return fail(p, n, "%s: '%s' listed twice", where, mode_names[m]);
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
		if (!seq_len(n))
			return fail(p, n, "irqchip: empty list (leave it out to run under all modes)");
		for (unsigned i = 0; i < seq_len(n); i++)
			if (parse_mode(p, seq_item(p, n, i), "irqchip", &mask))
				return -1;
	} else {
		return fail(p, n, "irqchip: expected a mode or a list of modes, got %s",
			    type_name(n));
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
static bool exc_has_error(unsigned v)
{
	return v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30;
}

static int parse_vector(struct pctx *p, yaml_node_t *m, const char *where, uint64_t max,
			uint8_t *out)
{
	char w[96];
	yaml_node_t *n;
	uint64_t v = 0;

	join(w, sizeof(w), where, "vector");
	n = need(p, m, where, "vector");
	if (!n || get_uint(p, n, w, 0, max, &v))
		return -1;
	*out = v;
	return 0;
}

static int parse_dest(struct pctx *p, yaml_node_t *m, const char *where, uint64_t max,
		      uint32_t *out)
{
	yaml_node_t *n = get(p, m, "dest");
	char w[96];
	uint64_t v = 0;

	if (!n)
		return 0;
	join(w, sizeof(w), where, "dest");
	if (get_uint(p, n, w, 0, 255, &v))
		return -1;
	/* every kind but MSI names a vCPU index, which must exist */
	if (v > max)
		return fail(p, n, "%s: vCPU %" PRIu64 " does not exist (vcpus: %u)", w, v,
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
	n = get_kv(p, m, "error_code", &k);
	if (n && !exc_has_error(in->vector))
		return fail(p, k, "%s: vector %u has no error code", where, in->vector);
	/* A vector that pushes one always does: the guest's frame layout depends on it. */
	in->has_error = exc_has_error(in->vector);
	join(w, sizeof(w), where, "error_code");
	if (n && get_uint(p, n, w, 0, UINT32_MAX, &v))
		return -1;
	in->error_code = n ? v : 0;

	n = get_kv(p, m, "cr2", &k);
	if (n && in->vector != 14)
		return fail(p, k, "%s: cr2 is only for vector 14 (#PF)", where);
	join(w, sizeof(w), where, "cr2");
	if (n && get_uint(p, n, w, 0, UINT64_MAX, &in->cr2))
		return -1;
	in->has_cr2 = n;

	n = get_kv(p, m, "dr6", &k);
	if (n && in->vector != 1)
		return fail(p, k, "%s: dr6 is only for vector 1 (#DB)", where);
	join(w, sizeof(w), where, "dr6");
	if (n && get_uint(p, n, w, 0, UINT64_MAX, &in->dr6))
		return -1;
	in->has_dr6 = n;

	n = get(p, m, "pending");
	join(w, sizeof(w), where, "pending");
	return n ? get_bool(p, n, w, &in->pending) : 0;
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

	if (want_map(p, m, where) || check_keys(p, m, where, any_key))
		return -1;
	n = need(p, m, where, "kind");
	join(w, sizeof(w), where, "kind");
	if (!n || (kind = get_enum(p, n, w, kind_names, 7,
				   "msi, pin, nmi, exception, init, sipi, spurious")) < 0)
		return -1;
	/* Known keys that this kind does not take: say so, at the key. */
	for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = node(p, pr->key);
		bool known = false;

		for (i = 0; i < 7 && kind_keys[kind][i]; i++)
			known |= scalar_is(k, kind_keys[kind][i]);
		if (!known)
			return fail(p, k, "%s: kind %s takes no '%s'", where, kind_names[kind],
				    scalar(k));
	}

	memset(in, 0, sizeof(*in));
	in->kind = kind;
	in->line = m->start_mark.line + 1;
	in->action = PIN_PULSE;
	switch (in->kind) {
	case INJ_MSI:
		if (parse_vector(p, m, where, 255, &in->vector) || parse_dest(p, m, where, 255, &in->dest))
			return -1;
		if ((n = get(p, m, "delivery"))) {
			join(w, sizeof(w), where, "delivery");
			if (n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
			    *scalar(n) >= '0' && *scalar(n) <= '9') {
				if (get_uint(p, n, w, 0, 7, &v))
					return -1;
				in->delivery = v;
			} else {
				if ((i = get_enum(p, n, w, delivery_names, 8,
						  "fixed, lowest, smi, nmi, init, extint or 0..7")) < 0)
					return -1;
				in->delivery = i;
			}
		}
		if ((n = get(p, m, "trigger"))) {
			join(w, sizeof(w), where, "trigger");
			if ((i = get_enum(p, n, w, trigger_names, 2, "edge, level")) < 0)
				return -1;
			in->level = i;
		}
		return 0;
	case INJ_PIN:
		n = need(p, m, where, "pin");
		join(w, sizeof(w), where, "pin");
		if (!n || get_uint(p, n, w, 0, 23, &v))
			return -1;
		in->pin = v;
		if ((n = get(p, m, "action"))) {
			join(w, sizeof(w), where, "action");
			if ((i = get_enum(p, n, w, action_names, 3, "assert, deassert, pulse")) < 0)
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

	if (want_map(p, m, where) || check_keys(p, m, where, step_keys))
		return -1;
	if (!(at = need(p, m, where, "at")) || !(inj = need(p, m, where, "inject")))
		return -1;
	st->line = m->start_mark.line + 1;

	join(w, sizeof(w), where, "at");
	if (want_map(p, at, w) || check_keys(p, at, w, at_keys))
		return -1;
	if (map_len(at) != 1) {
		yaml_node_t *where_n = map_len(at) ? node(p, at->data.mapping.pairs.start[1].key) : at;

		return fail(p, where_n, "%s: needs exactly one of sync, delay_us", w);
	}
	if ((n = get_kv(p, at, "sync", &k))) {
		snprintf(w, sizeof(w), "%s.at.sync", where);
		if (get_uint(p, n, w, 0, UINT64_MAX, &st->n))
			return -1;
		/* Sync points are reached in order; a step out of order would never fire. */
		if (*have_sync && st->n <= *last_sync)
			return fail(p, n, "%s: %" PRIu64 " is not after the previous sync step's %"
				    PRIu64, w, st->n, *last_sync);
		*have_sync = true;
		*last_sync = st->n;
		st->at = AT_SYNC;
	} else {
		n = get(p, at, "delay_us");
		snprintf(w, sizeof(w), "%s.at.delay_us", where);
		if (get_uint(p, n, w, 0, UINT64_MAX, &st->n))
			return -1;
		/* A delay past the timeout would only ever be reported as a timeout. */
		if ((double)st->n >= p->sc->timeout_s * 1e6)
			return fail(p, n, "%s: %" PRIu64 " us is not before the timeout (%g s)", w,
				    st->n, p->sc->timeout_s);
		st->at = AT_DELAY_US;
	}

	join(w, sizeof(w), where, "inject");
	if (inj->type != YAML_SEQUENCE_NODE)
		return fail(p, inj, "%s: expected a list, got %s", w, type_name(inj));
	if (!seq_len(inj))
		return fail(p, inj, "%s: empty list", w);
	for (unsigned i = 0; i < seq_len(inj); i++) {
		yaml_node_t *item = seq_item(p, inj, i);

		if (i >= SC_MAX_INJ)
			return fail(p, item, "%s: more than %d items", w, SC_MAX_INJ);
		snprintf(w, sizeof(w), "%s.inject[%u]", where, i);
		if (parse_injection(p, item, w, &st->inj[i]))
			return -1;
		st->ninj = i + 1;
		join(w, sizeof(w), where, "inject");
	}
	return 0;
}

static int parse_steps(struct pctx *p, yaml_node_t *n)
{
	uint64_t last_sync = 0;
	bool have_sync = false;
	char w[32];

	if (n->type != YAML_SEQUENCE_NODE)
		return fail(p, n, "steps: expected a list, got %s", type_name(n));
	for (unsigned i = 0; i < seq_len(n); i++) {
		yaml_node_t *item = seq_item(p, n, i);

		if (i >= SC_MAX_STEPS)
			return fail(p, item, "steps: more than %d items", SC_MAX_STEPS);
		snprintf(w, sizeof(w), "steps[%u]", i);
		if (parse_step(p, item, w, &p->sc->steps[i], &have_sync, &last_sync))
			return -1;
		p->sc->nsteps = i + 1;
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
	    (scalar_is(n, "true") || scalar_is(n, "false"))) {
		if (kind == CHK_COUNT)
			return fail(p, n, "%s: a count is an integer, not %s", where, scalar(n));
		get_bool(p, n, where, &b);
		*out = b;
		return 0;
	}
	switch (kind) {
	case CHK_ENTRIES:
	case CHK_EOIS:
		if (get_uint(p, n, where, 0, 255, &v))
			return -1;
		*out = v;
		return 0;
	case CHK_ISR_AT_ENTRY:
		if (get_uint(p, n, where, 0, 1, &v))
			return -1;
		*out = v;
		return 0;
	case CHK_COUNT:
		if (get_uint(p, n, where, 0, INT64_MAX, &v))
			return -1;
		*out = v;
		return 0;
	default:
		if (parse_int(p, n, where, &neg, &v))
			return -1;
		if (neg ? v > (uint64_t)INT64_MAX + 1 : v > (uint64_t)INT64_MAX)
			return fail(p, n, "%s: %.40s does not fit in 64 signed bits", where, scalar(n));
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
		return fail(p, n, "%s: a count takes one integer, got %s", where, type_name(n));
	if (n->type != YAML_SEQUENCE_NODE)
		return fail(p, n, "%s: expected a list or a value, got %s", where, type_name(n));
	for (unsigned i = 0; i < seq_len(n); i++) {
		yaml_node_t *item = seq_item(p, n, i);

		if (i >= SC_MAX_VALUES)
			return fail(p, item, "%s: more than %d items", where, SC_MAX_VALUES);
		snprintf(w, sizeof(w), "%s[%u]", where, i);
		if (want_scalar(p, item, w) || parse_value(p, item, w, kind, &cv->v[i]))
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

	if (want_map(p, n, where) || check_keys(p, n, where, mode_keys))
		return -1;
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = node(p, pr->key), *v = node(p, pr->value), *f;
		enum irqchip_mode m = IRQCHIP_KERNEL;

		irqchip_mode__parse(scalar(k), &m);
		if (!(p->sc->irqchips & (1u << m)))
			return fail(p, k, "%s: mode '%s' is not in irqchip", where, scalar(k));
		join(w, sizeof(w), where, scalar(k));
		if (want_map(p, v, w) || check_keys(p, v, w, known_keys))
			return -1;
		join(w2, sizeof(w2), w, "ref");
		if (!(f = need(p, v, w, "ref")) ||
		    get_str(p, f, w2, c->known[m].ref, sizeof(c->known[m].ref), STR_LINE))
			return -1;
		join(w2, sizeof(w2), w, "observed");
		if (!(f = need(p, v, w, "observed")) ||
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

	if (want_map(p, m, where) || check_keys(p, m, where, check_keys_))
		return -1;
	c->line = m->start_mark.line + 1;
	n = need(p, m, where, "name");
	join(w, sizeof(w), where, "name");
	if (!n || get_str(p, n, w, c->name, sizeof(c->name), STR_LINE))
		return -1;
	/* Results are reported by check name, so two alike would be ambiguous. */
	for (struct check *o = p->sc->checks; o < c; o++)
		if (!strcmp(o->name, c->name))
			return fail(p, n, "%s: '%s' is already the name of line %u's check", w,
				    c->name, o->line);

	n = need(p, m, where, "expect");
	join(w, sizeof(w), where, "expect");
	if (!n || (kind = get_enum(p, n, w, expect_names, 8,
				   "entries, count, isr_at_entry, softirqs, tasklets, marks, eois, intact")) < 0)
		return -1;
	c->kind = kind;

	n = get_kv(p, m, "vector", &k);
	if (kind == CHK_COUNT || kind == CHK_ISR_AT_ENTRY) {
		join(w, sizeof(w), where, "vector");
		if (!n)
			return fail(p, m, "%s: expect %s needs a vector", where, expect_names[kind]);
		if (get_uint(p, n, w, 0, 255, &v))
			return -1;
		c->vector = v;
	} else if (n) {
		return fail(p, k, "%s: expect %s takes no vector", where, expect_names[kind]);
	}

	if ((n = get(p, m, "cpu"))) {
		join(w, sizeof(w), where, "cpu");
		if (get_uint(p, n, w, 0, p->sc->vcpus - 1, &v))
			return -1;
		c->has_cpu = true;
		c->cpu = v;
	}

	n = need(p, m, where, "value");
	join(w, sizeof(w), where, "value");
	if (!n || parse_values(p, n, w, c->kind, &c->expect))
		return -1;

	n = get(p, m, "known");
	join(w, sizeof(w), where, "known");
	return n ? parse_known(p, n, w, c) : 0;
}

static int parse_checks(struct pctx *p, yaml_node_t *n)
{
	char w[32];

	if (n->type != YAML_SEQUENCE_NODE)
		return fail(p, n, "checks: expected a list, got %s", type_name(n));
	if (!seq_len(n))
		return fail(p, n, "checks: empty list (a scenario must check something)");
	for (unsigned i = 0; i < seq_len(n); i++) {
		yaml_node_t *item = seq_item(p, n, i);

		if (i >= SC_MAX_CHECKS)
			return fail(p, item, "checks: more than %d items", SC_MAX_CHECKS);
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

	if (want_scalar(p, n, "timeout"))
		return -1;
	s = scalar(n);
	/* Fractions are allowed: plain digits.digits, read by strtod in the C locale. */
	if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && strchr(s, '.')) {
		if (strspn(s, "0123456789.") != n->data.scalar.length || *s == '.' ||
		    strchr(s, '.') != strrchr(s, '.') || s[n->data.scalar.length - 1] == '.')
			return fail(p, n, "timeout: expected seconds, got '%.40s'", s);
		t = strtod(s, &end);
	} else {
		if (parse_int(p, n, "timeout", &neg, &v))
			return -1;
		t = neg ? -(double)v : (double)v;
	}
	if (!(t > 0 && t <= SC_MAX_TIMEOUT))
		return fail(p, n, "timeout: %.40s is out of range (0, 600] seconds", s);
	p->sc->timeout_s = t;
	return 0;
}

static int parse_top(struct pctx *p, yaml_node_t *root)
{
	static const char *const top_keys[] = { "name", "description", "guest", "irqchip",
						"vcpus", "timeout", "steps", "checks", NULL };
	struct scenario *sc = p->sc;
	yaml_node_t *n;
	uint64_t v = 0;

	if (root->type != YAML_MAPPING_NODE)
		return fail(p, root, "top level: expected a map, got %s", type_name(root));
	if (check_keys(p, root, "top level", top_keys))
		return -1;
	/* Fixed order, whatever the file's: later keys are checked against earlier ones. */
	if (!(n = need(p, root, "top level", "name")) ||
	    get_str(p, n, "name", sc->name, sizeof(sc->name), STR_NAME))
		return -1;
	if ((n = get(p, root, "description")) &&
	    get_str(p, n, "description", sc->description, sizeof(sc->description), STR_ANY))
		return -1;
	if (!(n = need(p, root, "top level", "guest")) ||
	    get_str(p, n, "guest", sc->guest, sizeof(sc->guest), STR_GUEST))
		return -1;
	sc->guest_line = n->start_mark.line + 1;
	sc->guest_col = n->start_mark.column + 1;
	if ((n = get(p, root, "irqchip")) && parse_irqchip(p, n))
		return -1;
	if ((n = get(p, root, "vcpus"))) {
		if (get_uint(p, n, "vcpus", 1, 2, &v))
			return -1;
		sc->vcpus = v;
	}
	if ((n = get(p, root, "timeout")) && parse_timeout(p, n))
		return -1;
	if ((n = get(p, root, "steps")) && parse_steps(p, n))
		return -1;
	if (!(n = need(p, root, "top level", "checks")) || parse_checks(p, n))
		return -1;
	return 0;
}

/* libyaml's own error, with its position; reader errors only carry a byte offset. */
static int yaml_fail(struct pctx *p, yaml_parser_t *y)
{
	const char *what = y->problem ? y->problem : "malformed YAML";
	size_t line = y->problem_mark.line + 1, col = y->problem_mark.column + 1;

	switch (y->error) {
	case YAML_MEMORY_ERROR:
		errline__set(p->err, p->errlen, "%s: out of memory parsing YAML", p->path);
		return -1;
	case YAML_READER_ERROR:
		line = col = 1;
		for (size_t i = 0; i < y->problem_offset && i < p->len; i++) {
			if (p->buf[i] == '\n') {
				line++;
				col = 1;
			} else if (((unsigned char)p->buf[i] & 0xc0) != 0x80) {
				col++;
			}
		}
		if (y->problem_value >= 0)
			return fail_at(p, line, col, "invalid input: %s (0x%x)", what,
				       (unsigned)y->problem_value);
		return fail_at(p, line, col, "invalid input: %s", what);
	default:
		if (y->context)
			return fail_at(p, line, col, "%s (%s at line %zu)", what, y->context,
				       y->context_mark.line + 1);
		return fail_at(p, line, col, "%s", what);
	}
}

/*
 * One pass over the events of what yaml_parser_load will read (the stream up
 * to the end of its second document), refusing nesting deeper than
 * SC_MAX_DEPTH at the first node too deep. It stops there, so a file of
 * nothing but '[' costs microseconds, not libyaml's minutes.
 */
static int check_depth(struct pctx *p)
{
	unsigned depth = 0, docs = 0;
	yaml_parser_t y;
	yaml_event_t e;
	bool done = false;
	int ret = 0;

	if (!yaml_parser_initialize(&y)) {
		errline__set(p->err, p->errlen, "%s: out of memory parsing YAML", p->path);
		return -1;
	}
	yaml_parser_set_input_string(&y, (const unsigned char *)p->buf, p->len);
	while (!done && !ret) {
		if (!yaml_parser_parse(&y, &e)) {
			ret = yaml_fail(p, &y);
			break;
		}
		switch (e.type) {
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++depth > SC_MAX_DEPTH)
				ret = fail_at(p, e.start_mark.line + 1, e.start_mark.column + 1,
					      "nested deeper than %d levels of maps and lists",
					      SC_MAX_DEPTH);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_DOCUMENT_END_EVENT:
			done = ++docs == 2;
			break;
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		default:
			break;
		}
		yaml_event_delete(&e);
	}
	yaml_parser_delete(&y);
	return ret;
}

int scenario__parse(const char *buf, size_t len, const char *name, struct scenario *sc,
		    char *err, size_t errlen)
{
	struct pctx p = { .path = name ? name : "scenario", .buf = buf, .len = len, .sc = sc,
			  .err = err, .errlen = errlen };
	yaml_document_t doc, extra;
	yaml_parser_t y;
	yaml_node_t *root, *n;
	int ret = -1;

	memset(sc, 0, sizeof(*sc));
	sc->irqchips = IRQCHIP_ALL;
	sc->vcpus = 1;
	sc->timeout_s = SC_DEF_TIMEOUT;
	if (err && errlen)
		err[0] = '\0';
	if (check_depth(&p)) {
		memset(sc, 0, sizeof(*sc));
		return -1;
	}

	if (!yaml_parser_initialize(&y)) {
		errline__set(err, errlen, "%s: out of memory parsing YAML", p.path);
		return -1;
	}
	yaml_parser_set_input_string(&y, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&y, &doc)) {
		yaml_fail(&p, &y);
		goto out_parser;
	}
	p.doc = &doc;
	root = yaml_document_get_root_node(&doc);
	if (!root) {
		fail_at(&p, 1, 1, "empty file: expected a scenario map");
		goto out_doc;
	}
	/* A second "---" document would be silently ignored; refuse it. */
	if (!yaml_parser_load(&y, &extra)) {
		yaml_fail(&p, &y);
		goto out_doc;
	}
	n = yaml_document_get_root_node(&extra);
	if (n)
		fail(&p, n, "only one YAML document is allowed");
	yaml_document_delete(&extra);
	if (n)
		goto out_doc;

	ret = parse_top(&p, root);
out_doc:
	yaml_document_delete(&doc);
out_parser:
	yaml_parser_delete(&y);
	if (ret) {
		/* Never hand back a half-filled scenario. */
		memset(sc, 0, sizeof(*sc));
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
		memset(sc, 0, sizeof(*sc));
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
