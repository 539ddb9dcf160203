// SPDX-License-Identifier: MIT
/*
 * The strict option-value parser (lib/opt.c): every value strtoull/strtod
 * would take but a person would not mean is refused, with nothing written
 * to *out: NaN, infinities, signs, blanks, octal, trailing junk, overflow.
 */
#include <math.h>
#include "lib/opt.h"
#include "tap.h"

#define SENTINEL 0x5a5a5a5a5a5a5a5aull

static void u64_ok(const char *s, uint64_t min, uint64_t max, uint64_t want)
{
	uint64_t v = SENTINEL;

	ok(opt__u64(s, min, max, &v) == 0 && v == want, "u64 '%s' = %" PRIu64, s, want);
}

static void u64_bad(const char *s, uint64_t min, uint64_t max)
{
	uint64_t v = SENTINEL;

	ok(opt__u64(s, min, max, &v) < 0 && v == SENTINEL, "u64 '%s' refused, *out untouched", s);
}

static void size_ok(const char *s, uint64_t want)
{
	uint64_t v = SENTINEL;

	ok(opt__size(s, 0, UINT64_MAX, &v) == 0 && v == want, "size '%s' = %" PRIu64, s, want);
}

static void size_bad(const char *s, uint64_t min, uint64_t max)
{
	uint64_t v = SENTINEL;

	ok(opt__size(s, min, max, &v) < 0 && v == SENTINEL, "size '%s' refused", s);
}

static void sec_ok(const char *s, double want)
{
	double v = -1;

	ok(opt__seconds(s, 86400, &v) == 0 && v == want, "seconds '%s' = %g", s, want);
}

static void sec_bad(const char *s)
{
	double v = -1;

	ok(opt__seconds(s, 86400, &v) < 0 && v == -1, "seconds '%s' refused", s);
}

/* Run getopt_long over @args (NULL-terminated) and describe its first error. */
static void getopt_msg(const char *const *args, const char *optstring, const char *want)
{
	static const struct option lo[] = {
		{ "mem", required_argument, NULL, 'm' }, { "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 256 }, { "vcpus", required_argument, NULL, 257 },
		{ "output", required_argument, NULL, 'o' }, { NULL, 0, NULL, 0 },
	};
	char *argv[8], buf[160] = "";
	int argc = 0, c;

	while (args[argc])
		argv[argc] = (char *)args[argc], argc++;
	argv[argc] = NULL;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, optstring, lo, NULL)) != -1)
		if (c == '?' || c == ':') {
			opt__getopt_error(c, argv, lo, buf, sizeof(buf));
			break;
		}
	ok(!strcmp(buf, want), "getopt error: '%s'", want);
	if (strcmp(buf, want))
		printf("#   got '%s'\n", buf);
}

int main(void)
{
	u64_ok("0", 0, 10, 0);
	u64_ok("2", 1, 2, 2);
	u64_ok("0x10", 0, 100, 16);
	u64_ok("0XfF", 0, 1000, 255);
	u64_ok("18446744073709551615", 0, UINT64_MAX, UINT64_MAX);
	u64_ok("0xffffffffffffffff", 0, UINT64_MAX, UINT64_MAX);
	u64_bad("18446744073709551616", 0, UINT64_MAX);	/* overflow */
	u64_bad("0x10000000000000000", 0, UINT64_MAX);
	u64_bad("99999999999999999999999", 0, UINT64_MAX);
	u64_bad("-1", 0, UINT64_MAX);	/* strtoull: 2^64 - 1 */
	u64_bad("-18446744073709551615", 0, UINT64_MAX);	/* strtoul: 1 */
	u64_bad("-0", 0, 10);
	u64_bad("+1", 0, 10);
	u64_bad(" 1", 0, 10);
	u64_bad("1 ", 0, 10);
	u64_bad("1x", 0, 10);
	u64_bad("", 0, 10);
	u64_bad("0x", 0, 10);
	u64_bad("010", 0, 100);	/* octal to strtoull */
	u64_bad("nan", 0, 10);
	u64_bad("inf", 0, 10);
	u64_bad("1.0", 0, 10);
	u64_bad("3", 1, 2);
	u64_bad("0", 1, 2);
	u64_bad(NULL, 0, 10);
	{
		unsigned u = 7;

		ok(opt__uint("2", 1, 2, &u) == 0 && u == 2, "uint '2'");
		ok(opt__uint("4294967298", 0, 255, &u) < 0 && u == 2, "uint: 2^32 + 2 refused, not 2");
	}

	size_ok("64M", 64ull << 20);
	size_ok("1g", 1ull << 30);
	size_ok("4096", 4096);
	size_ok("4k", 4096);
	size_ok("0x4000000", 64ull << 20);
	size_ok("17179869183G", 17179869183ull << 30);
	size_bad("17179869185G", 0, UINT64_MAX);	/* wrapped to 1 GiB before */
	size_bad("17179869184G", 0, UINT64_MAX);	/* 2^64: wrapped to 0 */
	size_bad("12x", 0, UINT64_MAX);
	size_bad("1MB", 0, UINT64_MAX);
	size_bad("M", 0, UINT64_MAX);
	size_bad("-64M", 0, UINT64_MAX);
	size_bad("1T", 0, UINT64_MAX);
	size_bad("1M", 4u << 20, 3ull << 30);
	size_bad("4G", 4u << 20, 3ull << 30);

	sec_ok("30", 30);
	sec_ok("0", 0);
	sec_ok("2.5", 2.5);
	sec_ok("2.", 2);
	sec_ok("86400", 86400);
	sec_bad("nan");
	sec_bad("NaN");
	sec_bad("inf");
	sec_bad("infinity");
	sec_bad("-1");
	sec_bad("-0");
	sec_bad("+1");
	sec_bad("1e3");
	sec_bad("0x10");
	sec_bad(".5");
	sec_bad("1.2.3");
	sec_bad("1s");
	sec_bad(" 1");
	sec_bad("");
	sec_bad("86401");
	sec_bad("1e400");

	getopt_msg((const char *const[]){ "vmm", "--frob", NULL }, ":h", "unknown option '--frob'");
	getopt_msg((const char *const[]){ "vmm", "--frob=1", NULL }, ":h", "unknown option '--frob'");
	getopt_msg((const char *const[]){ "vmm", "--v", NULL }, ":h", "ambiguous option '--v'");
	getopt_msg((const char *const[]){ "vmm", "--mem", NULL }, ":h", "--mem: needs a value");
	getopt_msg((const char *const[]){ "vmm", "--me", NULL }, ":h", "--mem: needs a value");
	getopt_msg((const char *const[]){ "vmm", "--mem", NULL }, "h", "--mem: needs a value");
	getopt_msg((const char *const[]){ "vmm", "--quiet=1", NULL }, ":h",
		   "--quiet: takes no value ('--quiet=1')");
	getopt_msg((const char *const[]){ "vmm", "-x", NULL }, ":ho:", "unknown option '-x'");
	getopt_msg((const char *const[]){ "vmm", "--quiet", "-o", NULL }, ":ho:", "-o: needs a value");
	getopt_msg((const char *const[]){ "vmm", "--quiet", "-hx", NULL }, ":ho:", "unknown option '-x'");
	return tap_done();
}
