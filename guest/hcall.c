// SPDX-License-Identifier: MIT
/* Hypercalls to ./vmm: fill one block, one 32-bit OUT of its address. */
#include "guest.h"

static struct ivm_hcall hc __aligned(64) __percpu;	/* each CPU calls on its own */

static void hcall(uint32_t kind, const void *msg, size_t len)
{
	if (len > IVM_HCALL_MSG_MAX)
		len = IVM_HCALL_MSG_MAX;
	hc.kind = kind;
	hc.len = len;
	memcpy(hc.msg, msg, len);
	outl(IVM_PORT_HCALL, (uint32_t)virt_to_phys(&hc));
}

void hc_print(const char *s, size_t n)
{
	hcall(IVM_HC_PRINT, s, n);
}

void hc_assert(const char *file, int line, const char *expr)
{
	char buf[IVM_HCALL_MSG_MAX];
	int n = snprintf(buf, sizeof(buf), "%s: %s", file, expr);

	hc.args[0] = line;
	hcall(IVM_HC_ASSERT, buf, n < (int)sizeof(buf) ? n : (int)sizeof(buf) - 1);
}

void hc_exc_result(const struct ivm_exc_result *r)
{
	hcall(IVM_HC_EXC_RESULT, r, sizeof(*r));
}

void hc_selftest_done(unsigned int cases, unsigned int failed)
{
	hc.args[0] = cases;
	hc.args[1] = failed;
	hcall(IVM_HC_SELFTEST_DONE, NULL, 0);
}

void hc_milestone(unsigned int id, const char *name)
{
	if (!on_ivm) {
		printf("milestone %s\n", name);
		return;
	}
	hc.args[0] = id;
	hcall(IVM_HC_MILESTONE, name, strlen(name));
}

/* Final status to the exit port (isa-debug-exit under QEMU, the VMM's too) */
void hc_done(unsigned int code)
{
	guest_exit(code);
}

void guest_assert_fail(const char *file, int line, const char *expr)
{
	if (on_ivm)
		hc_assert(file, line, expr);
	else
		printf("ASSERT %s:%d: %s\n", file, line, expr);
	guest_exit(0x7e);
}

void hc_register(uint64_t gpa)
{
	hc.args[0] = gpa;
	hcall(IVM_HC_REGISTER, NULL, 0);
}

/* The VMM performs this point's injections before the guest resumes */
void hc_sync(unsigned int n)
{
	ev_record(IVM_EV_SYNC, 0, n);
	if (!on_ivm) {
		printf("sync %u\n", n);
		return;
	}
	hc.args[0] = n;
	hcall(IVM_HC_SYNC, NULL, 0);
}

/*
 * hc_sync() without its OUT, which the caller makes (from CPL3, through the
 * TSS I/O bitmap) with the value returned; 0: nothing to OUT
 */
uint32_t hc_sync_prepare(unsigned int n)
{
	ev_record(IVM_EV_SYNC, 0, n);
	if (!on_ivm) {
		printf("sync %u\n", n);
		return 0;
	}
	hc.args[0] = n;
	hc.kind = IVM_HC_SYNC;
	hc.len = 0;
	return (uint32_t)virt_to_phys(&hc);
}

void hc_scenario_done(unsigned int code)
{
	if (!on_ivm)
		return;
	hc.args[0] = code;
	hcall(IVM_HC_SCENARIO_DONE, NULL, 0);
}

/*
 * Is @cpu at a quiet point (include/abi.h IVM_HC_QUIET)? The VMM asks it on its
 * own thread: IVM_QUIET_* bits, 0 if so, with its RIP in *@rip. Not on ivm: no answer.
 */
uint32_t hc_quiet(unsigned int cpu, uint64_t *rip)
{
	if (!on_ivm)
		return IVM_QUIET_NO_ANSWER;
	hc.args[0] = cpu;
	hcall(IVM_HC_QUIET, NULL, 0);
	if (rip)
		*rip = hc.args[2];
	return (uint32_t)hc.args[1];
}

/*
 * How far another CPU has got: its @counter, read by the VMM at an exit so
 * that a replay gives the recorded value back (include/abi.h IVM_HC_PROGRESS).
 * Not on ivm: read here.
 */
uint32_t hc_progress(const volatile uint32_t *counter)
{
	if (!on_ivm)
		return *counter;
	hc.args[0] = virt_to_phys((const void *)counter);
	hcall(IVM_HC_PROGRESS, NULL, 0);
	return (uint32_t)hc.args[1];
}
