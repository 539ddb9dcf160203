// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "exit.h"
#include "hcall.h"

static int hc_print(struct vm *vm, const struct ivm_hcall *hc)
{
	console__write(&vm->con, hc->msg, hc->len);
	if (!hc->len || hc->msg[hc->len - 1] != '\n')
		console__flush(&vm->con);
	return EXIT_RESUME;
}

static int hc_assert(struct vm *vm, const struct ivm_hcall *hc)
{
	static char why[IVM_HCALL_MSG_MAX + 64];

	snprintf(why, sizeof(why), "guest assertion failed: %.*s (line %llu)", (int)hc->len,
		 hc->msg, (unsigned long long)hc->args[0]);
	vm__stop(vm, VMM_GUEST_DIED, why);
	return EXIT_STOP;
}

static int hc_exc_result(struct vm *vm, const struct ivm_hcall *hc)
{
	struct ivm_exc_result r;

	if (hc->len != sizeof(r)) {
		evlog__add(&vm->log, "hcall EXC_RESULT: len %u, expected %zu: ignored", hc->len,
			   sizeof(r));
		fprintf(stderr, "vmm: warning: malformed self-test result (len %u) ignored\n", hc->len);
		return EXIT_RESUME;
	}
	memcpy(&r, hc->msg, sizeof(r));
	selftest__add(&vm->st, &r);
	return EXIT_RESUME;
}

static int hc_selftest_done(struct vm *vm, const struct ivm_hcall *hc)
{
	vm->st.done = true;
	vm->st.guest_cases = hc->args[0];
	vm->st.guest_failed = hc->args[1];
	return EXIT_RESUME;
}

static int hc_milestone(struct vm *vm, const struct ivm_hcall *hc)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	evlog__add(&vm->log, "milestone %llu %.*s", (unsigned long long)hc->args[0],
		   (int)hc->len, hc->msg);
	if (vm->milestones)
		fprintf(stderr, "vmm: milestone %.*s at %.3f ms\n", (int)hc->len, hc->msg,
			(ts.tv_sec - vm->t0.tv_sec) * 1e3 + (ts.tv_nsec - vm->t0.tv_nsec) / 1e6);
	return EXIT_RESUME;
}

typedef int (*hc_fn)(struct vm *vm, const struct ivm_hcall *hc);

static const hc_fn hc_handlers[IVM_HC_MAX] = {
	[IVM_HC_PRINT] = hc_print,
	[IVM_HC_ASSERT] = hc_assert,
	[IVM_HC_EXC_RESULT] = hc_exc_result,
	[IVM_HC_SELFTEST_DONE] = hc_selftest_done,
	[IVM_HC_MILESTONE] = hc_milestone,
};

int hcall__handle(struct vm *vm, uint64_t gpa)
{
	const void *p = gmem__ptr(&vm->mem, gpa, sizeof(struct ivm_hcall));
	struct ivm_hcall hc;

	if (!p) {
		fprintf(stderr, "vmm: warning: hypercall block at %#llx is outside guest RAM: ignored\n",
			(unsigned long long)gpa);
		evlog__add(&vm->log, "hcall at %#llx: outside RAM", (unsigned long long)gpa);
		return EXIT_RESUME;
	}
	/* One copy, then validate: the guest can't change it under us afterwards. */
	memcpy(&hc, p, sizeof(hc));
	if (hc.kind >= IVM_HC_MAX || !hc_handlers[hc.kind] || hc.len > IVM_HCALL_MSG_MAX) {
		fprintf(stderr, "vmm: warning: bad hypercall at %#llx (kind %u, len %u): ignored\n",
			(unsigned long long)gpa, hc.kind, hc.len);
		evlog__add(&vm->log, "hcall kind %u len %u: bad", hc.kind, hc.len);
		return EXIT_RESUME;
	}
	vm->nr_hcalls++;
	return hc_handlers[hc.kind](vm, &hc);
}
