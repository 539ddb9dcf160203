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
#include "check.h"
#include "exit.h"
#include "inject.h"
#include "interrupts.h"
#include "kvm.h"
#include "record.h"
#include "run.h"
#include "uioapic.h"
#include "ulapic.h"

#define KERNEL_MAX_BYTES (256u << 20)

/* Set from signal handlers; the run loop turns them into a stop. */
static volatile sig_atomic_t stop_signal;
static struct kvm_run *volatile running;

static void on_signal(int sig)
{
	stop_signal = sig;
	if (running)
		running->immediate_exit = 1;	/* covers a signal just before KVM_RUN */
}

/* SIGUSR1: a timed scenario step is due; just get the vCPU out of KVM_RUN. */
static void on_kick(int sig)
{
	if (running)
		running->immediate_exit = 1;
}


/*
 * Host-side time: scenario delay steps, our LAPIC timer, the IOAPIC storm
 * guard. Run what is due, then arm @timer (SIGUSR1) for the earliest next one.
 */
static void service_timers(struct vm *vm, timer_t timer, uint64_t t0, uint32_t *done)
{
	const struct scenario *sc = vm->opts.scenario;
	uint64_t now = uioapic__now_ns(), next = 0, d;
	char err[200];
	static char why[256];

	for (unsigned i = 0; sc && i < sc->nsteps && !vm->done; i++) {
		const struct step *st = &sc->steps[i];
		uint64_t due = t0 + st->n * 1000;

		if (st->at != AT_DELAY_US || *done & (1u << i))
			continue;
		if (due > now) {
			next = !next || due < next ? due : next;
			continue;
		}
		*done |= 1u << i;
		evring__drain(&vm->ring, &vm->mem);
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
		d = ioapic__next_deadline(&vm->ioapic);
		next = d && (!next || d < next) ? d : next;
	}
	if (vm->opts.irqchip == IRQCHIP_USER) {
		lapic__timer_tick(&vm->lapic, now);
		d = lapic__timer_next(&vm->lapic);
		next = d && (!next || d < next) ? d : next;
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

	if (vm->vcpu.run->request_interrupt_window && (!next || next > now + WINDOW_POLL_NS))
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

static int install_signals(double timeout_s)
{
	struct sigaction sa;
	struct itimerval it = { 0 };

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: KVM_RUN must return EINTR */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) || sigaction(SIGINT, &sa, NULL) ||
	    sigaction(SIGTERM, &sa, NULL))
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

static void run_loop(struct vm *vm)
{
	struct vcpu *v = &vm->vcpu;
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
	struct sigaction sa = { .sa_handler = on_kick };
	bool timed = vm->opts.irqchip != IRQCHIP_KERNEL;
	uint32_t steps_done = 0;
	timer_t timer;
	uint64_t t0 = uioapic__now_ns();

	for (unsigned i = 0; vm->opts.scenario && i < vm->opts.scenario->nsteps; i++)
		timed |= vm->opts.scenario->steps[i].at == AT_DELAY_US;
	sigemptyset(&sa.sa_mask);
	if (timed && (sigaction(SIGUSR1, &sa, NULL) < 0 ||
		      timer_create(CLOCK_MONOTONIC, &sev, &timer) < 0)) {
		vm__stop(vm, VMM_HOST_ERROR, "cannot create the host timer");
		timed = false;
	}
	running = v->run;
	while (!vm->done) {
		if (stop_signal)
			break;
		if (timed)
			service_timers(vm, timer, t0, &steps_done);
		if (vm->opts.irqchip == IRQCHIP_USER)
			ulapic__pre_run(vm);
		if (timed)
			arm_host_timer(vm, timer);
		if (vm->done)
			break;
		vm->kicked = false;
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				v->run->immediate_exit = 0;
				vm->kicked = true;
				continue;
			}
			vm__stop(vm, VMM_HOST_ERROR, "KVM_RUN failed");
			fprintf(stderr, "vmm: KVM_RUN: %s\n", strerror(errno));
			break;
		}
		exit__dispatch(v);
	}
	running = NULL;
	if (timed)
		timer_delete(timer);
	if (!vm->done && stop_signal)
		vm__stop(vm, stop_signal == SIGALRM ? VMM_TIMEOUT : VMM_INTERRUPTED,
			 stop_signal == SIGALRM ? "watchdog: the guest did not finish in time" :
			 stop_signal == SIGINT ? "interrupted (SIGINT)" : "terminated (SIGTERM)");
}

