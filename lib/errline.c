// SPDX-License-Identifier: MIT
#include <inttypes.h>
#include <stdio.h>
#include "errline.h"

void errline__vset(char *err, size_t errlen, const char *fmt, va_list ap)
{
	if (!err || !errlen)
		return;
	vsnprintf(err, errlen, fmt, ap);
	for (char *s = err; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

void errline__set(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	errline__vset(err, errlen, fmt, ap);
	va_end(ap);
}

int errline__at(char *err, size_t errlen, const char *file, uint64_t off, const char *fmt, va_list ap)
{
	char msg[256];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	errline__set(err, errlen, "%s: offset 0x%" PRIx64 ": %s", file ? file : "image", off, msg);
	return -1;
}
