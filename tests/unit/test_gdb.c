// SPDX-License-Identifier: MIT
/* GDB's remote protocol over a stopped run (vmm/gdb/rsp.c), against a made-up machine. */
#include <stdio.h>
#include <string.h>
#include "tap.h"
#include "gdb/rsp.h"

/* Two vCPUs: thread t's register byte i is (t + 1) * 16 + i % 16; memory at 0x1000-0x1fff is addr & 0xff */
static int fake_regs(void *ctx, unsigned thread, uint8_t buf[RSP_G_BYTES])
{
	if (thread > 1)
		return -1;
	for (size_t i = 0; i < RSP_G_BYTES; i++)
		buf[i] = (uint8_t)((thread + 1) * 16 + i % 16);
	return 0;
}

static size_t fake_mem(void *ctx, unsigned thread, uint64_t addr, uint8_t *buf, size_t len)
{
	size_t n = 0;

	for (; n < len && addr + n >= 0x1000 && addr + n < 0x2000; n++)
		buf[n] = (uint8_t)(addr + n);
	return n;
}

static const struct rsp_target target = { .threads = 2, .regs = fake_regs, .mem = fake_mem };
static struct rsp s;
static char out[RSP_OUT_MAX + 1];

/* "$@p#ss" fed whole: the reply's data (after "+$", before '#'), "" for none, or the raw bytes if not framed */
static const char *ask(const char *p)
{
	static char data[RSP_OUT_MAX + 1];
	static char pkt[2 * RSP_PACKET_MAX];
	uint8_t sum = 0;
	size_t used, k;
	char *hash;

	for (const char *c = p; *c; c++)
		sum += (uint8_t)*c;
	snprintf(pkt, sizeof(pkt), "$%s#%02x", p, sum);
	k = rsp__feed(&s, &target, pkt, strlen(pkt), &used, out);
	out[k] = 0;
	if (k < 2 || strncmp(out, "+$", 2) || !(hash = strrchr(out, '#')))
		return out;
	snprintf(data, sizeof(data), "%.*s", (int)(hash - out - 2), out + 2);
	return data;
}

/* The reply's own checksum is the sum of its data */
static bool framed_right(void)
{
	char *hash = strrchr(out, '#');
	unsigned sum = 0, want;

	if (!hash || sscanf(hash + 1, "%2x", &want) != 1)
		return false;
	for (char *c = out + 2; c < hash; c++)
		sum += (uint8_t)*c;
	return (sum & 0xff) == want;
}

static void test_framing(void)
{
	size_t used, k;
	const char *two = "$?#3f$qC#b4";

	rsp__init(&s);
	ok(!strcmp(ask("?"), "T05thread:1;") && !strncmp(out, "+$", 2) && framed_right(), "'?': stopped (SIGTRAP), thread 1, acked and framed");
	k = rsp__feed(&s, &target, "$?#00", 5, &used, out);
	ok(k == 1 && out[0] == '-' && used == 5, "a wrong checksum is answered '-' (send again)");
	k = rsp__feed(&s, &target, "+++\x03junk$?#3", 12, &used, out);
	ok(k == 0 && used == 12, "acks, ^C and noise are skipped; half a packet waits");
	k = rsp__feed(&s, &target, "f", 1, &used, out);
	out[k] = 0;
	ok(!strcmp(out, "+$T05thread:1;#d7") && framed_right(), "...and is answered once whole (%s)", out);
	k = rsp__feed(&s, &target, two, strlen(two), &used, out);
	out[k] = 0;
	ok(used == 5 && !strncmp(out, "+$T05", 5), "two packets at once: the first taken, %zu bytes", used);
	k = rsp__feed(&s, &target, two + used, strlen(two) - used, &used, out);
	out[k] = 0;
	ok(!strcmp(out, "+$QC1#c5"), "...then the second (%s)", out);
	/* "m1000,2" with '}' escaping the ',' (0x2c ^ 0x20 = 0x0c): the checksum covers the raw bytes */
	k = rsp__feed(&s, &target, "$m1000}\x0c" "2#", 10, &used, out);
	k = rsp__feed(&s, &target, "e9", 2, &used, out);
	out[k] = 0;
	ok(!strcmp(out, "+$0001#c1") && framed_right(), "an escaped byte is undone (%s)", out);
}