/* How the run ended, on stderr; the self-test table decides a self-test's status. */
static int finish(struct vm *vm)
{
	int status = vm->status;
	bool died = status == VMM_GUEST_DIED || status == VMM_TIMEOUT ||
		    status == VMM_HOST_ERROR || status == VMM_INTERRUPTED;

	console__flush(&vm->con);
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

		evring__drain(&vm->ring, &vm->mem);
		char where[32];

		snprintf(where, sizeof(where), "irqchip %s", irqchip_mode__name(vm->opts.irqchip));
		bad = check__report(sc, vm->opts.irqchip, where, vm->ring.ev, vm->ring.n, vm->opts.strict,
				    stdout);
		if (vm->ring.guest_dropped || vm->ring.not_kept || vm->ring.corrupt) {
			/* checks over an incomplete stream can't be trusted: never a silent loss */
			printf("scenario %s: event stream incomplete: %u dropped by the guest, %llu not "
			       "kept, %llu corrupt heads\n", sc->name, vm->ring.guest_dropped,
			       (unsigned long long)vm->ring.not_kept, (unsigned long long)vm->ring.corrupt);
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
		const struct ivm_guest_page *p = vm->ring.gpa ?
			gmem__ptr(&vm->mem, vm->ring.gpa, sizeof(*p)) : NULL;
		static struct ivm_guest_page copy;

		if (p) {
			memcpy(&copy, p, sizeof(copy));	/* one consistent read of guest memory */
			interrupts__print(&copy, stdout);
		} else {
			printf("\ninterrupts: the guest registered no counters page\n");
		}
		fflush(stdout);
	}
	if (vm->nr_window_polled)
		fprintf(stderr, "vmm: %llu interrupt(s) injected after polling for a window: the host did "
			"not report KVM_EXIT_IRQ_WINDOW_OPEN when IF became 1\n",
			(unsigned long long)vm->nr_window_polled);
	if (died) {
		fprintf(stderr, "vmm: %s\n", vm->why ? vm->why : "stopped");
		vcpu__dump(&vm->vcpu, stderr);
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
	vm.kvm_fd = vm.vm_fd = vm.vcpu.fd = -1;
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
	if (vcpu__setup_boot(&vm.vcpu, &vm.boot, err, sizeof(err)) < 0 ||
	    (opts->irqchip != IRQCHIP_KERNEL && uioapic__init(&vm, err, sizeof(err)) < 0) ||
	    (opts->irqchip == IRQCHIP_USER && ulapic__init(&vm, err, sizeof(err)) < 0))
		goto out_err;
	free(img);
	img = NULL;
	if (opts->trace_path && record__open(&vm, opts->trace_path, err, sizeof(err)) < 0) {
		status = VMM_USAGE;
		goto out_err;
	}
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
	if (record__close(&vm, err, sizeof(err)) < 0) {
		/* never pass off a partial trace as complete */
		fprintf(stderr, "vmm: trace %s: %s\n", opts->trace_path, err);
		status = status ? status : VMM_HOST_ERROR;
	}
	vm__destroy(&vm);
	evring__free(&vm.ring);
	close(kvm_fd);
	return status;
out_err:
	fprintf(stderr, "vmm: %s\n", err);
	free(img);
	if (vm.trace) {
		char cerr[160];

		record__close(&vm, cerr, sizeof(cerr));
	}
	vm__destroy(&vm);
	if (kvm_fd >= 0)
		close(kvm_fd);
	return status;
}
