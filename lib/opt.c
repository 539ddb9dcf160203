// SPDX-License-Identifier: MIT
/*
 * One strict parser for every numeric option. strtoull() and strtod() alone
 * accept too much: leading blanks, a sign ("-1" wraps to 2^64 - 1), octal
 * ("010" is 8), "nan", "inf", hex floats, exponents. Here the grammar is
 * checked first, then the digits are accumulated with an overflow check.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "opt.h"

static int digit(char c, unsigned base)
{
	int d;

	if (c >= '0' && c <= '9')
		d = c - '0';
	else if (c >= 'a' && c <= 'f')
		d = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		d = c - 'A' + 10;
	else
		return -1;
	return d < (int)base ? d : -1;
}

/* The number at the start of @s; *end after it. -1: none, octal-looking, or overflow. */
static int number(const char *s, uint64_t *out, const char **end)
{
	unsigned base = 10;
	uint64_t v = 0;
	const char *p = s;
	int d;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	} else if (p[0] == '0' && digit(p[1], 10) >= 0) {
		return -1;	/* "010": octal to strtoull, decimal to a person */
	}
	if (digit(*p, base) < 0)
		return -1;
	for (; (d = digit(*p, base)) >= 0; p++) {
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			return -1;
		v = v * base + d;
	}
	*out = v;
	*end = p;
	return 0;
}

int opt__u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	const char *end;
	uint64_t v;

	if (!s || number(s, &v, &end) < 0 || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int opt__uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
	uint64_t v;

	if (opt__u64(s, min, max, &v) < 0)
		return -1;
	*out = (unsigned)v;
	return 0;
}

int opt__size(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	const char *end;
	unsigned shift = 0;
	uint64_t v;

	if (!s || number(s, &v, &end) < 0)
		return -1;
	switch (*end) {
	case 'K': case 'k': shift = 10; end++; break;
	case 'M': case 'm': shift = 20; end++; break;
	case 'G': case 'g': shift = 30; end++; break;
	}
	if (*end || v > UINT64_MAX >> shift)
		return -1;
	v <<= shift;
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int opt__seconds(const char *s, double max, double *out)
{
	const char *p = s;
	double v;

	if (!s || *p < '0' || *p > '9')
		return -1;
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	if (*p)
		return -1;
	/* only digits and one point are left: strtod reads exactly them */
	v = strtod(s, NULL);
	if (!(v >= 0 && v <= max))
		return -1;
	*out = v;
	return 0;
}

void opt__getopt_error(int c, char **argv, const struct option *lo, char *buf, size_t n)
{
	const char *arg = optind > 0 ? argv[optind - 1] : NULL;
	const struct option *hit = NULL;
	size_t len;
	int matches = 0;

	/*
	 * A long option: the element before optind starts with "--", and optopt
	 * is 0 (unknown, ambiguous) or that option's own value. Otherwise it was
	 * a short option, named by optopt.
	 */
	if (arg && !strncmp(arg, "--", 2) && arg[2]) {
		len = strcspn(arg + 2, "=");
		for (const struct option *o = lo; o && o->name; o++) {
			if (strncmp(o->name, arg + 2, len))
				continue;
			if (strlen(o->name) == len) {	/* exact: that one */
				hit = o;
				matches = 1;
				break;
			}
			hit = o;
			matches++;
		}
		if (matches == 1 && (optopt == 0 || optopt == hit->val)) {
			if (c == ':' || (hit->has_arg == required_argument && !arg[2 + len]))
				snprintf(buf, n, "--%s: needs a value", hit->name);
			else
				snprintf(buf, n, "--%s: takes no value ('%s')", hit->name, arg);
			return;
		}
		if (optopt == 0) {
			snprintf(buf, n, "%s option '%.*s'", matches > 1 ? "ambiguous" : "unknown",
				 (int)(len + 2), arg);
			return;
		}
	}
	if (c == ':')
		snprintf(buf, n, "-%c: needs a value", optopt);
	else if (optopt > ' ' && optopt < 0x7f)
		snprintf(buf, n, "unknown option '-%c'", optopt);
	else
		snprintf(buf, n, "unknown option '%s'", arg ? arg : "?");
}
