// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "irqchip.h"
#include "kvm.h"

const struct kvm_cap_req kvm_caps[] = {
	{ KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY", true },
	{ KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT", true },
	{ KVM_CAP_VCPU_EVENTS, "KVM_CAP_VCPU_EVENTS", true },
	{ KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR", false },
	{ KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP", false },
	{ KVM_CAP_SPLIT_IRQCHIP, "KVM_CAP_SPLIT_IRQCHIP", false },
	{ KVM_CAP_IRQ_ROUTING, "KVM_CAP_IRQ_ROUTING", false },
	{ KVM_CAP_SIGNAL_MSI, "KVM_CAP_SIGNAL_MSI", false },
	{ KVM_CAP_IRQFD, "KVM_CAP_IRQFD", false },
	{ KVM_CAP_IOEVENTFD, "KVM_CAP_IOEVENTFD", false },
	{ KVM_CAP_SET_GUEST_DEBUG, "KVM_CAP_SET_GUEST_DEBUG", false },
	{ KVM_CAP_X2APIC_API, "KVM_CAP_X2APIC_API", false },
	{ KVM_CAP_X86_USER_SPACE_MSR, "KVM_CAP_X86_USER_SPACE_MSR", false },
	{ KVM_CAP_EXCEPTION_PAYLOAD, "KVM_CAP_EXCEPTION_PAYLOAD", false },
	{ KVM_CAP_EXIT_ON_EMULATION_FAILURE, "KVM_CAP_EXIT_ON_EMULATION_FAILURE", false },
	{ KVM_CAP_X86_TRIPLE_FAULT_EVENT, "KVM_CAP_X86_TRIPLE_FAULT_EVENT", false },
	/* the bus-lock modes KVM offers (OFF 1, EXIT 2): what #DB-buslock-cpl3 meets */
	{ KVM_CAP_X86_BUS_LOCK_EXIT, "KVM_CAP_X86_BUS_LOCK_EXIT", false },
	{ KVM_CAP_NR_VCPUS, "KVM_CAP_NR_VCPUS", false },
	{ KVM_CAP_MAX_VCPUS, "KVM_CAP_MAX_VCPUS", false },
	{ KVM_CAP_NR_MEMSLOTS, "KVM_CAP_NR_MEMSLOTS", false },
};
const unsigned kvm_nr_caps = sizeof(kvm_caps) / sizeof(kvm_caps[0]);

int kvm__open(char *err, size_t errlen)
{
	int fd = open(KVM_DEV_PATH, O_RDWR | O_CLOEXEC);
	int api;

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", KVM_DEV_PATH, strerror(errno));
		return -1;
	}
	api = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (api != KVM_API_VERSION) {
		snprintf(err, errlen, "%s: KVM API version %d, need %d", KVM_DEV_PATH, api,
			 KVM_API_VERSION);
		close(fd);
		return -1;
	}
	return fd;
}

int kvm__check_caps(int kvm_fd, char *err, size_t errlen)
{
	for (unsigned i = 0; i < kvm_nr_caps; i++) {
		if (!kvm_caps[i].required)
			continue;
		if (ioctl(kvm_fd, KVM_CHECK_EXTENSION, kvm_caps[i].cap) <= 0) {
			snprintf(err, errlen, "%s: missing required capability %s", KVM_DEV_PATH,
				 kvm_caps[i].name);
			return -1;
		}
	}
	return 0;
}

/*
 * After an exit KVM left the registers in kvm_run (KVM_SYNC_X86_REGS, asked
 * for by a traced run: record.c): no ioctl, each a vcpu_load that reads MSRs
 * (on PVM a replay's looks at every place were a quarter of its CPU time)
 */
static int kvm_get_regs(struct vcpu *v, struct kvm_regs *r)
{
	if (v->regs_synced) {
		*r = v->run->s.regs.regs;
		return 0;
	}
	return ioctl(v->fd, KVM_GET_REGS, r);
}

static int kvm_set_regs(struct vcpu *v, const struct kvm_regs *r)
{
	v->regs_synced = false;
	return ioctl(v->fd, KVM_SET_REGS, r);
}
static int kvm_get_sregs(struct vcpu *v, struct kvm_sregs *s) { return ioctl(v->fd, KVM_GET_SREGS, s); }
static int kvm_set_sregs(struct vcpu *v, const struct kvm_sregs *s) { return ioctl(v->fd, KVM_SET_SREGS, s); }
static int kvm_get_events(struct vcpu *v, struct kvm_vcpu_events *e) { return ioctl(v->fd, KVM_GET_VCPU_EVENTS, e); }
static int kvm_set_events(struct vcpu *v, const struct kvm_vcpu_events *e)
{
	/* ulapic.c: no interrupt goes in with it (KVM_GET_VCPU_EVENTS can't tell on PVM) */
	if (e->exception.injected || e->exception.pending || e->nmi.injected)
		v->event_at_entry = true;
	return ioctl(v->fd, KVM_SET_VCPU_EVENTS, e);
}

const struct vcpu_ops kvm_vcpu_ops = {
	.get_regs = kvm_get_regs, .set_regs = kvm_set_regs,
	.get_sregs = kvm_get_sregs, .set_sregs = kvm_set_sregs,
	.get_events = kvm_get_events, .set_events = kvm_set_events,
};

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); goto fail; } while (0)

#define CPUID_MAX_ENTRIES 256

/*
 * Without KVM_SET_CPUID2 the guest has no CPUID: KVM then refuses EFER.LME/NXE.
 * With our userspace LAPIC, x2APIC is hidden: KVM never hands x2APIC MSRs to
 * userspace (they are exempt from MSR filters), so only xAPIC MMIO reaches us.
 *
 * No paravirtual interface: KVM's leaves 0x40000000 ("KVMKVMKVM", the top
 * leaf) and 0x40000001 (PV EOI, PV IPI, steal time, kvmclock...) are blanked.
 * CPUID.1:ECX.31 stays set, which is true: there is a hypervisor, and guests
 * use the bit only to look at 0x40000000, where they find no signature they
 * know. Blank, not absent: KVM, as an Intel CPU, answers a leaf past the top one with
 * the highest basic leaf, and a guest that tests a PV feature bit without
 * checking the signature (kvm-unit-tests' this_cpu_has) would read that.
 * EAX of 0x40000000 keeps the range at 0x40000001; nothing above it is kept.
 */
static unsigned hide_pv_leaves(struct kvm_cpuid2 *c)
{
	unsigned n = 0;

	for (unsigned i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if ((e->function & 0xf0000000u) == 0x40000000u) {
			if (e->function > 0x40000001u)
				continue;
			e->eax = e->function == 0x40000000u ? 0x40000001u : 0;
			e->ebx = e->ecx = e->edx = 0;
		}
		c->entries[n++] = *e;
	}
	return n;
}

static int vcpu_set_cpuid(int kvm_fd, int vcpu_fd, unsigned apic_id, bool hide_x2apic, char *err,
			  size_t errlen)
{
	size_t sz = sizeof(struct kvm_cpuid2) + CPUID_MAX_ENTRIES * sizeof(struct kvm_cpuid_entry2);
	struct kvm_cpuid2 *c = calloc(1, sz);
	int r = -1;

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->nent = CPUID_MAX_ENTRIES;
	if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, c) < 0) {
		snprintf(err, errlen, "KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
		goto out;
	}
	for (unsigned i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function == 1) {
			if (hide_x2apic)
				e->ecx &= ~(1u << 21);	/* CPUID.1:ECX.x2APIC */
			e->ebx = (e->ebx & 0x00ffffff) | apic_id << 24;	/* initial APIC ID */
		}
		if (e->function == 0xb || e->function == 0x1f)
			e->edx = apic_id;	/* x2APIC ID */
	}
	c->nent = hide_pv_leaves(c);
	if (ioctl(vcpu_fd, KVM_SET_CPUID2, c) < 0)
		snprintf(err, errlen, "KVM_SET_CPUID2: %s", strerror(errno));
	else
		r = 0;
