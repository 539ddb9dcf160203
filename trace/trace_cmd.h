/* SPDX-License-Identifier: MIT */
/*
 * `vmm trace ...`: show, stats, export, diff and synth over .itr files. The
 * engines (formatting, delivery matching, synth, diff) are callable from the
 * unit tests; the *_main functions are the subcommands.
 */
#ifndef TRACE_CMD_H
#define TRACE_CMD_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "itr.h"

int trace_cmd__main(int argc, char **argv);

/* One `vmm trace show` line for @r, without newline; @depth = the vCPU's current nesting. */
void itr_show__format(const struct itr_record *r, unsigned depth, char *buf, size_t n);
const char *itr_stack__name(uint8_t stack, char *buf, size_t n);

/* Pairs each ENTRY with its IRET, per vCPU, in bounded memory. */
#define ITR_MATCH_DEPTH	64	/* open deliveries tracked per vCPU */
struct itr_match_frame {
	uint8_t vector;
	uint64_t seq, time_ns;
};
struct itr_match {
	uint8_t depth[256];	/* current nesting per vCPU (show's indentation) */
	uint16_t open[256];	/* frames in stack[vcpu] */
	struct itr_match_frame stack[256][ITR_MATCH_DEPTH];
	uint64_t unmatched_entries, unmatched_irets, overflow;
	unsigned max_depth;
};
/*
 * Feed one record. For an IRET, @closed receives the frames it closes, innermost
 * first (more than one when inner deliveries never returned); returns how many,
 * or -1 for an IRET with no open delivery of its vector.
 */
int itr_match__feed(struct itr_match *m, const struct itr_record *r,
		    struct itr_match_frame *closed);
/* At the end of the stream: count what is still open as unmatched. */
void itr_match__finish(struct itr_match *m);

enum itr_mutation { ITR_MUT_NONE, ITR_MUT_SWAP, ITR_MUT_DROP, ITR_MUT_EXTRA, ITR_MUT_ERRCODE,
		    ITR_MUT_NEST };
struct itr_synth_opts {
	uint64_t records;	/* before mutation, END excluded */
	uint64_t seed;
	enum itr_mutation mutate;
	uint64_t at;		/* first record index the mutation may touch; ~0 = 3/4 of records */
	unsigned vcpus;		/* 1..8 */
};
struct itr_synth_result {
	uint64_t written;	/* records in the file, END excluded */
	uint64_t a_seq;		/* the defect's seq in the unmutated trace */
	uint64_t b_seq;		/* ... and in the mutated one (drop: the record now there) */
};
int itr_synth__write(const char *path, const struct itr_synth_opts *o, struct itr_synth_result *res,
		     char *err, size_t errlen);
int itr_mutation__parse(const char *s, enum itr_mutation *m);
const char *itr_mutation__name(enum itr_mutation m);

/* diff */
#define ITR_DIFF_WINDOW	1024	/* look-ahead per side to resynchronise, a power of two */
#define ITR_DIFF_RUN	8	/* equal records in a row that confirm a resync */
#define ITR_DIFF_CONTEXT 3	/* records of context shown each side */
enum itr_diff_kind { ITR_DIFF_SAME, ITR_DIFF_MISSING, ITR_DIFF_EXTRA, ITR_DIFF_MISMATCH };
enum itr_field {
	ITR_F_TYPE, ITR_F_SOURCE, ITR_F_VCPU, ITR_F_VECTOR, ITR_F_CPL, ITR_F_DEPTH, ITR_F_STACK,
	ITR_F_ERR, ITR_F_RIP, ITR_F_CS, ITR_F_SS, ITR_F_RSP, ITR_F_RFLAGS, ITR_F_A, ITR_F_B, ITR_F_NR
};
struct itr_diff_opts {
	bool all;		/* host records too, and every RFLAGS bit */
	uint32_t ignore;	/* 1 << enum itr_field of frame fields not to compare (--ignore) */
	uint32_t skip;		/* 1 << type of guest record types left out (--skip) */
	bool no_inject;		/* INJECT records left out (a replay of 2+ vCPUs compares them apart) */
	bool one_vcpu;		/* --vcpu: compare only vCPU .vcpu's records */
	uint8_t vcpu;
	FILE *out;		/* the report; NULL = none */
};
struct itr_diff_result {
	enum itr_diff_kind first_kind;	/* ITR_DIFF_SAME: no difference */
	uint64_t first_a_seq, first_b_seq;	/* ~0 where that side had ended */
	uint32_t first_fields;		/* 1 << enum itr_field, for a mismatch */
	uint64_t missing, extra, mismatch;
	uint64_t field_count[ITR_F_NR];
	uint64_t compared_a, compared_b;	/* records each side that passed the filter */
	uint64_t records_a, records_b;		/* all records read */
	uint64_t lockstep;			/* pairs compared without a resync */
	uint64_t ldr_unlike;			/* LDR pairs of unlike models, not compared */
};
/* 0 same, 1 differ, 2 error (@err: one line). */
int itr_diff__files(const char *a, const char *b, const struct itr_diff_opts *o,
		    struct itr_diff_result *res, char *err, size_t errlen);
const char *itr_field__name(enum itr_field f);
/* "rip,rsp" (rip, rsp, rflags, cs, ss, stack) -> 1 << enum itr_field bits into *@bits; -1 if bad. */
int itr_diff__parse_ignore(const char *s, uint32_t *bits);
/* The fields diff compares by default that differ between @a and @b (1 << enum itr_field). */
uint32_t itr_diff__record(const struct itr_record *a, const struct itr_record *b);

/* The verbs' getopt tables: each verb parses with its own, trace_cmd.c checks with it first */
extern const struct option itr_export__opts[], itr_diff__opts[], itr_synth__opts[];

int itr_show__main(int argc, char **argv);
int itr_stats__main(int argc, char **argv);
int itr_export__main(int argc, char **argv);
int itr_diff__main(int argc, char **argv);
int itr_synth__main(int argc, char **argv);

#endif
