// SPDX-License-Identifier: MIT
/*
 * This tree's test modes (test=NAME) and their options, registered with the
 * guest library (ivm.h) like any program: the exception self-test (the
 * default), the conformance cases, the hostile guest, the instruction sweep.
 */
#include "programs.h"

static int test_exceptions(void)
{
	return selftest_run(false);
}

static int test_conformance(void)	/* the exceptions, then the SDM conformance cases */
{
	return selftest_run(true);
}

static int test_hostile(void)		/* break the ABI on purpose: hostile.c */
{
	hostile_run();
	return 0x7d;	/* the VMM should have stopped us at the assertion */
}

static int test_sweep(void)		/* instruction forms at CPL0 vs CPL3: sweep.c */
{
	sweep_run();
	return 0;
}

/* only=NAME[,NAME...]: the self-test cases to run */
static void opt_only(const char *v, int len)
{
	selftest_only = v;
	selftest_only_len = len;
}

IVM_TEST_DEFAULT("exceptions", test_exceptions);
IVM_TEST("conformance", test_conformance);
IVM_TEST("hostile", test_hostile);
IVM_TEST("sweep", test_sweep);
IVM_OPTION("only", opt_only);
IVM_OPTION("bug", storm_set_bug);	/* bug=NAME: a planted storm handler bug */
IVM_OPTION("work", storm_set_work);	/* work=cpl3: the storm's background work at CPL3 */
