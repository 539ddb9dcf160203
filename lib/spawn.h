/* SPDX-License-Identifier: MIT */
/* Running another program with a wall-clock limit, its output to a file. */
#ifndef LIB_SPAWN_H
#define LIB_SPAWN_H

#include <stdbool.h>

struct spawn_result {
	int status;		/* exit status, or 128 + signal */
	bool timed_out;		/* killed at the limit */
	bool unreaped;		/* ... and still not gone SPAWN_REAP_S later (stuck in the kernel) */
	double wall_s;
};

/* how long a killed child may take to go before spawn__run stops waiting for it */
#define SPAWN_REAP_S	30

/*
 * Run argv[0] (searched in PATH) with stdin from /dev/null and stdout and
 * stderr appended to @out_path (created). Kill it and its process group
 * after @limit_s seconds. -1 with @err when it could not be started.
 */
int spawn__run(char *const argv[], const char *out_path, double limit_s,
	       struct spawn_result *res, char *err, size_t errlen);

/*
 * From a signal handler: the program is asked to stop. The child running
 * now is killed with its group, and that and every later spawn__run return
 * -1 with spawn__interrupt_note() as @err, so no child outlives a ^C.
 */
void spawn__interrupt(int sig);
/* The signal spawn__interrupt was given, 0 when none. */
int spawn__interrupted(void);
/* "interrupted (SIGINT)": the @err of a run it stopped or refused. */
const char *spawn__interrupt_note(void);

#endif
