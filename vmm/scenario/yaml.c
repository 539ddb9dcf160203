// SPDX-License-Identifier: MIT
/* Strict YAML reading over libyaml: typed, range-checked nodes, errors as "PATH:LINE:COL: what". */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "abi.h"
#include "lib/errline.h"
#include "yaml.h"

/* Configs nest a few levels deep; libyaml's scanner is quadratic in depth. */
#define YAML_MAX_DEPTH	32

/* Both fail forms end here, so every message has the one "PATH:LINE:COL: " shape. */
static void vfail_at(struct yaml_ctx *p, size_t line, size_t col, const char *fmt, va_list ap)
{
	char msg[256];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	errline__set(p->err, p->errlen, "%s:%zu:%zu: %s", p->path, line, col, msg);
}

int yaml__fail_at(struct yaml_ctx *p, size_t line, size_t col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail_at(p, line, col, fmt, ap);
	va_end(ap);
	return -1;
}

int yaml__fail(struct yaml_ctx *p, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;

	/* libyaml marks are 0-based; messages are 1-based like compilers'. */
	va_start(ap, fmt);
	vfail_at(p, n->start_mark.line + 1, n->start_mark.column + 1, fmt, ap);
	va_end(ap);
	return -1;
}

/* "WHERE.KEY" into @w, cut short rather than overflowing: it only names a field. */
void yaml__join(char *w, size_t cap, const char *where, const char *key)
{
	size_t a = strnlen(where, cap - 1), b;

	memcpy(w, where, a);
	if (a < cap - 1)
		w[a++] = '.';
	b = strnlen(key, cap - 1 - a);
	memcpy(w + a, key, b);
	w[a + b] = '\0';
}

yaml_node_t *yaml__node(struct yaml_ctx *p, int idx)
{
	return yaml_document_get_node(&p->doc, idx);
}

const char *yaml__scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

/* True when the scalar holds exactly @s (libyaml scalars may contain NULs). */
bool yaml__scalar_is(const yaml_node_t *n, const char *s)
{
	size_t l = strlen(s);

	return n->type == YAML_SCALAR_NODE && n->data.scalar.length == l &&
	       !memcmp(n->data.scalar.value, s, l);
}

