/* SPDX-License-Identifier: MIT */
/*
 * The guest/host ABI: the one header both guest.elf and ./vmm include.
 * Everything a guest and the VMM exchange (ports, hypercall block, boot
 * hand-off, self-test result records) is defined here and nowhere else.
 * Fixed-width types only; layouts are little-endian and packed by design.
 */
#ifndef IVM_ABI_H
#define IVM_ABI_H

#ifdef __ASSEMBLER__
#define IVM_U(x) x
#else
#include <stdint.h>
#define IVM_U(x) x##u
#endif

/* ---- I/O ports -------------------------------------------------------- */
#define IVM_PORT_COM1		0x3f8	/* 16550 UART, console */
#define IVM_PORT_DEBUGCON	0xe9	/* byte out -> console (QEMU -debugcon) */
#define IVM_PORT_EXIT		0xf4	/* isa-debug-exit: status (v << 1) | 1 */
#define IVM_PORT_HCALL		0x1000	/* 32-bit out: GPA of struct ivm_hcall */
/*
 * A 32-bit IN: which of this vCPU's IRR words hold a vector (bit w: vectors
 * 32w..32w+31), as its LAPIC (KVM's or the VMM's) has them at this exit.
 * An exit on purpose: on PVM a pending interrupt is taken only at one
 * (PVM-5). The answer is recorded and a replay gives it back: what IRR holds
 * is the host's timing. Bits 8-31 are 0; QEMU's ~0 says there is no such port.
 */
#define IVM_PORT_IRR		0x1004
/* QEMU pc-testdev's IOAPIC line ports: a byte out to 0x2000 + pin sets that
 * pin's line (1 asserted, 0 deasserted) before the OUT completes */
#define IVM_PORT_TESTDEV_IOAPIC	0x2000
#define IVM_TESTDEV_IOAPIC_PINS	24
/* QEMU's fw_cfg: a 16-bit OUT to the selector picks an item, byte INs from the
 * data port read it; the storm program reads the vCPU count (2 bytes) there */
#define IVM_PORT_FWCFG		0x510
#define IVM_PORT_FWCFG_DATA	0x511
#define IVM_FWCFG_NB_CPUS	0x0005
#define IVM_FWCFG_RAM_SIZE	0x0003	/* 8 bytes: the APs' per-CPU windows must fit */
/* PCI (vmm run --pci-testdev, vmm qemu -device pci-testdev): configuration
 * mechanism #1, and the windows BARs go in. vmm assigns pci-testdev's BAR0 at
 * IVM_PCI_MMIO_BASE and BAR1 at IVM_PCI_IO_BASE, as firmware would; a guest
 * may move them, within these windows: the MMIO one is 12 MiB below the
 * IOAPIC, past any RAM (3 GiB at most); the I/O one is above every fixed port */
#define IVM_PORT_PCI_CONFIG	0xcf8	/* CONFIG_ADDRESS; CONFIG_DATA at 0xcfc */
#define IVM_PCI_MMIO_BASE	IVM_U(0xfe000000)
#define IVM_PCI_MMIO_SIZE	IVM_U(0x00c00000)
#define IVM_PCI_IO_BASE		0xc000
#define IVM_PCI_IO_SIZE		0x4000
/* A 32-bit read of IVM_PORT_HCALL returns this under ./vmm; QEMU returns ~0. */
#define IVM_HCALL_MAGIC		IVM_U(0x4d4d5649)	/* "IVMM" */

/* ---- Guest physical memory map ---------------------------------------- */
#define IVM_BOOT_INFO_GPA	IVM_U(0x6000)	/* hvm_start_info or multiboot info */
#define IVM_CMDLINE_GPA		IVM_U(0x7000)	/* NUL-terminated command line */
#define IVM_CMDLINE_MAX		IVM_U(0x1000)
#define IVM_BOOT_PT_GPA		IVM_U(0x10000)	/* VMM-built page tables (ELF64 boot) */
#define IVM_BOOT_PT_SIZE	IVM_U(0x6000)	/* PML4 + PDPT + 4 PDs: 4 GiB in 2 MiB pages */
#define IVM_BOOT_GDT_GPA	IVM_U(0x8000)	/* VMM-built GDT (ELF64 boot) */
#define IVM_AP_START_GPA	IVM_U(0x9000)	/* guest AP trampoline: SIPI vector 0x09 */
/* the lowest GPA a segment may load at, past the IVT and BDA; loader.c lists the rest it refuses */
#define IVM_KERNEL_MIN_GPA	IVM_U(0x500)
#define IVM_MEM_DEFAULT		(IVM_U(64) << 20)

