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
void idt_set_present(unsigned int vector, bool present);

/* ---- traps.c / irq.c ---- */
void handle_exception(struct pt_regs *regs);
void common_interrupt(struct pt_regs *regs, unsigned int vector);
void spurious_interrupt(struct pt_regs *regs, unsigned int vector);
void show_regs(const struct pt_regs *regs);
void panic(const char *msg, const struct pt_regs *regs) __noreturn;
extern uint64_t irq_count[NR_VECTORS];
extern uint64_t spurious_count;
void irq_ack(unsigned int vector);

/* ---- user.c / user.S ---- */
/* Run fn(arg) at CPL3 on the user stack, IF=1; returns when fn returns. */
void user_run(void (*fn)(void *), void *arg);
/* #UD hook: true (does not return) if regs is the end of a user run */
bool user_exit_check(struct pt_regs *regs);

/* ---- selftest.c ---- */
bool selftest_trap(struct pt_regs *regs, bool irq_path);
int selftest_run(void);

/* ---- main.c ---- */
extern int boot_protocol;

#endif /* GUEST_H */
