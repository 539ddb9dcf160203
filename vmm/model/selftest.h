/* SPDX-License-Identifier: MIT */
/*
 * Host side of the guest's exception self-test: collects the guest's
 * result records, notes which deliveries the VMM performed itself, sorts
 * every mismatch into "known platform divergence" or "failure", and
 * prints the per-exception table.
 */
#ifndef VMM_SELFTEST_H
#define VMM_SELFTEST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "abi.h"

#define SELFTEST_MAX 96

enum st_verdict {
	ST_PASS,
	ST_DIVERGENCE,		/* mismatch that a known host divergence explains */
	ST_FAIL,
};

struct st_case {
	struct ivm_exc_result r;
	bool via_vmm;		/* the VMM performed this delivery (INT n emulation) */
	enum st_verdict verdict;
	const struct known_divergence *div;
};

/* A platform behaviour that differs from the SDM, pinned by what it does. */
struct known_divergence {
	const char *case_name;	/* ivm_exc_result.name */
	uint8_t obs_vector;	/* what the host delivers instead */
	uint32_t mismatch;	/* exactly these IVM_CHK_* bits fail */
	const char *ref;	/* "PVM-2" */
	const char *what;
	int rip_side;		/* 0: any; 1: observed RIP after the expected one; -1: before it */
};

struct selftest {
	struct st_case cases[SELFTEST_MAX];
	unsigned n;
	unsigned dropped;	/* results beyond SELFTEST_MAX */
	bool done;
	uint64_t guest_cases, guest_failed;	/* the guest's own totals */
	/* INT n deliveries the VMM performed since the last result */
	unsigned vmm_deliveries;
	uint8_t vmm_last_vector;
};

void selftest__note_vmm_delivery(struct selftest *st, uint8_t vector);
/* Record one result; the record is copied, so the guest can't change it later. */
void selftest__add(struct selftest *st, const struct ivm_exc_result *r);
const struct known_divergence *selftest__match_divergence(const struct ivm_exc_result *r);
enum st_verdict selftest__classify(const struct ivm_exc_result *r, const struct known_divergence **div);
/* Print the table; returns the number of ST_FAIL cases (divergences too when @strict). */
unsigned selftest__report(const struct selftest *st, FILE *f, bool strict);
/*
 * One line per result in the guest's console format (guest/selftest.c
 * report()), then " via=kvm|vmm div=REF|-"; last "selftest done=1|0 cases=N"
 * (done=1: the guest reported completion and all its results are listed).
 */
void selftest__write_result(const struct st_case *c, FILE *f);
void selftest__write_results(const struct selftest *st, FILE *f);
/*
 * The cases as TAP test points (vmm run --tap), numbered on from *@num, which
 * counts them: "ok N - NAME"; a known host divergence "ok N - NAME # SKIP
 * known divergence REF: what" (with @strict "not ok", the divergence said in
 * the diagnostics); a failure "not ok N - NAME" then "# " lines with each
 * field expected and observed. Results dropped beyond SELFTEST_MAX are one
 * more "not ok". A '#' or a backslash in a name gets a backslash before it (TAP 13).
 * Returns the "not ok" points written, as selftest__report counts failures.
 */
unsigned selftest__tap(const struct selftest *st, bool strict, unsigned *num, FILE *f);
/*
 * The cases as one JSON object (vmm run --json): each case's fields expected
 * and observed, its verdict as the table prints it (PASS, DIVERGENCE with its
 * ID, FAIL) and the checks that failed; the totals, and whether the guest
 * reported completion. Returns what selftest__report returns.
 */
unsigned selftest__json(const struct selftest *st, bool strict, FILE *f);

#endif
