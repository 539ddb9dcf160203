// SPDX-License-Identifier: MIT
/*
 * `vmm replay --gdb=PORT`: where the replay stopped, its vCPUs served to one
 * gdb over TCP on the loopback (kvmtool and QEMU's gdbstub do the same over a
 * socket): registers from KVM, memory through the guest's own page tables.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include "emu/x86_mmu.h"
#include "gdb.h"
#include "rsp.h"

static void put(uint8_t *b, size_t *o, uint64_t v, size_t size)
{
	for (size_t i = 0; i < size; i++)
		b[*o + i] = i < 8 ? (uint8_t)(v >> (8 * i)) : 0;
	*o += size;
}

/* KVM's registers in gdb's amd64 'g' layout (rsp.h) */
static int vcpu_regs(void *ctx, unsigned thread, uint8_t buf[RSP_G_BYTES])
{
	struct vm *vm = ctx;
	struct vcpu *v = &vm->vcpus[thread];
	struct kvm_regs r;
	struct kvm_sregs s;
	struct kvm_fpu f;
	uint32_t tag = 0;
	size_t o = 0;

	if (v->fd < 0 || v->ops->get_regs(v, &r) < 0 || v->ops->get_sregs(v, &s) < 0 ||
	    ioctl(v->fd, KVM_GET_FPU, &f) < 0)
		return -1;
	/* gdb's order: rbp before rsp, as kvm_regs has them the other way round */
	const uint64_t g[16] = { r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp, r.rsp,
				 r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15 };

	for (int i = 0; i < 16; i++)
		put(buf, &o, g[i], 8);
	put(buf, &o, r.rip, 8);
	put(buf, &o, r.rflags, 4);
	put(buf, &o, s.cs.selector, 4);
	put(buf, &o, s.ss.selector, 4);
	put(buf, &o, s.ds.selector, 4);
	put(buf, &o, s.es.selector, 4);
	put(buf, &o, s.fs.selector, 4);
	put(buf, &o, s.gs.selector, 4);
	for (int i = 0; i < 8; i++) {
		memcpy(buf + o, f.fpr[i], 10);
		o += 10;
	}
	put(buf, &o, f.fcw, 4);
	put(buf, &o, f.fsw, 4);
	for (int i = 0; i < 8; i++)	/* FXSAVE's abridged tag: in use is valid (00), else empty (11) */
		tag |= (f.ftwx >> i & 1 ? 0u : 3u) << (2 * i);
	put(buf, &o, tag, 4);
	put(buf, &o, 0, 4);			/* fiseg: 64-bit FXSAVE keeps none */
	put(buf, &o, (uint32_t)f.last_ip, 4);	/* fioff */
	put(buf, &o, 0, 4);			/* foseg */
	put(buf, &o, (uint32_t)f.last_dp, 4);	/* fooff */
	put(buf, &o, f.last_opcode, 4);		/* fop */
	for (int i = 0; i < 16; i++) {
		memcpy(buf + o, f.xmm[i], 16);
		o += 16;
	}
	put(buf, &o, f.mxcsr, 4);
	return o == RSP_G_BYTES ? 0 : -1;
}

static size_t vcpu_mem(void *ctx, unsigned thread, uint64_t addr, uint8_t *buf, size_t len)
{
	struct vm *vm = ctx;
	struct vcpu *v = &vm->vcpus[thread];
	struct kvm_sregs s;
	size_t got = 0;

	if (v->fd < 0 || v->ops->get_sregs(v, &s) < 0)
		return 0;
	/* page by page, so what is mapped before a hole still comes back */
	while (got < len) {
		uint64_t va = addr + got, fva;
		size_t n = 4096 - (va & 4095);
		uint32_t pf;

		if (n > len - got)
			n = len - got;
		if (mmu__read(&vm->mem, &s, va, buf + got, n, 0, &pf, &fva) < 0)
			break;
		got += n;
	}
	return got;
}

int gdb__listen(uint16_t port, char *err, size_t errlen)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 1) < 0) {
		snprintf(err, errlen, "127.0.0.1:%u: %s", port, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Wait for @fd to be readable, a stop signal (@stop) ending the wait: 1 ready, 0 stopped, -1 error */
static int wait_in(int fd, int (*stop)(void))
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	for (;;) {
		int k = poll(&p, 1, 100);	/* a signal only sets a flag: look at it every 100 ms */

		if (stop && stop())
			return 0;
		if (k > 0)
			return 1;
		if (k < 0 && errno != EINTR)
			return -1;
	}
}

static int send_all(int fd, const char *b, size_t n)
{
	while (n) {
		ssize_t k = send(fd, b, n, MSG_NOSIGNAL);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		b += k;
		n -= (size_t)k;
	}
	return 0;
}

int gdb__serve(struct vm *vm, int lfd, uint16_t port, int (*stop)(void), char *err, size_t errlen)
{
	struct rsp_target t = { .ctx = vm, .threads = vm->nr_vcpus, .regs = vcpu_regs, .mem = vcpu_mem };
	static struct rsp s;
	char in[1024], out[RSP_OUT_MAX];
	int fd, r = 0, one = 1;

	fprintf(stderr, "vmm: gdb: the stopped vCPUs are on 127.0.0.1:%u (gdb: target remote :%u; "
		"threads are vCPUs, from 1); waiting until it detaches\n", port, port);
	if (wait_in(lfd, stop) <= 0) {
		close(lfd);
		return 0;
	}
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	close(lfd);
	if (fd < 0) {
		snprintf(err, errlen, "accept: %s", strerror(errno));
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	rsp__init(&s);
	while (!s.done && (r = wait_in(fd, stop)) > 0) {
		ssize_t n = recv(fd, in, sizeof(in), 0);
		size_t off = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;	/* gdb went away: as good as a detach */
		while (off < (size_t)n && !s.done) {
			size_t used, k = rsp__feed(&s, &t, in + off, (size_t)n - off, &used, out);

			off += used;
			if (k && send_all(fd, out, k) < 0) {
				s.done = true;
				break;
			}
		}
	}
	close(fd);
	if (r < 0) {
		snprintf(err, errlen, "poll: %s", strerror(errno));
		return -1;
	}
	return 0;
}
