/* SPDX-License-Identifier: MIT */
/*
 * The last guest events (console lines, hypercalls, VMM deliveries,
 * injections), kept in a fixed ring so a dying guest's report can show
 * what led up to it. Bounded memory whatever the guest does.
 */
#ifndef VMM_EVLOG_H
#define VMM_EVLOG_H

#include <stdint.h>
#include <stdio.h>

#define EVLOG_SLOTS 32
#define EVLOG_TEXT 160

struct evlog {
	char text[EVLOG_SLOTS][EVLOG_TEXT];
	uint64_t seq;		/* events ever added */
};

void evlog__add(struct evlog *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print the last @n events, oldest first, each line prefixed by @indent. */
void evlog__dump(const struct evlog *l, FILE *f, unsigned n, const char *indent);

#endif
