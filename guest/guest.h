/* SPDX-License-Identifier: MIT */
#ifndef GUEST_H
#define GUEST_H

#include <stdint.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdbool.h>
#include "abi.h"
#include "x86.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define __noreturn	__attribute__((noreturn))
#define __aligned(n)	__attribute__((aligned(n)))
#define __printf(a, b)	__attribute__((format(printf, a, b)))
/* One instance per CPU, at the same address on each (x86.h PERCPU_VA). */
#define __percpu	__attribute__((section(".percpu")))
#define barrier()	asm volatile("" : : : "memory")
/* One access the compiler may not split, merge or repeat (the VMM reads these) */
#define READ_ONCE(x)	(*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

/*
 * Register frame built by entry.S, lowest address first. orig_ax holds the
 * hardware error code (-1 if none) for exceptions and the pushed vector for
 * irq stubs, as in Linux; vector is always the IDT vector.
 */
struct pt_regs {
	uint64_t r15, r14, r13, r12, bp, bx;
	uint64_t r11, r10, r9, r8, ax, cx, dx, si, di;
	uint64_t vector;
	uint64_t orig_ax;
	/* hardware frame */
	uint64_t ip, cs, flags, sp, ss;
};

/* ---- port I/O and control registers ---- */
static inline void outb(uint16_t port, uint8_t v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

#define DEFINE_CR(n)							\
static inline uint64_t read_cr##n(void)					\
{									\
	uint64_t v;							\
	asm volatile("mov %%cr" #n ", %0" : "=r"(v));			\
	return v;							\
}									\
static inline void write_cr##n(uint64_t v)				\
{									\
	asm volatile("mov %0, %%cr" #n : : "r"(v) : "memory");		\
}
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)

static inline uint64_t read_dr6(void)
{
	uint64_t v;

	asm volatile("mov %%dr6, %0" : "=r"(v));
	return v;
}

static inline void write_dr6(uint64_t v)
{
	asm volatile("mov %0, %%dr6" : : "r"(v));
}

static inline void write_dr0(uint64_t v)
{
	asm volatile("mov %0, %%dr0" : : "r"(v));
}

static inline uint64_t read_dr7(void)
{
	uint64_t v;

	asm volatile("mov %%dr7, %0" : "=r"(v));
	return v;
}

static inline void write_dr7(uint64_t v)
{
	asm volatile("mov %0, %%dr7" : : "r"(v));
}

static inline uint16_t read_ss(void)
{
	uint16_t v;

	asm volatile("mov %%ss, %0" : "=r"(v));
	return v;
}

static inline uint64_t read_flags(void)
{
	uint64_t v;

	asm volatile("pushfq; popq %0" : "=r"(v));
	return v;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return lo | (uint64_t)hi << 32;
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return lo | (uint64_t)hi << 32;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

static inline void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
	asm volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}

/* Unrecorded: for ev_record() itself and short atomic sections that log nothing */
static inline void raw_local_irq_enable(void)
{
	asm volatile("sti" : : : "memory");
}

static inline void raw_local_irq_disable(void)
{
	asm volatile("cli" : : : "memory");
}

static inline uint64_t raw_local_irq_save(void)
{
	uint64_t f = read_flags();

	raw_local_irq_disable();
	return f;
}

static inline void raw_local_irq_restore(uint64_t f)
{
	if (f & X86_EFLAGS_IF)
		raw_local_irq_enable();
}

void ev_record(unsigned int kind, unsigned int vector, uint32_t arg);

/*
 * IF changes are recorded (IVM_EV_IF) so the oracle knows when a pending
 * interrupt must be taken: the record precedes sti, so a delivery right
 * after the sti shadow follows it; cli precedes its record for the same reason.
 */
static inline void local_irq_enable(void)
{
	ev_record(IVM_EV_IF, 0, 1);
	raw_local_irq_enable();
}

static inline void local_irq_disable(void)
{
	raw_local_irq_disable();
	ev_record(IVM_EV_IF, 0, 0);
}

static inline uint64_t local_irq_save(void)
{
	uint64_t f = read_flags();

	raw_local_irq_disable();
	if (f & X86_EFLAGS_IF)	/* only a real 1 -> 0 change is worth a record */
		ev_record(IVM_EV_IF, 0, 0);
	return f;
}

static inline void local_irq_restore(uint64_t f)
{
	if (f & X86_EFLAGS_IF)
		local_irq_enable();
}

static inline void cpu_relax(void)
{
	asm volatile("pause" : : : "memory");
}

/* ---- lib.c ---- */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

/* ---- console.c ---- */
extern bool on_ivm;		/* running under our VMM (hypercalls work) */
void console_init(void);
void console_write(const char *s, size_t n);
int printf(const char *fmt, ...) __printf(1, 2);
void guest_exit(unsigned int code) __noreturn;

/* ---- hcall.c ---- */
void hc_print(const char *s, size_t n);
void hc_assert(const char *file, int line, const char *expr);
void hc_exc_result(const struct ivm_exc_result *r);
void hc_selftest_done(unsigned int cases, unsigned int failed);
void hc_milestone(unsigned int id, const char *name);
void hc_done(unsigned int code) __noreturn;
void hc_register(uint64_t gpa);
void hc_sync(unsigned int n);
/* hc_sync() but for its OUT: the value to OUT to IVM_PORT_HCALL (0: none, not on ivm) */
uint32_t hc_sync_prepare(unsigned int n);
extern unsigned int scenario_count;	/* count=N on the command line, 0 if absent */
void hc_scenario_done(unsigned int code);
uint32_t hc_quiet(unsigned int cpu, uint64_t *rip);
/* @counter, which another CPU counts up, as the VMM read it (replayed) */
uint32_t hc_progress(const volatile uint32_t *counter);

void guest_assert_fail(const char *file, int line, const char *expr) __noreturn;
#define GUEST_ASSERT(c)							\
	do {								\
		if (!(c))						\
			guest_assert_fail(__FILE__, __LINE__, #c);	\
	} while (0)

/* ---- gdt.c ---- */
extern uint64_t gdt_table[GDT_ENTRIES];
extern char rsp0_stack[], ist_stacks[N_IST_STACKS][IST_STACK_SIZE];
extern char irq_stack[], user_stack[], boot_stack[], boot_stack_top[];
void gdt_init(void);

/* ---- idt.c ---- */
void idt_init(void);
void idt_load(void);
void idt_set_present(unsigned int vector, bool present);
void idt_set_dpl(unsigned int vector, unsigned int dpl);	/* the gate's DPL */
void idt_set_type(unsigned int vector, unsigned int type);	/* interrupt or trap gate */

/* ---- trace.c (+ entry.S) ---- */
extern struct ivm_guest_page ivm_page;
extern uint32_t irq_depth;	/* deliveries in progress (entry.S) */
void trace_init(void);
void ev_record(unsigned int kind, unsigned int vector, uint32_t arg);
void ev_record_count(unsigned int vector);	/* IVM_MARK_COUNT, consistent with the stream */
void ev_record_read(uint32_t reg, uint32_t value, uint64_t rip);	/* IVM_EV_READ */
void ev_dump(uint32_t from);

/* ---- traps.c ---- */
void handle_exception(struct pt_regs *regs);
void show_regs(const struct pt_regs *regs);
void panic(const char *msg, const struct pt_regs *regs) __noreturn;
/* NMI and exception-fixup hooks for scenarios: true = handled */
extern bool (*nmi_hook)(struct pt_regs *regs);
/* Claims an exception nothing else did (resume at regs->ip); NULL: panic */
extern bool (*exception_hook)(struct pt_regs *regs);
struct exception_fixup {
	const void *insn, *fixup;
};
extern const struct exception_fixup *fixup_table;
extern unsigned int fixup_count;

/* ---- apic.c (LAPIC, 8259) ---- */
#define APIC_ID		0x20
#define APIC_LVR	0x30
#define APIC_TASKPRI	0x80
#define APIC_PROCPRI	0xa0
#define APIC_EOI	0xb0
#define APIC_LDR	0xd0
#define APIC_DFR	0xe0
#define APIC_SPIV	0xf0
#define APIC_ISR	0x100
#define APIC_TMR	0x180
#define APIC_IRR	0x200
#define APIC_ESR	0x280
#define APIC_ICR	0x300
#define APIC_ICR2	0x310
#define APIC_LVTT	0x320
#define APIC_LVT0	0x350
#define APIC_LVT1	0x360
#define APIC_LVTERR	0x370
#define APIC_TMICT	0x380
#define APIC_TMCCT	0x390
#define APIC_TDCR	0x3e0
#define APIC_LVT_MASKED		(1u << 16)
#define APIC_DM_FIXED		(0u << 8)
#define APIC_DM_NMI		(4u << 8)
#define APIC_DM_EXTINT		(7u << 8)
#define APIC_DM_INIT		(5u << 8)
#define APIC_DM_STARTUP		(6u << 8)
#define APIC_INT_LEVELTRIG	(1u << 15)
#define APIC_DEST_LOGICAL	(1u << 11)
#define APIC_DEST_SELF		(1u << 18)
#define APIC_DEST_ALLINC	(2u << 18)
#define APIC_DEST_ALLBUT	(3u << 18)
#define APIC_INT_ASSERT		(1u << 14)

extern bool apic_enabled, x2apic_mode;
int apic_init(const char *mode);	/* "xapic", "x2apic" or NULL (auto) */
void apic_init_ap(unsigned int cpu);	/* an AP: the BSP's mode, its own LDR */
uint32_t apic_read(uint32_t reg);
void apic_write(uint32_t reg, uint32_t v);
bool apic_isr_test(unsigned int vector);
uint32_t apic_irr_words(void);
bool apic_irr_test(unsigned int vector);
bool apic_deliverable_pending(void);
bool apic_irr_top_deliverable(uint32_t words);
bool apic_tmr_test(unsigned int vector);
unsigned int apic_highest_isr(void);	/* 0xff if none */
void apic_eoi(void);
void apic_set_tpr(uint32_t tpr);
uint32_t apic_get_tpr(void);
void apic_send_ipi(uint32_t dest, uint32_t icr_low);
void apic_self_ipi(unsigned int vector);
void apic_timer_oneshot(uint32_t count);
void apic_timer_oneshot_vector(uint32_t count, unsigned int vector);
void apic_timer_periodic(uint32_t count);
bool apic_timer_tsc_deadline(uint64_t deadline);	/* false: no TSC-deadline */
void apic_timer_stop(void);
void pic_init(void);

/* ---- ioapic.c ---- */
struct ioapic_route {
	uint8_t vector;
	uint8_t delivery;	/* APIC_DM_* >> 8 */
	bool logical, active_low, level, masked;
	uint8_t dest;		/* APIC ID (physical) */
};
extern unsigned int ioapic_version, ioapic_nr_pins;
void ioapic_init(void);
void ioapic_write_route(unsigned int pin, const struct ioapic_route *r);
void ioapic_mask_pin(unsigned int pin, bool mask);
uint64_t ioapic_read_entry(unsigned int pin);
void ioapic_eoi_vector(unsigned int vector);

/* ---- irq.c / irqdesc.c: Linux-style irq layer ---- */
#include "irq.h"

/* ---- softirq.c ---- */
#include "softirq.h"

/* ---- user.c / user.S ---- */
/*
 * Run fn(arg) at CPL3 on the user stack with user_rflags (IF=1 unless a
 * caller changed it, recorded); returns when fn returns, IF as it was.
 */
void user_run(void (*fn)(void *), void *arg);
extern uint64_t user_rflags;	/* RFLAGS a CPL3 run starts with (user.S) */
/* #UD hook: true if regs is the end of a user run (its IRET then returns to user_run) */
bool user_exit_check(struct pt_regs *regs);

/* ---- the exception self-test's hook (a weak default in ivm.c claims nothing) ---- */
bool selftest_trap(struct pt_regs *regs, bool irq_path);

/* ---- gdt.c: the TSS I/O bitmap ---- */
/* The TSS has no I/O bitmap: its iomap base is beyond the segment limit */
bool tss_iomap_absent(void);
void tss_iomap_set(bool on);	/* the TSS I/O bitmap: TC_IO_PORT allowed, the rest denied */
void tss_iomap_allow(unsigned int port, unsigned int n, bool allow);	/* more ports in it */

/* ---- smp.c ---- */
extern unsigned int cpu_number __percpu;	/* this CPU's index (= APIC ID) */
extern uint64_t percpu_offset __percpu;	/* physical minus virtual, in the window */
extern char __percpu_start[], __percpu_end[];
/* Guest-physical address of @p: per-CPU data lives elsewhere for CPU n > 0. */
static inline uint64_t virt_to_phys(const void *p)
{
	uint64_t va = (uint64_t)p;

	return va >= (uint64_t)__percpu_start && va < (uint64_t)__percpu_end ?
	       va + percpu_offset : va;
}
extern volatile unsigned int cpus_online;	/* bit per CPU that reached ap_main */
/* An AP runs this, IF=0, each time an interrupt woke it from its sti; hlt (NULL: none) */
extern void (*ap_idle_hook)(void);
/* Start CPU @cpu with INIT, SIPI, SIPI (SDM 8.4.4.1); false if it never came up. */
bool smp_boot_cpu(unsigned int cpu);
/* The trampoline in place for @cpu, for someone else (the VMM) to send INIT/SIPI. */
void smp_prepare_cpu(unsigned int cpu);
bool smp_wait_online(unsigned int cpu);
/* Start CPUs 1..@n-1 at once (INIT, SIPI, SIPI to all but self); the mask online. */
unsigned int smp_boot_all(unsigned int n);
/* The machine's vCPU count from fw_cfg (0 where there is none) */
unsigned int fw_cfg_cpus(void);
/* Called on an AP for RESCHEDULE / CALL_FUNCTION* IPIs, after EOI. */
extern void (*ipi_hook)(unsigned int vector);

/* ---- ivm.c ---- */
void scenario_run(const char *name, int len) __noreturn;

/* ---- main.c ---- */
extern int boot_protocol;

#endif /* GUEST_H */