/*
 * Plain ELF64 boot (no PVH note, no multiboot header): the VMM enters e_entry
 * in 64-bit mode with paging on (identity map of 4 GiB), flat CS=0x10/DS=0x18,
 * RDI = IVM_ELF64_BOOT_MAGIC, RSI = IVM_BOOT_INFO_GPA (an hvm_start_info).
 */
#define IVM_ELF64_BOOT_MAGIC	IVM_U(0x3436464c45564d49)	/* "IMVELF64" */

/* PVH (xen/include/public/arch-x86/hvm/start_info.h) */
#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define XEN_HVM_START_MAGIC_VALUE IVM_U(0x336ec578)
/* Multiboot v1 */
#define MULTIBOOT_HEADER_MAGIC	IVM_U(0x1BADB002)
#define MULTIBOOT_BOOT_MAGIC	IVM_U(0x2BADB002)
#define MULTIBOOT_SEARCH	8192
#define MULTIBOOT_INFO_CMDLINE	(IVM_U(1) << 2)
#define MULTIBOOT_INFO_MEMORY	(IVM_U(1) << 0)
#define MULTIBOOT_FLAG_AOUT_KLUDGE (IVM_U(1) << 16)

#ifndef __ASSEMBLER__
struct hvm_start_info {
	uint32_t magic;		/* XEN_HVM_START_MAGIC_VALUE */
	uint32_t version;	/* 1: memmap fields valid */
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr;
	uint32_t memmap_entries;
	uint32_t reserved;
};

struct hvm_memmap_table_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;		/* 1 = RAM */
	uint32_t reserved;
};

struct multiboot_header {
	uint32_t magic, flags, checksum;
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
};

struct multiboot_info {
	uint32_t flags;
	uint32_t mem_lower, mem_upper;
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
};
#endif

/* ---- Hypercall (ucall-style) ----------------------------------------- */
/*
 * The guest fills a struct ivm_hcall in its memory and writes its GPA to
 * IVM_PORT_HCALL with a 32-bit OUT. The VMM validates kind, len and every
 * offset before use; one exit per call, so calls are rare by design.
 */
#ifndef __ASSEMBLER__
enum ivm_hcall_kind {
	IVM_HC_PRINT = 1,	/* msg[0..len) to the console */
	IVM_HC_ASSERT = 2,	/* args[0] = line, msg = "file: expr"; run fails */
	IVM_HC_EXC_RESULT = 3,	/* msg holds one struct ivm_exc_result */
	IVM_HC_SELFTEST_DONE = 4,	/* args[0] = nr results, args[1] = nr failed (guest view) */
	IVM_HC_MILESTONE = 5,	/* args[0] = milestone id, msg = name */
	IVM_HC_SYNC = 6,	/* args[0] = sync point N: the VMM runs the scenario's
				 * injections for N before the guest resumes */
	IVM_HC_REGISTER = 7,	/* args[0] = GPA of this vCPU's struct ivm_guest_page */
	IVM_HC_SCENARIO_DONE = 8,	/* args[0] = scenario result code (0 = ran to the end) */
	IVM_HC_QUIET = 9,	/* args[0] = another vCPU: is it at a quiet point? (below) */
	IVM_HC_PROGRESS = 10,	/* args[0] = GPA of a counter another vCPU counts up (below) */
	IVM_HC_MAX
};
#endif

#define IVM_HCALL_MSG_MAX 240

/*
 * IVM_HC_QUIET: the VMM asks vCPU args[0] on that vCPU's own thread (KVM's
 * state of it or our LAPIC model's, never across threads) and writes the
 * answer back into the block before the caller resumes: args[1] = IVM_QUIET_*
 * bits, 0 when it is halted with IF=1, nothing in IRR or ISR, nothing
 * injected or pending (interrupt, NMI, exception) in KVM or queued by the
 * VMM, and every event-ring slot it reserved published; args[2] = its RIP
 * (past the HLT). Only the caller can keep it so afterwards: nothing may send
 * to it until it is told.
 */
