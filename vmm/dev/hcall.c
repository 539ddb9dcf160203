// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "model/console.h"
#include "record/record.h"
#include "replay/replay.h"
#include "hcall.h"
#include "inject.h"

static int hc_print(struct vm *vm, const struct ivm_hcall *hc)
{
	console__write(&vm->con, hc->msg, hc->len);
	if (!hc->len || hc->msg[hc->len - 1] != '\n')
		console__flush(&vm->con);
	return EXIT_RESUME;
}

static int hc_assert(struct vm *vm, const struct ivm_hcall *hc)
{
	static char why[4 * IVM_HCALL_MSG_MAX + 64];
	char msg[4 * IVM_HCALL_MSG_MAX + 1];

	console__escape(msg, sizeof(msg), hc->msg, hc->len);
	snprintf(why, sizeof(why), "guest assertion failed: %s (line %llu)", msg,
		 (unsigned long long)hc->args[0]);
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
	char name[4 * IVM_HCALL_MSG_MAX + 1];
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	console__escape(name, sizeof(name), hc->msg, hc->len);
	evlog__add(&vm->log, "milestone %llu %s", (unsigned long long)hc->args[0], name);
	if (record__on(vm)) {
		struct itr_record r = { .type = ITR_MILESTONE, .a = (uint32_t)hc->args[0] };

		record__host(vm, &r);
	}
	if (vm->milestones)
		fprintf(stderr, "vmm: milestone %s at %.3f ms\n", name,
			(ts.tv_sec - vm->t0.tv_sec) * 1e3 + (ts.tv_nsec - vm->t0.tv_nsec) / 1e6);
	return EXIT_RESUME;
}

/* Run the scenario's injections for sync point N before the guest resumes. */
static int hc_sync(struct vm *vm, const struct ivm_hcall *hc)
{
	const struct scenario *sc = vm->opts.scenario;
	static char why[256];
	char err[200];

	record__drain_rings(vm);	/* guest events so far precede what we inject */
	evlog__add(&vm->log, "sync %llu", (unsigned long long)hc->args[0]);
	vm->inject_point = hc->args[0];
	if (!sc)
		return EXIT_RESUME;
	for (unsigned i = 0; i < sc->nsteps; i++) {
		const struct step *st = &sc->steps[i];

		if (st->at != AT_SYNC || st->n != hc->args[0])
			continue;
		/* a replay makes each recorded visit's injections at that visit only */
		if (vm->replay && sc == &vm->replay->sc && ++vm->replay->seen[i] != vm->replay->visit[i])
			continue;
		for (unsigned j = 0; j < st->ninj; j++) {
			if (inject__do(vm, &st->inj[j], err, sizeof(err)) == 0)
				continue;
			snprintf(why, sizeof(why), "scenario step at sync %llu (config line %u): %s",
				 (unsigned long long)hc->args[0], st->inj[j].line, err);
			vm__stop(vm, VMM_GUEST_FAILED, why);
			return EXIT_STOP;
		}
		vm->next_step = i + 1;
	}
	return EXIT_RESUME;
}

static int hc_register(struct vm *vm, const struct ivm_hcall *hc)
{
	struct vcpu *v = vcpu__current();
	char err[160];

	if (!v)
		v = &vm->vcpus[0];	/* exit handlers under a test harness */
	v->ring.cpu = v->id;	/* one page per vCPU: the caller's */
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		const struct evring *o = &vm->vcpus[i].ring;

		/* two producers on one page would forge each other's records */
		if (o != &v->ring && o->gpa && hc->args[0] < o->gpa + sizeof(struct ivm_guest_page) &&
		    o->gpa < hc->args[0] + sizeof(struct ivm_guest_page)) {
			fprintf(stderr, "vmm: warning: cpu %u: guest page at %#llx overlaps cpu %u's: ignored\n",
				v->id, (unsigned long long)hc->args[0], i);
			evlog__add(&vm->log, "register: overlaps cpu %u's page", i);
			return EXIT_RESUME;
		}
	}
	if (evring__register(&v->ring, &vm->mem, hc->args[0], err, sizeof(err)) < 0) {
		fprintf(stderr, "vmm: warning: %s: ignored\n", err);
		evlog__add(&vm->log, "register: %s", err);
	}
	return EXIT_RESUME;
}

static int hc_scenario_done(struct vm *vm, const struct ivm_hcall *hc)
{
	record__drain_rings(vm);
	vm->scenario_done = true;
	vm->scenario_result = hc->args[0];
	return EXIT_RESUME;
}

typedef int (*hc_fn)(struct vm *vm, const struct ivm_hcall *hc);

static const hc_fn hc_handlers[IVM_HC_MAX] = {
	[IVM_HC_PRINT] = hc_print,
	[IVM_HC_ASSERT] = hc_assert,
	[IVM_HC_EXC_RESULT] = hc_exc_result,
	[IVM_HC_SELFTEST_DONE] = hc_selftest_done,
	[IVM_HC_MILESTONE] = hc_milestone,
	[IVM_HC_SYNC] = hc_sync,
	[IVM_HC_REGISTER] = hc_register,
	[IVM_HC_SCENARIO_DONE] = hc_scenario_done,
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
