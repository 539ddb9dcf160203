// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include "scenario/check.h"
#include "exit.h"
#include "dev/inject.h"
#include "model/interrupts.h"
#include "kvm.h"
#include "record/record.h"
#include "run.h"
#include "dev/uioapic.h"
#include "dev/ulapic.h"

#define KERNEL_MAX_BYTES (256u << 20)

/* Set from signal handlers; the run loop turns them into a stop. */
static volatile sig_atomic_t stop_signal;
/* The vCPU this thread runs: signal handlers end its KVM_RUN. */
static __thread struct vcpu *self;

#define SIG_KICK	SIGUSR1		/* to one vCPU thread: look at your state again */
#define SIG_TIMER	SIGUSR2		/* the host timer, to vCPU 0's thread only */

static void on_signal(int sig)
{
	stop_signal = sig;
	if (self)
		self->run->immediate_exit = 1;	/* covers a signal just before KVM_RUN */
}

/* The trace a crash of the VMM itself must still close (emergency path). */
static struct itr_writer *volatile crash_trace;

/*
 * SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT: the VMM itself is broken. Write
 * what the trace buffered plus an END naming the signal, then die of it.
 */
static void on_crash(int sig)
{
	static const char msg[] = "vmm: fatal signal in the VMM; trace closed\n";
	struct itr_writer *w = crash_trace;

	crash_trace = NULL;
	if (w) {
		itr_writer__set_end(w, VMM_HOST_ERROR, (uint8_t)sig);
		itr_writer__emergency_close(w);
		ssize_t ignored = write(STDERR_FILENO, msg, sizeof(msg) - 1);

		(void)ignored;	/* nothing more can be done about a failed write here */
	}
	raise(sig);	/* SA_RESETHAND: the default action, once this returns */
}

/* A kick or the host timer: just get this vCPU out of KVM_RUN. */
static void on_kick(int sig)
{
	if (self)
		self->run->immediate_exit = 1;
}

struct vcpu *vcpu__current(void)
{
	return self;
}

void vcpu__kick(struct vcpu *v)
{
	if (v == self)
		return;		/* it looks before its next KVM_RUN anyway */
	pthread_cond_broadcast(&v->vm->wake);
	if (!v->has_thread || !v->run)
		return;
	__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_RELEASE);
	pthread_kill(v->thread, SIG_KICK);
}

void vm__drain_rings(struct vm *vm)
{
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		evring__drain(&vm->vcpus[i].ring, &vm->mem, false);
}

void vm__drain_rings_final(struct vm *vm)
{
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		evring__drain(&vm->vcpus[i].ring, &vm->mem, true);
}

static uint64_t min_deadline(uint64_t a, uint64_t b)
{
	return a && (!b || a < b) ? a : b;
}

/*
 * Host-side time: scenario delay steps, our LAPIC timers, the IOAPIC storm
 * guard. Run what is due, then note the earliest next one for the host timer.
 * vCPU 0's thread does this for all; a vCPU with something new is kicked.
 */
