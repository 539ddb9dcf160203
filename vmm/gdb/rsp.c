// SPDX-License-Identifier: MIT
/*
 * GDB's remote serial protocol ("Debugging with GDB", appendix E): $data#ss
 * packets acked with + or -, a reply to each. The run behind it is over, so
 * this stub only looks: threads, registers, memory. Resuming, writing and
 * breakpoints get an error or the empty "not supported" reply.
 */
#include <stdio.h>
#include <string.h>
#include "rsp.h"

static const char hexd[] = "0123456789abcdef";

void rsp__init(struct rsp *s)
{
	memset(s, 0, sizeof(*s));
}

int rsp__reg_slot(unsigned regno, size_t *off, size_t *size)
{
	/* 16 GPRs and rip at 8, eflags and 6 selectors at 4, 8 x87 at 10, 8 x87 control at 4,
	 * 16 xmm at 16, mxcsr at 4 */
	static const struct { unsigned first, n, size; } runs[] = {
		{ 0, 17, 8 }, { 17, 7, 4 }, { 24, 8, 10 }, { 32, 8, 4 }, { 40, 16, 16 }, { 56, 1, 4 },
	};
	size_t o = 0;

	for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		if (regno < runs[i].first + runs[i].n) {
			*off = o + (size_t)(regno - runs[i].first) * runs[i].size;
			*size = runs[i].size;
			return 0;
		}
		o += (size_t)runs[i].n * runs[i].size;
	}
	return -1;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* A hex number at *@p, up to a character that is not hex; -1 if none or too long. */
static int hexnum(const char **p, uint64_t *v)
{
	int n = 0, d;

	*v = 0;
	for (; (d = hexval(**p)) >= 0; (*p)++, n++) {
		if (n == 16)
			return -1;
		*v = *v << 4 | (uint64_t)d;
	}
	return n ? 0 : -1;
}

static size_t put_hex(char *o, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		o[2 * i] = hexd[b[i] >> 4];
		o[2 * i + 1] = hexd[b[i] & 15];
	}
	return 2 * n;
}

/* gdb threads are 1-based vCPU numbers; 0 (any) and -1 (all) keep the one chosen */
static int pick_thread(struct rsp *s, const struct rsp_target *t, const char *p, bool select)
{
	uint64_t id;

	if (!strcmp(p, "0") || !strcmp(p, "-1"))
		return 0;
	if (hexnum(&p, &id) < 0 || *p || id < 1 || id > t->threads)
		return -1;
	if (select)
		s->thread = (unsigned)id - 1;
	return 0;
}

/* The reply to packet @p (NUL-terminated) into @r, at most RSP_PACKET_MAX - 1 characters. */
static void reply(struct rsp *s, const struct rsp_target *t, const char *p, char *r)
{
	uint8_t regs[RSP_G_BYTES];
	uint64_t addr, len;
	size_t off, size;

	r[0] = 0;	/* the empty reply: not supported */
	switch (p[0]) {
	case '?':
		snprintf(r, RSP_PACKET_MAX, "T05thread:%x;", s->thread + 1);
		return;
	case 'g':
		if (t->regs(t->ctx, s->thread, regs) < 0) {
			strcpy(r, "E05");
			return;
		}
		r[put_hex(r, regs, sizeof(regs))] = 0;
		return;
	case 'p':
		p++;
		if (hexnum(&p, &addr) < 0 || *p || addr > UINT32_MAX ||
		    rsp__reg_slot((unsigned)addr, &off, &size) < 0) {
			strcpy(r, "E16");
			return;
		}
		if (t->regs(t->ctx, s->thread, regs) < 0) {
			strcpy(r, "E05");
			return;
		}
		r[put_hex(r, regs + off, size)] = 0;
		return;
	case 'm': {
		uint8_t buf[(RSP_PACKET_MAX - 1) / 2];
		size_t got;

		p++;
		if (hexnum(&p, &addr) < 0 || *p++ != ',' || hexnum(&p, &len) < 0 || *p) {
			strcpy(r, "E16");
			return;
		}
		got = t->mem(t->ctx, s->thread, addr, buf, len < sizeof(buf) ? len : sizeof(buf));
		if (!got && len) {
			strcpy(r, "E0e");	/* EFAULT: nothing mapped there */
			return;
		}
		r[put_hex(r, buf, got)] = 0;
		return;
	}
	case 'H':
		if ((p[1] == 'g' || p[1] == 'c') && pick_thread(s, t, p + 2, p[1] == 'g') == 0)
			strcpy(r, "OK");
		else
			strcpy(r, "E02");
		return;
	case 'T':
		strcpy(r, pick_thread(s, t, p + 1, false) == 0 ? "OK" : "E02");
		return;
	case 'D':
		s->done = true;
		strcpy(r, "OK");
		return;
	case 'c': case 'C': case 's': case 'S': case 'G': case 'P': case 'M': case 'X':
		strcpy(r, "E01");	/* the run is over: nothing resumes, nothing is written */
		return;
	case 'q':
		if (!strncmp(p, "qSupported", 10))
			snprintf(r, RSP_PACKET_MAX, "PacketSize=%x", RSP_PACKET_MAX);
		else if (!strcmp(p, "qAttached"))
			strcpy(r, "1");
		else if (!strcmp(p, "qC"))
			snprintf(r, RSP_PACKET_MAX, "QC%x", s->thread + 1);
		else if (!strcmp(p, "qfThreadInfo")) {
			int k = snprintf(r, RSP_PACKET_MAX, "m");

			for (unsigned i = 0; i < t->threads && k < RSP_PACKET_MAX - 16; i++)
				k += snprintf(r + k, RSP_PACKET_MAX - (size_t)k, "%s%x", i ? "," : "", i + 1);
		} else if (!strcmp(p, "qsThreadInfo"))
			strcpy(r, "l");
		else if (!strncmp(p, "qThreadExtraInfo,", 17)) {
			char name[32];
			uint64_t id;
			const char *q = p + 17;

			if (hexnum(&q, &id) < 0 || *q || id < 1 || id > t->threads) {
				strcpy(r, "E02");
				return;
			}
			snprintf(name, sizeof(name), "vCPU %u", (unsigned)id - 1);
			r[put_hex(r, (const uint8_t *)name, strlen(name))] = 0;
		} else if (!strcmp(p, "qSymbol::"))
			strcpy(r, "OK");
		return;
	default:
		return;
	}
}