#define IVM_QUIET_RUNNING	IVM_U(1 << 0)	/* not halted (or waiting for a SIPI) */
#define IVM_QUIET_IF0		IVM_U(1 << 1)	/* halted with IF=0 */
#define IVM_QUIET_IRR		IVM_U(1 << 2)	/* a vector in its IRR */
#define IVM_QUIET_ISR		IVM_U(1 << 3)	/* a vector in its ISR */
#define IVM_QUIET_EVENT		IVM_U(1 << 4)	/* an interrupt, NMI or exception injected or pending */
#define IVM_QUIET_RING		IVM_U(1 << 5)	/* a ring slot reserved, not yet published */
#define IVM_QUIET_NO_ANSWER	IVM_U(1 << 6)	/* itself, no such vCPU, not started, or no answer in time */

/*
 * IVM_HC_PROGRESS: the guest branches on how far another vCPU has got, a
 * 32-bit counter (4-byte aligned, in RAM) only that vCPU writes and only
 * upwards. The VMM reads it and writes the value into args[1] before the
 * caller resumes, recorded (ITR_PROGRESS): a replay gives the recorded value
 * back once the counter has reached it there, so the guest takes the same
 * branch, and what the value says has happened has happened. args[2] =
 * IVM_PROGRESS_BAD_GPA (args[1] = 0) for a GPA that is not such a counter.
 */
#define IVM_PROGRESS_BAD_GPA	IVM_U(1)

#ifndef __ASSEMBLER__
struct ivm_hcall {
	uint32_t kind;
	uint32_t len;		/* bytes used in msg[] */
	uint64_t args[4];
	char msg[IVM_HCALL_MSG_MAX];
};
#endif

/* ---- Exception self-test results ---------------------------------------- */
/* Which stack the CPU switched to for a delivery. */
#ifndef __ASSEMBLER__
enum ivm_stack_id {
	IVM_STACK_SAME = 0,	/* no switch (same privilege, IST 0) */
	IVM_STACK_RSP0 = 1,	/* TSS.RSP0 (privilege change) */
	IVM_STACK_IST1 = 2,	/* IST n = IVM_STACK_IST1 + n - 1 */
	IVM_STACK_UNKNOWN = 15,
};
#endif

/* Bits of ivm_exc_result.mismatch: which checks failed. */
#define IVM_CHK_VECTOR	(1u << 0)
#define IVM_CHK_ERRCODE	(1u << 1)
#define IVM_CHK_RIP	(1u << 2)
#define IVM_CHK_CS	(1u << 3)
#define IVM_CHK_SS	(1u << 4)
#define IVM_CHK_STACK	(1u << 5)
#define IVM_CHK_IF	(1u << 6)	/* IF must be 0 on entry (interrupt gates) */
#define IVM_CHK_CR2	(1u << 7)
#define IVM_CHK_RESUME	(1u << 8)	/* RIP/RFLAGS/RSP after IRET */
#define IVM_CHK_NOFAULT	(1u << 9)	/* the trigger did not fault at all */

#define IVM_ERR_NONE	(~(uint64_t)0)	/* no error code pushed */

#ifndef __ASSEMBLER__
struct ivm_exc_result {
	char name[24];		/* "#PF-write", NUL-terminated */
	uint8_t cpl;		/* CPL of the triggering code */
	uint8_t exp_vector, obs_vector;
	uint8_t exp_stack, obs_stack;	/* enum ivm_stack_id */
	uint8_t pad[3];
	uint32_t mismatch;	/* IVM_CHK_* bits, computed by the guest */
	uint64_t exp_err, obs_err;	/* IVM_ERR_NONE when absent */
	uint64_t exp_rip, obs_rip;
	uint64_t exp_cs, obs_cs;
	uint64_t exp_ss, obs_ss;
	uint64_t obs_rflags;	/* RFLAGS as seen on entry to the handler */
	uint64_t exp_cr2, obs_cr2;
};
#endif

/* ---- Scenario programs --------------------------------------------------- */
/*
 * What guest.elf runs for scenario=NAME (a config's guest:), in the order of
 * guest/scenarios.c's programs[] table, which the guest indexes by it: the one
 * list both sides use (the VMM validates configs against it).
 */
