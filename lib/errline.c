// SPDX-License-Identifier: MIT
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
