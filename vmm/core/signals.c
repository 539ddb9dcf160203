// SPDX-License-Identifier: MIT
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>
#include "replay/replay.h"
#include "trace/itr.h"
#include "signals.h"

/* Set from signal handlers; the run loop turns them into a stop. */
static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
	struct vcpu *self = vcpu__current();

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
	struct vcpu *self = vcpu__current();

	if (self)
		self->run->immediate_exit = 1;
}

/* Signals that end a run cleanly: the report and a complete trace still come. */
static const int stop_signals[] = { SIGALRM, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE };
static const int crash_signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };

int signals__install(double timeout_s)
{
	static uint8_t alt_stack[64 << 10];	/* a stack overflow still gets its handler */
	stack_t ss = { .ss_sp = alt_stack, .ss_size = sizeof(alt_stack) };
	struct sigaction sa;
	struct itimerval it = { 0 };

	/* a previous run's watchdog is not this run's; a ^C still stops every later run */
	if (stop_signal == SIGALRM)
		stop_signal = 0;
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

int signals__install_kick(void)
{
	struct sigaction sa = { .sa_handler = on_kick };

	sigemptyset(&sa.sa_mask);
	return sigaction(VCPU_KICK_SIGNAL, &sa, NULL) < 0 || sigaction(SIG_TIMER, &sa, NULL) < 0 ? -1 : 0;
}

void signals__set_crash_trace(struct itr_writer *w)
{
	crash_trace = w;
}

int signals__pending(void)
{
	return stop_signal;
}

void signals__watchdog_off(void)
{
	static const struct itimerval off;

	setitimer(ITIMER_REAL, &off, NULL);
}

int signals__stop_asked(void)
{
	return stop_signal && stop_signal != SIGALRM;
}

void signals__stop_vm(struct vm *vm)
{
	static const char watchdog[] = "watchdog: the guest did not finish in time";
	static char timeout[1024];
	int sig = stop_signal;

	if (vm->done)
		return;
	vm->end_signal = sig;
	snprintf(timeout, sizeof(timeout), "%s", watchdog);
	/* a replay that ran out of time: where each vCPU stood waiting says why */
	if (sig == SIGALRM && vm->replay) {
		size_t k = sizeof(watchdog) - 1;

		k += (size_t)snprintf(timeout + k, sizeof(timeout) - k, " (replay: ");
		if (k < sizeof(timeout) - 2) {
			k += replay__waits(vm, timeout + k, sizeof(timeout) - 2 - k);
			snprintf(timeout + k, sizeof(timeout) - k, ")");
		}
	}
	vm__stop(vm, sig == SIGALRM ? VMM_TIMEOUT : VMM_INTERRUPTED,
		 sig == SIGALRM ? timeout :
		 sig == SIGINT ? "interrupted (SIGINT)" :
		 sig == SIGHUP ? "hung up (SIGHUP)" :
		 sig == SIGQUIT ? "quit (SIGQUIT)" :
		 sig == SIGPIPE ? "standard output closed (SIGPIPE)" : "terminated (SIGTERM)");
}

void signals__block_for_aps(sigset_t *old)
{
	sigset_t ap_blocked;

	sigemptyset(&ap_blocked);
	sigaddset(&ap_blocked, SIGALRM);
	sigaddset(&ap_blocked, SIGINT);
	sigaddset(&ap_blocked, SIGTERM);
	sigaddset(&ap_blocked, SIGHUP);
	sigaddset(&ap_blocked, SIGQUIT);
	sigaddset(&ap_blocked, SIG_TIMER);	/* not SIGPIPE: it goes to the thread that wrote */
	pthread_sigmask(SIG_BLOCK, &ap_blocked, old);	/* inherited by the AP threads */
}