#define IVM_GUEST_PROGRAMS \
	"priority", "tpr", "nesting", "isr", "level", "masked", "nmi-in-handler", \
	"nmi-blocked", "exception-in-irq", "spurious", "timer-oneshot", "timer-periodic", \
	"timer-tsc-deadline", "softirq", "selfipi", "irq-api", "ipi", "sipi", "ring-stress", \
	"storm", "ipi8", "sipi8", "quiet", "stray-sipi"

/*
 * A kernel's registrations (guest/ivm.h struct ivm_program, IVM_SCENARIO and
 * friends): a table of IVM_PROGRAM_SIZE-byte entries, the section
 * IVM_PROGRAMS_SECTION alone (guest.ld), which `vmm validate --kernel` reads
 * from the ELF. Each entry holds the name's address and one function's: the
 * scenario, the test or the option.
 */
#define IVM_PROGRAMS_SECTION	".ivm_programs"
#define IVM_PROGRAM_SIZE	40
#define IVM_PROGRAM_NAME	0	/* const char *: NUL-terminated, in the image */
#define IVM_PROGRAM_SCENARIO	8	/* scenario=NAME, or 0 */
#define IVM_PROGRAM_TEST	16	/* test=NAME, or 0 */
#define IVM_PROGRAM_OPTION	24	/* NAME=VALUE, or 0 */
#define IVM_PROGRAM_FLAGS	32	/* uint32_t IVM_F_* */

/*
 * The storm program (`vmm storm`, docs/STORM.md): the vectors it has handlers
 * for, so the VMM's plan injects only what a device of this guest could send.
 * MSIs, in the order of the guest's handler kinds (guest/storm.c); IOAPIC
 * pins IVM_STORM_PIN0.. (edge, edge, level, level) at IVM_STORM_PIN_VECTOR;
 * the guest's own self-IPI vector, which the VMM never injects.
 */
#define IVM_STORM_MSI_VECTORS	0x41, 0x45, 0x52, 0x63, 0x74, 0x86, 0x97, 0xa8, 0xb9, 0xca
#define IVM_STORM_NR_MSI	10
#define IVM_STORM_PIN0		3
#define IVM_STORM_NR_PINS	4
#define IVM_STORM_PIN_LEVEL(pin)	((pin) >= IVM_STORM_PIN0 + 2)
#define IVM_STORM_PIN_VECTOR(pin)	(0x58 + 0x10 * ((pin) - IVM_STORM_PIN0))
/* The payload the storm program's #PF and #DB handlers saw, as tagged marks
 * ("intact" leaves these tags alone): CR2 bits 39:12, and DR6's B0-B3 */
#define IVM_MARK_CR2		IVM_U(0x40000000)
#define IVM_MARK_DR6		IVM_U(0x50000000)
/*
 * An invariant the storm program saw broken: an untagged mark
 * IVM_STORM_BROKEN | what << 8 | arg, what one of IVM_SB_* (arg: the vector,
 * or the pin, the TPR, the CPU as the name says); vmm/storm/judge.c names them
 */
#define IVM_STORM_BROKEN	IVM_U(0x0bad0000)
#define IVM_SB_REENTRY		1	/* a handler entered again on its CPU: vector */
#define IVM_SB_IF		2	/* IF=1 in a handler: vector */
#define IVM_SB_DEPTH		3	/* nesting deeper than the classes allow: vector */
#define IVM_SB_ISR		5	/* in service at the end: vector */
#define IVM_SB_IRR		6	/* pending at the end */
#define IVM_SB_TPR		7	/* TPR left raised: TPR */
#define IVM_SB_REMOTE_IRR	8	/* remote IRR left set: pin */
#define IVM_SB_PAYLOAD		9	/* a CR2 or DR6 other than injected (the host's finding): vector */
#define IVM_SB_CPU1		10	/* CPU 1 did not start (1), finish (2) or restart after INIT, SIPI (3) */
#define IVM_SB_TIMER_EXTRA	11	/* the LAPIC timer fired more often than it was armed: its vector */
#define IVM_SB_TIMER_LOST	12	/* the timer, armed last, never fired: its vector */
#define IVM_SB_TIMER_STOPPED	13	/* the timer fired after it was stopped, nothing pending then: its vector */
#define IVM_SB_CPL3		14	/* work=cpl3: the CPL3 work's sums, stack or RFLAGS came back wrong: what (1 sums, 2 RSP, 3 IF, 4 IOPL) */
#define IVM_SB_QUIET		15	/* CPU 1 never at a quiet point (IVM_HC_QUIET), done or asked to restart: the last answer's bits */
/*
 * The storm's timer kind: an MSI to this vector asks the storm program to
 * reprogram its LAPIC timer (one-shot, a count from IVM_STORM_TIMER_COUNTS by
 * the request's number; 0: armed for IVM_STORM_TIMER_STOP_ARM counts, ~10 ms,
 * and stopped with TMICT=0 at once); the timer fires IVM_STORM_TIMER_FIRE,
 * in the lowest class with the self-IPI: the oracle does not model the timer,
 * and nothing it models is ever below it.
 */
