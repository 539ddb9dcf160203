/* SPDX-License-Identifier: MIT */
/* Guest physical memory: one flat RAM slot at GPA 0; every access bounds-checked. */
#ifndef VMM_GMEM_H
#define VMM_GMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gmem {
	uint8_t *base;
	uint64_t size;
};

/* True when [gpa, gpa + len) lies inside guest RAM (overflow-safe). */
static inline bool gmem__contains(const struct gmem *m, uint64_t gpa, uint64_t len)
{
	return gpa <= m->size && len <= m->size - gpa;
}

/* Host pointer for [gpa, gpa + len), or NULL when any byte is outside RAM. */
static inline void *gmem__ptr(const struct gmem *m, uint64_t gpa, uint64_t len)
{
	return gmem__contains(m, gpa, len) ? m->base + gpa : NULL;
}

#endif