static void service_timers(struct vm *vm, uint64_t t0, uint32_t *done)
{
	const struct scenario *sc = vm->opts.scenario;
	uint64_t now = uioapic__now_ns(), next = 0;
	/* the host timer went off: its window poll is for every vCPU, not only this one */
	bool polled = vm->armed_deadline_ns && vm->armed_deadline_ns <= now;
	char err[200];
	static char why[256];

	for (unsigned i = 0; sc && i < sc->nsteps && !vm->done; i++) {
		const struct step *st = &sc->steps[i];
		uint64_t due = t0 + st->n * 1000;

		if (st->at != AT_DELAY_US || *done & (1u << i))
			continue;
		if (due > now) {
			next = min_deadline(due, next);
			continue;
		}
		*done |= 1u << i;
		vm__drain_rings(vm);
		vm->inject_point = 1ull << 63 | st->n;
		for (unsigned j = 0; j < st->ninj; j++) {
			if (inject__do(vm, &st->inj[j], err, sizeof(err)) < 0) {
				snprintf(why, sizeof(why), "scenario step at %llu us (config line %u): %s",
					 (unsigned long long)st->n, st->inj[j].line, err);
				vm__stop(vm, VMM_GUEST_FAILED, why);
				break;
			}
		}
	}
	if (vm->opts.irqchip != IRQCHIP_KERNEL) {
		ioapic__tick(&vm->ioapic, now);
		next = min_deadline(ioapic__next_deadline(&vm->ioapic), next);
	}
	for (unsigned i = 0; vm->opts.irqchip == IRQCHIP_USER && i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];
		uint64_t due = lapic__timer_next(&v->lapic);

		lapic__timer_tick(&v->lapic, now);
		next = min_deadline(lapic__timer_next(&v->lapic), next);
		/* only news is worth a kick (an exit each): its timer fired, or the poll is due */
		if ((due && due <= now) || (polled && v->run->request_interrupt_window))
			vcpu__kick(v);
	}
	vm->next_deadline_ns = next;
}

/*
 * While an interrupt waits for a window (user mode), poll: a host that is
 * late to report KVM_EXIT_IRQ_WINDOW_OPEN (seen on PVM) must not hold it back.
 */
#define WINDOW_POLL_NS 50000ull

static void arm_host_timer(struct vm *vm, timer_t timer)
{
	struct itimerspec its = { 0 };
	uint64_t now = uioapic__now_ns(), next = vm->next_deadline_ns, d;

	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i].run->request_interrupt_window &&
		    (!next || next > now + WINDOW_POLL_NS))
			next = now + WINDOW_POLL_NS;
	/* one syscall per exit adds up: re-arm only when the deadline moved */
	if (next == vm->armed_deadline_ns && (!next || next > now))
		return;
	vm->armed_deadline_ns = next;
	if (next) {
		d = next > now ? next - now : 1000;
		its.it_value.tv_sec = d / 1000000000ull;
		its.it_value.tv_nsec = d % 1000000000ull;
	}
	timer_settime(timer, 0, &its, NULL);	/* zero disarms */
}

/* Signals that end a run cleanly: the report and a complete trace still come. */
static const int stop_signals[] = { SIGALRM, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE };
static const int crash_signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };

static int install_signals(double timeout_s)
{
	static uint8_t alt_stack[64 << 10];	/* a stack overflow still gets its handler */
	stack_t ss = { .ss_sp = alt_stack, .ss_size = sizeof(alt_stack) };
	struct sigaction sa;
	struct itimerval it = { 0 };

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: KVM_RUN must return EINTR */
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++)
		if (sigaction(stop_signals[i], &sa, NULL))
			return -1;
	sa.sa_handler = on_crash;
	sa.sa_flags = SA_RESETHAND | SA_ONSTACK;
	if (sigaltstack(&ss, NULL))
		return -1;
	for (size_t i = 0; i < sizeof(crash_signals) / sizeof(crash_signals[0]); i++)
		if (sigaction(crash_signals[i], &sa, NULL))
			return -1;
	if (timeout_s > 0) {
		it.it_value.tv_sec = (time_t)timeout_s;
		it.it_value.tv_usec = (suseconds_t)((timeout_s - (double)it.it_value.tv_sec) * 1e6);
		if (!it.it_value.tv_sec && !it.it_value.tv_usec)
			it.it_value.tv_usec = 1;
		return setitimer(ITIMER_REAL, &it, NULL);
	}
	return 0;
}

void vm__stop(struct vm *vm, int status, const char *why)
{
	if (vm->done)
		return;
	vm->done = true;
	vm->status = status;
	vm->why = why;
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		vcpu__kick(&vm->vcpus[i]);
}

