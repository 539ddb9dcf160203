// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include "kvmtrace.h"
#include "record.h"
#include "lib/clock.h"

/* Guest TSC to host ns: KVM_GET_TSC_KHZ and one (TSC, now) pair taken at open. */
static uint64_t guest_tsc_to_ns(const struct vm *vm, uint64_t tsc)
{
	if (!vm->trace_tsc_khz || tsc < vm->trace_tsc0)
		return clock__now_ns() - vm->trace_t0;
	return vm->trace_t_at_tsc0 + (uint64_t)((unsigned __int128)(tsc - vm->trace_tsc0) * 1000000u /
						 vm->trace_tsc_khz);
}

/*
 * With KVM tracepoints on, records wait in a bounded buffer until the next
 * flush: a tracepoint can only be placed once the records around it are
 * known. It goes before the first record not older than it: host records by
 * CLOCK_MONOTONIC, guest records by their TSC converted to it (bounded by the
 * next host record, so a poor conversion still keeps the right interval).
 */
#define TBUF_MAX 4096

static void put(struct vm *vm, struct itr_record *r)
{
	if (itr_writer__put(vm->trace, r) < 0)
		vm->trace_errors++;
	if (vm->opts.until_seq && r->seq >= vm->opts.until_seq && !vm->until_hit) {
		static char why[96];

		snprintf(why, sizeof(why), "stopped at record %llu of the trace (--until)",
			 (unsigned long long)r->seq);
		vm->until_hit = true;
		vm__stop(vm, VMM_OK, why);
	}
}

struct tp_list {
	struct itr_record *r;
	size_t n, cap, next;
};

static void tp_keep(void *opaque, struct itr_record *r, uint64_t mono_ns)
{
	struct vm *vm = opaque;
	struct tp_list *l = vm->tp_pending;

	r->time_ns = mono_ns > vm->trace_t0 ? mono_ns - vm->trace_t0 : 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		struct itr_record *g = realloc(l->r, cap * sizeof(*g));

		if (!g) {
			vm->trace_errors++;
			return;
		}
		l->r = g;
		l->cap = cap;
	}
	l->r[l->n++] = *r;
}

static void tp_emit_before(struct vm *vm, struct tp_list *l, uint64_t t)
{
	while (l->next < l->n && l->r[l->next].time_ns < t)
		put(vm, &l->r[l->next++]);
}

static void flush(struct vm *vm)
{
	struct tp_list l = { 0 };
	size_t i, j;

	vm->tp_pending = &l;
	kvmtrace__collect(vm->kvmtrace, tp_keep, vm);
	vm->tp_pending = NULL;
	for (i = 0; i < vm->tbuf_n; i++) {
		const struct itr_record *r = &vm->tbuf[i];
		uint64_t bound = r->time_ns;

		if (r->source != ITR_SRC_VMM) {
			/* a guest record: its time is its TSC on the host clock; never past the next host record */
			for (j = i + 1; j < vm->tbuf_n && vm->tbuf[j].source != ITR_SRC_VMM; j++)
				;
			if (j < vm->tbuf_n && vm->tbuf[j].time_ns < bound)
				bound = vm->tbuf[j].time_ns;
		}
		tp_emit_before(vm, &l, bound);
		put(vm, &vm->tbuf[i]);
	}
	tp_emit_before(vm, &l, UINT64_MAX);
	vm->tbuf_n = 0;
	free(l.r);
}

static void out(struct vm *vm, struct itr_record *r)
{
	if (!vm->kvmtrace) {
		put(vm, r);
		return;
	}
	vm->tbuf[vm->tbuf_n++] = *r;
	if (vm->tbuf_n == TBUF_MAX)
		flush(vm);
}

static void guest_sink(void *opaque, const struct ivm_event *e)
{
	struct vcpu *v = opaque;
	struct vm *vm = v->vm;
	struct itr_record r = {
		.type = e->kind, .source = ITR_SRC_GUEST, .vcpu = v->id, .vector = e->vector,
		.cpl = e->cpl, .depth = e->depth, .stack = e->stack,
		.time_ns = guest_tsc_to_ns(vm, e->tsc), .rip = e->rip, .rsp = e->rsp,
		.rflags = e->rflags, .cs = e->cs, .ss = e->ss,
		.err = e->kind == IVM_EV_ENTRY ? e->arg : 0xffffffffu, .a = e->arg,
		/* the guest writes aux only for this: a stale one elsewhere means nothing */
		.b = e->kind == IVM_EV_ENTRY && e->vector == 14 ? e->aux : 0,
	};

	out(vm, &r);
}