static void test_commands(void)
{
	char big[RSP_PACKET_MAX + 16];
	const char *r;

	rsp__init(&s);
	r = ask("qSupported:multiprocess+;swbreak+");
	ok(!strcmp(r, "PacketSize=1000"), "qSupported: PacketSize only (%s)", r);
	r = ask("g");
	ok(strlen(r) == 2 * RSP_G_BYTES && !strncmp(r, "101112131415161718191a1b1c1d1e1f1011", 36),
	   "g: the 536 bytes of thread 1, in hex");
	ok(!strcmp(ask("p10"), "1011121314151617") && !strcmp(ask("p7"), "18191a1b1c1d1e1f"),
	   "p: rip (16) is 8 bytes at 128, rsp (7) 8 at 56");
	ok(!strcmp(ask("p11"), "18191a1b"), "p: eflags (17) is 4 bytes at 136");
	ok(!strcmp(ask("p18"), "1415161718191a1b1c1d"), "p: st0 (24) is 10 bytes at 164");
	ok(!strcmp(ask("p37"), "1415161718191a1b1c1d1e1f10111213") && !strcmp(ask("p38"), "14151617"),
	   "p: xmm15 (55) is 16 bytes at 516, mxcsr (56) 4 at 532");
	ok(!strcmp(ask("p39"), "E16") && !strcmp(ask("pzz"), "E16") && !strcmp(ask("p"), "E16"),
	   "p: no register 57, or a bad number: E16");
	ok(!strcmp(ask("Hg2"), "OK") && !strncmp(ask("g"), "2021", 4) && !strcmp(ask("qC"), "QC2") &&
	   !strcmp(ask("?"), "T05thread:2;"), "Hg2: registers from thread 2 (vCPU 1)");
	ok(!strcmp(ask("Hg0"), "OK") && !strncmp(ask("g"), "2021", 4), "Hg0 (any) keeps the thread chosen");
	ok(!strcmp(ask("Hg3"), "E02") && !strcmp(ask("Hgx"), "E02") && !strcmp(ask("T3"), "E02") &&
	   !strcmp(ask("T1"), "OK"), "a thread that isn't there: E02");
	ok(!strcmp(ask("Hc-1"), "OK"), "Hc-1 (all) is accepted");
	ok(!strcmp(ask("qfThreadInfo"), "m1,2") && !strcmp(ask("qsThreadInfo"), "l"), "threads: 1 and 2, then the end");
	r = ask("qThreadExtraInfo,2");
	ok(!strcmp(r, "764350552031"), "qThreadExtraInfo: \"vCPU 1\" in hex (%s)", r);
	ok(!strcmp(ask("m1ffe,4"), "feff"), "m across the end of memory: the bytes before the hole");
	ok(!strcmp(ask("m3000,4"), "E0e") && !strcmp(ask("m1000"), "E16") && !strcmp(ask("m1000,2,"), "E16"),
	   "m of nothing mapped: E0e; a malformed one: E16");
	ok(!strcmp(ask("m1000,0"), ""), "m of 0 bytes: an empty reply");
	r = ask("m1000,ffffffffffffffff");
	ok(strlen(r) == RSP_PACKET_MAX - 2 || strlen(r) == 2 * 0x1000, "m of huge length: cut to a packet (%zu)",
	   strlen(r));
	ok(!strcmp(ask("m10000000000000000,1"), "E16"), "m: an address of 17 digits is malformed");
	ok(!strcmp(ask("c"), "E01") && !strcmp(ask("s"), "E01") && !strcmp(ask("M1000,1:00"), "E01") &&
	   !strcmp(ask("G00"), "E01") && !strcmp(ask("P10=00"), "E01"),
	   "resume, step and writes: E01 (the run is over)");
	ok(!strcmp(ask("Z0,1000,1"), "") && !strcmp(ask("vCont?"), "") && !strcmp(ask("qXfer:features:read:target.xml:0,fff"), ""),
	   "breakpoints, vCont, target.xml: the empty reply (not supported)");
	ok(!strcmp(ask("qAttached"), "1") && !strcmp(ask("qSymbol::"), "OK"), "qAttached, qSymbol");
	memset(big, 'm', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	ok(!strcmp(ask(big), "E22"), "a packet longer than PacketSize: refused whole (E22)");
	ok(!s.done && !strcmp(ask("D"), "OK") && s.done, "D: OK, and the session is over");
	rsp__init(&s);
	ok(!strcmp(ask("k"), "+") && s.done, "k: acked, no reply, the session is over");
}

static void test_slots(void)
{
	size_t off, size, total = 0;
	bool contiguous = true;

	for (unsigned i = 0; i < RSP_NREGS; i++) {
		if (rsp__reg_slot(i, &off, &size) < 0 || off != total)
			contiguous = false;
		total += size;
	}
	ok(contiguous && total == RSP_G_BYTES, "the 57 registers tile the 'g' buffer (%zu bytes)", total);
	ok(rsp__reg_slot(RSP_NREGS, &off, &size) < 0, "no register 57");
}

int main(void)
{
	test_framing();
	test_commands();
	test_slots();
	return tap_done();
}
