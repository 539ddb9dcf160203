// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include "record.h"
#include "uioapic.h"

/* Guest TSC to host ns: KVM_GET_TSC_KHZ and one (TSC, now) pair taken at open. */
static uint64_t guest_tsc_to_ns(const struct vm *vm, uint64_t tsc)
{
	if (!vm->trace_tsc_khz || tsc < vm->trace_tsc0)
		return uioapic__now_ns() - vm->trace_t0;
	return vm->trace_t_at_tsc0 + (uint64_t)((unsigned __int128)(tsc - vm->trace_tsc0) * 1000000u /
						 vm->trace_tsc_khz);
}

static void guest_sink(void *opaque, const struct ivm_event *e)
{
	struct vm *vm = opaque;
	struct itr_record r = {
		.type = e->kind, .source = ITR_SRC_GUEST, .vcpu = 0, .vector = e->vector,
		.cpl = e->cpl, .depth = e->depth, .stack = e->stack,
		.time_ns = guest_tsc_to_ns(vm, e->tsc), .rip = e->rip, .rsp = e->rsp,
		.rflags = e->rflags, .cs = e->cs, .ss = e->ss,
		.err = e->kind == IVM_EV_ENTRY ? e->arg : 0xffffffffu, .a = e->arg,
	};

	if (itr_writer__put(vm->trace, &r) < 0)
		vm->trace_errors++;
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
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} m = { .hdr.nmsrs = 1, .e.index = 0x10 };	/* guest TSC now */
	struct timespec ts;
	int khz;

	memcpy(h.build_id, vm->boot.build_id, sizeof(h.build_id));
	snprintf(h.scenario, sizeof(h.scenario), "%s", vm->opts.scenario ? vm->opts.scenario->name : "");
	snprintf(h.irqchip, sizeof(h.irqchip), "%s", irqchip_mode__name(vm->opts.irqchip));
	host_facts(h.host, sizeof(h.host), vm->kvm_fd);
	snprintf(h.cmdline, sizeof(h.cmdline), "%s", vm->opts.cmdline);
	clock_gettime(CLOCK_REALTIME, &ts);
	h.start_unix_ns = (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
	vm->trace = itr_writer__open(path, &h, err, errlen);
	if (!vm->trace)
		return -1;
	vm->trace_t0 = uioapic__now_ns();
	khz = ioctl(vm->vcpu.fd, KVM_GET_TSC_KHZ, 0);
	if (khz > 0 && ioctl(vm->vcpu.fd, KVM_GET_MSRS, &m) == 1) {
		vm->trace_tsc_khz = khz;
		vm->trace_tsc0 = m.e.data;
		vm->trace_t_at_tsc0 = uioapic__now_ns() - vm->trace_t0;
	}
	vm->ring.sink = guest_sink;
	vm->ring.sink_opaque = vm;
	return 0;
}

void record__host(struct vm *vm, struct itr_record *r)
{
	if (!vm->trace)
		return;
	evring__drain(&vm->ring, &vm->mem);	/* what the guest did first goes first */
	r->source = ITR_SRC_VMM;
	r->time_ns = uioapic__now_ns() - vm->trace_t0;
	if (!r->err && r->type != ITR_ENTRY)
		r->err = 0xffffffffu;
	if (itr_writer__put(vm->trace, r) < 0)
		vm->trace_errors++;
}

int record__close(struct vm *vm, char *err, size_t errlen)
{
	struct itr_writer *w = vm->trace;

	if (!w)
		return 0;
	evring__drain(&vm->ring, &vm->mem);
	if (vm->ring.guest_dropped || vm->ring.corrupt) {
		struct itr_record r = { .type = ITR_LOST, .a = vm->ring.guest_dropped,
					.b = vm->ring.corrupt };

		record__host(vm, &r);
	}
	vm->ring.sink = NULL;
	vm->trace = NULL;
	if (itr_writer__close(w, err, errlen) < 0)
		return -1;
	if (vm->trace_errors) {
		snprintf(err, errlen, "%llu trace records could not be written",
			 (unsigned long long)vm->trace_errors);
		return -1;
	}
	return 0;
}
