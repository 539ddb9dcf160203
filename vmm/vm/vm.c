// SPDX-License-Identifier: MIT
/*
 * The interface every room above uses to reach the running VM: stop it, kick
 * a vCPU, ask which vCPU this thread runs. It knows nothing of the run loop,
 * so devices and handlers call down into it, never up into core/.
 */
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include "lib/clock.h"
#include "vm.h"

/* The vCPU this thread runs: signal handlers end its KVM_RUN. */
static __thread struct vcpu *self;

struct vcpu *vcpu__current(void)
{
	return self;
}

void vcpu__set_current(struct vcpu *v)
{
	self = v;
}

void vcpu__kick(struct vcpu *v)
{
	if (v == self)
		return;		/* it looks before its next KVM_RUN anyway */
	pthread_cond_broadcast(&v->vm->wake);
	if (!v->has_thread || !v->run)
		return;
	__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_RELEASE);
	pthread_kill(v->thread, VCPU_KICK_SIGNAL);
}

/* Wait on vm.wake (CLOCK_MONOTONIC, vm__init_lock) until @until; false once it is past. */
static bool wait_until(struct vm *vm, uint64_t until)
{
	struct timespec ts = { .tv_sec = until / 1000000000ull, .tv_nsec = until % 1000000000ull };

	return pthread_cond_timedwait(&vm->wake, &vm->lock, &ts) == 0 || clock__now_ns() < until;
}

static bool others_in_run(const struct vcpu *v)
{
	for (unsigned i = 0; i < v->vm->nr_vcpus; i++)
		if (i != v->id && v->vm->vcpus[i].in_run)
			return true;
	return false;
}

void vm__hold_others(struct vcpu *v)
{
	struct vm *vm = v->vm;
	uint64_t until = clock__now_ns() + VM_HOLD_WAIT_NS;

	vm->hold_by = v->id + 1;
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		if (i == v->id || !vm->vcpus[i].in_run)
			continue;
		vm->vcpus[i].held_out = true;
		vcpu__kick(&vm->vcpus[i]);
	}
	while (!vm->done && others_in_run(v) && wait_until(vm, until))
		;
}

void vm__release_hold(struct vcpu *v)
{
	if (v->vm->hold_by != v->id + 1)
		return;
	v->vm->hold_by = 0;
	pthread_cond_broadcast(&v->vm->wake);
}

void vm__wait_hold(struct vcpu *v)
{
	struct vm *vm = v->vm;
	uint64_t until;

	if (!vm->hold_by || vm->hold_by == v->id + 1)
		return;
	until = clock__now_ns() + VM_HOLD_MAX_NS;
	while (!vm->done && vm->hold_by && vm->hold_by != v->id + 1 && wait_until(vm, until))
		;
}

static void stop(struct vm *vm, int status, const char *why)
{
	if (vm->done)
		return;
	vm->done = true;
	vm->status = status;
	vm->why = why;
	vm->stopped_by = self ? (int)self->id : -1;
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		vcpu__kick(&vm->vcpus[i]);
}

void vm__stop(struct vm *vm, int status, const char *why)
{
	if (vm->done)
		return;
	if (vm->replay && vm->nr_vcpus > 1 && self && !vm->stop_deferred && !vm->until_hit &&
	    (status == VMM_OK || (status & 1))) {
		vm->stop_deferred = true;
		vm->deferred_status = status;
		vm->deferred_why = why;
		vm->stopped_by = (int)self->id;
		return;
	}
	stop(vm, status, why);
}

void vm__stop_now(struct vm *vm, int status, const char *why)
{
	stop(vm, status, why);
}

void vm__stop_deferred(struct vm *vm)
{
	int by = vm->stopped_by;

	vm__stop(vm, vm->deferred_status, vm->deferred_why);
	vm->stopped_by = by;	/* the vCPU that ended it, not the one applying it */
}

int vm__init_lock(struct vm *vm)
{
	pthread_condattr_t ca;

	if (pthread_mutex_init(&vm->lock, NULL) || pthread_condattr_init(&ca) ||
	    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) || pthread_cond_init(&vm->wake, &ca))
		return -1;
	pthread_condattr_destroy(&ca);
	return 0;
}

/* True when @v has something to do besides wait: HLT and wait-for-SIPI end on these. */
static bool vcpu_has_work(const struct vcpu *v)
{
	return v->nreq || v->nr_nmi || v->init_pending || (v->wait_sipi && v->sipi_vector >= 0) ||
	       (v->halted && !v->halted_if0 && (v->spurious_pending || lapic__pending(&v->lapic) >= 0));
}

/*
 * Every vCPU idle (halted or waiting for a SIPI), no work queued and no host
 * timer to come: nothing can ever wake the guest. A LAPIC timer raises a
 * fixed vector: it wakes no vCPU halted with IF=0.
 */
bool vm__idle_forever(const struct vm *vm)
{
	if (vm->next_deadline_ns)
		return false;
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		const struct vcpu *v = &vm->vcpus[i];

		if ((!v->halted && !v->wait_sipi) || vcpu_has_work(v) ||
		    (lapic__timer_next(&v->lapic) && !(v->halted && v->halted_if0)))
			return false;
	}
	return true;
}

uint32_t vcpu__tsc_khz(const struct vcpu *v)
{
	int khz = v->fd >= 0 ? ioctl(v->fd, KVM_GET_TSC_KHZ, 0) : -1;

	return khz > 0 ? (uint32_t)khz : 0;
}
