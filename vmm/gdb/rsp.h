/* SPDX-License-Identifier: MIT */
/*
 * GDB's remote serial protocol over a stopped run: the packets, their
 * checksums and acks, and the commands a debugger needs to look at vCPUs
 * that can't run on (threads, registers, memory). Pure: bytes in, bytes out,
 * the machine behind a struct rsp_target, so it is tested without KVM.
 */
#ifndef VMM_GDB_RSP_H
#define VMM_GDB_RSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * GDB's amd64 register file without a target description, in 'g' order:
 * rax rbx rcx rdx rsi rdi rbp rsp r8-r15 (8 bytes), rip (8), eflags cs ss
 * ds es fs gs (4), st0-st7 (10), fctrl fstat ftag fiseg fioff foseg fooff
 * fop (4), xmm0-xmm15 (16), mxcsr (4): 57 registers.
 */
#define RSP_NREGS	57
#define RSP_G_BYTES	536
#define RSP_PACKET_MAX	4096	/* PacketSize: the largest packet either side sends */

struct rsp_target {
	void *ctx;
	unsigned threads;	/* vCPUs, gdb threads 1 .. threads */
	/* @thread's (0-based) registers in 'g' layout; -1 when they can't be read */
	int (*regs)(void *ctx, unsigned thread, uint8_t buf[RSP_G_BYTES]);
	/* up to @len bytes at guest virtual @addr as @thread sees it: how many were read */
	size_t (*mem)(void *ctx, unsigned thread, uint64_t addr, uint8_t *buf, size_t len);
};

struct rsp {
	char pkt[RSP_PACKET_MAX];	/* the packet being read, escapes undone */
	size_t len;
	enum { RSP_IDLE, RSP_DATA, RSP_ESC, RSP_SUM1, RSP_SUM2 } st;
	uint8_t sum, want;
	bool over;		/* longer than PacketSize: refused whole, never half-read */
	unsigned thread;	/* 'Hg': the thread registers and memory are read from (0-based) */
	bool done;		/* gdb detached or killed: the session is over */
};

void rsp__init(struct rsp *s);
/*
 * Bytes from gdb in, up to the end of the first whole packet (*@used: how
 * many were taken); its ack and reply into @out, which holds RSP_OUT_MAX.
 * Returns how many bytes to send (0 while no packet is complete).
 */
#define RSP_OUT_MAX	(RSP_PACKET_MAX + 8)
size_t rsp__feed(struct rsp *s, const struct rsp_target *t, const char *in, size_t n, size_t *used,
		 char out[RSP_OUT_MAX]);
/* Where register @regno lies in the 'g' buffer and how wide it is; -1 for no such register. */
int rsp__reg_slot(unsigned regno, size_t *off, size_t *size);

#endif
