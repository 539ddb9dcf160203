/* SPDX-License-Identifier: MIT */
/* JSON output shared by the commands that write it (trace export, storm, run and check --json). */
#ifndef LIB_JSON_H
#define LIB_JSON_H

#include <stdio.h>

/* @s as a JSON string: quotes, backslashes and every byte outside 0x20..0x7e escaped. */
void json__str(FILE *f, const char *s);
/* @s as json__str, or null when @s is NULL. */
void json__str_or_null(FILE *f, const char *s);
/* An object member's name: @sep (",", or "" for the first) then "KEY":. */
void json__key(FILE *f, const char *sep, const char *key);

#endif
