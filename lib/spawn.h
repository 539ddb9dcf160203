/* SPDX-License-Identifier: MIT */
/* Running another program with a wall-clock limit, its output to a file. */
#ifndef LIB_SPAWN_H
#define LIB_SPAWN_H

#include <stdbool.h>

struct spawn_result {
	int status;		/* exit status, or 128 + signal */
	bool timed_out;		/* killed at the limit */
	double wall_s;
};

/*
 * Run argv[0] (searched in PATH) with stdin from /dev/null and stdout and
 * stderr appended to @out_path (created). Kill it and its process group
 * after @limit_s seconds. -1 with @err when it could not be started.
 */
int spawn__run(char *const argv[], const char *out_path, double limit_s,
	       struct spawn_result *res, char *err, size_t errlen);

#endif
