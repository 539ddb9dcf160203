// SPDX-License-Identifier: MIT
/* spawn__run: exit status, the output file, the limit, the group kill, and a stop asked by a signal. */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "lib/spawn.h"
#include "tap.h"

static char dir[] = "/tmp/test_spawn.XXXXXX";

static void path(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", dir, name);
}

static void slurp(const char *p, char *out, size_t n)
{
	FILE *f = fopen(p, "r");
	size_t k = f ? fread(out, 1, n - 1, f) : 0;

	out[k] = 0;
	if (f)
		fclose(f);
}

/* whether process @pid is still there and not a zombie */
static bool alive(pid_t pid)
{
	char p[64], st[512];
	char *rp;

	snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
	slurp(p, st, sizeof(st));
	rp = strrchr(st, ')');
	return rp && rp[1] == ' ' && rp[2] != 'Z' && rp[2] != 'X';
}

static void test_status_and_output(void)
{
	char out[256], text[256], err[128];
	char *argv[] = { "sh", "-c", "echo to-out; echo to-err >&2; exit 3", NULL };
	struct spawn_result res;

	path(out, sizeof(out), "status.log");
	ok(spawn__run(argv, out, 10, &res, err, sizeof(err)) == 0, "a child that ends is run");
	is_u64(res.status, 3, "its exit status");
	ok(!res.timed_out && !res.unreaped, "not timed out");
	slurp(out, text, sizeof(text));
	ok(!strcmp(text, "to-out\nto-err\n"), "stdout and stderr in the file, in order");
}

static void test_missing_program(void)
{
	char out[256], err[128];
	char *argv[] = { "/nonexistent/prog", NULL };
	struct spawn_result res;

	path(out, sizeof(out), "missing.log");
	ok(spawn__run(argv, out, 10, &res, err, sizeof(err)) == -1, "a program that is not there: -1");
	ok(!strcmp(err, "/nonexistent/prog: cannot start: No such file or directory"), "... saying why (%s)", err);
}

/* the limit kills the child and what it started (its group), and the caller goes on at once */
static void test_limit_kills_group(void)
{
	char out[256], pidf[256], text[64], err[128], cmd[512];
	char *argv[] = { "sh", "-c", cmd, NULL };
	struct spawn_result res;
	pid_t grandchild;

	path(out, sizeof(out), "limit.log");
	path(pidf, sizeof(pidf), "grandchild.pid");
	snprintf(cmd, sizeof(cmd), "sleep 60 & echo $! > %s; wait", pidf);
	ok(spawn__run(argv, out, 0.3, &res, err, sizeof(err)) == 0, "a child past its limit is run");
	ok(res.timed_out, "... and timed out");
	is_u64(res.status, 128 + SIGKILL, "... killed (128 + SIGKILL)");
	ok(res.wall_s < 5, "... the caller waited %.2f s, not the child's 60", res.wall_s);
	slurp(pidf, text, sizeof(text));
	grandchild = (pid_t)atoi(text);
	/* SIGKILL is sent before the reap; the grandchild's death is a moment behind at most */
	for (int i = 0; i < 1000 && grandchild > 0 && alive(grandchild); i++)
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	ok(grandchild > 0 && !alive(grandchild), "what it started went with it (pid %d)", (int)grandchild);
}

static void *interrupt_later(void *arg)
{
	nanosleep(&(struct timespec){ .tv_nsec = 200000000 }, NULL);
	spawn__interrupt(SIGINT);
	return arg;
}

/* a ^C while a child runs: the child goes, and so does every later run, before it starts */
static void test_interrupt(void)
{
	char out[256], later[256], err[128];
	char *argv[] = { "sleep", "60", NULL };
	struct spawn_result res;
	struct stat sb;
	pthread_t th;

	path(out, sizeof(out), "interrupt.log");
	path(later, sizeof(later), "later.log");
	ok(spawn__interrupted() == 0 && !strcmp(spawn__interrupt_note(), ""), "no stop asked at first");
	pthread_create(&th, NULL, interrupt_later, NULL);
	ok(spawn__run(argv, out, 60, &res, err, sizeof(err)) == -1, "the run in flight at the signal: -1");
	pthread_join(th, NULL);
	ok(!strcmp(err, "interrupted (SIGINT)"), "... with the signal named (%s)", err);
	ok(!strcmp(spawn__interrupt_note(), err), "... the note callers compare with");
	is_u64(spawn__interrupted(), SIGINT, "the signal is kept");
	err[0] = 0;
	ok(spawn__run(argv, later, 60, &res, err, sizeof(err)) == -1 && !strcmp(err, "interrupted (SIGINT)"),
	   "a later run is refused (%s)", err);
	ok(stat(later, &sb) < 0, "... before it starts (no output file)");
}

int main(void)
{
	char cmd[128];

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_status_and_output();
	test_missing_program();
	test_limit_kills_group();
	test_interrupt();	/* last: the stop stays asked */
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		printf("# could not remove %s\n", dir);
	return tap_done();
}
