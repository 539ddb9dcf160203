/* SPDX-License-Identifier: MIT */
/*
 * Boot entries: PVH (32-bit), multiboot v1 (32-bit) and plain ELF64 (64-bit).
 * Everything here runs at CPL0, which the target KVM emulates one instruction
 * at a time, so there are no loops: the page tables are built by the
 * assembler and only CR3/CR4/EFER/CR0/GDT need loading.
 */
#include "abi.h"
#include "x86.h"

#define MB_FLAGS	(MULTIBOOT_FLAG_AOUT_KLUDGE | (1 << 1))

#define PTE_P		0x001
#define PTE_W		0x002
#define PTE_U		0x004
#define PTE_PCD		0x010
#define PTE_PS		0x080
#define PTE_NX_HI	0x80000000	/* bit 63, written as the high dword */
#define PTE_KRN		(PTE_P | PTE_W | PTE_U)

/* ---- Multiboot v1 header: a.out kludge so ELF64 does not matter ---- */
	.section .head.mbheader, "a"
	.balign 4
	.globl	mb_header
mb_header:
	.long	MULTIBOOT_HEADER_MAGIC
	.long	MB_FLAGS
	.long	-(MULTIBOOT_HEADER_MAGIC + MB_FLAGS)
	.long	mb_header		/* header_addr */
	.long	__image_start		/* load_addr */
	.long	_edata			/* load_end_addr */
	.long	_end			/* bss_end_addr */
	.long	mb_entry32		/* entry_addr */

/* ---- PVH entry note (own PT_NOTE via the linker script) ---- */
	.section .note.Xen, "a", @note
	.balign 4
	.long	4			/* namesz */
	.long	4			/* descsz */
	.long	XEN_ELFNOTE_PHYS32_ENTRY
	.asciz	"Xen"
	.long	pvh_entry32

/* ---- 32-bit entries ---- */
	.section .head.text, "ax"
	.code32
	.globl	pvh_entry32
pvh_entry32:
	movl	$BOOT_PVH, %edi
	movl	%ebx, %esi		/* hvm_start_info */
	jmp	enter_long_mode

	.globl	mb_entry32
mb_entry32:
	movl	$BOOT_MULTIBOOT, %edi
	movl	%ebx, %esi		/* multiboot_info, if EAX has the magic */
	cmpl	$MULTIBOOT_BOOT_MAGIC, %eax
	je	enter_long_mode
	xorl	%esi, %esi		/* bad magic: no info */

/* EDI = BOOT_*: an AP (ESI = its CPU) gets its own page tables, its per-CPU window */
enter_long_mode:
	lgdt	gdt_desc
	movl	$BOOT_CR4, %eax
	movl	%eax, %cr4
	movl	$pml4, %eax
	cmpl	$BOOT_AP, %edi
	jne	1f
	movl	cpu_pml4(, %esi, 8), %eax	/* ESI = the AP's CPU number, checked */
1:	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$(EFER_LME | EFER_NXE), %eax
	wrmsr
	movl	$BOOT_CR0, %eax
	movl	%eax, %cr0
	ljmp	$KERNEL_CS, $start64_from32

/* ---- 64-bit ---- */
	.code64
start64_from32:
	/* upper halves are undefined after the mode switch */
	movl	%edi, %edi
	movl	%esi, %esi
	jmp	start64

	/* Plain ELF64 entry: long mode, VMM page tables, RDI magic, RSI info */
	.globl	elf64_entry
elf64_entry:
	movabsq	$IVM_ELF64_BOOT_MAGIC, %rax
	cmpq	%rax, %rdi
	movl	$BOOT_ELF64, %edi
	je	1f
	xorl	%esi, %esi		/* not our VMM's hand-off: ignore RSI */
1:	movl	$MSR_EFER, %ecx		/* NXE before a CR3 with NX bits */
	rdmsr
	orl	$EFER_NXE, %eax
	wrmsr
	movl	$BOOT_CR4, %eax
	movq	%rax, %cr4
	movl	$pml4, %eax
	movq	%rax, %cr3
	movl	$BOOT_CR0, %eax
	movq	%rax, %cr0
	lgdt	gdt_desc
	pushq	$KERNEL_CS
	pushq	$start64
	lretq

start64:
	movl	$KERNEL_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	xorl	%eax, %eax
	movl	%eax, %fs
	movl	%eax, %gs
	movl	$boot_stack_top, %esp	/* this CPU's own: the window maps its copy */
	cmpl	$BOOT_AP, %edi
	je	1f
	call	kmain
	jmp	2f
1:	movl	%esi, %edi		/* ap_main(cpu) */
	call	ap_main
2:	cli
	hlt
	jmp	2b

/*
 * AP start (SDM 8.4.4.1): smp.c copies ap_trampoline to AP_TRAMPOLINE_PA
 * and sends SIPI with that page, so the AP starts here in real mode with
 * CS base = the page and IP = 0. It loads the boot GDT and jumps to
 * ap_entry32 in the image; from there it takes the BSP's path with
 * EDI = BOOT_AP, which picks its page tables and ap_main.
 */
	.code16
	.globl	ap_trampoline, ap_trampoline_end