#define IVM_STORM_TIMER_VECTOR	0x3c
#define IVM_STORM_TIMER_FIRE	0x2f
#define IVM_STORM_TIMER_COUNTS	20000, 1000000, 0, 200000, 500
#define IVM_STORM_NR_TIMER_COUNTS	5
#define IVM_STORM_TIMER_STOP_ARM	10000000
#define IVM_STORM_SELFIPI_VECTOR	0xdd	/* above every MSI: the oracle sees the ICR write (IVM_EV_IPI) and judges its order */
/*
 * The storm's ipi kind (--vcpus=2): an MSI to IVM_STORM_IPI_REQ + form asks
 * the CPU it reaches to write its ICR, a fixed, edge IPI of
 * IVM_STORM_IPI_VECTOR(that CPU): to the other CPU by its APIC ID, to itself
 * by its own, or with the shorthand self, all, or all but self. The form is
 * in the vector, so a plan (and its shrunk reproducer) says which ICR path it
 * takes. Each CPU sends its own vector: one vector from both, on one target,
 * could merge in IRR at a time the stream can't order, so the oracle could
 * not tell a merge from a lost IPI.
 */
#define IVM_STORM_IPI_REQ	0x33	/* 0x33..0x37, in form order */
#define IVM_STORM_IPI_OTHER	0	/* the other CPU, physical destination */
#define IVM_STORM_IPI_SELF_ID	1	/* itself, physical destination */
#define IVM_STORM_IPI_SELF	2	/* shorthand self */
#define IVM_STORM_IPI_ALL	3	/* shorthand all including self */
#define IVM_STORM_IPI_OTHERS	4	/* shorthand all excluding self */
#define IVM_STORM_NR_IPI_FORMS	5
#define IVM_STORM_IPI_VECTOR(cpu)	(0xd3 + (cpu))	/* sent, never injected: the oracle routes each send from its IPI record */
/*
 * The storm's init kind (--vcpus=2): an MSI to CPU 0 at IVM_STORM_INIT_REQ asks
 * it to restart CPU 1: it waits, interrupts off, until the VMM answers that
 * CPU 1 is at a quiet point (IVM_HC_QUIET), then sends it INIT and starts it
 * again with SIPI. Nothing is sent to CPU 1 in between: the plan's sync
 * points are CPU 0's, and none is reached with interrupts off.
 */
#define IVM_STORM_INIT_REQ	0x3d

/* ---- Shared guest page: counters and the event ring ---------------------- */
/*
 * One per vCPU, in guest RAM, registered with IVM_HC_REGISTER at boot. The
 * guest is the single producer, but an NMI, an exception or a nested
 * interrupt may record in the middle of another record. So a producer first
 * reserves a slot (ev_reserved, bumped with one CMPXCHG: atomic against
 * anything that interrupts this CPU), fills it, and publishes it last by
 * writing the slot's seq = its reservation number + 1. The VMM consumes in
 * reservation order from its own copy of the tail, stops at the first slot
 * not yet published, and writes ev_tail back only so the guest can see free
 * space. When the ring is full the guest drops the event and counts it in
 * ev_dropped: a loss is always visible, never silent. No exit per event.
 */
#define IVM_PAGE_MAGIC		IVM_U(0x47505649)	/* "IVPG" */
#define IVM_PAGE_VERSION	3	/* 3: slots reserved, then published by seq */
#define IVM_NR_IRQS		64
#define IVM_NR_SOFTIRQS		10
#define IVM_EV_RING		1024	/* entries, a power of two */