const char *yaml__type_name(const yaml_node_t *n)
{
	if (yaml__is_null(n))
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
bool yaml__is_null(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       (n->data.scalar.length == 0 || yaml__scalar_is(n, "~") ||
		yaml__scalar_is(n, "null"));
}

int yaml__want_map(struct yaml_ctx *p, yaml_node_t *n, const char *where)
{
	if (n->type == YAML_MAPPING_NODE)
		return 0;
	return yaml__fail(p, n, "%s: expected a map, got %s", where, yaml__type_name(n));
}

int yaml__want_scalar(struct yaml_ctx *p, yaml_node_t *n, const char *where)
{
	if (n->type == YAML_SCALAR_NODE)
		return 0;
	return yaml__fail(p, n, "%s: expected a scalar, got %s", where, yaml__type_name(n));
}

unsigned yaml__map_len(const yaml_node_t *map)
{
	return map->data.mapping.pairs.top - map->data.mapping.pairs.start;
}

unsigned yaml__seq_len(const yaml_node_t *seq)
{
	return seq->data.sequence.items.top - seq->data.sequence.items.start;
}

yaml_node_t *yaml__seq_item(struct yaml_ctx *p, const yaml_node_t *seq, unsigned i)
{
	return yaml__node(p, seq->data.sequence.items.start[i]);
}

/*
 * Every key of @map must be a scalar named in @allowed (NULL-terminated) and
 * appear once: libyaml's document API keeps duplicates, so we look for them.
 */
int yaml__check_keys(struct yaml_ctx *p, yaml_node_t *map, const char *where,
		     const char *const *allowed)
{
	yaml_node_pair_t *pr, *q;

	for (pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = yaml__node(p, pr->key);
		bool known = false;

		if (k->type != YAML_SCALAR_NODE)
			return yaml__fail(p, k, "%s: keys must be scalars, got %s", where,
					  yaml__type_name(k));
		for (const char *const *a = allowed; *a && !known; a++)
			known = yaml__scalar_is(k, *a);
		if (!known)
			return yaml__fail(p, k, "%s: unknown key '%.40s'", where, yaml__scalar(k));
		for (q = map->data.mapping.pairs.start; q < pr; q++)
			if (yaml__scalar_is(yaml__node(p, q->key), yaml__scalar(k)))
				return yaml__fail(p, k, "%s: duplicate key '%s'", where,
						  yaml__scalar(k));
	}
	return 0;
}

/* The value under @key (checked by check_keys first), and its key node in @kn. */
yaml_node_t *yaml__get_kv(struct yaml_ctx *p, yaml_node_t *map, const char *key,
			  yaml_node_t **kn)
{
	yaml_node_pair_t *pr;

	for (pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top; pr++) {
		if (yaml__scalar_is(yaml__node(p, pr->key), key)) {
			if (kn)
				*kn = yaml__node(p, pr->key);
			return yaml__node(p, pr->value);
		}
	}
	return NULL;
}

yaml_node_t *yaml__get(struct yaml_ctx *p, yaml_node_t *map, const char *key)
{
	return yaml__get_kv(p, map, key, NULL);
}

yaml_node_t *yaml__need(struct yaml_ctx *p, yaml_node_t *map, const char *where,
			const char *key)
{
	yaml_node_t *v = yaml__get(p, map, key);

	if (!v)
		yaml__fail(p, map, "%s: missing required key '%s'", where, key);
	return v;
}

/* include/abi.h IVM_SCENARIO_NAMES: the numbers a config may write by name */
#define SCENARIO_NAME(name, value) { #name, value },
static const struct {
	const char *name;
	uint64_t value;
} named_values[] = { IVM_SCENARIO_NAMES(SCENARIO_NAME) };

const char *yaml__value_name(unsigned i, uint64_t *value)
{
	if (i >= sizeof(named_values) / sizeof(named_values[0]))
		return NULL;
	*value = named_values[i].value;
	return named_values[i].name;
}

static bool name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/*
 * NAME or NAME+N (N decimal or 0x hex): a name of IVM_SCENARIO_NAMES, so a
 * config says IVM_MARK_DEPTH+1 where it meant 0x101. *end: after the name.
 */
static int parse_named(struct yaml_ctx *p, yaml_node_t *n, const char *where, const char *s,
		       uint64_t *v, const char **end)
{
	size_t len = 0;
	unsigned i;

	while (name_char(s[len]))
		len++;
	for (i = 0; i < sizeof(named_values) / sizeof(named_values[0]); i++)
		if (strlen(named_values[i].name) == len && !strncmp(s, named_values[i].name, len))
			break;
	if (i == sizeof(named_values) / sizeof(named_values[0]))
		return yaml__fail(p, n, "%s: unknown name '%.*s' (docs/SCENARIOS.md \"Named values\" "
				  "lists them)", where, (int)(len > 40 ? 40 : len), s);
	*v = named_values[i].value;
	*end = s + len;
	return 0;
}

/*
 * Integers are plain decimal (optionally negative) or 0x hex, or a name
 * (parse_named), as a sign and a magnitude.
 */
int yaml__parse_int(struct yaml_ctx *p, yaml_node_t *n, const char *where, bool *neg,
		    uint64_t *mag)
{
	const char *s = yaml__scalar(n), *d;
	unsigned base = 10;
	uint64_t v = 0, named = 0;

	if (yaml__want_scalar(p, n, where))
		return -1;
	/* A quoted "5" is a string in YAML; accepting it would hide typos. */
	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return yaml__fail(p, n, "%s: expected an integer, got a quoted string", where);
	if (yaml__is_null(n))
		return yaml__fail(p, n, "%s: expected an integer, got nothing", where);
	*neg = *s == '-';
	d = s + *neg;
	if (!*neg && ((*d >= 'A' && *d <= 'Z') || *d == '_')) {
		if (parse_named(p, n, where, d, &named, &d))
			return -1;
		if (!*d) {
			*mag = named;
			return 0;
		}
		if (*d++ != '+')
			goto bad;
	}
	if (d[0] == '0' && (d[1] == 'x' || d[1] == 'X')) {
		base = 16;
		d += 2;
	} else if (d[0] == '0' && d[1]) {
		/* YAML 1.1 reads 010 as octal; refuse rather than guess. */
		return yaml__fail(p, n, "%s: '%.40s' has a leading zero (write decimal or 0x hex)",
				  where, s);
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
			return yaml__fail(p, n, "%s: %.40s is too large", where, s);
		v = v * base + dig;
	}
	if (named > UINT64_MAX - v)
		return yaml__fail(p, n, "%s: %.40s is too large", where, s);
	*mag = named + v;
	return 0;
bad:
	return yaml__fail(p, n, "%s: expected an integer, got '%.40s'", where, s);
}

int yaml__get_uint(struct yaml_ctx *p, yaml_node_t *n, const char *where, uint64_t min,
		   uint64_t max, uint64_t *out)
{
	bool neg = false;
	uint64_t v = 0;

	if (yaml__parse_int(p, n, where, &neg, &v))
		return -1;
	if ((neg && v) || v < min || v > max)
		return yaml__fail(p, n, "%s: %.40s is out of range %" PRIu64 "..%" PRIu64, where,
				  yaml__scalar(n), min, max);
	*out = v;
	return 0;
}

int yaml__get_bool(struct yaml_ctx *p, yaml_node_t *n, const char *where, bool *out)
{
	if (yaml__want_scalar(p, n, where))
		return -1;
	if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && yaml__scalar_is(n, "true"))
		*out = true;
	else if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && yaml__scalar_is(n, "false"))
		*out = false;
	else
		return yaml__fail(p, n, "%s: expected true or false, got '%.40s'", where,
				  yaml__scalar(n));
	return 0;
}