int read_file(const char *path, size_t max, uint8_t **buf, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	ssize_t got;
	size_t off = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*buf = NULL;
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto fail;
	}
	if ((uint64_t)st.st_size > max) {
		snprintf(err, errlen, "%s: %lld bytes, more than the %zu allowed", path,
			 (long long)st.st_size, max);
		goto fail;
	}
	*buf = malloc(st.st_size ? st.st_size : 1);
	if (!*buf) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	while (off < (size_t)st.st_size) {
		got = read(fd, *buf + off, st.st_size - off);
		if (got <= 0) {
			snprintf(err, errlen, "%s: read: %s", path, got ? strerror(errno) : "short file");
			goto fail;
		}
		off += got;
	}
	*len = off;
	close(fd);
	return 0;
fail:
	free(*buf);
	*buf = NULL;
	close(fd);
	return -1;
}

static int vm__init_sync(struct vm *vm)
{
	pthread_condattr_t ca;

	if (pthread_mutex_init(&vm->lock, NULL) || pthread_condattr_init(&ca) ||
	    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) || pthread_cond_init(&vm->wake, &ca))
		return -1;
	pthread_condattr_destroy(&ca);
	return 0;
}

static void stop_on_signal(struct vm *vm)
{
	int sig = stop_signal;

	if (vm->done)
		return;
	vm->end_signal = sig;
	vm__stop(vm, sig == SIGALRM ? VMM_TIMEOUT : VMM_INTERRUPTED,
		 sig == SIGALRM ? "watchdog: the guest did not finish in time" :
		 sig == SIGINT ? "interrupted (SIGINT)" :
		 sig == SIGHUP ? "hung up (SIGHUP)" :
		 sig == SIGQUIT ? "quit (SIGQUIT)" :
		 sig == SIGPIPE ? "standard output closed (SIGPIPE)" : "terminated (SIGTERM)");
}

/* True when @v has something to do besides wait: HLT and wait-for-SIPI end on these. */
static bool vcpu_has_work(const struct vcpu *v)
{
	return v->nreq || v->nr_nmi || v->init_pending || (v->wait_sipi && v->sipi_vector >= 0) ||
	       (v->halted && (v->spurious_pending || lapic__pending(&v->lapic) >= 0));
}

/*
 * Every vCPU idle (halted with IF=1 or waiting for a SIPI), no work queued
 * and no host timer to come: nothing can ever wake the guest.
 */
static bool vm_idle_forever(const struct vm *vm)
{
	if (vm->next_deadline_ns)
		return false;
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		const struct vcpu *v = &vm->vcpus[i];

		if ((!v->halted && !v->wait_sipi) || vcpu_has_work(v) || lapic__timer_next(&v->lapic))
			return false;
	}
	return true;
}

/* A user-mode vCPU in HLT or wait-for-SIPI sleeps here, the lock released. */
#define IDLE_WAIT_MAX_NS 10000000ull	/* re-look at least this often (signals, stops) */

static void vcpu_idle(struct vcpu *v)
{
	struct vm *vm = v->vm;
	uint64_t now = uioapic__now_ns(), until = now + IDLE_WAIT_MAX_NS;
	struct timespec ts;

	if (vm_idle_forever(vm)) {
		vm__stop(vm, VMM_GUEST_DIED, vm->nr_vcpus == 1 ?
			 "guest halted and no interrupt source is configured to wake it" :
			 "every vCPU halted or waits for a SIPI, and no interrupt source can wake one");
		return;
	}
	until = min_deadline(lapic__timer_next(&v->lapic), until);
	if (v->id == 0)
		until = min_deadline(vm->next_deadline_ns, until);
	if (until <= now)
		return;
	ts.tv_sec = until / 1000000000ull;
	ts.tv_nsec = until % 1000000000ull;
	pthread_cond_timedwait(&vm->wake, &vm->lock, &ts);
}

