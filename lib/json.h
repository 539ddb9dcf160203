/* SPDX-License-Identifier: MIT */
/* JSON output shared by the commands that write it (trace export, storm --json). */
#ifndef LIB_JSON_H
#define LIB_JSON_H

#include <stdio.h>

/* @s as a JSON string: quotes, backslashes and every byte outside 0x20..0x7e escaped. */
void json__str(FILE *f, const char *s);

#endif
