// SPDX-License-Identifier: MIT
#include <string.h>
#include "console.h"
#include "evlog.h"

void console__init(struct console *c, FILE *out, struct evlog *log)
{
	memset(c, 0, sizeof(*c));
	c->out = out;
	c->log = log;
}

void console__flush(struct console *c)
{
	if (!c->len)
		return;
	c->line[c->len] = '\0';
	if (c->out) {
		fprintf(c->out, "%s\n", c->line);
		fflush(c->out);
	}
	if (c->log)
		evlog__add(c->log, "console: %s", c->line);
	c->lines++;
	c->len = 0;
}

void console__putc(struct console *c, unsigned char ch)
{
	if (ch == '\n') {
		if (!c->len)	/* keep empty lines visible */
			c->line[c->len++] = ' ';
		console__flush(c);
		return;
	}
	if (ch == '\r')
		return;
	/* escape what a terminal would interpret: the guest is untrusted */
	if (ch < 0x20 || ch >= 0x7f) {
		if (c->len + 4 >= CONSOLE_LINE_MAX - 1)
			console__flush(c);
		static const char hex[] = "0123456789abcdef";
		c->line[c->len++] = '\\';
		c->line[c->len++] = 'x';
		c->line[c->len++] = hex[ch >> 4];
		c->line[c->len++] = hex[ch & 15];
		return;
	}
	if (c->len >= CONSOLE_LINE_MAX - 1)
		console__flush(c);
	c->line[c->len++] = (char)ch;
}

void console__write(struct console *c, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		console__putc(c, (unsigned char)s[i]);
}

char *console__escape(char *dst, size_t cap, const char *src, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (size_t i = 0; i < n && src[i]; i++) {
		unsigned char ch = (unsigned char)src[i];

		if (ch < 0x20 || ch >= 0x7f) {
			if (o + 4 >= cap)
				break;
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[ch >> 4];
			dst[o++] = hex[ch & 15];
		} else if (ch == '\\') {
			if (o + 2 >= cap)
				break;
			dst[o++] = '\\';
			dst[o++] = '\\';
		} else {
			if (o + 1 >= cap)
				break;
			dst[o++] = (char)ch;
		}
	}
	dst[o] = '\0';
	return dst;
}