/* Index of the scalar in @names, or -1 with the error set. */
int yaml__get_enum(struct yaml_ctx *p, yaml_node_t *n, const char *where,
		   const char *const *names, unsigned nr, const char *choices)
{
	if (yaml__want_scalar(p, n, where))
		return -1;
	for (unsigned i = 0; i < nr; i++)
		if (names[i] && yaml__scalar_is(n, names[i]))
			return i;
	yaml__fail(p, n, "%s: '%.40s' is not one of %s", where, yaml__scalar(n), choices);
	return -1;
}

/* Copy a string scalar into @dst (@cap bytes with the NUL), checked against @rule. */
int yaml__get_str(struct yaml_ctx *p, yaml_node_t *n, const char *where, char *dst, size_t cap,
		  enum yaml_str_rule rule)
{
	const char *s;
	size_t len;

	if (yaml__want_scalar(p, n, where))
		return -1;
	if (yaml__is_null(n))
		return yaml__fail(p, n, "%s: expected a string, got nothing", where);
	s = yaml__scalar(n);
	len = n->data.scalar.length;
	if (strlen(s) != len)
		return yaml__fail(p, n, "%s: contains a NUL character", where);
	/* Block scalars (description: >) end in a newline nobody means to keep. */
	while (len && (s[len - 1] == '\n' || s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (!len)
		return yaml__fail(p, n, "%s: must not be empty", where);
	if (len >= cap)
		return yaml__fail(p, n, "%s: longer than %zu characters", where, cap - 1);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = s[i];
		bool okc;

		switch (rule) {
		case YAML_STR_NAME:
			okc = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
			break;
		case YAML_STR_IDENT:
			okc = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
			      c == '_';
			break;
		case YAML_STR_LINE:
			okc = c >= 0x20 && c != 0x7f;
			break;
		default:
			okc = true;
			break;
		}
		if (!okc)
			return yaml__fail(p, n, "%s: '%.40s' may only contain %s", where, s,
					  rule == YAML_STR_NAME ? "a-z, 0-9 and -" :
					  rule == YAML_STR_IDENT ? "a-z, 0-9, _ and -" :
					  "printable characters on one line");
	}
	memcpy(dst, s, len);
	dst[len] = '\0';
	return 0;
}

/* libyaml's own error, with its position; reader errors only carry a byte offset. */
static int parser_fail(struct yaml_ctx *p, yaml_parser_t *y)
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
			return yaml__fail_at(p, line, col, "invalid input: %s (0x%x)", what,
					     (unsigned)y->problem_value);
		return yaml__fail_at(p, line, col, "invalid input: %s", what);
	default:
		if (y->context)
			return yaml__fail_at(p, line, col, "%s (%s at line %zu)", what,
					     y->context, y->context_mark.line + 1);
		return yaml__fail_at(p, line, col, "%s", what);
	}
}

/*
 * One pass over the events of what yaml_parser_load will read (the stream up
 * to the end of its second document), refusing nesting deeper than
 * YAML_MAX_DEPTH at the first node too deep. It stops there, so a file of
 * nothing but '[' costs microseconds, not libyaml's minutes.
 */
static int check_depth(struct yaml_ctx *p)
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
			ret = parser_fail(p, &y);
			break;
		}
		switch (e.type) {
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++depth > YAML_MAX_DEPTH)
				ret = yaml__fail_at(p, e.start_mark.line + 1,
						    e.start_mark.column + 1,
						    "nested deeper than %d levels of maps and lists",
						    YAML_MAX_DEPTH);
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

int yaml__load(struct yaml_ctx *p, const char *expected, yaml_node_t **root)
{
	yaml_document_t extra;
	yaml_parser_t y;
	yaml_node_t *n;
	int ret = -1;

	if (check_depth(p))
		return -1;
	if (!yaml_parser_initialize(&y)) {
		errline__set(p->err, p->errlen, "%s: out of memory parsing YAML", p->path);
		return -1;
	}
	yaml_parser_set_input_string(&y, (const unsigned char *)p->buf, p->len);
	if (!yaml_parser_load(&y, &p->doc)) {
		parser_fail(p, &y);
		goto out_parser;
	}
	*root = yaml_document_get_root_node(&p->doc);
	if (!*root) {
		yaml__fail_at(p, 1, 1, "empty file: expected %s", expected);
		goto out_doc;
	}
	/* A second "---" document would be silently ignored; refuse it. */
	if (!yaml_parser_load(&y, &extra)) {
		parser_fail(p, &y);
		goto out_doc;
	}
	n = yaml_document_get_root_node(&extra);
	if (n)
		yaml__fail(p, n, "only one YAML document is allowed");
	yaml_document_delete(&extra);
	if (n)
		goto out_doc;
	ret = 0;
out_doc:
	/* On success the caller reads the document, and frees it with yaml__unload. */
	if (ret)
		yaml_document_delete(&p->doc);
out_parser:
	yaml_parser_delete(&y);
	return ret;
}

void yaml__unload(struct yaml_ctx *p)
{
	yaml_document_delete(&p->doc);
}
