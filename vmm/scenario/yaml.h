/* SPDX-License-Identifier: MIT */
/* Strict YAML reading over libyaml: typed, range-checked nodes, errors as "PATH:LINE:COL: what". */
#ifndef VMM_SCENARIO_YAML_H
#define VMM_SCENARIO_YAML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>	/* libyaml's: no -I directory holds this file, so <> never finds it */

/*
 * One document being read. The caller fills path, buf, len, err and errlen;
 * yaml__load fills doc. A helper that finds a problem puts it into err as one
 * line and returns -1 (yaml__need: NULL), so callers stop at the first.
 */
struct yaml_ctx {
	const char *path;	/* stands for the input in messages */
	const char *buf;
	size_t len;
	yaml_document_t doc;
	char *err;
	size_t errlen;
};

/*
 * Parse buf into doc and hand back its root; an empty input is "empty file:
 * expected @expected". Refuses nesting too deep and a second document. On
 * success yaml__unload frees doc.
 */
int yaml__load(struct yaml_ctx *p, const char *expected, yaml_node_t **root);
void yaml__unload(struct yaml_ctx *p);

/* "PATH:LINE:COL: what" into err (1-based LINE:COL); always returns -1. */
int yaml__fail_at(struct yaml_ctx *p, size_t line, size_t col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The same at @n's start. */
int yaml__fail(struct yaml_ctx *p, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "WHERE.KEY" into @w, cut short rather than overflowing: it only names a field. */
void yaml__join(char *w, size_t cap, const char *where, const char *key);

yaml_node_t *yaml__node(struct yaml_ctx *p, int idx);
const char *yaml__scalar(const yaml_node_t *n);
bool yaml__scalar_is(const yaml_node_t *n, const char *s);
bool yaml__is_null(const yaml_node_t *n);
const char *yaml__type_name(const yaml_node_t *n);	/* "a map", "a list", ... for messages */

int yaml__want_map(struct yaml_ctx *p, yaml_node_t *n, const char *where);
int yaml__want_scalar(struct yaml_ctx *p, yaml_node_t *n, const char *where);
unsigned yaml__map_len(const yaml_node_t *map);
unsigned yaml__seq_len(const yaml_node_t *seq);
yaml_node_t *yaml__seq_item(struct yaml_ctx *p, const yaml_node_t *seq, unsigned i);

/* Every key of @map is a scalar named in @allowed (NULL-terminated), once. */
int yaml__check_keys(struct yaml_ctx *p, yaml_node_t *map, const char *where,
		     const char *const *allowed);
/* The value under @key or NULL; yaml__get_kv also gives its key node in @kn. */
yaml_node_t *yaml__get_kv(struct yaml_ctx *p, yaml_node_t *map, const char *key, yaml_node_t **kn);
yaml_node_t *yaml__get(struct yaml_ctx *p, yaml_node_t *map, const char *key);
/* The same, but a missing key is an error. */
yaml_node_t *yaml__need(struct yaml_ctx *p, yaml_node_t *map, const char *where, const char *key);

/* A plain decimal or 0x hex integer, or NAME[+N] (abi.h IVM_SCENARIO_NAMES), as a sign and a magnitude. */
int yaml__parse_int(struct yaml_ctx *p, yaml_node_t *n, const char *where, bool *neg,
		    uint64_t *mag);
/* The i-th name a config may write for a number and its value; NULL past the last */
const char *yaml__value_name(unsigned i, uint64_t *value);
int yaml__get_uint(struct yaml_ctx *p, yaml_node_t *n, const char *where, uint64_t min,
		   uint64_t max, uint64_t *out);
int yaml__get_bool(struct yaml_ctx *p, yaml_node_t *n, const char *where, bool *out);
/* Index of the scalar in @names (@nr entries, NULL ones skipped), or -1; @choices lists them. */
int yaml__get_enum(struct yaml_ctx *p, yaml_node_t *n, const char *where,
		   const char *const *names, unsigned nr, const char *choices);

/* What yaml__get_str accepts in a string, which is never empty and never holds a NUL. */
enum yaml_str_rule {
	YAML_STR_ANY,
	YAML_STR_NAME,	/* a-z, 0-9 and - */
	YAML_STR_IDENT,	/* a-z, 0-9, _ and - */
	YAML_STR_LINE,	/* printable characters on one line */
};

/* Copy a string scalar, trailing blanks cut, into @dst (@cap bytes with the NUL). */
int yaml__get_str(struct yaml_ctx *p, yaml_node_t *n, const char *where, char *dst, size_t cap,
		  enum yaml_str_rule rule);

#endif
