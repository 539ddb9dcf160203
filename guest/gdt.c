// SPDX-License-Identifier: MIT
/*
 * GDT (Linux x86-64 layout), TSS with RSP0, the four IST stacks and an I/O
 * permission bitmap that the self-test turns on for its cases.
 */
#include "guest.h"

struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
	/*
	 * Ports 0 to TSS_IOMAP_PORTS - 1, a set bit denies; then the 0xff byte
	 * the SDM asks for. Ports above are beyond the limit: denied.
	 */
	uint8_t iomap[TSS_IOMAP_PORTS / 8 + 1];
} __attribute__((packed));

/* iomap_base beyond the TSS limit: no I/O permission bitmap */
#define TSS_IOMAP_NONE	0xffff

/* The boot GDT: head.S loads it before long mode, so it must be fully static */
uint64_t gdt_table[GDT_ENTRIES] __aligned(16) = {
	[KERNEL32_CS / 8]	= 0x00cf9b000000ffffull,
	[KERNEL_CS / 8]		= 0x00af9b000000ffffull,
	[KERNEL_DS / 8]		= 0x00cf93000000ffffull,
	[USER32_CS / 8]		= 0x00cffb000000ffffull,
	[USER_DS / 8]		= 0x00cff3000000ffffull,
	[USER_CS / 8]		= 0x00affb000000ffffull,
};

/*
 * Each CPU runs on its own copy, with its own TSS: ltr marks the TSS
 * descriptor busy, so two CPUs can't share one.
 */
static uint64_t cpu_gdt[GDT_ENTRIES] __aligned(16) __percpu;
static struct tss64 tss __aligned(16) __percpu;

/*
 * Each stack is separate so a handler can tell from RSP which one it is on.
 * rsp0_stack and ist_stacks live in entry.S, contiguous (EV_STACK_ID).
 */
char irq_stack[IRQ_STACK_SIZE] __aligned(4096) __percpu;
char user_stack[USER_STACK_SIZE] __aligned(4096) __attribute__((section(".bss.stacks")));

void gdt_init(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) desc = { sizeof(cpu_gdt) - 1, (uint64_t)cpu_gdt };
	uint64_t base = (uint64_t)&tss;
	uint64_t limit = sizeof(tss) - 1;
	int i;

	tss.rsp[0] = (uint64_t)rsp0_stack + RSP0_STACK_SIZE;
	for (i = 0; i < N_IST_STACKS; i++)
		tss.ist[i] = (uint64_t)ist_stacks[i] + IST_STACK_SIZE;
	/* the bitmap allows TC_IO_PORT alone; it is off until tss_iomap_set(true) */
	memset(tss.iomap, 0xff, sizeof(tss.iomap));
	tss.iomap[TC_IO_PORT / 8] &= ~(1u << (TC_IO_PORT % 8));
	tss.iomap_base = TSS_IOMAP_NONE;

	/* same selectors as the boot GDT: the loaded segments stay valid */
	memcpy(cpu_gdt, gdt_table, sizeof(cpu_gdt));
	/* 64-bit available TSS (type 9), P=1 */
	cpu_gdt[TSS_SEL / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
			       (0x89ull << 40) | (((limit >> 16) & 0xf) << 48) |
			       (((base >> 24) & 0xff) << 56);
	cpu_gdt[TSS_SEL / 8 + 1] = base >> 32;
	asm volatile("lgdt %0" : : "m"(desc));
	asm volatile("ltr %w0" : : "r"(TSS_SEL));
}

/* From the descriptor in this CPU's GDT, not the constant: what the CPU checks */
bool tss_iomap_absent(void)
{
	uint64_t d = cpu_gdt[TSS_SEL / 8];
	uint32_t limit = (d & 0xffff) | (((d >> 48) & 0xf) << 16);

	return tss.iomap_base > limit;
}

/*
 * This CPU's I/O permission bitmap on or off: the CPU reads the map base
 * from the TSS at each check, so no reload of TR is needed.
 */
void tss_iomap_set(bool on)
{
	tss.iomap_base = on ? __builtin_offsetof(struct tss64, iomap) : TSS_IOMAP_NONE;
}

/* Ports @port..@port + @n - 1 allowed (or denied again) by this CPU's bitmap */
void tss_iomap_allow(unsigned int port, unsigned int n, bool allow)
{
	for (unsigned int p = port; p < port + n && p < TSS_IOMAP_PORTS; p++) {
		if (allow)
			tss.iomap[p / 8] &= ~(1u << (p % 8));
		else
			tss.iomap[p / 8] |= 1u << (p % 8);
	}
}
