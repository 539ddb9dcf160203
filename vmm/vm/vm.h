/* SPDX-License-Identifier: MIT */
/*
 * The VM object every room above shares: the VM, its vCPUs, run options,
 * exit statuses, and the small interface to the running VM (vm.c).
 */
#ifndef VMM_VM_H
#define VMM_VM_H

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <linux/kvm.h>
#include "abi.h"
#include "model/console.h"
#include "model/evlog.h"
#include "model/evring.h"
#include "model/fwcfg.h"
#include "model/pci.h"
#include "model/pci_testdev.h"
#include "vapic/ioapic.h"
#include "vapic/lapic.h"
#include "scenario/scenario.h"
#include "lib/gmem.h"
#include "lib/sha256.h"
#include "boot/loader.h"
#include "model/selftest.h"
#include "model/serial.h"

/* Process exit statuses of ./vmm (README "Exit status"). Odd values >= 3 are
 * the guest's own isa-debug-exit codes, (v << 1) | 1, so ours are even. */
enum vmm_status {
	VMM_OK = 0,
	VMM_GUEST_FAILED = 1,	/* self-test found an unexpected mismatch */
	VMM_USAGE = 2,		/* bad command line, ELF or config */
	VMM_GUEST_DIED = 4,	/* triple fault, halt with IF=0, guest assert */
	VMM_TIMEOUT = 6,	/* watchdog fired */
	VMM_HOST_ERROR = 8,	/* missing capability, KVM error, unhandled exit */
	VMM_INTERRUPTED = 10,	/* SIGINT / SIGTERM */
};

struct vmm_opts {
	const char *kernel;
	const char *cmdline;
	const char *initrd;	/* --initrd FILE: boot module 0; NULL: none */
	uint64_t mem_size;
	double timeout_s;
	enum boot_proto boot;
	bool strict;		/* known platform divergences fail the run */
	bool quiet;		/* no guest console on stdout */
	bool verbose;		/* log every exit */
	bool milestones;	/* print guest milestone times */
	const char *trace_path;	/* --trace FILE */
	const char *results_path;	/* --results FILE: the self-test results as lines */
	bool kvm_tracepoints;	/* --trace: add KVM's own tracepoints (tracefs) */
	bool interrupts;	/* print the guest's counters at the end */
	bool pci_testdev;	/* --pci-testdev: QEMU's pci-testdev on PCI bus 0 */
	enum irqchip_mode irqchip;
	unsigned vcpus;		/* 1..VMM_MAX_VCPUS; 0 = the scenario's count, else 1 */
	const struct scenario *scenario;	/* NULL: plain run */
	struct replay *replay;		/* vmm replay: where each recorded delivery goes; NULL: none */
	uint64_t until_seq;		/* replay --until: stop once the trace has this record; 0: none */
	uint16_t gdb_port;		/* replay --gdb: serve the stopped vCPUs to gdb there; 0: none */
	int gdb_fd;			/* ... on this socket, listening since before the run */
	FILE *report;			/* the end-of-run report and its lines: NULL = stdout, stderr */
};

#define VMM_MAX_VCPUS	8	/* APIC ID = vCPU index; the guest's NR_CPUS */
_Static_assert(VMM_MAX_VCPUS <= SC_MAX_VCPUS, "a scenario's vcpus: covers every vCPU");
#define VMM_KERNEL_MAX	(256u << 20)	/* the largest KERNEL file a run reads */

struct vcpu;
struct replay;
struct itr_writer;
struct itr_record;
struct kvmtrace;

/* Register access, indirect so exit handlers run against fakes in unit tests. */
struct vcpu_ops {
	int (*get_regs)(struct vcpu *v, struct kvm_regs *r);
	int (*set_regs)(struct vcpu *v, const struct kvm_regs *r);
	int (*get_sregs)(struct vcpu *v, struct kvm_sregs *s);
	int (*set_sregs)(struct vcpu *v, const struct kvm_sregs *s);
	int (*get_events)(struct vcpu *v, struct kvm_vcpu_events *e);
	int (*set_events)(struct vcpu *v, const struct kvm_vcpu_events *e);
};

struct vm;

/*
 * Exception injections for a vCPU from another thread: KVM_SET_VCPU_EVENTS
 * serializes on the vCPU, so only its own thread may issue it.
 */
#define VCPU_REQ_MAX	8

