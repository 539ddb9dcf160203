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

static volatile sig_atomic_t interrupt_sig;

void spawn__interrupt(int sig)
{
	interrupt_sig = sig;
}

int spawn__interrupted(void)
{
	return interrupt_sig;
}

const char *spawn__interrupt_note(void)
{
	switch (interrupt_sig) {
	case 0: return "";
	case SIGINT: return "interrupted (SIGINT)";
	case SIGHUP: return "hung up (SIGHUP)";
	default: return "terminated (SIGTERM)";
	}
}

/* kill @pid's group and wait SPAWN_REAP_S at most for it: false when it did not go */
static bool kill_and_reap(pid_t pid, int *st)
{
	uint64_t t0 = clock__now_ns();

	kill(-pid, SIGKILL);
	while (waitpid(pid, st, WNOHANG) != pid) {
		if ((double)(clock__now_ns() - t0) / 1e9 > SPAWN_REAP_S)
			return false;
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	}
	return true;
}

int spawn__run(char *const argv[], const char *out_path, double limit_s,
	       struct spawn_result *res, char *err, size_t errlen)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	uint64_t t0 = clock__now_ns();
	pid_t pid;
	int rc, st = 0;

	memset(res, 0, sizeof(*res));
	if (interrupt_sig) {
		snprintf(err, errlen, "%s", spawn__interrupt_note());
		return -1;
	}
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
		if (interrupt_sig) {
			kill_and_reap(pid, &st);
			snprintf(err, errlen, "%s", spawn__interrupt_note());
			return -1;
		}
		if ((double)(clock__now_ns() - t0) / 1e9 > limit_s) {
			res->timed_out = true;
			/* a child stuck in the kernel (a nested KVM's) must not stop the caller too */
			res->unreaped = !kill_and_reap(pid, &st);
			if (res->unreaped)
				st = SIGKILL;
			break;
		}
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	}
	if (!res->timed_out)	/* what it left behind in its group goes too */
		kill(-pid, SIGKILL);
	res->wall_s = (double)(clock__now_ns() - t0) / 1e9;
	res->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return 0;
}
