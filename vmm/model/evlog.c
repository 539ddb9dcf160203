// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include "evlog.h"

void evlog__add(struct evlog *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(l->text[l->seq % EVLOG_SLOTS], EVLOG_TEXT, fmt, ap);
	va_end(ap);
	l->seq++;
}

void evlog__dump(const struct evlog *l, FILE *f, unsigned n, const char *indent)
{
	uint64_t first;

	if (n > EVLOG_SLOTS)
		n = EVLOG_SLOTS;
	first = l->seq > n ? l->seq - n : 0;
	for (uint64_t i = first; i < l->seq; i++)
		fprintf(f, "%s#%llu %s\n", indent, (unsigned long long)i, l->text[i % EVLOG_SLOTS]);
}