/* A record the guest could not have made: reported as the VMM's, never passed on as the guest's */
static void guest_bad_sink(void *opaque, const struct ivm_event *e, uint32_t why)
{
	struct vcpu *v = opaque;
	struct itr_record r = {
		.type = ITR_BAD_GUEST, .source = ITR_SRC_VMM, .vcpu = v->id, .vector = e->vector,
		.time_ns = clock__now_ns() - v->vm->trace_t0, .err = 0xffffffffu,
		.a = e->kind, .b = why,
	};

	out(v->vm, &r);
}

/* A slot the guest never published: its place in the slot order, so a replay counts the slots it did */
static void guest_gap_sink(void *opaque, uint32_t slot, bool cut_off)
{
	struct vcpu *v = opaque;
	struct itr_record r = {
		.type = ITR_UNPUBLISHED, .source = ITR_SRC_VMM, .vcpu = v->id,
		.time_ns = clock__now_ns() - v->vm->trace_t0, .err = 0xffffffffu,
		.a = cut_off, .b = slot,
	};

	out(v->vm, &r);
}

void record__drain_rings(struct vm *vm)
{
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		evring__drain(&vm->vcpus[i].ring, &vm->mem, false);
}

void record__drain_rings_final(struct vm *vm)
{
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		evring__drain(&vm->vcpus[i].ring, &vm->mem, true);
}

static void host_facts(char *buf, size_t n, int kvm_fd)
{
	static const char *const mods[] = { "kvm_intel", "kvm_amd", "kvm_pvm" };
	size_t used = 0;
	char path[48];

	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "/sys/module/%s", mods[i]);
		if (access(path, F_OK) == 0 && used < n)
			used += snprintf(buf + used, n - used, "%s; ", mods[i]);
	}
	if (used < n)
		snprintf(buf + used, n - used, "KVM API %d", ioctl(kvm_fd, KVM_GET_API_VERSION, 0));
}

