/* SPDX-License-Identifier: MIT */
/* Appending to a fixed buffer: what fits goes in, and it stays NUL-terminated. */
#ifndef VMM_STRBUF_H
#define VMM_STRBUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/*
 * printf @fmt at @buf + @k, @buf being @n bytes with @k used: the new length,
 * at most @n - 1 (a cut line ends where the buffer does, NUL-terminated); @k
 * when the buffer is full or the format fails.
 */
static inline size_t strbuf__appendf(char *buf, size_t n, size_t k, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static inline size_t strbuf__appendf(char *buf, size_t n, size_t k, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (k >= n)
		return k;
	va_start(ap, fmt);
	w = vsnprintf(buf + k, n - k, fmt, ap);
	va_end(ap);
	if (w < 0)
		return k;
	return (size_t)w < n - k ? k + (size_t)w : n - 1;
}

#endif
