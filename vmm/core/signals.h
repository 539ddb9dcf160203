/* SPDX-License-Identifier: MIT */
/*
 * How signals end a run: the watchdog and SIGINT/TERM/HUP/QUIT/PIPE stop it
 * cleanly (report and complete trace still come), a crash of the VMM itself
 * closes the trace in an emergency, kicks and the host timer end KVM_RUN.
 */
#ifndef VMM_SIGNALS_H
#define VMM_SIGNALS_H

#include <signal.h>
#include "vm/vm.h"

#define SIG_TIMER	SIGUSR2		/* the host timer, to vCPU 0's thread only */

struct itr_writer;

/* Stop and crash handlers, the alternate stack, the watchdog (0 s: none). -1 with errno. */
int signals__install(double timeout_s);
/* The kick (VCPU_KICK_SIGNAL) and host-timer handlers: they only end KVM_RUN. */
int signals__install_kick(void);
/* The trace a crash must close (NULL: none, the ordinary close writes END). */
void signals__set_crash_trace(struct itr_writer *w);
/* The stop signal that arrived, 0 if none. */
int signals__pending(void);
/* The run is over and a person takes over (gdb): the watchdog goes off. */
void signals__watchdog_off(void);
/* 1 once a stop signal other than the watchdog's came (^C, SIGTERM, ...). */
int signals__stop_asked(void);
/* A stop signal arrived: stop @vm with the matching status and reason. */
void signals__stop_vm(struct vm *vm);
/* Block in the calling thread (and so in the AP threads it starts) what vCPU 0's takes. */
void signals__block_for_aps(sigset_t *old);

#endif
