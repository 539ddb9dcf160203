// SPDX-License-Identifier: MIT
#include "json.h"

void json__str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			/* bytes >= 0x80 as \u00XX too: any input yields valid JSON */
			if (*p < 0x20 || *p >= 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

void json__str_or_null(FILE *f, const char *s)
{
	if (s)
		json__str(f, s);
	else
		fputs("null", f);
}

void json__key(FILE *f, const char *sep, const char *key)
{
	fputs(sep, f);
	json__str(f, key);
	fputc(':', f);
}