int record__open(struct vm *vm, const char *path, char *err, size_t errlen)
{
	struct itr_header h = { .version = ITR_VERSION };
	/* a union, not a struct: C11 forbids a flexible-array struct as a non-last member */
	union {
		struct kvm_msrs hdr;
		char buf[sizeof(struct kvm_msrs) + sizeof(struct kvm_msr_entry)];
	} m = { .hdr.nmsrs = 1 };
	struct timespec ts;
	uint32_t khz;

	memcpy(h.build_id, vm->boot.build_id, sizeof(h.build_id));
	snprintf(h.scenario, sizeof(h.scenario), "%s", vm->opts.scenario ? vm->opts.scenario->name : "");
	snprintf(h.irqchip, sizeof(h.irqchip), "%s", irqchip_mode__name(vm->opts.irqchip));
	host_facts(h.host, sizeof(h.host), vm->kvm_fd);
	snprintf(h.cmdline, sizeof(h.cmdline), "%s", vm->opts.cmdline);
	/* what a replay needs to boot the same run (docs/TRACE.md, header) */
	if (snprintf(h.kernel, sizeof(h.kernel), "%s", vm->opts.kernel) >= (int)sizeof(h.kernel))
		h.kernel[0] = 0;	/* too long to keep: replay then needs KERNEL given */
	snprintf(h.config, sizeof(h.config), "vcpus=%u mem=%llu boot=%s devices=%s", vm->nr_vcpus,
		 (unsigned long long)vm->opts.mem_size, boot_proto__name(vm->opts.boot),
		 vm->opts.pci_testdev ? "pci-testdev" : "none");
	if (vm->opts.initrd) {	/* the module by path and content: replay loads and checks it */
		if (snprintf(h.initrd, sizeof(h.initrd), "%s", vm->opts.initrd) >= (int)sizeof(h.initrd))
			h.initrd[0] = 0;	/* too long to keep: replay then needs --initrd */
		snprintf(h.initrd_sha256, sizeof(h.initrd_sha256), "%s", vm->initrd_sha256);
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	h.start_unix_ns = (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
	vm->trace = itr_writer__open(path, &h, err, errlen);
	if (!vm->trace)
		return -1;
	vm->trace_t0 = clock__now_ns();
	m.hdr.entries[0].index = 0x10;	/* guest TSC now */
	khz = vcpu__tsc_khz(&vm->vcpus[0]);
	if (khz && ioctl(vm->vcpus[0].fd, KVM_GET_MSRS, &m) == 1) {
		vm->trace_tsc_khz = khz;
		vm->trace_tsc0 = m.hdr.entries[0].data;
		vm->trace_t_at_tsc0 = clock__now_ns() - vm->trace_t0;
	}
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		vm->vcpus[i].ring.sink = guest_sink;
		vm->vcpus[i].ring.bad_sink = guest_bad_sink;
		vm->vcpus[i].ring.gap_sink = guest_gap_sink;
		vm->vcpus[i].ring.sink_opaque = &vm->vcpus[i];
	}
	if (vm->opts.kvm_tracepoints) {
		char why[120] = "out of memory";

		vm->tbuf = malloc(TBUF_MAX * sizeof(*vm->tbuf));
		vm->kvmtrace = vm->tbuf ? kvmtrace__start(why, sizeof(why)) : NULL;
		if (!vm->kvmtrace) {
			free(vm->tbuf);
			vm->tbuf = NULL;
			fprintf(stderr, "vmm: trace: KVM tracepoints not recorded: %s\n",
				why);
		}
	}
	return 0;
}

/*
 * The guest RIP for an EXIT record, on the exiting vCPU's own thread. kvm_run
 * has no RIP, but with KVM_CAP_SYNC_REGS KVM copies the registers into
 * kvm_run->s.regs on its way out of every KVM_RUN, with no ioctl of ours. We
 * ask for that at a vCPU's first traced exit (whose RIP costs one
 * KVM_GET_REGS); a host without the capability pays one KVM_GET_REGS per
 * exit, and only while tracing. It is the RIP KVM_GET_REGS would give at this
 * exit: for I/O, KVM may already have stepped past the instruction.
 */
static uint64_t exit_rip(struct vm *vm, struct vcpu *v)
{
	static int sync_regs = -1;	/* KVM_CAP_SYNC_REGS, a fact of the kernel */
	struct kvm_regs regs;

	if (v->run->kvm_valid_regs & KVM_SYNC_X86_REGS)
		return v->run->s.regs.regs.rip;
	if (sync_regs < 0) {
		int c = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS);

		sync_regs = c > 0 ? c : 0;
	}
	if (sync_regs & KVM_SYNC_X86_REGS)
		v->run->kvm_valid_regs |= KVM_SYNC_X86_REGS;
	return v->ops->get_regs(v, &regs) == 0 ? regs.rip : 0;
}

void record__host(struct vm *vm, struct itr_record *r)
{
	if (!vm->trace)
		return;
	if (r->type == ITR_EXIT && r->vcpu < vm->nr_vcpus)	/* written in exit__dispatch */
		r->rip = exit_rip(vm, &vm->vcpus[r->vcpu]);
	record__drain_rings(vm);	/* what the guest did first goes first */
	r->source = ITR_SRC_VMM;
	r->time_ns = clock__now_ns() - vm->trace_t0;
	if (!r->err && r->type != ITR_ENTRY)
		r->err = 0xffffffffu;
	out(vm, r);
}