/* Work that only @v's own thread can do, then the irqchip's: false if @v must not run. */
static bool vcpu_pre_run(struct vcpu *v)
{
	if (v->nreq)
		inject__run_queued(v);
	if (v->nr_nmi)
		v->halted = false;	/* an NMI ends HLT */
	for (; v->nr_nmi; v->nr_nmi--)
		if (ioctl(v->fd, KVM_NMI, 0) < 0)
			fprintf(stderr, "vmm: cpu %u: KVM_NMI: %s\n", v->id, strerror(errno));
	if (v->vm->opts.irqchip == IRQCHIP_USER)
		return ulapic__pre_run(v) && !v->halted;
	return true;
}

struct host_timer {
	bool on;
	timer_t id;
	uint64_t t0;
	uint32_t steps_done;
};

/* One vCPU's loop, the VM lock held except inside KVM_RUN and idle waits. */
static void vcpu_loop(struct vcpu *v, struct host_timer *ht)
{
	struct vm *vm = v->vm;

	while (!vm->done) {
		bool runnable;
		int r, e;

		if (stop_signal) {
			stop_on_signal(vm);
			break;
		}
		if (ht && ht->on)
			service_timers(vm, ht->t0, &ht->steps_done);
		if (vm->done)
			break;
		runnable = vcpu_pre_run(v);
		if (ht && ht->on)
			arm_host_timer(vm, ht->id);
		if (vm->done)
			break;
		if (!runnable) {
			vcpu_idle(v);
			continue;
		}
		v->kicked = false;
		pthread_mutex_unlock(&vm->lock);
		r = ioctl(v->fd, KVM_RUN, 0);
		e = errno;
		pthread_mutex_lock(&vm->lock);
		if (r < 0) {
			if (e == EINTR || e == EAGAIN) {
				v->run->immediate_exit = 0;
				v->kicked = true;
				continue;
			}
			static char why[80];

			snprintf(why, sizeof(why), "cpu %u: KVM_RUN: %s", v->id, strerror(e));
			vm__stop(vm, VMM_HOST_ERROR, why);
			break;
		}
		exit__dispatch(v);
	}
}

static void *ap_thread(void *arg)
{
	struct vcpu *v = arg;

	self = v;
	pthread_mutex_lock(&v->vm->lock);
	vcpu_loop(v, NULL);
	pthread_mutex_unlock(&v->vm->lock);
	return NULL;
}

/*
 * vCPU 0 runs on this thread, each AP on its own. The watchdog, SIGINT,
 * SIGTERM and the host timer go to this thread only (APs block them);
 * whoever stops the VM kicks the others out.
 */