/* Event kinds (struct ivm_event.kind) */
#define IVM_EV_ENTRY	1	/* handler entry: vector, cpl, depth; arg = error code (low 32) */
#define IVM_EV_IRET	2	/* about to IRET: vector, depth */
#define IVM_EV_EOI	3	/* EOI written: vector = ISR vector being EOI'd (or 0xff if unknown) */
#define IVM_EV_TPR	4	/* TPR written: arg = new TPR */
#define IVM_EV_SOFTIRQ	5	/* softirq handler ran: arg = softirq nr */
#define IVM_EV_TASKLET	6	/* tasklet ran: arg = tasklet id */
#define IVM_EV_SYNC	7	/* sync point reached: arg = N */
#define IVM_EV_MARK	8	/* scenario-specific marker: arg = value */
#define IVM_EV_ISR	9	/* ISR/IRR snapshot in a handler: vector, arg = 1 if ISR bit set */
#define IVM_EV_IF	10	/* the guest set or cleared RFLAGS.IF outside entry/IRET: arg = new IF */
#define IVM_EV_RTE	11	/* the guest wrote an IOAPIC RTE: vector = pin, arg = RTE bits 31:0 (vector, mode, trigger, mask) */
#define IVM_EV_IPI	12	/* the guest is about to write its ICR (any delivery mode): vector, arg = IVM_IPI_ARG() */
/*
 * The guest read a LAPIC register whose value is the host's timing (IRR): vector =
 * the register's index (offset >> 4), arg = the value, rip = the reading instruction
 * (a replay stops there and gives the recorded value back, vmm/replay/read.c)
 */
#define IVM_EV_READ	13
/*
 * The guest set its logical APIC ID: vector = the logical model (IVM_LDR_FLAT
 * or IVM_LDR_CLUSTER, xAPIC DFR bits 31:28, or IVM_LDR_X2APIC), arg = the LDR
 * (xAPIC: the logical ID in bits 31:24, as written; x2APIC: cluster << 16 |
 * 1 << (x2APIC ID & 15), derived from its x2APIC ID as the SDM says). Made
 * after the writes and before the CPU is announced online: the oracle routes
 * a logical IPI by its targets' LDRs as of the IPI record's time.
 */
#define IVM_EV_LDR	14
#define IVM_EV_MAX	14	/* the VMM turns any other kind into a bad-record report */
#define IVM_LDR_CLUSTER	IVM_U(0x0)
#define IVM_LDR_FLAT	IVM_U(0xf)
#define IVM_LDR_X2APIC	IVM_U(0x20)
/*
 * IVM_EV_IPI's arg: the ICR's low bits 19:0 (vector, delivery mode, destination
 * mode, level, trigger, shorthand) and the destination's APIC ID (bits 7:0 of
 * it; the ICR's bits 31:20 are reserved). Recorded under IF=0 right before the
 * ICR write, so nothing but an NMI comes between the record and the send.
 */
#define IVM_IPI_ARG(icr_low, dest)	(((icr_low) & IVM_U(0xfffff)) | ((dest) & IVM_U(0xff)) << 24)
#define IVM_IPI_DM(arg)		((arg) >> 8 & 7)	/* 0 fixed, 1 lowest, 4 NMI, 5 INIT, 6 SIPI */
#define IVM_IPI_LOGICAL(arg)	((arg) >> 11 & 1)	/* destination mode logical */
#define IVM_IPI_SHORTHAND(arg)	((arg) >> 18 & 3)	/* 0 none, 1 self, 2 all, 3 all but self */
#define IVM_IPI_DEST(arg)	((arg) >> 24)
/*
 * An x2APIC destination bits 7:0 can't stand for: a physical APIC ID from
 * 0xff up but the broadcast (all ones, recorded as 0xff), a logical one
 * outside cluster 0. It names none of the at most 8 vCPUs (APIC ID = index).
 * A guest from before it leaves the bit 0 (the ICR's bits 20+ never were).
 */
#define IVM_IPI_NOWHERE		IVM_U(0x100000)
#define IVM_IPI_X2APIC_ARG(icr_low, dest)						\
	((dest) == IVM_U(0xffffffff) ? IVM_IPI_ARG(icr_low, 0xff) :			\
	 ((icr_low) >> 11 & 1 ? (dest) >> 16 != 0 : (dest) >= 0xff) ?			\
	 IVM_IPI_ARG(icr_low, 0) | IVM_IPI_NOWHERE : IVM_IPI_ARG(icr_low, dest))
