/* SPDX-License-Identifier: MIT */
/* Guest console: bytes from COM1, port 0xe9 and print hypercalls, as lines. */
#ifndef VMM_CONSOLE_H
#define VMM_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define CONSOLE_LINE_MAX 512

struct evlog;

struct console {
	FILE *out;		/* NULL: keep lines in the event log only */
	char line[CONSOLE_LINE_MAX];
	size_t len;
	struct evlog *log;
	unsigned long lines;
};

void console__init(struct console *c, FILE *out, struct evlog *log);
/* One byte; a line is emitted at '\n' or when it is full. Non-printables are escaped. */
void console__putc(struct console *c, unsigned char ch);
void console__write(struct console *c, const char *s, size_t n);
void console__flush(struct console *c);
/*
 * Guest-provided text made safe to print: up to @n bytes of @src, stopping
 * at a NUL, with control and non-ASCII bytes as \xNN and '\\' doubled; never
 * splits an escape. Always NUL-terminates @dst (@cap >= 1). Returns @dst.
 */
char *console__escape(char *dst, size_t cap, const char *src, size_t n);

#endif