static void run_loop(struct vm *vm)
{
	struct vcpu *bsp = &vm->vcpus[0];
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIG_TIMER };
	struct sigaction sa = { .sa_handler = on_kick };
	struct host_timer ht = { .on = vm->opts.irqchip != IRQCHIP_KERNEL, .t0 = uioapic__now_ns() };
	sigset_t ap_blocked, old;

	for (unsigned i = 0; vm->opts.scenario && i < vm->opts.scenario->nsteps; i++)
		ht.on |= vm->opts.scenario->steps[i].at == AT_DELAY_US;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIG_KICK, &sa, NULL) < 0 || sigaction(SIG_TIMER, &sa, NULL) < 0) {
		vm__stop(vm, VMM_HOST_ERROR, "cannot install the kick signal handlers");
		return;
	}
	if (ht.on && timer_create(CLOCK_MONOTONIC, &sev, &ht.id) < 0) {
		vm__stop(vm, VMM_HOST_ERROR, "cannot create the host timer");
		ht.on = false;
	}
	self = bsp;
	bsp->thread = pthread_self();
	pthread_mutex_lock(&vm->lock);
	bsp->has_thread = true;
	sigemptyset(&ap_blocked);
	sigaddset(&ap_blocked, SIGALRM);
	sigaddset(&ap_blocked, SIGINT);
	sigaddset(&ap_blocked, SIGTERM);
	sigaddset(&ap_blocked, SIGHUP);
	sigaddset(&ap_blocked, SIGQUIT);
	sigaddset(&ap_blocked, SIG_TIMER);	/* not SIGPIPE: it goes to the thread that wrote */
	pthread_sigmask(SIG_BLOCK, &ap_blocked, &old);	/* inherited by the AP threads */
	for (unsigned i = 1; i < vm->nr_vcpus && !vm->done; i++) {
		struct vcpu *ap = &vm->vcpus[i];

		if (pthread_create(&ap->thread, NULL, ap_thread, ap) != 0) {
			vm__stop(vm, VMM_HOST_ERROR, "cannot start a vCPU thread");
			break;
		}
		ap->has_thread = true;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	vcpu_loop(bsp, &ht);
	if (!vm->done && stop_signal)
		stop_on_signal(vm);
	vm__stop(vm, VMM_HOST_ERROR, "the run loop ended");	/* only if nothing stopped it */
	pthread_mutex_unlock(&vm->lock);
	for (unsigned i = 1; i < vm->nr_vcpus; i++) {
		if (!vm->vcpus[i].has_thread)
			continue;
		pthread_join(vm->vcpus[i].thread, NULL);
		vm->vcpus[i].has_thread = false;
	}
	bsp->has_thread = false;
	self = NULL;
	if (ht.on)
		timer_delete(ht.id);
}