#define IVM_MAX_DEPTH	64	/* deeper nesting than this in a record is a broken guest */

/*
 * Marks whose tag (top nibble) makes a stream check itself (the scenario
 * check "intact", vmm/scenario/check.c): SEQ + n is the n-th record of a loop on this
 * CPU, IN_NMI + n the n-th record made inside this CPU's NMI handler, and
 * COUNT | vector << 20 | n the guest's own count of that vector's deliveries
 * (n modulo 2^20), which must equal the ENTRY records the stream holds.
 */
#define IVM_MARK_TAG		IVM_U(0xf0000000)
#define IVM_MARK_SEQ		IVM_U(0x10000000)
#define IVM_MARK_IN_NMI		IVM_U(0x20000000)
#define IVM_MARK_COUNT		IVM_U(0x30000000)

/*
 * Untagged marks with a meaning of their own: IVM_MARK_DEPTH | depth is a
 * device handler's mark of the irq depth it runs at (1: not nested).
 */
#define IVM_MARK_DEPTH		IVM_U(0x100)

/*
 * The names a scenario config may write for a number (docs/SCENARIOS.md
 * "Named values"): NAME or NAME+N, so `IVM_MARK_DEPTH+1` instead of 0x101.
 * The guest library checks at build time that each equals its own
 * definition (guest/ivm.c), so the host and guest can't drift.
 */
#define IVM_SCENARIO_NAMES(X)						\
	X(IVM_MARK_DEPTH, 0x100)					\
	X(IVM_MARK_SEQ, 0x10000000)					\
	X(IVM_MARK_IN_NMI, 0x20000000)					\
	X(IVM_MARK_COUNT, 0x30000000)					\
	X(X86_TRAP_NMI, 2)						\
	X(LOCAL_TIMER_VECTOR, 0xec)					\
	X(CALL_FUNCTION_SINGLE_VECTOR, 0xfb)				\
	X(CALL_FUNCTION_VECTOR, 0xfc)					\
	X(RESCHEDULE_VECTOR, 0xfd)					\
	X(ERROR_APIC_VECTOR, 0xfe)					\
	X(SPURIOUS_APIC_VECTOR, 0xff)

/*
 * ENTRY: arg = error code (low 32), 0xffffffff when none was pushed; the frame
 * fields are the saved RIP/CS/RFLAGS/RSP/SS the CPU pushed; stack = which stack
 * the handler runs on (enum ivm_stack_id). IRET: the frame about to be
 * restored (cpl = the CPL returned to). Other kinds: frame fields are 0.
 */
#ifndef __ASSEMBLER__
struct ivm_event {
	uint8_t kind;
	uint8_t vector;
	uint8_t depth;		/* nesting depth after entry / before iret */
	uint8_t cpl;		/* CPL interrupted (ENTRY) or returned to (IRET) */
	uint32_t arg;
	uint64_t tsc;
	uint64_t rip;
	uint64_t rsp;
	uint32_t rflags;
	uint16_t cs;
	uint16_t ss;
	uint8_t stack;		/* enum ivm_stack_id, ENTRY only */
	uint8_t cpu;		/* vCPU index: the guest leaves 0, the VMM sets it when it drains */
	uint8_t pad[2];
	uint32_t seq;		/* written last: reservation number + 1 once the slot is complete */
	uint64_t aux;		/* ENTRY of #PF: CR2; anything else: not written, ignored */
};
#define IVM_EVENT_SIZE 56

struct ivm_guest_page {
	uint32_t magic;		/* IVM_PAGE_MAGIC */
	uint32_t version;	/* IVM_PAGE_VERSION */
	uint32_t ev_reserved;	/* slots reserved (free-running, index = n % IVM_EV_RING) */
	uint32_t ev_dropped;	/* entries lost because the ring was full */
	uint32_t ev_tail;	/* entries consumed by the VMM (written by the VMM; never read back by it) */
	uint32_t tsc_khz;	/* the guest TSC's rate, written by the VMM at IVM_HC_REGISTER; 0: unknown */
	uint64_t vector_count[256];
	uint64_t irq_count[IVM_NR_IRQS];
	uint64_t softirq_count[IVM_NR_SOFTIRQS];
	uint64_t spurious_count;
	struct ivm_event ev[IVM_EV_RING];
};
#endif

#endif /* IVM_ABI_H */
