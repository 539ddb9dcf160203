// SPDX-License-Identifier: MIT
/*
 * `vmm run`: read the kernel, create the VM, run each vCPU's KVM_RUN loop
 * (vCPU 0 on this thread, an AP on its own) until something stops the VM,
 * then the report (report.c) and the trace's END.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "dev/hcall.h"
#include "dev/inject.h"
#include "dev/pci.h"
#include "dev/uioapic.h"
#include "dev/ulapic.h"
#include "gdb/gdb.h"
#include "lib/clock.h"
#include "lib/file.h"
#include "lib/sha256.h"
#include "record/record.h"
#include "replay/replay.h"
#include "vm/vcpu.h"
#include "exit.h"
#include "kvm.h"
#include "report.h"
#include "run.h"
#include "signals.h"
#include "timers.h"

/* Replay: every vCPU waits at its place for what only another one could send, and none came. */
static bool replay_deadlock(const struct vm *vm)
{
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		const struct vcpu *v = &vm->vcpus[i];

		if (v->replay_wait == REPLAY_WAIT_NONE ||	/* END waits for the others: not a way out */
		    (v->replay_wait == REPLAY_WAIT_NMI && v->nr_nmi >= v->replay_nmis) ||
		    v->replay_wait == REPLAY_WAIT_KVM_IRQ ||	/* KVM's own timer may still raise it */
		    v->replay_wait == REPLAY_WAIT_MSI ||	/* bounded by its own wait (msi.c) */
		    (v->replay_wait == REPLAY_WAIT_IRQ && (v->spurious_pending ||
							   lapic__pending(&v->lapic) >= v->replay_vector)))
			return false;	/* it runs, or what it waits for has come */
	}
	return true;
}

/* A user-mode vCPU in HLT or wait-for-SIPI sleeps here, the lock released. */
#define IDLE_WAIT_MAX_NS 10000000ull	/* re-look at least this often (signals, stops) */

static void vcpu_idle(struct vcpu *v)
{
	struct vm *vm = v->vm;
	uint64_t now = clock__now_ns(), until = now + IDLE_WAIT_MAX_NS;
	struct timespec ts;

	if (v->replay_wait && replay_deadlock(vm) && vm->stop_deferred && vm->deferred_status != VMM_OK) {
		vm__stop_deferred(vm);	/* a vCPU's own failure, held for the others: it is the cause */
		return;
	}
	if (v->replay_wait && replay_deadlock(vm)) {
		static char why[1024];
		int k = snprintf(why, sizeof(why), "%s", vm->nr_vcpus == 1 ?
				 "replay: every vCPU waits: cpu 0 stands at the recorded place of a delivery "
				 "that nothing left in the run can make (" :
				 "replay: every vCPU waits: each at a recorded place, for a delivery only "
				 "another could make, or for the others to end; the recording's order across "
				 "vCPUs can't be reproduced here (");

		if (k > 0 && (size_t)k < sizeof(why) - 2) {
			k += (int)replay__waits(vm, why + k, sizeof(why) - 2 - (size_t)k);
			snprintf(why + k, sizeof(why) - (size_t)k, ")");
		}
		vm__stop(vm, VMM_GUEST_FAILED, why);
		return;
	}
	if (vm__idle_forever(vm)) {
		vm__stop(vm, VMM_GUEST_DIED, vm->nr_vcpus > 1 ?
			 "every vCPU halted or waits for a SIPI, and no interrupt source can wake one" :
			 v->halted && v->halted_if0 ? "guest halted with interrupts disabled (hlt with IF=0)" :
			 "guest halted and no interrupt source is configured to wake it");
		return;
	}
	if (v->replay_wait == REPLAY_WAIT_KVM_IRQ)
		until = now + 1000000;	/* KVM's LAPIC tells no one when its IRR fills: look each ms */
	/* a replay's LAPIC timers fire at their recorded places, not by the clock: an expiry
	 * past due there would end every wait at once, and the spin would hold the lock */
	if (!vm->replay || !vm->replay->place_irqs)
		until = timers__min(lapic__timer_next(&v->lapic), until);
	if (v->id == 0)
		until = timers__min(vm->next_deadline_ns, until);
	if (until <= now)
		return;
	ts.tv_sec = until / 1000000000ull;
	ts.tv_nsec = until % 1000000000ull;
	pthread_cond_timedwait(&vm->wake, &vm->lock, &ts);
}

/* Replay: the next delay step, where vCPU 0 stood when the recording's clock made it. */
static void replay_step(struct vcpu *v)
{
	struct vm *vm = v->vm;
	const struct scenario *sc = vm->opts.scenario;

	replay__delivered(v);
	for (unsigned i = vm->replay->next_delay; sc && i < sc->nsteps; i++) {
		if (sc->steps[i].at != AT_DELAY_US)
			continue;
		vm->replay->next_delay = i + 1;
		timers__make_step(vm, &sc->steps[i]);
		return;
	}
}

