/* SPDX-License-Identifier: MIT */
/* /dev/kvm, the VM and its vCPU: the only place that creates KVM objects. */
#ifndef VMM_KVM_H
#define VMM_KVM_H

#include <stdbool.h>
#include <stdint.h>
#include "vm/vm.h"

#define KVM_DEV_PATH "/dev/kvm"

struct kvm_cap_req {
	int cap;
	const char *name;
	bool required;		/* the run can't work without it */
};

/* The capabilities `vmm run` relies on (and `vmm probe` lists). */
extern const struct kvm_cap_req kvm_caps[];
extern const unsigned kvm_nr_caps;

/* Open /dev/kvm and check the API version; -1 with a one-line @err. */
int kvm__open(char *err, size_t errlen);
/* Check every required capability; -1 naming the first one missing. */
int kvm__check_caps(int kvm_fd, char *err, size_t errlen);

/* Create the VM, its RAM, the irqchip of opts.irqchip and vm->nr_vcpus vCPUs. */
int vm__create(struct vm *vm, int kvm_fd, char *err, size_t errlen);
void vm__destroy(struct vm *vm);

extern const struct vcpu_ops kvm_vcpu_ops;

#endif
