/* SPDX-License-Identifier: MIT */
/* Private to trace/oracle*.c: what the model and the report share beyond oracle.h. */
#ifndef TRACE_ORACLE_PRIV_H
#define TRACE_ORACLE_PRIV_H

#include <stdint.h>

/* "no record": a finding at the end of the trace, or one with no expectation behind it */
#define NONE		UINT64_MAX

#endif