/* Replay: every other vCPU stands where it stood when the recorded run ended. */
static bool others_at_end(const struct vcpu *v)
{
	for (unsigned i = 0; i < v->vm->nr_vcpus; i++)
		if (i != v->id && v->vm->vcpus[i].replay_wait != REPLAY_WAIT_END)
			return false;
	return true;
}

/* One NMI to KVM for @v's next entry: the trace says where @v stood; ulapic.c holds interrupts back */
static void give_nmi(struct vcpu *v)
{
	record__deliver(v, 2, ITR_DELIVER_NMI);
	v->event_at_entry = true;
	if (ioctl(v->fd, KVM_NMI, 0) < 0)
		fprintf(stderr, "vmm: cpu %u: KVM_NMI: %s\n", v->id, strerror(errno));
}

/*
 * Replay: an NMI goes in only at the place the recording delivered one; until
 * then it waits (it stays in nr_nmi). False: @v is at the place of an NMI that
 * no one has sent yet, and must not run.
 */
static bool replay_nmi(struct vcpu *v)
{
	const struct replay_point *p = replay__next(v);

	if (p && p->by_kvm)
		return true;	/* the guest sent it: KVM delivers it (replay__kvm_irq places it) */
	if (replay__where(v, ITR_DELIVER_NMI, &p) != REPLAY_HERE)
		return true;	/* not here (or nothing more recorded): they wait in nr_nmi */
	if (v->nr_nmi < p->times + p->merged) {
		v->replay_wait = REPLAY_WAIT_NMI;
		v->replay_nmis = p->times + p->merged;
		return false;	/* sent from another vCPU, not arrived yet */
	}
	/* these now, as recorded (those KVM merged then are not handed over); any other at its place */
	v->nr_nmi -= p->times + p->merged;
	for (unsigned i = 0; i < p->times; i++)
		give_nmi(v);
	replay__delivered(v);
	return true;
}

/* Work that only @v's own thread can do, then the irqchip's: false if @v must not run. */
static bool vcpu_pre_run(struct vcpu *v)
{
	if (v->nreq)
		inject__run_queued(v);
	if (v->nr_nmi)
		v->halted = false;	/* an NMI ends HLT */
	if (v->vm->replay) {
		const struct replay_point *p;

		v->replay_wait = REPLAY_WAIT_NONE;
		if (v->vm->stop_deferred && (int)v->id == v->vm->stopped_by) {
			if (!others_at_end(v))
				v->replay_wait = REPLAY_WAIT_FINISH;
			else
				vm__stop_deferred(v->vm);
			return false;	/* the guest ended the run: it runs no more */
		}
		if (replay__where(v, ITR_DELIVER_STOP, &p) == REPLAY_HERE) {
			replay__stopped(v);
			v->replay_wait = REPLAY_WAIT_END;
			return false;	/* where it stood when another vCPU ended the recorded run */
		}
		if (v->id == 0 && replay__where(v, ITR_DELIVER_STEP, &p) == REPLAY_HERE)
			replay_step(v);
		if (!replay_nmi(v))
			return false;	/* at the place of an NMI that has not been sent yet */
		exit__make_due_eois(v, false);	/* before a re-assert's place */
		if (v->vm->replay->block_irqs && (replay__kvm_irq(v) == REPLAY_PAST || v->replay_wait))
			return false;	/* went past a place (stopped), or sleeps at a HLT place */
		if (replay__read(v) == REPLAY_PAST)
			return false;	/* at a recorded LAPIC read, but not as recorded (stopped) */
		replay__event_going_in(v);
	} else {
		for (; v->nr_nmi; v->nr_nmi--)
			give_nmi(v);
	}
	if (v->vm->opts.irqchip == IRQCHIP_USER)
		return ulapic__pre_run(v) && !v->halted;
	return true;
}

