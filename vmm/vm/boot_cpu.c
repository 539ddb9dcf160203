// SPDX-License-Identifier: MIT
/* vCPU entry state per boot protocol: PVH and multiboot (32-bit flat), ELF64 (long mode). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "vcpu.h"

#define CR0_PE (1ull << 0)
#define CR0_MP (1ull << 1)
#define CR0_ET (1ull << 4)
#define CR0_NE (1ull << 5)
#define CR0_WP (1ull << 16)
#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)

static struct kvm_segment flat_seg(uint16_t sel, uint8_t type, bool long_code)
{
	return (struct kvm_segment){
		.base = 0, .limit = 0xffffffff, .selector = sel, .type = type, .present = 1,
		.dpl = 0, .db = !long_code, .s = 1, .l = long_code, .g = 1,
	};
}

int vcpu__setup_boot(struct vcpu *v, const struct load_info *li, char *err, size_t errlen)
{
	struct kvm_sregs s;
	struct kvm_regs r;
	bool lm = li->proto == BOOT_ELF64;

	if (v->ops->get_sregs(v, &s) < 0) {
		snprintf(err, errlen, "KVM_GET_SREGS: %s", strerror(errno));
		return -1;
	}
	s.cs = flat_seg(0x10, 0xb, lm);
	s.ds = s.es = s.fs = s.gs = s.ss = flat_seg(0x18, 0x3, false);
	/* a busy TSS: VMX refuses entry with an unusable TR */
	s.tr = (struct kvm_segment){ .selector = 0x20, .limit = 0x67, .type = 0xb, .present = 1 };
	s.ldt = (struct kvm_segment){ .type = 0x2, .present = 1, .unusable = 1 };
	s.idt.base = 0;
	s.idt.limit = 0;
	if (lm) {
		s.gdt.base = IVM_BOOT_GDT_GPA;
		s.gdt.limit = 4 * 8 - 1;
		s.cr3 = IVM_BOOT_PT_GPA;
		s.cr4 = CR4_PAE;
		s.efer = EFER_LME | EFER_LMA;
		s.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	} else {
		s.gdt.base = 0;
		s.gdt.limit = 0;
		s.cr3 = s.cr4 = s.efer = 0;
		s.cr0 = CR0_PE | CR0_ET;
	}
	if (v->ops->set_sregs(v, &s) < 0) {
		snprintf(err, errlen, "KVM_SET_SREGS (%s entry): %s", boot_proto__name(li->proto),
			 strerror(errno));
		return -1;
	}

	memset(&r, 0, sizeof(r));
	r.rflags = 0x2;
	r.rip = li->entry;
	r.rsp = IVM_BOOT_INFO_GPA;	/* scratch stack below the boot info; guests set their own */
	switch (li->proto) {
	case BOOT_PVH:
		r.rbx = IVM_BOOT_INFO_GPA;
		break;
	case BOOT_MULTIBOOT:
		r.rax = MULTIBOOT_BOOT_MAGIC;
		r.rbx = IVM_BOOT_INFO_GPA;
		break;
	case BOOT_ELF64:
		r.rdi = IVM_ELF64_BOOT_MAGIC;
		r.rsi = IVM_BOOT_INFO_GPA;
		break;
	default:
		snprintf(err, errlen, "no boot protocol chosen");
		return -1;
	}
	if (v->ops->set_regs(v, &r) < 0) {
		snprintf(err, errlen, "KVM_SET_REGS: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static struct kvm_segment real_seg(uint16_t sel, uint8_t type)
{
	return (struct kvm_segment){
		.base = (uint64_t)sel << 4, .limit = 0xffff, .selector = sel, .type = type,
		.present = 1, .s = 1,
	};
}

/*
 * INIT then SIPI (SDM 8.4.4 and 10.4.7.3, table 9-1): the AP starts in real
 * mode at CS:IP = vector << 8 : 0, every other register at its INIT value.
 * Only the user irqchip needs this; an in-kernel LAPIC does it inside KVM.
 */
int vcpu__sipi_reset(struct vcpu *v, uint8_t vector, char *err, size_t errlen)
{
	struct kvm_sregs s;
	struct kvm_regs r;
	uint64_t apic_base;

	if (v->ops->get_sregs(v, &s) < 0) {
		snprintf(err, errlen, "KVM_GET_SREGS: %s", strerror(errno));
		return -1;
	}
	apic_base = s.apic_base;	/* INIT keeps the APIC base (SDM 10.4.7.3) */
	memset(&s, 0, sizeof(s));
	s.apic_base = apic_base;
	s.cs = real_seg((uint16_t)vector << 8, 0xb);
	s.ds = s.es = s.fs = s.gs = s.ss = real_seg(0, 0x3);
	s.tr = (struct kvm_segment){ .limit = 0xffff, .type = 0xb, .present = 1 };
	s.ldt = (struct kvm_segment){ .limit = 0xffff, .type = 0x2, .present = 1 };
	s.gdt.limit = s.idt.limit = 0xffff;
	s.cr0 = 0x60000010;	/* CD, NW, ET */
	if (v->ops->set_sregs(v, &s) < 0) {
		snprintf(err, errlen, "KVM_SET_SREGS (SIPI vector %#x): %s", vector, strerror(errno));
		return -1;
	}
	memset(&r, 0, sizeof(r));
	r.rflags = 0x2;
	r.rip = 0;
	if (v->ops->set_regs(v, &r) < 0) {
		snprintf(err, errlen, "KVM_SET_REGS (SIPI vector %#x): %s", vector, strerror(errno));
		return -1;
	}
	return 0;
}
