/* SPDX-License-Identifier: MIT */
/* Reading a whole input file (a kernel, a trace) with one clear error line. */
#ifndef LIB_FILE_H
#define LIB_FILE_H

#include <stddef.h>
#include <stdint.h>

/* Read a whole regular file into a malloc'd buffer, at most @max bytes; -1 with @err. */
int read_file(const char *path, size_t max, uint8_t **buf, size_t *len, char *err, size_t errlen);

#endif