/* How the run ended, on stderr; the self-test table decides a self-test's status. */
static int finish(struct vm *vm)
{
	int status = vm->status;
	bool died = status == VMM_GUEST_DIED || status == VMM_TIMEOUT ||
		    status == VMM_HOST_ERROR || status == VMM_INTERRUPTED;

	console__flush(&vm->con);
	vm__drain_rings_final(vm);
	for (unsigned i = 0; !vm->opts.scenario && i < vm->nr_vcpus; i++) {
		const struct evring *r = &vm->vcpus[i].ring;

		/* a scenario says this in its own report; any other run says it here */
		if (r->bad || r->unpublished || r->guest_dropped)
			fprintf(stderr, "vmm: cpu %u: event stream incomplete: %llu records refused "
				"(impossible kind or fields), %llu never published, %u dropped by the guest\n",
				i, (unsigned long long)r->bad, (unsigned long long)r->unpublished,
				r->guest_dropped);
	}
	if (vm->st.n || vm->st.done) {
		unsigned bad = selftest__report(&vm->st, stdout, vm->opts.strict);

		fflush(stdout);
		if (!vm->st.done && !died) {
			status = VMM_GUEST_FAILED;
			vm->why = "self-test did not report completion";
		} else if (vm->guest_exited) {
			/* the guest's exit code counts every mismatch; we judge divergences */
			status = bad ? VMM_GUEST_FAILED : VMM_OK;
			vm->why = bad ? "exception self-test failed" : NULL;
		}
	}
	if (vm->opts.scenario) {
		const struct scenario *sc = vm->opts.scenario;
		unsigned bad;

		const struct evring *rings[VMM_MAX_VCPUS];
		struct ivm_event *ev;
		size_t n;
		char where[32];

		vm__drain_rings_final(vm);
		for (unsigned i = 0; i < vm->nr_vcpus; i++)
			rings[i] = &vm->vcpus[i].ring;
		ev = evring__merge(rings, vm->nr_vcpus, &n);
		snprintf(where, sizeof(where), "irqchip %s", irqchip_mode__name(vm->opts.irqchip));
		if (!ev) {
			printf("scenario %s: out of memory merging the vCPUs' events\n", sc->name);
			bad = 1;
		} else {
			bad = check__report(sc, vm->opts.irqchip, where, ev, n, vm->opts.strict, stdout);
		}
		free(ev);
		for (unsigned i = 0; i < vm->nr_vcpus; i++) {
			const struct evring *r = rings[i];

			if (r->cut_off)
				printf("scenario %s: cpu %u: its last %llu record(s) were cut off by the end of "
				       "the run (stopped mid-record; nothing after them was lost)\n", sc->name, i,
				       (unsigned long long)r->cut_off);
			if (!r->guest_dropped && !r->not_kept && !r->bad && !r->unpublished)
				continue;
			/* checks over an incomplete stream can't be trusted: never a silent loss */
			printf("scenario %s: event stream of cpu %u incomplete: %u dropped by the guest, "
			       "%llu not kept, %llu bad records, %llu never published\n", sc->name, i,
			       r->guest_dropped, (unsigned long long)r->not_kept,
			       (unsigned long long)r->bad, (unsigned long long)r->unpublished);
			bad++;
		}
		fflush(stdout);
		if (!died && !vm->scenario_done) {
			status = status ? status : VMM_GUEST_FAILED;
			vm->why = vm->why ? vm->why : "the guest never reported the scenario done";
		} else if (!died && (status == VMM_OK || vm->guest_exited)) {
			status = bad || vm->scenario_result ? VMM_GUEST_FAILED : VMM_OK;
			vm->why = bad ? "scenario checks failed" :
				  vm->scenario_result ? "the guest scenario reported an error" : NULL;
		}
	}
	if (vm->opts.interrupts) {
		static struct ivm_guest_page copy[VMM_MAX_VCPUS];
		const struct ivm_guest_page *pages[VMM_MAX_VCPUS];
		unsigned n = 0;

		/* the vCPUs that registered a page, from vCPU 0 up to the first that did not */
		for (; n < vm->nr_vcpus; n++) {
			uint64_t gpa = vm->vcpus[n].ring.gpa;
			const struct ivm_guest_page *p = gpa ? gmem__ptr(&vm->mem, gpa, sizeof(*p)) : NULL;

			if (!p)
				break;
			memcpy(&copy[n], p, sizeof(copy[n]));	/* one consistent read of guest memory */
			pages[n] = &copy[n];
		}
		if (n)
			interrupts__print(pages, n, stdout);
		else
			printf("\ninterrupts: the guest registered no counters page\n");
		fflush(stdout);
	}
	if (vm->nr_window_polled)
		fprintf(stderr, "vmm: %llu interrupt(s) injected after polling for a window: the host did "
			"not report KVM_EXIT_IRQ_WINDOW_OPEN when IF became 1\n",
			(unsigned long long)vm->nr_window_polled);
	if (died) {
		fprintf(stderr, "vmm: %s\n", vm->why ? vm->why : "stopped");
		for (unsigned i = 0; i < vm->nr_vcpus; i++) {
			if (vm->nr_vcpus > 1)
				fprintf(stderr, " cpu %u%s:\n", i, vm->vcpus[i].wait_sipi ?
					" (waiting for SIPI)" : "");
			vcpu__dump(&vm->vcpus[i], stderr);
		}
	} else if (status) {
		fprintf(stderr, "vmm: %s (exit status %d)\n", vm->why ? vm->why : "guest failed", status);
	}
	return status;
}