struct vcpu {
	struct vm *vm;
	unsigned id;
	int fd;
	struct kvm_run *run;
	size_t run_size;
	const struct vcpu_ops *ops;
	pthread_t thread;
	bool has_thread;	/* an AP's thread was started (vCPU 0 runs on the main thread) */
	struct evring ring;	/* this vCPU's event ring, drained */
	struct lapic lapic;	/* user mode */
	bool spurious_pending;	/* user mode: an INTA-race spurious vector waits for IF=1 */
	bool kicked;		/* the last KVM_RUN ended on a signal, not an exit */
	bool in_run;		/* inside KVM_RUN, the VM lock released */
	/* kvm_run->s.regs are the registers (KVM_SYNC_X86_REGS): KVM_RUN returned and nothing
	 * changed them since (KVM_SET_REGS, or vcpu__get_mp_state taking an INIT in) */
	bool regs_synced;
	bool held_out;		/* kicked out of KVM_RUN by another vCPU's hold (vm__hold_others) */
	bool tpr_held;		/* user mode: an IRR vector only the TPR holds back (polled: on
				 * PVM a CR8 write that lowers it makes no exit) */
	bool halted;		/* user mode: in HLT, waiting for an interrupt */
	bool halted_if0;	/* ... that HLT ran with IF=0: only an NMI or INIT ends it */
	/* replay: at a recorded place, waiting for what another vCPU sends: an interrupt, or NMIs */
	enum { REPLAY_WAIT_NONE, REPLAY_WAIT_IRQ, REPLAY_WAIT_NMI, REPLAY_WAIT_END,
	       REPLAY_WAIT_FINISH,
	       REPLAY_WAIT_KVM_IRQ,	/* kernel, split: at a place or a HLT, until KVM holds what is due */
	       REPLAY_WAIT_MSI		/* at a place, for another MSI the recording merged into it */
	} replay_wait;
	unsigned replay_nmis;	/* REPLAY_WAIT_NMI: how many the recorded place handed over */
	int replay_vector;	/* REPLAY_WAIT_IRQ: the vector the recorded place wants */
	uint32_t timer_fires;	/* user mode: LAPIC timer expiries that reached IRR (replay's time input) */
	bool timer_firing;	/* between the timer's expiry event and its IRR accept (or coalesce) */
	uint32_t timer_fires_told;	/* the count the trace last said, at a LAPIC access */
	/* user mode INIT/SIPI (SDM 8.4): an AP waits for a SIPI before it runs at all */
	bool wait_sipi;
	bool init_pending;
	int sipi_vector;	/* -1: none received */
	unsigned nr_nmi;	/* NMIs (injected or IPI'd) for KVM_NMI before the next KVM_RUN */
	bool event_at_entry;	/* an exception or NMI was given to KVM for the next entry */
	/* IVM_HC_QUIET: another vCPU asked whether this one is at a quiet point; its own
	 * thread answers (dev/hcall.c hcall__answer_quiet), the asker waits for it */
	bool quiet_asked;
	bool quiet_answered;
	uint32_t quiet_bits;	/* IVM_QUIET_* */
	uint64_t quiet_rip;
	int quiet_irr_top, quiet_isr_top;	/* the highest vector in IRR, ISR then; -1: none */
	bool quiet_irr_held;	/* replay: that IRR waits for a later place (replay__irr_held) */
	unsigned nreq;		/* exception injections queued for this vCPU's thread */
	struct vcpu_req {
		const struct injection *inj;
		uint64_t point;		/* vm->inject_point when it was queued */
	} req[VCPU_REQ_MAX];
	uint64_t storm_rip;	/* RIP of the last emulation failure */
	unsigned storm_count;	/* consecutive failures there, no other exit between */
	uint64_t nr_exits;
	uint64_t exits_by_reason[64];
};

struct vm {
	int kvm_fd, vm_fd;
	struct gmem mem;
	struct vcpu vcpus[VMM_MAX_VCPUS];
	unsigned nr_vcpus;
	/* Held by a vCPU thread whenever it is out of KVM_RUN: exits, devices and
	 * the trace are handled by one thread at a time (QEMU's BQL idea). */
	pthread_mutex_t lock;
	pthread_cond_t wake;	/* a halted or SIPI-waiting vCPU may have work */
	unsigned hold_by;	/* vCPU id + 1 that holds the others out of KVM_RUN, 0: none */
	struct vmm_opts opts;
	struct load_info boot;
	struct console con;
	struct serial com1;
	struct evlog log;
	struct selftest st;
	struct ioapic ioapic;	/* split and user modes */
	uint64_t route_addr[IOAPIC_NUM_PINS];	/* split: the MSI each pin's GSI routes to */
	uint32_t route_data[IOAPIC_NUM_PINS];
	bool exception_payload;	/* KVM_CAP_EXCEPTION_PAYLOAD enabled */
	unsigned next_step;	/* scenario steps run so far */
	bool scenario_done;
	uint64_t next_deadline_ns;	/* earliest host timer (user/split modes), 0 = none */
	uint64_t armed_deadline_ns;	/* what the host timer is armed for now */
	uint64_t nr_window_polled;	/* user mode: injections made after a poll, not a window exit */
	char initrd_sha256[SHA256_HEX];	/* --initrd: its content's SHA-256 in hex, for the trace */
	struct itr_writer *trace;	/* --trace: the open trace file, NULL = not tracing */
	struct replay *replay;		/* opts.replay: deliveries are placed, not made when ready */
	uint64_t trace_t0, trace_tsc0, trace_t_at_tsc0, trace_errors;
	uint32_t trace_tsc_khz;
	uint64_t inject_point;		/* where the current injections come from (trace) */
	struct kvmtrace *kvmtrace;	/* KVM tracepoints being recorded, NULL = none */
	struct itr_record *tbuf;	/* records waiting for the tracepoints around them */
	size_t tbuf_n;
	void *tp_pending;		/* flush()'s tracepoint list while collecting */
	uint64_t scenario_result;	/* the guest's own code at SCENARIO_DONE */
	struct timespec t0;	/* process start, for milestone times */
	bool milestones;	/* print milestone times (bench) */
	uint64_t nr_hcalls;
	uint64_t nr_emul_failures;	/* KVM_EXIT_INTERNAL_ERROR emulation */
	uint64_t nr_vmm_deliveries;	/* INT n delivered by intn.c */
	bool guest_exited;	/* the guest wrote the exit port */
	uint32_t guest_exit_value;
	uint8_t port_warned[65536 / 8];	/* unclaimed ports already logged */
	struct fwcfg fwcfg;	/* fw_cfg's selector and offset (dev/fwcfg.c); zeros: power-on */
	struct pci_bus pci;	/* PCI bus 0 (dev/pci.c): the host bridge, pci-testdev if asked */
	struct pci_testdev pci_testdev;	/* its tests' selection and counts */
	bool done;
	int status;		/* enum vmm_status or (v << 1) | 1 */
	const char *why;	/* one-line reason for a non-zero status */
	int end_signal;		/* the signal that ended the run, 0 if none (ITR_END) */
	int stopped_by;		/* the vCPU whose thread stopped the run, -1 if none */
	bool until_hit;		/* opts.until_seq reached: the run stopped there, on purpose */
	/* replay with 2+ vCPUs: the guest ended the run, but the others are not yet where
	 * the recording had them then; vm__stop_deferred applies it once they are */
	bool stop_deferred;
	int deferred_status;
	const char *deferred_why;
};

