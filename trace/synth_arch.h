/* SPDX-License-Identifier: MIT */
/*
 * An architecturally exact synthetic trace, and the same with one planted
 * defect per kind the oracle names: its self-test and `vmm trace synth --arch`.
 */
#ifndef TRACE_SYNTH_ARCH_H
#define TRACE_SYNTH_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "itr.h"

#define ARCH_MAX 256	/* records in the longest stream */

enum arch_defect {
	ARCH_CLEAN, ARCH_ORDER, ARCH_LOST, ARCH_NO_IRET, ARCH_NEST, ARCH_NMI, ARCH_IF, ARCH_TPR,
	ARCH_ERRCODE, ARCH_DEPTH, ARCH_EXTRA, ARCH_EOI,
	ARCH_PVM4,	/* no defect: the exact stream as a PVM-4 host records it */
	ARCH_NR
};

const char *arch_defect__name(enum arch_defect d);
int arch_defect__parse(const char *s, enum arch_defect *d);
/* Fill @out (at most @max); returns the record count; @defect_seq: the planted record. */
size_t arch_synth(enum arch_defect d, struct itr_record *out, size_t max, uint64_t *defect_seq);
/* The same with @d planted in the stream a PVM-4 host (@pvm4) or an SDM one records */
size_t arch_synth_host(enum arch_defect d, bool pvm4, struct itr_record *out, size_t max, uint64_t *defect_seq);
int arch_synth__write(const char *path, enum arch_defect d, uint64_t *defect_seq, char *err, size_t errlen);

#endif