/* ITR_DELIVER: where @v is (its ring slots reserved, its registers), with @err. */
static void deliver(struct vcpu *v, uint8_t vector, enum itr_deliver_how how, uint32_t err)
{
	struct itr_record r = { .type = ITR_DELIVER, .vcpu = v->id, .vector = vector, .a = how, .err = err };
	struct kvm_vcpu_events ev;
	struct kvm_regs regs;

	r.b = evring__reserved(&v->ring, &v->vm->mem);
	if (v->ops->get_regs(v, &regs) == 0) {
		r.rip = regs.rip;
		r.rsp = regs.rsp;
		r.rflags = (uint32_t)regs.rflags;
	}
	/* an NMI handler's IRET record comes before its IRETQ: only KVM can say it still runs */
	if (how == ITR_DELIVER_NMI && v->ops->get_events && v->ops->get_events(v, &ev) == 0) {
		r.depth = ev.nmi.masked ? ITR_NMI_BLOCKED : ITR_NMI_OPEN;
		/* and whether one KVM still holds makes this one merge: only KVM can say */
		r.stack = (uint8_t)ITR_NMI_HELD(ev.nmi.pending, ev.nmi.injected);
	}
	record__host(v->vm, &r);
}

void record__deliver(struct vcpu *v, uint8_t vector, enum itr_deliver_how how)
{
	if (!record__on(v->vm))
		return;
	/* of the slots reserved, the ones published: a stop can fall inside a record */
	record__drain_rings(v->vm);
	deliver(v, vector, how, v->ring.tail);
}

void record__timer(struct vcpu *v, uint32_t fires)
{
	if (record__on(v->vm))
		deliver(v, 0, ITR_DELIVER_TIMER, fires);
}

void record__quiet(struct vcpu *v, uint64_t asked, uint32_t bits, uint64_t rip)
{
	struct itr_record r = { .type = ITR_QUIET, .vcpu = v->id, .a = bits, .rip = rip,
				.vector = itr_quiet__asked(asked) };

	if (!record__on(v->vm))
		return;
	r.b = evring__reserved(&v->ring, &v->vm->mem);
	record__host(v->vm, &r);
}

void record__irr(struct vcpu *v, uint32_t words)
{
	struct itr_record r = { .type = ITR_IRR, .vcpu = v->id, .a = words };

	if (!record__on(v->vm))
		return;
	r.b = evring__reserved(&v->ring, &v->vm->mem);
	r.rip = exit_rip(v->vm, v);
	record__host(v->vm, &r);
}

void record__progress(struct vcpu *v, uint64_t gpa, uint32_t value)
{
	struct itr_record r = { .type = ITR_PROGRESS, .vcpu = v->id, .a = value, .rsp = gpa };

	if (!record__on(v->vm))
		return;
	r.b = evring__reserved(&v->ring, &v->vm->mem);
	r.rip = exit_rip(v->vm, v);
	record__host(v->vm, &r);
}

/* VMM_TRACE_FSYNC set, and not to "" or "0": the trace must survive a power loss. */
static bool trace_fsync_wanted(void)
{
	const char *v = getenv("VMM_TRACE_FSYNC");

	return v && *v && strcmp(v, "0");
}

int record__close(struct vm *vm, int status, char *err, size_t errlen)
{
	struct itr_writer *w = vm->trace;

	if (!w)
		return 0;
	record__drain_rings_final(vm);
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct evring *ring = &vm->vcpus[i].ring;

		if (ring->guest_dropped || ring->unpublished) {
			struct itr_record r = { .type = ITR_LOST, .vcpu = i, .a = ring->guest_dropped,
						.b = ring->unpublished };

			record__host(vm, &r);
		}
		ring->sink = NULL;
		ring->bad_sink = NULL;
	}
	if (vm->kvmtrace) {
		flush(vm);
		kvmtrace__stop(vm->kvmtrace);
		vm->kvmtrace = NULL;
	}
	free(vm->tbuf);
	vm->tbuf = NULL;
	vm->trace = NULL;
	itr_writer__set_end(w, (uint32_t)status, (uint8_t)vm->end_signal);
	/*
	 * No fsync by default: write(2) has put the trace in the page cache,
	 * which outlives this process whatever kills it; only a power loss or
	 * a host crash within the kernel's writeback delay can lose it, and an
	 * fsync per run costs 0.3-4 ms. VMM_TRACE_FSYNC=1 asks for it.
	 */
	itr_writer__set_durable(w, trace_fsync_wanted());
	if (itr_writer__close(w, err, errlen) < 0)
		return -1;
	if (vm->trace_errors) {
		snprintf(err, errlen, "%llu trace records could not be written",
			 (unsigned long long)vm->trace_errors);
		return -1;
	}
	return 0;
}
