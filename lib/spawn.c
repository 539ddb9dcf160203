// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "clock.h"
#include "spawn.h"

extern char **environ;

int spawn__run(char *const argv[], const char *out_path, double limit_s,
	       struct spawn_result *res, char *err, size_t errlen)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	uint64_t t0 = clock__now_ns();
	pid_t pid;
	int rc, st = 0;

	memset(res, 0, sizeof(*res));
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, out_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	posix_spawnattr_init(&attr);
	/* its own process group, so the limit kills what it started too (QEMU, a nested vmm) */
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
	rc = posix_spawnp(&pid, argv[0], &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (rc) {
		snprintf(err, errlen, "%s: cannot start: %s", argv[0], strerror(rc));
		return -1;
	}
	for (;;) {
		pid_t w = waitpid(pid, &st, WNOHANG);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			snprintf(err, errlen, "%s: waitpid: %s", argv[0], strerror(errno));
			kill(-pid, SIGKILL);
			return -1;
		}
		if (!res->timed_out && (double)(clock__now_ns() - t0) / 1e9 > limit_s) {
			res->timed_out = true;
			kill(-pid, SIGKILL);
		}
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	}
	if (!res->timed_out)	/* what it left behind in its group goes too */
		kill(-pid, SIGKILL);
	res->wall_s = (double)(clock__now_ns() - t0) / 1e9;
	res->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return 0;
}
