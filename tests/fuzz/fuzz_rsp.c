// SPDX-License-Identifier: MIT
/*
 * GDB's remote protocol (vmm/gdb/rsp.c) under a hostile peer: the input is
 * the byte stream from "gdb", fed in pieces whose lengths the input's first
 * byte seeds, to a made-up machine of two vCPUs (thread 2's registers can't
 * be read) and 8 KiB of memory with a hole. Checked after each feed: no more
 * was taken than given, and something was unless a packet is still open; the
 * output fits RSP_OUT_MAX, is a lone ack or nak, or an ack and one packet
 * whose checksum is right and whose data holds no '$' or '#'.
 */
#include "gdb/rsp.h"
#include "fuzz.h"

static int regs(void *ctx, unsigned thread, uint8_t buf[RSP_G_BYTES])
{
	if (thread >= 1)
		return -1;
	for (size_t i = 0; i < RSP_G_BYTES; i++)
		buf[i] = (uint8_t)i;
	return 0;
}

static size_t mem(void *ctx, unsigned thread, uint64_t addr, uint8_t *buf, size_t len)
{
	size_t n = 0;

	if (len > (RSP_PACKET_MAX - 1) / 2)
		abort();	/* rsp.c must cap what it asks for by what a reply can hold */
	for (; n < len && addr + n >= 0x1000 && addr + n < 0x3000 && (addr + n < 0x2000 || addr + n >= 0x2800);
	     n++)
		buf[n] = (uint8_t)(addr + n);
	return n;
}

static const struct rsp_target target = { .threads = 2, .regs = regs, .mem = mem };

static void check_out(const char *out, size_t k)
{
	uint8_t sum = 0;
	unsigned want;

	if (k > RSP_OUT_MAX)
		abort();
	if (k == 1 && (out[0] == '+' || out[0] == '-'))
		return;
	if (k < 5 || out[0] != '+' || out[1] != '$' || out[k - 3] != '#')
		abort();
	for (size_t i = 2; i < k - 3; i++) {
		if (out[i] == '$' || out[i] == '#')
			abort();
		sum += (uint8_t)out[i];
	}
	if (sscanf(out + k - 2, "%2x", &want) != 1 || want != sum)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rsp s;
	static char out[RSP_OUT_MAX + 1];
	size_t off = 1, step;

	if (!size)
		return 0;
	step = data[0] % 64 + 1;	/* how recv() cut the stream */
	rsp__init(&s);
	while (off < size && !s.done) {
		size_t n = size - off < step ? size - off : step, used = ~(size_t)0, k;

		k = rsp__feed(&s, &target, (const char *)data + off, n, &used, out);
		if (used > n || (!used && !k))
			abort();
		out[k] = 0;
		if (k)
			check_out(out, k);
		off += used;
	}
	return 0;
}
