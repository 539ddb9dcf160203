/* SPDX-License-Identifier: MIT */
/*
 * Strict parsing of command-line values, shared by every command (run,
 * check, trace ...). A number is decimal without leading zeros, or 0x hex:
 * no sign, no blanks, nothing after it, no overflow. A bad value is never
 * half-parsed: on -1 nothing has been written to *out.
 */
#ifndef LIB_OPT_H
#define LIB_OPT_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

int opt__u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
int opt__uint(const char *s, unsigned min, unsigned max, unsigned *out);
/* A number as above, then optionally K, M or G (KiB, MiB, GiB). */
int opt__size(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* Seconds: "30", "0.5", "2.": decimal digits with an optional fraction; no sign,
 * exponent, hex, NaN or infinity. */
int opt__seconds(const char *s, double max, double *out);

/*
 * getopt_long() returned '?' (or ':' with an optstring starting with ':'):
 * one line in @buf naming the option and what is wrong with it: unknown,
 * ambiguous, needs a value, takes no value.
 */
void opt__getopt_error(int c, char **argv, const struct option *lo, char *buf, size_t n);

#endif
