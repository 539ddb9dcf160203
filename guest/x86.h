/* SPDX-License-Identifier: MIT */
/* Architectural constants shared by the guest's C and assembly. */
#ifndef GUEST_X86_H
#define GUEST_X86_H

/* Boot protocols, passed to kmain() by head.S */
#define BOOT_PVH		1
#define BOOT_MULTIBOOT		2
#define BOOT_ELF64		3
#define BOOT_AP			4	/* not a protocol: an AP's way through head.S */

/* GDT selectors, laid out like Linux x86-64 */
#define KERNEL32_CS		0x08
#define KERNEL_CS		0x10
#define KERNEL_DS		0x18
#define USER32_CS		0x23
#define USER_DS			0x2b
#define USER_CS			0x33
#define TSS_SEL			0x40
#define GDT_ENTRIES		10

#define X86_CR0_PE		(1 << 0)
#define X86_CR0_MP		(1 << 1)
#define X86_CR0_EM		(1 << 2)
#define X86_CR0_TS		(1 << 3)
#define X86_CR0_NE		(1 << 5)
#define X86_CR0_WP		(1 << 16)
#define X86_CR0_AM		(1 << 18)
#define X86_CR0_PG		(1 << 31)
/* WP so that CPL0 writes to read-only pages fault like Linux expects */
#define BOOT_CR0		(X86_CR0_PE | X86_CR0_MP | X86_CR0_NE | X86_CR0_WP | X86_CR0_PG)

#define X86_CR4_PAE		(1 << 5)
#define X86_CR4_OSFXSR		(1 << 9)
#define X86_CR4_OSXMMEXCPT	(1 << 10)
#define BOOT_CR4		(X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT)

#define MSR_EFER		0xc0000080
#define MSR_IA32_CR_PAT		0x277
#define MSR_IA32_APICBASE	0x1b
#define EFER_LME		(1 << 8)
#define EFER_NXE		(1 << 11)

#define X86_EFLAGS_TF		(1 << 8)
#define X86_EFLAGS_IF		(1 << 9)
#define X86_EFLAGS_DF		(1 << 10)
#define X86_EFLAGS_IOPL		(3 << 12)
#define X86_EFLAGS_AC		(1 << 18)

/* Exception vectors (Linux X86_TRAP_*) */
#define X86_TRAP_DE		0
#define X86_TRAP_DB		1
#define X86_TRAP_NMI		2
#define X86_TRAP_BP		3
#define X86_TRAP_OF		4
#define X86_TRAP_BR		5
#define X86_TRAP_UD		6
#define X86_TRAP_NM		7
#define X86_TRAP_DF		8
#define X86_TRAP_OLD_MF		9
#define X86_TRAP_TS		10
#define X86_TRAP_NP		11
#define X86_TRAP_SS		12
#define X86_TRAP_GP		13
#define X86_TRAP_PF		14
#define X86_TRAP_SPURIOUS	15
#define X86_TRAP_MF		16
#define X86_TRAP_AC		17
#define X86_TRAP_MC		18
#define X86_TRAP_XF		19
#define X86_TRAP_VE		20
#define X86_TRAP_CP		21
#define X86_TRAP_VC		29
#define X86_TRAP_SX		30

/* IST slots (the gate's ist field is the index + 1) */
#define IST_INDEX_DF		0
#define IST_INDEX_NMI		1
#define IST_INDEX_DB		2
#define IST_INDEX_MCE		3
#define N_IST_STACKS		4

/* Vector layout (arch/x86/include/asm/irq_vectors.h) */
#define FIRST_EXTERNAL_VECTOR	0x20
#define ISA_IRQ_VECTOR(i)	(0x30 + (i))
#define IA32_SYSCALL_VECTOR	0x80
#define SPURIOUS_APIC_VECTOR	0xff
#define ERROR_APIC_VECTOR	0xfe
#define RESCHEDULE_VECTOR	0xfd
#define CALL_FUNCTION_VECTOR	0xfc
#define CALL_FUNCTION_SINGLE_VECTOR 0xfb
#define THERMAL_APIC_VECTOR	0xfa
#define THRESHOLD_APIC_VECTOR	0xf9
#define REBOOT_VECTOR		0xf8
#define X86_PLATFORM_IPI_VECTOR	0xf7
#define IRQ_WORK_VECTOR		0xf6
#define DEFERRED_ERROR_VECTOR	0xf4
#define LOCAL_TIMER_VECTOR	0xec
#define FIRST_SYSTEM_VECTOR	LOCAL_TIMER_VECTOR
#define NR_VECTORS		256

/* Conformance cases (tcases.S, selftest.c) */
#define TC_IO_PORT		0x3e0		/* claimed by no ivm device, nor by QEMU microvm */
#define TC_IO_PORT_DENIED	(TC_IO_PORT + 1)	/* denied by the TSS I/O bitmap */
#define TSS_IOMAP_PORTS		0x1008		/* the ports the TSS I/O bitmap covers (IVM_PORT_HCALL too) */
#define TC_UNKNOWN_MSR		0x2ff0		/* implemented by no CPU, nor by KVM */
#define TC_IRQ_VECTOR		0xe5		/* an external vector no other guest code uses */
#define TC_STI_WAIT		4000		/* loop rounds after STI for the pending interrupt */
#define TC_STI_WAIT_LONG	200000		/* then a bounded wait so it is still delivered */
#define TC_IRET_ROUNDS		8
#define TC_XAPIC_TPR		0xfee00080	/* the xAPIC's TPR, at the default APIC base */
#define MSR_X2APIC_TPR		0x808
/* Size of one irq/spurious entry stub */
#define IDT_ALIGN		8

/* Stack sizes */
#define BOOT_STACK_SIZE		16384
#define RSP0_STACK_SIZE		8192
#define IST_STACK_SIZE		8192
#define IRQ_STACK_SIZE		16384
#define USER_STACK_SIZE		16384

/*
 * Self-test pages at the top of the first 2 MiB (4 KiB-mapped), outside the
 * image: not-present, read-only, supervisor-only, no-execute.
 */
#define TEST_PAGE_NP		0x1fc000
#define TEST_PAGE_RO		0x1fd000
#define TEST_PAGE_SUP		0x1fe000
#define TEST_PAGE_NX		0x1ff000

/*
 * Per-CPU data (.percpu) is linked at PERCPU_VA, a 2 MiB page each CPU maps
 * to its own RAM: CPU 0 identity-maps it, CPU n maps PERCPU_VA +
 * n * PERCPU_SIZE. So entry.S and C reach this CPU's ring, stacks, TSS and
 * GDT through plain absolute addresses, at no cost per access.
 */
#define PERCPU_VA		0x200000
#define PERCPU_SIZE		0x200000
#define NR_CPUS			8	/* = VMM_MAX_VCPUS; CPU 7's window ends at 18 MiB */
/* AP bring-up: the real-mode trampoline is copied here; SIPI vector = page number */
#define AP_TRAMPOLINE_PA	IVM_AP_START_GPA

#endif /* GUEST_X86_H */