out:
	free(c);
	return r;
}

static int vcpu_create(struct vm *vm, struct vcpu *v, unsigned id, char *err, size_t errlen)
{
	int run_size;

	v->vm = vm;
	v->id = id;
	v->ops = &kvm_vcpu_ops;
	v->sipi_vector = -1;
	v->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, id);
	if (v->fd < 0) {
		snprintf(err, errlen, "KVM_CREATE_VCPU %u: %s", id, strerror(errno));
		return -1;
	}
	if (vcpu_set_cpuid(vm->kvm_fd, v->fd, id, vm->opts.irqchip == IRQCHIP_USER, err, errlen) < 0)
		return -1;
	run_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size < (int)sizeof(struct kvm_run)) {
		snprintf(err, errlen, "KVM_GET_VCPU_MMAP_SIZE: %d", run_size);
		return -1;
	}
	v->run_size = run_size;
	v->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		snprintf(err, errlen, "mmap kvm_run: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int vm__create(struct vm *vm, int kvm_fd, char *err, size_t errlen)
{
	struct kvm_userspace_memory_region region;
	int max;

	vm->kvm_fd = kvm_fd;
	for (unsigned i = 0; i < VMM_MAX_VCPUS; i++)
		vm->vcpus[i].fd = -1;
	if (!vm->nr_vcpus)
		vm->nr_vcpus = 1;
	if (vm->nr_vcpus > VMM_MAX_VCPUS)
		FAIL("%u vCPUs asked for, at most %u supported", vm->nr_vcpus, VMM_MAX_VCPUS);
	max = ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	if (max > 0 && (unsigned)max < vm->nr_vcpus)
		FAIL("%u vCPUs asked for, KVM_CAP_MAX_VCPUS is %d", vm->nr_vcpus, max);
	vm->vm_fd = ioctl(kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		FAIL("KVM_CREATE_VM: %s", strerror(errno));
	/* VMX needs a 3-page TSS region below 4 GiB; other backends ignore it. */
	if (ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SET_TSS_ADDR) > 0 &&
	    ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, 0xfffbd000ul) < 0)
		FAIL("KVM_SET_TSS_ADDR: %s", strerror(errno));

	vm->mem.size = vm->opts.mem_size;
	vm->mem.base = mmap(NULL, vm->mem.size, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->mem.base == MAP_FAILED) {
		vm->mem.base = NULL;
		FAIL("guest RAM (%llu bytes): %s", (unsigned long long)vm->mem.size, strerror(errno));
	}
	region = (struct kvm_userspace_memory_region){
		.slot = 0, .guest_phys_addr = 0, .memory_size = vm->mem.size,
		.userspace_addr = (uintptr_t)vm->mem.base,
	};
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		FAIL("KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));

	/* the irqchip first: KVM gives a vCPU an in-kernel LAPIC only if it exists */
	if (irqchip__create(vm, err, errlen) < 0)
		goto fail;
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		if (vcpu_create(vm, &vm->vcpus[i], i, err, errlen) < 0)
			goto fail;
	return 0;
fail:
	vm__destroy(vm);
	return -1;
}

void vm__destroy(struct vm *vm)
{
	for (unsigned i = 0; i < VMM_MAX_VCPUS; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (v->run)
			munmap(v->run, v->run_size);
		if (v->fd >= 0)
			close(v->fd);
		v->run = NULL;
		v->fd = -1;
	}
	if (vm->mem.base)
		munmap(vm->mem.base, vm->mem.size);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	vm->vm_fd = -1;
	vm->mem.base = NULL;
}