ap_trampoline:
	cli
	movw	%cs, %ax
	movw	%ax, %ds
	lgdtl	ap_tramp_gdtr - ap_trampoline
	movl	%cr0, %eax
	orl	$X86_CR0_PE, %eax
	movl	%eax, %cr0
	ljmpl	$KERNEL32_CS, $ap_entry32
	.balign	8
ap_tramp_gdtr:
	.word	GDT_ENTRIES * 8 - 1
	.long	gdt_table
ap_trampoline_end:

	.code32
ap_entry32:
	/* the real-mode data bases are still cached: lgdt in enter_long_mode reads via DS */
	movl	$KERNEL_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	$BOOT_AP, %edi
	/* which CPU am I: the initial APIC ID (= CPU number), so APs may start together */
	movl	$1, %eax
	cpuid
	shrl	$24, %ebx
	testl	%ebx, %ebx
	jz	ap_no_window
	cmpl	ap_cpu_limit, %ebx	/* NR_CPUS, or fewer when RAM is short (smp.c) */
	jae	ap_no_window
	movl	%ebx, %esi		/* ap_main's @cpu */
	jmp	enter_long_mode
	/* APIC ID 0 or no window of its own in RAM: it never touches memory */
ap_no_window:
	cli
	hlt
	jmp	ap_no_window

/* lgdt reads 6 bytes in 32-bit mode and 10 in 64-bit mode */
	.section .rodata
	.balign 8
	.globl	gdt_desc
gdt_desc:
	.word	GDT_ENTRIES * 8 - 1
	.quad	gdt_table

/* ---- Page tables: identity map 0..1 GiB, LAPIC/IOAPIC window ---- */
	.section .data.pagetables, "aw"
	.balign	4096
/*
 * One CPU's PML4, PDPT and 0..1 GiB PD: the first 2 MiB through pt0, the rest
 * 2 MiB pages, identity but for the per-CPU window, mapped to that CPU's
 * @window (x86.h); 3..4 GiB is the APIC window (pd3), shared.
 */
.macro CPU_PAGE_TABLES pml4, pdpt, pd, window
	.globl	\pml4
\pml4:
	.quad	\pdpt + PTE_KRN
	.fill	511, 8, 0
\pdpt:
	.quad	\pd + PTE_KRN
	.quad	0, 0
	.quad	pd3 + PTE_KRN
	.fill	508, 8, 0
\pd:
	.quad	pt0 + PTE_KRN
	i = 1
	.rept	511
	.if (i << 21) == PERCPU_VA
	.quad	(\window) | PTE_KRN | PTE_PS
	.else
	.quad	(i << 21) | PTE_KRN | PTE_PS
	.endif
	i = i + 1
	.endr
.endm
	CPU_PAGE_TABLES pml4, pdpt, pd0, PERCPU_VA
	.irp	n, 1, 2, 3, 4, 5, 6, 7
	CPU_PAGE_TABLES pml4_ap\n, pdpt_ap\n, pd0_ap\n, (PERCPU_VA+\n*PERCPU_SIZE)
	.endr
	.if	NR_CPUS != 8
	.error	"one CPU_PAGE_TABLES per CPU: update the .irp list and cpu_pml4"
	.endif

	/* each CPU's CR3, by CPU number (smp.c) */
	.section .rodata
	.balign	8
	.globl	cpu_pml4
cpu_pml4:
	.quad	pml4, pml4_ap1, pml4_ap2, pml4_ap3, pml4_ap4, pml4_ap5, pml4_ap6, pml4_ap7
	.section .data.pagetables, "aw"

	/* 0xfe000000..0xfe200000: the start of the PCI BAR window (abi.h
	 * IVM_PCI_MMIO_BASE); 0xfec00000..0xff000000: IOAPIC and LAPIC; uncached,
	 * kernel only */
pd3:
	.fill	(IVM_PCI_MMIO_BASE - 0xc0000000) >> 21, 8, 0
	.quad	IVM_PCI_MMIO_BASE | PTE_P | PTE_W | PTE_PCD | PTE_PS
	.fill	502 - ((IVM_PCI_MMIO_BASE - 0xc0000000) >> 21) - 1, 8, 0
	.quad	0xfec00000 | PTE_P | PTE_W | PTE_PCD | PTE_PS
	.quad	0xfee00000 | PTE_P | PTE_W | PTE_PCD | PTE_PS
	.fill	8, 8, 0

	/* 0..2 MiB in 4 KiB pages, with the self-test pages */
	.globl	pt0
pt0:
	i = 0
	.rept	512
	.if (i << 12) == TEST_PAGE_NP
	.quad	0
	.elseif (i << 12) == TEST_PAGE_RO
	.quad	(i << 12) | PTE_P | PTE_U
	.elseif (i << 12) == TEST_PAGE_SUP
	.quad	(i << 12) | PTE_P | PTE_W
	.elseif (i << 12) == TEST_PAGE_NX
	.long	(i << 12) | PTE_KRN
	.long	PTE_NX_HI
	.else
	.quad	(i << 12) | PTE_KRN
	.endif
	i = i + 1
	.endr

/* ---- Boot stack (the kernel context; not the RSP0 stack), one per CPU ---- */
	.section .percpu, "aw"
	.balign	4096
	.globl	boot_stack, boot_stack_top
boot_stack:
	.skip	BOOT_STACK_SIZE
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
