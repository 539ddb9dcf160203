/* SPDX-License-Identifier: MIT */
/*
 * vmm run --json and vmm check --json: one JSON document, built in memory and
 * written whole at the end (a temporary file beside FILE, renamed over it),
 * so a reader never sees half of one. A run that died is in it with
 * "complete": false and why.
 */
#ifndef VMM_JSON_OUT_H
#define VMM_JSON_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "scenario/scenario.h"

struct oracle;

struct json_out {
	FILE *f;		/* the document so far; NULL: no --json */
	char *buf;
	size_t len;
	const char *path;	/* as given; "-": standard output */
	char tmp[4096];		/* PATH.XXXXXX, renamed over PATH at the end */
	int fd;			/* tmp's, or the real stdout's; -1 none */
	unsigned runs;		/* runs written */
	bool complete;		/* every run so far did all it set out to do */
};

/* The help line of --json, for vmm run and vmm check */
#define JSON_OUT_HELP \
	"  --json=FILE                      the results as JSON in FILE, written whole at\n" \
	"                                   the end, also when the run dies (\"complete\":\n" \
	"                                   false); - is stdout (the rest goes to stderr)\n"

/*
 * Start the document of @tool ("vmm run") for @path (NULL: no --json, every
 * call a no-op). A bad path is found here, before any run: -1 with one line
 * "--json: PATH: why" in @err. "-": stdout is kept for the document and
 * stdout itself becomes stderr, as --tap does.
 */
int json_out__open(struct json_out *j, const char *path, const char *tool, char *err, size_t n);
/*
 * One run, as vmm__run returned @status: its report's members (or, when it
 * ended before its report, why not), as an object opened with @sep ("" first)
 * and left open for the caller's members when @keep_open.
 */
void json_out__run(struct json_out *j, FILE *f, const char *sep, int status,
		   enum irqchip_mode mode, bool keep_open);
/* The oracle's verdict, summary, counts and kept findings as one object. */
void json_out__oracle(FILE *f, const struct oracle *o);
/* End the document with "complete" (and @complete) and @status, and write it. -1 with @err. */
int json_out__close(struct json_out *j, bool complete, int status, char *err, size_t n);
/* Give up: no document, the temporary file removed. */
void json_out__abort(struct json_out *j);

#endif