/* Exit handlers, in core/ and dev/, return one of these. */
enum { EXIT_RESUME = 0, EXIT_STOP = 1 };

/* vcpu__kick's signal: it only ends the target's KVM_RUN (core/ installs the handler). */
#define VCPU_KICK_SIGNAL	SIGUSR1

/* vm.lock and vm.wake, before any vCPU thread exists; -1 on failure. */
int vm__init_lock(struct vm *vm);
/*
 * Stop the run with @status; the first stop wins. Every vCPU is kicked out.
 * A replay of 2+ vCPUs defers the guest's own end (status 0 or its exit
 * code) until the others stand where the recording had them (core/run.c).
 */
void vm__stop(struct vm *vm, int status, const char *why);
/* A replay's own finding (the run diverged): stop now, nothing deferred for the others. */
void vm__stop_now(struct vm *vm, int status, const char *why);
/* The deferred stop, now. */
void vm__stop_deferred(struct vm *vm);
/*
 * The guest TSC's rate in kHz (KVM_GET_TSC_KHZ; the vCPUs of one VM share
 * it), 0 where unknown. A vCPU ioctl: ask on @v's own thread, or before the
 * vCPUs run (another thread's waits for @v to leave KVM_RUN).
 */
uint32_t vcpu__tsc_khz(const struct vcpu *v);
/*
 * Every vCPU idle (halted or waiting for a SIPI) with nothing queued and no
 * host timer to come: nothing can ever wake the guest (the run loop stops it).
 */
bool vm__idle_forever(const struct vm *vm);
/* The vCPU the calling thread runs, NULL outside a vCPU thread; the run loop sets it. */
struct vcpu *vcpu__current(void);
void vcpu__set_current(struct vcpu *v);
/* Make @v's thread look at its state again: out of KVM_RUN or a wait. */
void vcpu__kick(struct vcpu *v);
/* Up to @max instruction bytes at CS:@rip of @v, through its page tables: how many were readable */
unsigned vcpu__fetch(struct vcpu *v, uint64_t rip, uint8_t *bytes, unsigned max);
/*
 * KVM_GET_MP_STATE of @v: it first takes in any INIT or SIPI KVM holds
 * (kvm_apic_accept_events), which resets the registers, so kvm_run's synced
 * copy is stale after it
 */
int vcpu__get_mp_state(struct vcpu *v, struct kvm_mp_state *mp);
/* The length of the IN (not INS) at CS:@rip of @v, prefixes and all; 0 if that is not an IN */
unsigned vcpu__in_len(struct vcpu *v, uint64_t rip);
/*
 * Replay: hold every vCPU but @v out of KVM_RUN, so none can change @v's
 * LAPIC (an IPI) until @v's next KVM_RUN has returned: those inside are
 * kicked out (held_out: their loop re-enters as if never kicked) and none
 * enters. Waits, the lock released, at most VM_HOLD_WAIT_NS for them to
 * leave; a vCPU held out waits at most VM_HOLD_MAX_NS, so a holder whose
 * entry runs on (its delivery did not come) can't stall the others for long.
 */
#define VM_HOLD_WAIT_NS	1000000ull
#define VM_HOLD_MAX_NS	5000000ull
void vm__hold_others(struct vcpu *v);
/* The hold @v made ends (its KVM_RUN returned, or the run is over). */
void vm__release_hold(struct vcpu *v);
/* @v's thread, the lock held: wait while another vCPU holds the others out. */
void vm__wait_hold(struct vcpu *v);

#endif
