// SPDX-License-Identifier: MIT
/*
 * A kernel's registered programs (vmm validate --kernel, vmm run --scenario):
 * progs__read over the whole input as the kernel file. It reads or says
 * there are none, or fails in one line; what it reads is names a command
 * line can carry, and progs__scenarios lists only scenarios.
 */
#include "fuzz.h"
#include "boot/progs.h"

static struct progs got;

/* One line, NUL-terminated, with no control characters. */
static void check_err(const char *err, size_t errlen)
{
	size_t n = strnlen(err, errlen);

	fuzz_assert(n > 0 && n < errlen);
	for (size_t i = 0; i < n; i++)
		fuzz_assert((unsigned char)err[i] >= 0x20 && err[i] != 0x7f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *names[PROGS_MAX + 1];
	unsigned nsc = 0;
	char err[256];
	int ret;

	ret = progs__read(data, size, "k.elf", &got, err, sizeof(err));
	if (ret < 0) {
		fuzz_assert(ret == -1 && got.n == 0);
		check_err(err, sizeof(err));
		return 0;
	}
	fuzz_assert(ret == 0 || (ret == 1 && got.n == 0));
	fuzz_assert(got.n <= PROGS_MAX);
	for (unsigned i = 0; i < got.n; i++) {
		size_t n = strnlen(got.p[i].name, PROGS_NAME_MAX);

		fuzz_assert(n > 0 && n < PROGS_NAME_MAX);
		for (size_t k = 0; k < n; k++)
			fuzz_assert(got.p[i].name[k] > ' ' && got.p[i].name[k] <= '~');
		fuzz_assert(got.p[i].kind == PROG_SCENARIO || got.p[i].kind == PROG_TEST ||
			    got.p[i].kind == PROG_OPTION);
		nsc += got.p[i].kind == PROG_SCENARIO;
	}
	fuzz_assert(progs__scenarios(&got, names) == nsc && !names[nsc]);
	return 0;
}
