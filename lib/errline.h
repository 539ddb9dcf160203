/* SPDX-License-Identifier: MIT */
/* One-line error messages: whatever a hostile input holds, the message stays one line. */
#ifndef VMM_ERRLINE_H
#define VMM_ERRLINE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Format into @err (may be NULL/0) and turn control characters into '?'. */
void errline__set(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void errline__vset(char *err, size_t errlen, const char *fmt, va_list ap);
/* "FILE: offset 0xN: what", the form of every bad-file message (@file NULL: "image"); -1. */
int errline__at(char *err, size_t errlen, const char *file, uint64_t off, const char *fmt, va_list ap);

#endif
