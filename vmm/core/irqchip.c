// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include "irqchip.h"

int irqchip__create(struct vm *vm, char *err, size_t errlen)
{
	struct kvm_enable_cap cap = { 0 };

	/* pending (not yet delivered) exceptions and #PF/#DB payloads, where offered */
	if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_EXCEPTION_PAYLOAD) > 0) {
		cap.cap = KVM_CAP_EXCEPTION_PAYLOAD;
		cap.args[0] = 1;
		vm->exception_payload = ioctl(vm->vm_fd, KVM_ENABLE_CAP, &cap) == 0;
	}
	switch (vm->opts.irqchip) {
	case IRQCHIP_KERNEL:
		if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0) {
			snprintf(err, errlen, "KVM_CREATE_IRQCHIP: %s", strerror(errno));
			return -1;
		}
		return 0;
	case IRQCHIP_SPLIT:
		memset(&cap, 0, sizeof(cap));
		cap.cap = KVM_CAP_SPLIT_IRQCHIP;
		cap.args[0] = 24;	/* IOAPIC pins: KVM arms EOI exits for GSIs below this */
		if (ioctl(vm->vm_fd, KVM_ENABLE_CAP, &cap) < 0) {
			snprintf(err, errlen, "KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP): %s", strerror(errno));
			return -1;
		}
		return 0;
	case IRQCHIP_USER:
		return 0;
	default:
		snprintf(err, errlen, "irqchip mode %d unknown", vm->opts.irqchip);
		return -1;
	}
}