/* One vCPU's loop, the VM lock held except inside KVM_RUN and idle waits. */
static void vcpu_loop(struct vcpu *v, struct host_timer *ht)
{
	struct vm *vm = v->vm;
	bool resume = false;	/* re-enter KVM_RUN as it was: only a signal ended the last one */

	while (!vm->done) {
		bool runnable;
		int r, e;

		if (signals__pending()) {
			signals__stop_vm(vm);
			break;
		}
		vm__wait_hold(v);	/* nothing of its own while another vCPU holds it out */
		hcall__answer_quiet(v);	/* another vCPU's question: before anything is given to it */
		if (ht && ht->on)
			timers__service(vm, ht);
		if (vm->done)
			break;
		/*
		 * Kicked out by a hold or during a placed entry, with nothing queued: its state is
		 * what it was, and a HLT KVM runs is still halted (RIP already past it). The
		 * replay's place rules would take that RIP for a woken HLT: back in without a look.
		 */
		runnable = resume && !v->nreq && !v->nr_nmi ? true : vcpu_pre_run(v);
		resume = false;
		if (ht && ht->on)
			timers__arm(vm, ht);
		if (vm->done)
			break;
		if (!runnable) {
			vcpu_idle(v);
			continue;
		}
		v->kicked = false;
		v->in_run = true;
		pthread_mutex_unlock(&vm->lock);
		r = ioctl(v->fd, KVM_RUN, 0);
		e = errno;
		/* KVM stores them on every way out of KVM_RUN once it ran (an exit, a signal) */
		v->regs_synced = (r == 0 || e == EINTR || e == EAGAIN) &&
				 (v->run->kvm_valid_regs & KVM_SYNC_X86_REGS);
		pthread_mutex_lock(&vm->lock);
		v->in_run = false;
		if (vm->hold_by == v->id + 1)
			vm__release_hold(v);	/* its held entry is done */
		else if (vm->hold_by)
			pthread_cond_broadcast(&vm->wake);	/* the holder waits for it to be out */
		if (r == 0)
			v->event_at_entry = false;	/* it went in at that entry */
		if (r < 0) {
			if (e == EINTR || e == EAGAIN) {
				v->run->immediate_exit = 0;
				v->kicked = true;
				/* kicked out by a hold, or in the middle of a placed entry: back in as it
				 * was (a second look would take the entry's place for passed); an entry
				 * already made is looked at as after its handler's breakpoint */
				int entry = replay__entry_signalled(v);

				resume = entry == 1 || (v->held_out && entry < 0);
				v->held_out = false;
				continue;
			}
			static char why[80];

			snprintf(why, sizeof(why), "cpu %u: KVM_RUN: %s", v->id, strerror(e));
			vm__stop(vm, VMM_HOST_ERROR, why);
			break;
		}
		if (v->held_out) {
			/* it left on an exit of its own before the hold's kick: the kick is spent
			 * (no KVM_RUN of its later entry may end at once for it) */
			v->run->immediate_exit = 0;
			v->held_out = false;
		}
		vm__wait_hold(v);	/* which may inject into the vCPU being held for */
		exit__dispatch(v);
	}
	vm__release_hold(v);
}

static void *ap_thread(void *arg)
{
	struct vcpu *v = arg;

	vcpu__set_current(v);
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
	struct host_timer ht;
	sigset_t old;

	if (signals__install_kick() < 0) {
		vm__stop(vm, VMM_HOST_ERROR, "cannot install the kick signal handlers");
		return;
	}
	if (timers__init(&ht, vm) < 0)
		vm__stop(vm, VMM_HOST_ERROR, "cannot create the host timer");
	vcpu__set_current(bsp);
	bsp->thread = pthread_self();
	pthread_mutex_lock(&vm->lock);
	bsp->has_thread = true;
	signals__block_for_aps(&old);
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
	if (!vm->done && signals__pending())
		signals__stop_vm(vm);
	vm__stop(vm, VMM_HOST_ERROR, "the run loop ended");	/* only if nothing stopped it */
	pthread_mutex_unlock(&vm->lock);
	for (unsigned i = 1; i < vm->nr_vcpus; i++) {
		if (!vm->vcpus[i].has_thread)
			continue;
		pthread_join(vm->vcpus[i].thread, NULL);
		vm->vcpus[i].has_thread = false;
	}
	bsp->has_thread = false;
	vcpu__set_current(NULL);
	timers__destroy(&ht);
}

