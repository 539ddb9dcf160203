/* SPDX-License-Identifier: MIT */
/* SHA-256 (FIPS 180-4) of a buffer: the content hash a trace records for an input file. */
#ifndef LIB_SHA256_H
#define LIB_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN	32
#define SHA256_HEX	(2 * SHA256_LEN + 1)	/* lowercase hex and its NUL */

void sha256(const void *data, size_t len, uint8_t out[SHA256_LEN]);
/* The digest of @data as 64 lowercase hex digits in @hex. */
void sha256_hex(const void *data, size_t len, char hex[SHA256_HEX]);

#endif
