/* SPDX-License-Identifier: MIT */
/*
 * This tree's own programs (the Makefile's GUEST_PROG_SRCS): what their files
 * share, which guest/programs.c and scenarios.c register. Not installed: an
 * out-of-tree test sees only the library's API (ivm.h and what it includes).
 */
#ifndef GUEST_PROGRAMS_H
#define GUEST_PROGRAMS_H

#include "ivm.h"

/* ---- selftest.c ---- */
/* only=NAME[,NAME...]: run just these cases (NULL: all) */
extern const char *selftest_only;
extern int selftest_only_len;
/* The 27 exception cases, then with @conformance the conformance cases */
int selftest_run(bool conformance);

/* ---- hostile.c ---- */
void hostile_run(void);	/* test=hostile */

/* ---- storm.c ---- */
void sc_storm(void);	/* scenario=storm */
void storm_set_bug(const char *v, int len);	/* bug=NAME: a planted handler bug */
void storm_set_work(const char *v, int len);	/* work=cpl0|cpl3: where the background work runs */

/* ---- sweep.c ---- */
void sweep_run(void);	/* test=sweep: each instruction form at CPL0 and CPL3 */

#endif