int vmm__run(const struct vmm_opts *opts)
{
	static struct vm vm;	/* large (event log, port bitmap): keep it off the stack */
	char err[256];
	uint8_t *img = NULL, *initrd = NULL;
	size_t img_len = 0, initrd_len = 0;
	struct boot_module mod = { .name = opts->initrd };
	int kvm_fd, status = VMM_HOST_ERROR;

	memset(&vm, 0, sizeof(vm));
	vm.opts = *opts;
	vm.stopped_by = -1;
	vm.kvm_fd = vm.vm_fd = -1;
	for (unsigned i = 0; i < VMM_MAX_VCPUS; i++)
		vm.vcpus[i].fd = -1;
	vm.nr_vcpus = opts->vcpus ? opts->vcpus : opts->scenario ? opts->scenario->vcpus : 1;
	if (vm__init_lock(&vm) < 0) {
		fprintf(stderr, "vmm: cannot set up the vCPU lock\n");
		return VMM_HOST_ERROR;
	}
	vm.milestones = opts->milestones;
	vm.replay = opts->replay;
	clock_gettime(CLOCK_MONOTONIC, &vm.t0);
	console__init(&vm.con, opts->quiet ? NULL : stdout, &vm.log);
	serial__init(&vm.com1, &vm.con);
	pci__init(&vm);

	if (read_file(opts->kernel, VMM_KERNEL_MAX, &img, &img_len, err, sizeof(err)) < 0 ||
	    loader__parse(img, img_len, opts->kernel, opts->mem_size, opts->boot, &vm.boot, err,
			  sizeof(err)) < 0) {
		fprintf(stderr, "vmm: %s\n", err);
		free(img);
		return VMM_USAGE;
	}
	/* the module is placed before /dev/kvm is opened: a file too big is bad input */
	if (opts->initrd) {
		int r = read_file(opts->initrd, opts->mem_size, &initrd, &initrd_len, err, sizeof(err));

		mod.data = initrd;
		mod.len = initrd_len;
		if (r == 0)	/* the bytes the guest gets: a trace names them (vmm replay checks) */
			sha256_hex(initrd, initrd_len, vm.initrd_sha256);
		if (r < 0 || loader__place_module(&vm.boot, opts->mem_size, &mod, err, sizeof(err)) < 0) {
			fprintf(stderr, "vmm: --initrd: %s\n", err);
			free(img);
			free(initrd);
			return VMM_USAGE;
		}
	}
	kvm_fd = kvm__open(err, sizeof(err));
	if (kvm_fd < 0 || kvm__check_caps(kvm_fd, err, sizeof(err)) < 0 ||
	    vm__create(&vm, kvm_fd, err, sizeof(err)) < 0)
		goto out_err;
	if (loader__copy(img, img_len, &vm.boot, &vm.mem, err, sizeof(err)) < 0 ||
	    loader__write_boot_info_mod(&vm.boot, &vm.mem, opts->cmdline, opts->initrd ? &mod : NULL,
					err, sizeof(err)) < 0) {
		status = VMM_USAGE;
		goto out_err;
	}
	free(initrd);
	initrd = NULL;
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
	signals__set_crash_trace(vm.trace);
	if (signals__install(opts->timeout_s) < 0) {
		snprintf(err, sizeof(err), "signals/timer: %s", strerror(errno));
		goto out_err;
	}
	if (opts->verbose)
		fprintf(stderr, "vmm: %s: %s boot, entry %#llx, %llu MiB, irqchip %s\n", opts->kernel,
			boot_proto__name(vm.boot.proto), (unsigned long long)vm.boot.entry,
			(unsigned long long)(opts->mem_size >> 20), irqchip_mode__name(opts->irqchip));
	run_loop(&vm);
	/* where each other vCPU stood when one ended the run: a replay stops it there too */
	for (unsigned i = 0; vm.trace && vm.nr_vcpus > 1 && i < vm.nr_vcpus; i++)
		if ((int)i != vm.stopped_by)
			record__deliver(&vm.vcpus[i], 0, ITR_DELIVER_STOP);
	status = report__finish(&vm);
	if (fflush(stdout) == EOF || ferror(stdout) || signals__pending() == SIGPIPE) {
		/* the report went nowhere: never a clean exit over a lost report */
		fprintf(stderr, "vmm: standard output was closed: the report is incomplete\n");
		vm.end_signal = vm.end_signal ? vm.end_signal : SIGPIPE;
		status = status ? status : VMM_INTERRUPTED;
	}
	signals__set_crash_trace(NULL);	/* from here the ordinary close writes END */
	if (record__close(&vm, status, err, sizeof(err)) < 0) {
		/* never pass off a partial trace as complete */
		fprintf(stderr, "vmm: trace %s: %s\n", opts->trace_path, err);
		status = status ? status : VMM_HOST_ERROR;
	}
	/* the trace is whole on disk now; the vCPUs stay as the run left them until gdb is done */
	if (opts->gdb_port) {
		signals__watchdog_off();	/* the run is over: gdb's session takes what it takes */
		if (gdb__serve(&vm, opts->gdb_fd, opts->gdb_port, signals__stop_asked, err, sizeof(err)) < 0) {
			fprintf(stderr, "vmm: --gdb: %s\n", err);
			status = status ? status : VMM_HOST_ERROR;
		}
	}
	vm__destroy(&vm);
	for (unsigned i = 0; i < VMM_MAX_VCPUS; i++)
		evring__free(&vm.vcpus[i].ring);
	close(kvm_fd);
	return status;
out_err:
	fprintf(stderr, "vmm: %s\n", err);
	free(img);
	free(initrd);
	if (vm.trace) {
		char cerr[160];

		signals__set_crash_trace(NULL);
		record__close(&vm, status, cerr, sizeof(cerr));
	}
	vm__destroy(&vm);
	if (kvm_fd >= 0)
		close(kvm_fd);
	return status;
}