int vmm__run(const struct vmm_opts *opts)
{
	static struct vm vm;	/* large (event log, port bitmap): keep it off the stack */
	char err[256];
	uint8_t *img = NULL;
	size_t img_len = 0;
	int kvm_fd, status = VMM_HOST_ERROR;

	memset(&vm, 0, sizeof(vm));
	vm.opts = *opts;
	vm.kvm_fd = vm.vm_fd = -1;
	for (unsigned i = 0; i < VMM_MAX_VCPUS; i++)
		vm.vcpus[i].fd = -1;
	vm.nr_vcpus = opts->vcpus ? opts->vcpus : opts->scenario ? opts->scenario->vcpus : 1;
	if (vm__init_sync(&vm) < 0) {
		fprintf(stderr, "vmm: cannot set up the vCPU lock\n");
		return VMM_HOST_ERROR;
	}
	vm.milestones = opts->milestones;
	clock_gettime(CLOCK_MONOTONIC, &vm.t0);
	console__init(&vm.con, opts->quiet ? NULL : stdout, &vm.log);
	serial__init(&vm.com1, &vm.con);

	if (read_file(opts->kernel, KERNEL_MAX_BYTES, &img, &img_len, err, sizeof(err)) < 0 ||
	    loader__parse(img, img_len, opts->kernel, opts->mem_size, opts->boot, &vm.boot, err,
			  sizeof(err)) < 0) {
		fprintf(stderr, "vmm: %s\n", err);
		free(img);
		return VMM_USAGE;
	}
	kvm_fd = kvm__open(err, sizeof(err));
	if (kvm_fd < 0 || kvm__check_caps(kvm_fd, err, sizeof(err)) < 0 ||
	    vm__create(&vm, kvm_fd, err, sizeof(err)) < 0)
		goto out_err;
	if (loader__copy(img, img_len, &vm.boot, &vm.mem, err, sizeof(err)) < 0 ||
	    loader__write_boot_info(&vm.boot, &vm.mem, opts->cmdline, err, sizeof(err)) < 0) {
		status = VMM_USAGE;
		goto out_err;
	}
	if (vcpu__setup_boot(&vm.vcpus[0], &vm.boot, err, sizeof(err)) < 0 ||
	    (opts->irqchip != IRQCHIP_KERNEL && uioapic__init(&vm, err, sizeof(err)) < 0) ||
	    (opts->irqchip == IRQCHIP_USER && ulapic__init(&vm, err, sizeof(err)) < 0))
		goto out_err;
	free(img);
	img = NULL;
	if (opts->trace_path && record__open(&vm, opts->trace_path, err, sizeof(err)) < 0) {
		status = VMM_USAGE;
		goto out_err;
	}
	crash_trace = vm.trace;
	if (install_signals(opts->timeout_s) < 0) {
		snprintf(err, sizeof(err), "signals/timer: %s", strerror(errno));
		goto out_err;
	}
	if (opts->verbose)
		fprintf(stderr, "vmm: %s: %s boot, entry %#llx, %llu MiB, irqchip %s\n", opts->kernel,
			boot_proto__name(vm.boot.proto), (unsigned long long)vm.boot.entry,
			(unsigned long long)(opts->mem_size >> 20), irqchip_mode__name(opts->irqchip));
	run_loop(&vm);
	status = finish(&vm);
	if (fflush(stdout) == EOF || ferror(stdout) || stop_signal == SIGPIPE) {
		/* the report went nowhere: never a clean exit over a lost report */
		fprintf(stderr, "vmm: standard output was closed: the report is incomplete\n");
		vm.end_signal = vm.end_signal ? vm.end_signal : SIGPIPE;
		status = status ? status : VMM_INTERRUPTED;
	}
	crash_trace = NULL;	/* from here the ordinary close writes END */
	if (record__close(&vm, status, err, sizeof(err)) < 0) {
		/* never pass off a partial trace as complete */
		fprintf(stderr, "vmm: trace %s: %s\n", opts->trace_path, err);
		status = status ? status : VMM_HOST_ERROR;
	}
	vm__destroy(&vm);
	for (unsigned i = 0; i < VMM_MAX_VCPUS; i++)
		evring__free(&vm.vcpus[i].ring);
	close(kvm_fd);
	return status;
out_err:
	fprintf(stderr, "vmm: %s\n", err);
	free(img);
	if (vm.trace) {
		char cerr[160];

		crash_trace = NULL;
		record__close(&vm, status, cerr, sizeof(cerr));
	}
	vm__destroy(&vm);
	if (kvm_fd >= 0)
		close(kvm_fd);
	return status;
}
