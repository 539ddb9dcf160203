/* SPDX-License-Identifier: MIT */
/* Trace files for the unit tests: written from records, and as bytes to corrupt or rewrite (test_itr, test_replay, test_storm). */
#ifndef TESTS_TRACE_BYTES_H
#define TESTS_TRACE_BYTES_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "trace/itr.h"

/* @p: a trace of @recs under @h, then END; 0, or -1 if it could not be written */
static inline int trace_file(const char *p, const struct itr_header *h, struct itr_record *recs, unsigned n)
{
	struct itr_writer *w;
	char err[256];

	w = itr_writer__open(p, h, err, sizeof(err));
	if (!w)
		return -1;
	for (unsigned i = 0; i < n; i++)
		if (itr_writer__put(w, &recs[i]) < 0) {
			itr_writer__close(w, err, sizeof(err));
			return -1;
		}
	return itr_writer__close(w, err, sizeof(err));
}

/* The whole file @p in a malloc'd buffer (*@n bytes), NULL if unreadable. */
static inline uint8_t *slurp(const char *p, size_t *n)
{
	FILE *f = fopen(p, "rb");
	uint8_t *buf;

	if (!f) {
		*n = 0;
		return NULL;
	}
	fseek(f, 0, SEEK_END);
	*n = (size_t)ftell(f);
	rewind(f);
	buf = malloc(*n + 1);
	if (fread(buf, 1, *n, f) != *n)
		*n = 0;
	fclose(f);
	return buf;
}

/*
 * @p becomes @buf: a new file, not the old one truncated: on ext4 a truncate
 * to 0 of a file just written starts its writeback at close (auto_da_alloc),
 * and thousands of those made the tests wait on the disk.
 */
static inline void spit(const char *p, const uint8_t *buf, size_t n)
{
	FILE *f;

	unlink(p);
	f = fopen(p, "wb");

	fwrite(buf, 1, n, f);
	fclose(f);
}

/*
 * The bytes of a file of this version as version @v (1 to 4): without the
 * strings later versions added (3: kernel, config; 5: initrd, initrd_sha256),
 * the header length and count fixed. The config string is left as it was.
 */
static inline void downgrade(uint8_t *buf, size_t *n, uint16_t v)
{
	uint32_t hlen = (uint32_t)buf[12] | (uint32_t)buf[13] << 8, off = 46, cut;
	int keep = v >= 5 ? 8 : v >= 3 ? 6 : 4;	/* the header strings version @v has */

	for (int i = 0; i < keep; i++)
		off += 2 + ((uint32_t)buf[off] | (uint32_t)buf[off + 1] << 8);
	cut = hlen - off;	/* the strings after them, with their lengths */
	memmove(buf + off, buf + hlen, *n - hlen);
	*n -= cut;
	hlen -= cut;
	buf[8] = (uint8_t)v;
	buf[9] = 0;
	buf[12] = (uint8_t)hlen;
	buf[13] = (uint8_t)(hlen >> 8);
	buf[44] = (uint8_t)keep;
}

#endif