/* "$data#ss" around @data into @out (from @k on): the bytes written there in all */
static size_t frame(char *out, size_t k, const char *data)
{
	uint8_t sum = 0;

	out[k++] = '$';
	for (; *data; data++) {
		sum += (uint8_t)*data;
		out[k++] = *data;
	}
	out[k++] = '#';
	out[k++] = hexd[sum >> 4];
	out[k++] = hexd[sum & 15];
	return k;
}

size_t rsp__feed(struct rsp *s, const struct rsp_target *t, const char *in, size_t n, size_t *used,
		 char out[RSP_OUT_MAX])
{
	char r[RSP_PACKET_MAX];

	for (size_t i = 0; i < n; i++) {
		char c = in[i];
		int d;

		switch (s->st) {
		case RSP_IDLE:	/* acks, ^C (the run is stopped already) and noise between packets */
			if (c == '$') {
				s->st = RSP_DATA;
				s->len = 0;
				s->sum = 0;
				s->over = false;
			}
			continue;
		case RSP_DATA:
		case RSP_ESC:
			if (s->st == RSP_DATA && c == '#') {
				s->st = RSP_SUM1;
				continue;
			}
			s->sum += (uint8_t)c;
			if (s->st == RSP_DATA && c == '}') {
				s->st = RSP_ESC;
				continue;
			}
			if (s->len < sizeof(s->pkt) - 1)
				s->pkt[s->len++] = s->st == RSP_ESC ? (char)(c ^ 0x20) : c;
			else
				s->over = true;
			s->st = RSP_DATA;
			continue;
		case RSP_SUM1:
			d = hexval(c);
			s->want = (uint8_t)((d < 0 ? 0 : d) << 4);
			s->st = d < 0 ? RSP_IDLE : RSP_SUM2;
			if (d < 0) {	/* a broken frame: ask again */
				*used = i + 1;
				out[0] = '-';
				return 1;
			}
			continue;
		case RSP_SUM2:
			d = hexval(c);
			s->st = RSP_IDLE;
			*used = i + 1;
			if (d < 0 || (uint8_t)(s->want | d) != s->sum) {
				out[0] = '-';
				return 1;
			}
			s->pkt[s->len] = 0;
			if (s->over) {
				out[0] = '+';
				return frame(out, 1, "E22");
			}
			if (s->pkt[0] == 'k') {	/* kill: no reply, the session ends */
				s->done = true;
				out[0] = '+';
				return 1;
			}
			reply(s, t, s->pkt, r);
			out[0] = '+';
			return frame(out, 1, r);
		}
	}
	*used = n;
	return 0;
}
