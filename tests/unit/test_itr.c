// SPDX-License-Identifier: MIT
/* The .itr codec: round trips, header corruption, truncation at every byte, fuzz. */
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "lib/sha256.h"
#include "tap.h"
#include "trace_bytes.h"
#include "trace/itr.h"
#include "trace/trace_cmd.h"
#include "abi.h"

static char dir[64], path[128], path2[128];

static uint64_t rng = 0x1234567;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static const uint16_t types[] = {
	ITR_ENTRY, ITR_IRET, ITR_EOI, ITR_TPR, ITR_SOFTIRQ, ITR_TASKLET, ITR_SYNC, ITR_MARK, ITR_ISR,
	ITR_INJECT, ITR_EXIT, ITR_IOAPIC, ITR_VMM_DELIVERY, ITR_KVM_TP, ITR_MILESTONE, ITR_LOST,
};
#define NTYPES (sizeof(types) / sizeof(types[0]))

static void fill_header(struct itr_header *h)
{
	memset(h, 0, sizeof(*h));
	for (int i = 0; i < 20; i++)
		h->build_id[i] = (uint8_t)(0xa0 + i);
	strcpy(h->scenario, "nesting");
	strcpy(h->irqchip, "split");
	strcpy(h->host, "kvm_pvm; KVM API 12; \"quoted\" \\ tab\t");
	strcpy(h->cmdline, "scenario=nesting test=none");
	strcpy(h->kernel, "build/guest.elf");
	strcpy(h->config, "vcpus=1 mem=67108864 boot=auto devices=none");
	strcpy(h->initrd, "env.txt");
	strcpy(h->initrd_sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	h->start_unix_ns = 0x0123456789abcdefull;
}

static void random_record(struct itr_record *r, uint64_t i)
{
	r->type = types[i % NTYPES];
	r->source = (uint8_t)rnd();
	r->vcpu = (uint8_t)rnd();
	r->vector = (uint8_t)rnd();
	r->cpl = (uint8_t)rnd();
	r->depth = (uint8_t)rnd();
	r->stack = (uint8_t)rnd();
	r->seq = rnd();		/* the writer overwrites it */
	r->time_ns = rnd();
	r->rip = rnd();
	r->rsp = rnd();
	r->rflags = (uint32_t)rnd();
	r->cs = (uint16_t)rnd();
	r->ss = (uint16_t)rnd();
	r->err = (uint32_t)rnd();
	r->a = (uint32_t)rnd();
	r->b = rnd();
}

static bool rec_eq(const struct itr_record *x, const struct itr_record *y)
{
	return x->type == y->type && x->source == y->source && x->vcpu == y->vcpu && x->vector == y->vector &&
	       x->cpl == y->cpl && x->depth == y->depth && x->stack == y->stack && x->seq == y->seq &&
	       x->time_ns == y->time_ns && x->rip == y->rip && x->rsp == y->rsp && x->rflags == y->rflags &&
	       x->cs == y->cs && x->ss == y->ss && x->err == y->err && x->a == y->a && x->b == y->b;
}

static int write_trace(const char *p, struct itr_record *recs, unsigned n)
{
	struct itr_header h;

	fill_header(&h);
	return trace_file(p, &h, recs, n);
}

/* Read a whole file: records returned, -1 on error (err filled), complete/trailing out. */
static long read_all(const char *p, bool *complete, uint64_t *trailing, char *err, size_t errlen)
{
	struct itr_header h;
	struct itr_record r;
	struct itr_reader *rd = itr_reader__open(p, &h, err, errlen);
	long n = 0;
	int k;

	if (!rd)
		return -2;
	while ((k = itr_reader__next(rd, &r, err, errlen)) == 1)
		n++;
	if (complete)
		*complete = itr_reader__complete(rd);
	if (trailing)
		*trailing = itr_reader__trailing_bytes(rd);
	itr_reader__close(rd);
	return k < 0 ? -1 : n;
}

static bool one_line_error(const char *err, const char *want)
{
	return !strchr(err, '\n') && strstr(err, path) == err && strstr(err, ": offset 0x") &&
	       strstr(err, want);
}

static void test_round_trip(void)
{
	enum { N = 5000 };	/* several writer buffers */
	static struct itr_record in[N], out;
	struct itr_header h, got;
	struct itr_reader *r;
	char err[256];
	unsigned bad = 0, n = 0;
	int k;

	for (unsigned i = 0; i < N; i++)
		random_record(&in[i], i);
	ok(write_trace(path, in, N) == 0, "write %d records with every field random", N);
	fill_header(&h);
	r = itr_reader__open(path, &got, err, sizeof(err));
	ok(r != NULL, "reader opens it");
	if (!r)
		return;
	ok(got.version == ITR_VERSION && !memcmp(got.build_id, h.build_id, 20) &&
	   !strcmp(got.scenario, h.scenario) && !strcmp(got.irqchip, h.irqchip) &&
	   !strcmp(got.host, h.host) && !strcmp(got.cmdline, h.cmdline) &&
	   got.start_unix_ns == h.start_unix_ns, "header fields round-trip");
	while ((k = itr_reader__next(r, &out, err, sizeof(err))) == 1 && out.type != ITR_END) {
		in[n].seq = n;
		if (!rec_eq(&in[n], &out))
			bad++;
		n++;
	}
	ok(k == 1 && out.type == ITR_END && out.a == N && out.b == N && out.seq == N,
	   "ITR_END last, a = b = seq = records written");
	is_u64(n, N, "every record read back");
	is_u64(bad, 0, "every field of every record equal (seq assigned 0..N-1)");
	ok(itr_reader__next(r, &out, err, sizeof(err)) == 0 && itr_reader__complete(r) &&
	   itr_reader__trailing_bytes(r) == 0, "then end of stream, complete, no trailing bytes");
	itr_reader__close(r);
}

static void test_header_limits(void)
{
	struct itr_header h, got;
	struct itr_writer *w;
	struct itr_reader *r;
	char err[256];

	fill_header(&h);
	memset(h.scenario, 's', 63);
	memset(h.irqchip, 'i', 15);
	memset(h.host, 'h', 255);
	memset(h.cmdline, 'c', 255);
	w = itr_writer__open(path, &h, err, sizeof(err));
	ok(w && itr_writer__close(w, err, sizeof(err)) == 0, "longest header strings are written");
	w = itr_writer__open(path2, &h, err, sizeof(err));
	itr_writer__set_durable(w, true);
	ok(w && itr_writer__close(w, err, sizeof(err)) == 0 && read_all(path2, NULL, NULL, err, sizeof(err)) == 1,
	   "a durable close (fsync) writes the same trace");
	r = itr_reader__open(path, &got, err, sizeof(err));
	ok(r && strlen(got.scenario) == 63 && strlen(got.irqchip) == 15 && strlen(got.host) == 255 &&
	   strlen(got.cmdline) == 255, "and read back whole");
	itr_reader__close(r);
	memset(h.irqchip, 'i', 16);	/* no NUL inside the array */
	w = itr_writer__open(path, &h, err, sizeof(err));
	ok(!w && strstr(err, "irqchip is not NUL-terminated"), "an unterminated string is refused: %s", err);
	fill_header(&h);
	w = itr_writer__open("/nonexistent/dir/x.itr", &h, err, sizeof(err));
	ok(!w && strstr(err, "/nonexistent/dir/x.itr: No such file"), "open error names the path");
}

struct corruption {
	const char *what, *want;
	size_t off;
	int len;		/* bytes of val to write at off (little-endian), 0 = truncate to off */
	uint64_t val;
	uint64_t want_off;	/* the offset the error must name, ~0 = any */
};

static void test_header_corruption(void)
{
	struct itr_record recs[3] = { { .type = ITR_ENTRY }, { .type = ITR_IRET }, { .type = ITR_EOI } };
	uint8_t *good, *bad;
	size_t n;
	char err[256], want_off[48];
	/* layout: 0 magic, 8 version, 10 record size, 12 header length, 16 build-id, 36 start,
	 * 44 nstr, 46 scenario len, 48 "nesting" (7), 55 irqchip len, 57 "split", 62 host len */
	const struct corruption c[] = {
		{ "magic", "magic", 0, 1, 'X', 0 },
		{ "magic last byte", "magic", 7, 1, 'x', 0 },
		{ "version 0", "version 0", 8, 2, 0, 8 },
		{ "version 12", "version 12, this reader knows 1 to 11", 8, 2, 12, 8 },
		{ "record size", "record size 32", 10, 2, 32, 10 },
		{ "header length tiny", "header length 8 out of bounds", 12, 4, 8, 12 },
		{ "header length huge", "out of bounds", 12, 4, 1u << 20, 12 },
		{ "header length one short", "run past header length", 12, 4, 0, ~0ull },
		{ "header length one long", "strings end at", 12, 4, 0, 12 },
		{ "string count", "3 header strings, version 11 has 8", 44, 2, 3, 44 },
		{ "scenario length over bound", "scenario: length 64, at most 63", 46, 2, 64, 46 },
		{ "irqchip length over bound", "irqchip: length 16", 55, 2, 16, 55 },
		{ "host length over bound", "host: length 300", 62, 2, 300, 62 },
		{ "host runs past header", "host: 250 bytes run past header length", 62, 2, 250, 62 },
		{ "NUL in a string", "NUL byte", 50, 1, 0, 50 },
		{ "file of 5 bytes", "truncated", 5, 0, 0, 0 },
		{ "file cut in fixed header", "truncated header", 30, 0, 0, 30 },
		{ "file cut in strings", "truncated header", 60, 0, 0, ~0ull },
	};
	uint32_t hlen;

	ok(write_trace(path, recs, 3) == 0, "a small valid trace");
	good = slurp(path, &n);
	hlen = (uint32_t)good[12] | (uint32_t)good[13] << 8;
	bad = malloc(n);
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		uint64_t v = c[i].val;
		size_t len = n;

		memcpy(bad, good, n);
		if (!strcmp(c[i].what, "header length one short"))
			v = hlen - 1;
		else if (!strcmp(c[i].what, "header length one long"))
			v = hlen + 1;
		if (c[i].len == 0)
			len = c[i].off;
		for (int b = 0; b < c[i].len; b++)
			bad[c[i].off + b] = (uint8_t)(v >> (8 * b));
		spit(path, bad, len);
		err[0] = 0;
		ok(read_all(path, NULL, NULL, err, sizeof(err)) == -2 && one_line_error(err, c[i].want),
		   "header corruption: %s -> \"%s\"", c[i].what, err);
		if (c[i].want_off != ~0ull) {
			snprintf(want_off, sizeof(want_off), ": offset 0x%llx: ", (unsigned long long)c[i].want_off);
			ok(strstr(err, want_off) != NULL, "  ... at offset %#llx", (unsigned long long)c[i].want_off);
		}
	}
	free(good);
	free(bad);
}

static void test_truncation(void)
{
	struct itr_record recs[5];
	uint8_t *good;
	size_t n, bad_cuts = 0;
	uint32_t hlen;

	for (int i = 0; i < 5; i++)
		random_record(&recs[i], (uint64_t)i);
	write_trace(path, recs, 5);
	good = slurp(path, &n);
	hlen = (uint32_t)good[12] | (uint32_t)good[13] << 8;
	is_u64(n, hlen + 6 * ITR_RECORD_SIZE, "5 records + END after the header");
	for (size_t cut = 0; cut <= n; cut++) {
		char err[256] = "";
		bool complete = false;
		uint64_t trailing = ~0ull;
		long got;

		spit(path2, good, cut);
		got = read_all(path2, &complete, &trailing, err, sizeof(err));
		if (cut < hlen) {
			if (got != -2 || !strstr(err, path2) || !strstr(err, "offset 0x"))
				bad_cuts++;
			continue;
		}
		if (got != (long)((cut - hlen) / ITR_RECORD_SIZE) || complete != (cut == n) ||
		    trailing != (cut - hlen) % ITR_RECORD_SIZE) {
			if (bad_cuts++ < 3)
				printf("# cut %zu: got %ld complete %d trailing %llu err %s\n", cut, got, complete,
				       (unsigned long long)trailing, err);
		}
	}
	is_u64(bad_cuts, 0, "truncated at each of %zu byte offsets: header error, or the complete "
	       "records, complete() false, trailing_bytes right", n + 1);

	/* after END */
	{
		uint8_t *more = malloc(n + ITR_RECORD_SIZE);
		char err[256];

		memcpy(more, good, n);
		memcpy(more + n, good + hlen, ITR_RECORD_SIZE);
		spit(path, more, n + ITR_RECORD_SIZE);
		ok(read_all(path, NULL, NULL, err, sizeof(err)) == -1 && one_line_error(err, "record after ITR_END"),
		   "a record after ITR_END is an error: %s", err);
		spit(path, more, n + 10);
		ok(read_all(path, NULL, NULL, err, sizeof(err)) == -1 && one_line_error(err, "10 bytes after ITR_END"),
		   "bytes after ITR_END are an error: %s", err);
		memcpy(more, good, n);
		more[hlen + 64 + 8] ^= 1;	/* second record's seq */
		spit(path, more, n);
		ok(read_all(path, NULL, NULL, err, sizeof(err)) == -1 && one_line_error(err, "seq 0 out of order"),
		   "a record out of sequence is an error: %s", err);
		memcpy(more, good, n);
		more[hlen] = 0x7f;	/* first record's type */
		more[hlen + 1] = 0;
		spit(path, more, n);
		ok(read_all(path, NULL, NULL, err, sizeof(err)) == -1 && one_line_error(err, "unknown type 0x7f"),
		   "an unknown record type is an error: %s", err);
		memcpy(more, good, n);
		more[n - ITR_RECORD_SIZE + 52] = 4;	/* END's count */
		spit(path, more, n);
		ok(read_all(path, NULL, NULL, err, sizeof(err)) == -1 && one_line_error(err, "ITR_END counts 4"),
		   "ITR_END with the wrong count is an error: %s", err);
		free(more);
	}
	free(good);
}

static void test_fuzz(void)
{
	struct itr_record recs[40];
	uint8_t *good, *bad;
	size_t n;
	unsigned errors = 0, clean = 0, bad_msgs = 0;

	for (int i = 0; i < 40; i++)
		random_record(&recs[i], (uint64_t)i);
	write_trace(path, recs, 40);
	good = slurp(path, &n);
	bad = malloc(n + 256);
	rng = 42;
	for (int it = 0; it < 3000; it++) {
		size_t len = n;
		char err[256] = "";
		long got;

		memcpy(bad, good, n);
		if (it % 3 == 0) {	/* garbage after a real magic */
			len = 8 + rnd() % 300;
			for (size_t i = 8; i < len; i++)
				bad[i] = (uint8_t)rnd();
		} else {
			for (int f = 1 + rnd() % 8; f > 0; f--)
				bad[rnd() % (it % 3 == 1 ? 120 : n)] ^= (uint8_t)(1u << (rnd() % 8));
			if (rnd() % 2)
				len = rnd() % (n + 1);
		}
		spit(path2, bad, len);
		got = read_all(path2, NULL, NULL, err, sizeof(err));
		if (got < 0) {
			errors++;
			if (strchr(err, '\n') || !strstr(err, "offset 0x"))
				bad_msgs++;
		} else {
			clean++;
		}
	}
	ok(errors + clean == 3000, "fuzz: 3000 corrupted files read without a crash (%u rejected)", errors);
	is_u64(bad_msgs, 0, "fuzz: every rejection is one line with an offset");
	free(good);
	free(bad);
}

static struct itr_writer *sig_w;
static void on_usr1(int sig)
{
	itr_writer__emergency_close(sig_w);
	_exit(0);
}

static void test_emergency(void)
{
	struct itr_header h;
	struct itr_record r = { .type = ITR_MARK, .source = ITR_SRC_GUEST };
	char err[256];
	bool complete;
	pid_t pid;
	int st;

	fill_header(&h);
	pid = fork();
	if (pid == 0) {
		sig_w = itr_writer__open(path, &h, err, sizeof(err));
		signal(SIGUSR1, on_usr1);
		for (int i = 0; i < 1500; i++)	/* more than one buffer: some flushed, some not */
			itr_writer__put(sig_w, &r);
		raise(SIGUSR1);
		_exit(3);
	}
	waitpid(pid, &st, 0);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child wrote 1500 records and died in a signal handler");
	ok(read_all(path, &complete, NULL, err, sizeof(err)) == 1501 && complete,
	   "emergency_close flushed them all and wrote ITR_END");

	sig_w = itr_writer__open(path, &h, err, sizeof(err));
	itr_writer__put(sig_w, &r);
	itr_writer__emergency_close(sig_w);
	ok(itr_writer__put(sig_w, &r) < 0, "put after emergency_close is refused");
	ok(itr_writer__close(sig_w, err, sizeof(err)) == 0, "close after emergency_close only frees");
	ok(read_all(path, &complete, NULL, err, sizeof(err)) == 2 && complete, "one record + END");
}

/* Version 2: END says why the run ended; BAD_GUEST is a type of v2 only; v1 still reads. */
static void test_version2(void)
{
	struct itr_record bad = { .type = ITR_BAD_GUEST, .source = ITR_SRC_VMM, .a = 0x20, .b = 1 };
	struct itr_header h;
	struct itr_writer *w;
	struct itr_reader *rd;
	struct itr_record r;
	char err[256];
	uint8_t *buf;
	size_t n;
	int k;

	fill_header(&h);
	w = itr_writer__open(path, &h, err, sizeof(err));
	itr_writer__put(w, &bad);
	itr_writer__set_end(w, 10, 1);	/* SIGHUP */
	ok(itr_writer__close(w, err, sizeof(err)) == 0, "v2: a BAD_GUEST record and an END reason written");
	buf = slurp(path, &n);
	downgrade(buf, &n, 2);
	spit(path, buf, n);
	free(buf);
	rd = itr_reader__open(path, &h, err, sizeof(err));
	ok(rd && h.version == 2 && !h.kernel[0] && !h.config[0] && !strcmp(h.cmdline, "scenario=nesting test=none"),
	   "v2: read back as version 2 (no kernel, no config)");
	ok(rd && itr_reader__next(rd, &r, err, sizeof(err)) == 1 && r.type == ITR_BAD_GUEST &&
	   r.a == 0x20 && r.b == 1, "v2: BAD_GUEST round-trips");
	ok(rd && itr_reader__next(rd, &r, err, sizeof(err)) == 1 && r.type == ITR_END &&
	   r.err == 10 && r.vector == 1, "v2: END carries the exit status and the signal");
	itr_reader__close(rd);

	/* the same bytes as a version 1 file: BAD_GUEST is no type of v1 */
	buf = slurp(path, &n);
	buf[8] = 1;
	spit(path, buf, n);
	rd = itr_reader__open(path, &h, err, sizeof(err));
	ok(rd && h.version == 1, "v1: still read");
	k = rd ? itr_reader__next(rd, &r, err, sizeof(err)) : 0;
	ok(k == -1 && strstr(err, "unknown type 0x27"), "v1: a BAD_GUEST record is an unknown type");
	itr_reader__close(rd);
	free(buf);

	/* an END nobody set a reason for says "not said" */
	w = itr_writer__open(path, &h, err, sizeof(err));
	itr_writer__close(w, err, sizeof(err));
	rd = itr_reader__open(path, &h, err, sizeof(err));
	ok(rd && itr_reader__next(rd, &r, err, sizeof(err)) == 1 && r.type == ITR_END &&
	   r.err == 0xffffffffu && r.vector == 0, "v2: END without a reason: status 0xffffffff, no signal");
	itr_reader__close(rd);
}

/* Version 3: the header says how to boot the run again; DELIVER is a type of v3 only. */
static void test_version3(void)
{
	struct itr_record d = { .type = ITR_DELIVER, .source = ITR_SRC_VMM, .vector = 0x41, .a = ITR_DELIVER_IRQ,
				.b = 17, .rip = 0x104093, .rsp = 0x223f40, .rflags = 0x202 };
	struct itr_header h;
	struct itr_writer *w;
	struct itr_reader *rd;
	struct itr_record r;
	char err[256];
	uint8_t *buf;
	size_t n;
	int k;

	fill_header(&h);
	w = itr_writer__open(path, &h, err, sizeof(err));
	itr_writer__put(w, &d);
	ok(itr_writer__close(w, err, sizeof(err)) == 0, "v3: a DELIVER record written");
	memset(&h, 0, sizeof(h));
	rd = itr_reader__open(path, &h, err, sizeof(err));
	ok(rd && h.version == ITR_VERSION && !strcmp(h.kernel, "build/guest.elf") &&
	   !strcmp(h.config, "vcpus=1 mem=67108864 boot=auto devices=none"), "v3: kernel and config round-trip");
	ok(rd && itr_reader__next(rd, &r, err, sizeof(err)) == 1 && r.type == ITR_DELIVER && r.vector == 0x41 &&
	   r.b == 17 && r.rip == 0x104093 && r.rsp == 0x223f40 && r.rflags == 0x202, "v3: DELIVER round-trips");
	itr_reader__close(rd);
	buf = slurp(path, &n);
	downgrade(buf, &n, 2);
	spit(path, buf, n);
	free(buf);
	rd = itr_reader__open(path, &h, err, sizeof(err));
	k = rd ? itr_reader__next(rd, &r, err, sizeof(err)) : 0;
	ok(rd && k == -1 && strstr(err, "unknown type 0x28"), "v2: a DELIVER record is an unknown type");
	itr_reader__close(rd);
	ok(!strcmp(itr_type__name(ITR_DELIVER), "DELIVER"), "DELIVER has its name");
}

/* @a then @b written to path under a fresh header, then path opened again: the reader, or NULL */
static struct itr_reader *two_records(const struct itr_record *a, const struct itr_record *b,
				      struct itr_header *h, const char *what)
{
	struct itr_record ra = *a, rb = *b;
	struct itr_writer *w;
	char err[256];

	fill_header(h);
	w = itr_writer__open(path, h, err, sizeof(err));
	itr_writer__put(w, &ra);
	itr_writer__put(w, &rb);
	ok(itr_writer__close(w, err, sizeof(err)) == 0, "%s: two records written", what);
	return itr_reader__open(path, h, err, sizeof(err));
}

/* The same records in a file of version @v: its first is an unknown type (@hex), said in one line */
static void unknown_in(uint16_t v, const char *hex, const char *what)
{
	struct itr_header h;
	struct itr_reader *rd;
	struct itr_record r;
	char err[256] = "", want[32];
	uint8_t *buf;
	size_t n;
	int k;

	buf = slurp(path, &n);
	downgrade(buf, &n, v);
	spit(path, buf, n);
	free(buf);
	rd = itr_reader__open(path, &h, err, sizeof(err));
	k = rd ? itr_reader__next(rd, &r, err, sizeof(err)) : 0;
	snprintf(want, sizeof(want), "unknown type %s", hex);
	ok(rd && h.version == v && k == -1 && strstr(err, want) && !strchr(err, '\n'),
	   "v%u: %s is an unknown type, one line: %s", v, what, err);
	itr_reader__close(rd);
}

/*
 * Version 4: the guest's IPI record (ITR_IPI) round-trips and shows; in a file
 * that says version 3 it is an unknown type, and a version 3 file still reads.
 */
static void test_version4(void)
{
	struct itr_record ipi = { .type = ITR_IPI, .source = ITR_SRC_GUEST, .vcpu = 1, .vector = 0xfd,
				  .a = IVM_IPI_ARG(0xfdu, 0u), .err = 0xffffffffu };
	struct itr_record all = ipi;
	struct itr_header h;
	struct itr_reader *rd;
	struct itr_record r;
	char err[256], line[256];

	all.a = IVM_IPI_ARG(3u << 18 | 0xfc, 0u);
	all.vector = 0xfc;
	rd = two_records(&ipi, &all, &h, "v4");
	ok(rd && h.version >= 4, "v4: the version written is 4 or later");
	ok(rd && itr_reader__next(rd, &r, err, sizeof(err)) == 1 && r.type == ITR_IPI && r.vector == 0xfd &&
	   r.vcpu == 1 && IVM_IPI_DEST(r.a) == 0 && IVM_IPI_SHORTHAND(r.a) == 0 && IVM_IPI_DM(r.a) == 0,
	   "v4: IPI to APIC ID 0 round-trips");
	itr_show__format(&r, 0, line, sizeof(line));
	ok(strstr(line, "ipi v=fd fixed to apic 0 cpu=1") != NULL, "v4: shown as \"%s\"", line);
	ok(rd && itr_reader__next(rd, &r, err, sizeof(err)) == 1 && r.type == ITR_IPI &&
	   IVM_IPI_SHORTHAND(r.a) == 3, "v4: IPI to all but self round-trips");
	itr_show__format(&r, 0, line, sizeof(line));
	ok(strstr(line, "ipi v=fc fixed to all-but-self") != NULL, "v4: shown as \"%s\"", line);
	r.a = IVM_IPI_X2APIC_ARG(0xfcu, 0x100u);
	itr_show__format(&r, 0, line, sizeof(line));
	ok(strstr(line, "ipi v=fc fixed to apic beyond the vCPUs (x2apic)") != NULL,
	   "an x2APIC ID no vCPU has: shown as \"%s\", not as its low byte", line);
	itr_reader__close(rd);
	ok(!strcmp(itr_type__name(ITR_IPI), "IPI"), "IPI has its name");
	unknown_in(3, "0xc", "an IPI record");
}

/*
 * Version 5: the header's initrd and initrd_sha256 round-trip; a version 4
 * header (6 strings) still reads, with both empty; a version 5 file with 6
 * strings, or a version 4 one with 8, is one line at the string count.
 */
static void test_version5(void)
{
	static const char sum[] = "1b0111fb1be06763cc108946e2cb3eaa03f2bfcc09d2abc1aaee972f98c0bdc3";
	struct itr_header h;
	struct itr_reader *rd;
	struct itr_record r;
	char err[256];
	uint8_t *buf, *copy;
	size_t n;

	fill_header(&h);
	strcpy(h.config, "vcpus=1 mem=67108864 boot=multiboot devices=pci-testdev");
	strcpy(h.initrd, "/tmp/initrd.txt");
	strcpy(h.initrd_sha256, sum);
	ok(trace_file(path, &h, NULL, 0) == 0, "v5: a trace with an initrd written");
	memset(&h, 0, sizeof(h));
	rd = itr_reader__open(path, &h, err, sizeof(err));
	ok(rd && h.version >= 5 && !strcmp(h.initrd, "/tmp/initrd.txt") && !strcmp(h.initrd_sha256, sum) &&
	   !strcmp(h.config, "vcpus=1 mem=67108864 boot=multiboot devices=pci-testdev") &&
	   !strcmp(h.kernel, "build/guest.elf"), "v5: initrd, its sha256 and the config round-trip");
	ok(rd && itr_reader__next(rd, &r, err, sizeof(err)) == 1 && r.type == ITR_END, "v5: then END");
	itr_reader__close(rd);

	buf = slurp(path, &n);
	copy = malloc(n);
	memcpy(copy, buf, n);
	downgrade(buf, &n, 4);
	spit(path, buf, n);
	memset(&h, 0xff, sizeof(h));
	rd = itr_reader__open(path, &h, err, sizeof(err));
	ok(rd && h.version == 4 && !h.initrd[0] && !h.initrd_sha256[0] && !strcmp(h.kernel, "build/guest.elf"),
	   "v4 header (6 strings): still read, no initrd");
	ok(rd && itr_reader__next(rd, &r, err, sizeof(err)) == 1 && r.type == ITR_END, "v4: then END");
	itr_reader__close(rd);
	buf[8] = 5;	/* 6 strings, labelled version 5 */
	spit(path, buf, n);
	rd = itr_reader__open(path, &h, err, sizeof(err));
	ok(!rd && strstr(err, "offset 0x2c: 6 header strings, version 5 has 8") && !strchr(err, '\n'),
	   "v5 with 6 strings: one line: %s", err);
	itr_reader__close(rd);
	free(buf);
	copy[8] = 4;	/* 8 strings, labelled version 4 */
	spit(path, copy, n + 2 + 2 + strlen("/tmp/initrd.txt") + 64);
	rd = itr_reader__open(path, &h, err, sizeof(err));
	ok(!rd && strstr(err, "8 header strings, version 4 has 6") && !strchr(err, '\n'),
	   "v4 with 8 strings: one line: %s", err);
	itr_reader__close(rd);
	/* initrd_sha256's length: one byte past the header's end */
	copy[8] = 5;
	copy[(copy[12] | copy[13] << 8) - 64 - 2] = 65;
	spit(path, copy, n + 2 + 2 + strlen("/tmp/initrd.txt") + 64);
	rd = itr_reader__open(path, &h, err, sizeof(err));
	ok(!rd && strstr(err, "header initrd_sha256: 65 bytes run past header length") && !strchr(err, '\n'),
	   "v5: a corrupt initrd_sha256 length: one line: %s", err);
	itr_reader__close(rd);
	free(copy);
}

/*
 * Version 6: the VMM's QUIET answer (ITR_QUIET) round-trips and shows (quiet,
 * and each bit by name); in a file that says version 5 it is an unknown type,
 * one line, and a version 5 file still reads.
 */
static void test_version6(void)
{
	struct itr_record q = { .type = ITR_QUIET, .source = ITR_SRC_VMM, .vcpu = 0, .vector = 1,
				.a = 0, .rip = 0x10c8a3, .b = 5, .err = 0xffffffffu };
	struct itr_record busy = q;
	struct itr_header h;
	struct itr_reader *rd;
	struct itr_record r;
	char err[256], line[256];

	busy.a = IVM_QUIET_RUNNING | IVM_QUIET_RING;
	busy.vector = 0xff;
	busy.vcpu = 1;
	rd = two_records(&q, &busy, &h, "v6");
	ok(rd && h.version >= 6, "v6: the version written is 6 or later");
	ok(rd && itr_reader__next(rd, &r, err, sizeof(err)) == 1 && r.type == ITR_QUIET && r.vector == 1 &&
	   r.a == 0 && r.rip == 0x10c8a3 && r.b == 5, "v6: a quiet answer round-trips");
	itr_show__format(&r, 0, line, sizeof(line));
	ok(strstr(line, "vmm: quiet? cpu 1 -> quiet RIP=000000000010c8a3 after 5 guest ring slots") != NULL,
	   "v6: shown as \"%s\"", line);
	ok(rd && itr_reader__next(rd, &r, err, sizeof(err)) == 1 && r.type == ITR_QUIET &&
	   r.a == (IVM_QUIET_RUNNING | IVM_QUIET_RING), "v6: a busy answer round-trips");
	itr_show__format(&r, 0, line, sizeof(line));
	ok(strstr(line, "quiet? cpu 255+ -> running,ring RIP=") && strstr(line, " cpu=1"),
	   "v6: its bits by name, an index past 254 as 255+: \"%s\"", line);
	itr_reader__close(rd);
	ok(!strcmp(itr_type__name(ITR_QUIET), "QUIET"), "QUIET has its name");
	unknown_in(5, "0x29", "a QUIET record");
}

/*
 * Version 7: the guest's LAPIC read (ITR_READ) round-trips and shows, IRR by
 * its word, another register by its offset; in a file that says version 6 it
 * is an unknown type, one line.
 */
static void test_version7(void)
{
	struct itr_record irr = { .type = ITR_READ, .source = ITR_SRC_GUEST, .vcpu = 1, .vector = 0x27,
				  .a = 0x1000, .rip = 0x1089a5, .err = 0xffffffffu };
	struct itr_record other = irr;
	struct itr_header h;
	struct itr_reader *rd;
	struct itr_record r;
	char err[256], line[256];

	other.vector = 0x0b;	/* EOI's offset, 0xb0: not a bank */
	other.vcpu = 0;
	other.a = 0;
	rd = two_records(&irr, &other, &h, "v7");
	ok(rd && h.version >= 7, "v7: the version written is 7 or later");
	ok(rd && itr_reader__next(rd, &r, err, sizeof(err)) == 1 && r.type == ITR_READ && r.vector == 0x27 &&
	   r.a == 0x1000 && r.rip == 0x1089a5 && r.vcpu == 1, "v7: an IRR read round-trips");
	itr_show__format(&r, 0, line, sizeof(line));
	ok(strstr(line, "read irr7 = 0x1000 IP=00000000001089a5 cpu=1") != NULL, "v7: shown as \"%s\"", line);
	ok(rd && itr_reader__next(rd, &r, err, sizeof(err)) == 1 && r.type == ITR_READ && r.vector == 0x0b,
	   "v7: a read of another register round-trips");
	itr_show__format(&r, 0, line, sizeof(line));
	ok(strstr(line, "read apic 0xb0 = 0 IP=") != NULL, "v7: another register by its offset: \"%s\"", line);
	itr_reader__close(rd);
	ok(!strcmp(itr_type__name(ITR_READ), "READ"), "READ has its name");
	unknown_in(6, "0xd", "a READ record");
}

/*
 * Version 8: the VMM's answer to IVM_PORT_IRR (ITR_IRR) round-trips and shows
 * (the words, where the IN was, the ring slots); in a file that says version
 * 7 it is an unknown type, one line.
 */
static void test_version8(void)
{
	struct itr_record q = { .type = ITR_IRR, .source = ITR_SRC_VMM, .vcpu = 0, .a = 0x42,
				.rip = 0x108bae, .b = 46, .err = 0xffffffffu };
	struct itr_record none = q;
	struct itr_header h;
	struct itr_reader *rd;
	struct itr_record r;
	char err[256], line[256];

	none.a = 0;
	none.vcpu = 1;
	none.b = 7;
	rd = two_records(&q, &none, &h, "v8");
	ok(rd && h.version == ITR_VERSION, "v8: the version written is the current one");
	ok(rd && itr_reader__next(rd, &r, err, sizeof(err)) == 1 && r.type == ITR_IRR && r.a == 0x42 &&
	   r.rip == 0x108bae && r.b == 46 && r.vcpu == 0, "v8: an IRR answer round-trips");
	itr_show__format(&r, 0, line, sizeof(line));
	ok(strstr(line, "vmm: irr? -> words 0x42 IP=0000000000108bae after 46 guest ring slots") != NULL,
	   "v8: shown as \"%s\"", line);
	ok(rd && itr_reader__next(rd, &r, err, sizeof(err)) == 1 && r.type == ITR_IRR && r.a == 0 &&
	   r.vcpu == 1 && r.b == 7, "v8: an empty answer round-trips");
	itr_show__format(&r, 0, line, sizeof(line));
	ok(strstr(line, "irr? -> words 0 IP=") && strstr(line, " cpu=1"), "v8: \"%s\"", line);
	itr_reader__close(rd);
	ok(!strcmp(itr_type__name(ITR_IRR), "IRR"), "IRR has its name");
	unknown_in(7, "0x2a", "an IRR record");
}

/*
 * Version 9: the VMM's answer to IVM_HC_PROGRESS (ITR_PROGRESS) round-trips
 * and shows (the counter's GPA, its value, the ring slots); in a file that
 * says version 8 it is an unknown type, one line.
 */
static void test_version9(void)
{
	struct itr_record q = { .type = ITR_PROGRESS, .source = ITR_SRC_VMM, .vcpu = 1, .a = 17,
				.rsp = 0x1ab0c4, .rip = 0x10c3d1, .b = 2051, .err = 0xffffffffu };
	struct itr_record zero = q;
	struct itr_header h;
	struct itr_reader *rd;
	struct itr_record r;
	char err[256], line[256];

	zero.a = 0;
	zero.vcpu = 0;
	zero.b = 9;
	rd = two_records(&q, &zero, &h, "v9");
	ok(rd && h.version == ITR_VERSION, "v9: the version written is the current one");
	ok(rd && itr_reader__next(rd, &r, err, sizeof(err)) == 1 && r.type == ITR_PROGRESS &&
	   r.a == 17 && r.rsp == 0x1ab0c4 && r.rip == 0x10c3d1 && r.b == 2051 && r.vcpu == 1, "v9: a PROGRESS answer round-trips");
	itr_show__format(&r, 0, line, sizeof(line));
	ok(strstr(line, "vmm: progress? [0x1ab0c4] -> 17 IP=000000000010c3d1 after 2051 guest ring slots") != NULL &&
	   strstr(line, " cpu=1"), "v9: shown as \"%s\"", line);
	ok(rd && itr_reader__next(rd, &r, err, sizeof(err)) == 1 && r.type == ITR_PROGRESS && r.a == 0 &&
	   r.vcpu == 0 && r.b == 9, "v9: a zero answer round-trips");
	itr_reader__close(rd);
	ok(!strcmp(itr_type__name(ITR_PROGRESS), "PROGRESS"), "PROGRESS has its name");
	unknown_in(8, "0x2b", "a PROGRESS record");
}

/*
 * Version 10: a ring slot never published (ITR_UNPUBLISHED), cut off by the end
 * of the run or lost, round-trips and shows its slot; in a file that says
 * version 9 it is an unknown type, one line.
 */
static void test_version10(void)
{
	struct itr_record cut = { .type = ITR_UNPUBLISHED, .source = ITR_SRC_VMM, .vcpu = 1, .a = 1,
				  .b = 17, .err = 0xffffffffu };
	struct itr_record lost = cut;
	struct itr_header h;
	struct itr_reader *rd;
	struct itr_record r;
	char err[256], line[256];

	lost.a = 0;
	lost.vcpu = 0;
	lost.b = 4100;
	rd = two_records(&cut, &lost, &h, "v10");
	ok(rd && h.version == ITR_VERSION, "v10: the version written is the current one");
	ok(rd && itr_reader__next(rd, &r, err, sizeof(err)) == 1 && r.type == ITR_UNPUBLISHED &&
	   r.a == 1 && r.b == 17 && r.vcpu == 1, "v10: a cut-off slot round-trips");
	itr_show__format(&r, 0, line, sizeof(line));
	ok(strstr(line, "vmm: slot 17 never published: cut off by the end of the run") != NULL &&
	   strstr(line, " cpu=1"), "v10: shown as \"%s\"", line);
	ok(rd && itr_reader__next(rd, &r, err, sizeof(err)) == 1 && r.type == ITR_UNPUBLISHED &&
	   r.a == 0 && r.b == 4100 && r.vcpu == 0, "v10: a lost slot round-trips");
	itr_show__format(&r, 0, line, sizeof(line));
	ok(strstr(line, "vmm: slot 4100 never published: lost, its writer abandoned") != NULL,
	   "v10: shown as \"%s\"", line);
	itr_reader__close(rd);
	ok(!strcmp(itr_type__name(ITR_UNPUBLISHED), "UNPUBLISHED"), "UNPUBLISHED has its name");
	unknown_in(9, "0x2c", "an UNPUBLISHED record");
}

/*
 * Version 11: the guest's LDR record (ITR_LDR) round-trips and shows, in each
 * model; in a file that says version 10 it is an unknown type.
 */
static void test_version11(void)
{
	struct itr_record flat = { .type = ITR_LDR, .source = ITR_SRC_GUEST, .vcpu = 1,
				   .vector = IVM_LDR_FLAT, .a = 1u << 25, .err = 0xffffffffu };
	struct itr_record x2 = flat;
	struct itr_header h;
	struct itr_reader *rd;
	struct itr_record r;
	char err[256], line[256];

	x2.vector = IVM_LDR_X2APIC;
	x2.a = 1u << 16 | 1u << 3;	/* x2APIC ID 19: cluster 1, bit 3 */
	rd = two_records(&flat, &x2, &h, "v11");
	ok(rd && h.version == ITR_VERSION, "v11: the version written is the current one");
	ok(rd && itr_reader__next(rd, &r, err, sizeof(err)) == 1 && r.type == ITR_LDR &&
	   r.vector == IVM_LDR_FLAT && r.a == 1u << 25 && r.vcpu == 1, "v11: a flat LDR round-trips");
	itr_show__format(&r, 0, line, sizeof(line));
	ok(strstr(line, "ldr flat 0x2") != NULL && strstr(line, " cpu=1"), "v11: shown as \"%s\"", line);
	ok(rd && itr_reader__next(rd, &r, err, sizeof(err)) == 1 && r.type == ITR_LDR &&
	   r.vector == IVM_LDR_X2APIC && r.a == (1u << 16 | 1u << 3), "v11: an x2APIC LDR round-trips");
	itr_show__format(&r, 0, line, sizeof(line));
	ok(strstr(line, "ldr x2apic cluster 1 bits 0x8") != NULL, "v11: shown as \"%s\"", line);
	itr_reader__close(rd);
	ok(!strcmp(itr_type__name(ITR_LDR), "LDR"), "LDR has its name");
	unknown_in(10, "0xe", "an LDR record");
}

/* lib/sha256.c against FIPS 180-4's examples and the block boundaries. */
static void test_sha256(void)
{
	static char big[1000001];
	char hex[SHA256_HEX];

	sha256_hex("", 0, hex);
	ok(!strcmp(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"), "sha256 of \"\"");
	sha256_hex("abc", 3, hex);
	ok(!strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"), "sha256 of abc");
	sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, hex);
	ok(!strcmp(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
	   "sha256 of 56 bytes (the padding takes a second block)");
	memset(big, 'a', 1000000);
	sha256_hex(big, 1000000, hex);
	ok(!strcmp(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
	   "sha256 of a million 'a'");
	sha256_hex(big, 64, hex);
	ok(!strcmp(hex, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"), "sha256 of 64 'a'");
}

static void test_names(void)
{
	unsigned bad = 0;

	for (unsigned i = 0; i < NTYPES; i++)
		if (!itr_type__name(types[i]))
			bad++;
	ok(!bad && !strcmp(itr_type__name(ITR_END), "END") && !strcmp(itr_type__name(ITR_INJECT), "INJECT"),
	   "every type has a name");
	ok(!itr_type__name(0) && !itr_type__name(15) && !itr_type__name(0x1234), "unknown types have none");
}

/* ITR_KVM_TP: tracepoint names, kvm_emulate_insn's modes and bytes (docs/TRACE.md). */
static void test_kvm_tp(void)
{
	struct itr_record r = { .type = ITR_KVM_TP, .source = ITR_SRC_KVM, .a = ITR_TP_EMULATE_FAILED,
				.vector = 2, .b = 9ull << 32 | 0xcf48, .rip = 0x107b77 };
	char buf[32], tiny[4];

	ok(ITR_TP_EMULATE_FAILED == 7 && ITR_TP_NR == 8, "kvm_emulate_insn appended to the ids: 7");
	ok(!strcmp(itr_kvm_tp__name(ITR_TP_EMULATE_FAILED), "kvm_emulate_insn") &&
	   !strcmp(itr_kvm_tp__name(ITR_TP_IOAPIC_SET_IRQ), "kvm_ioapic_set_irq") &&
	   !strcmp(itr_kvm_tp__name(ITR_TP_NR), "kvm_tracepoint"), "tracepoint names; unknown ids get none of them");
	ok(!strcmp(itr_kvm_emul_mode__name(9), "prot64") && !strcmp(itr_kvm_emul_mode__name(5), "prot32") &&
	   !strcmp(itr_kvm_emul_mode__name(1), "prot16") && !strcmp(itr_kvm_emul_mode__name(3), "vm16") &&
	   !strcmp(itr_kvm_emul_mode__name(0), "real") && !itr_kvm_emul_mode__name(2),
	   "emulation modes named as the kernel prints them");
	is_u64(ITR_TP_INSN_FLAGS(r.b), 9, "flags in b bits 39:32");
	ok(itr_kvm_tp__insn(&r, buf, sizeof(buf)) == 5 && !strcmp(buf, "48 cf"), "bytes as __print_hex: '%s'", buf);
	r.vector = 15;
	r.b = 0x3c15ae0f;
	itr_kvm_tp__insn(&r, buf, sizeof(buf));
	ok(!strcmp(buf, "0f ae 15 3c... len=15"), "4 bytes kept, the length of the rest: '%s'", buf);
	itr_kvm_tp__insn(&r, tiny, sizeof(tiny));
	ok(!strcmp(tiny, "0f "), "a small buffer is cut, NUL-terminated: '%s'", tiny);
	r.vector = 0;
	itr_kvm_tp__insn(&r, buf, sizeof(buf));
	ok(!strcmp(buf, ""), "len 0: no bytes");
}

static void test_show_format(void)
{
	struct itr_record e = { .type = ITR_ENTRY, .source = ITR_SRC_GUEST, .vector = 0x0e, .cpl = 3,
				.depth = 2, .stack = 2, .seq = 42, .rip = 0x401000, .rsp = 0x7fff0000,
				.rflags = 0x10202, .cs = 0x2b, .ss = 0x23, .err = 6 };
	struct itr_record inj = { .type = ITR_INJECT, .source = ITR_SRC_VMM, .vector = 0x41, .seq = 7,
				  .a = 0, .b = 1, .err = 0xffffffffu };
	char line[512];

	itr_show__format(&e, 1, line, sizeof(line));
	ok(!strcmp(line, "    42:   v=0e e=0006 i=0 cpl=3 IP=002b:0000000000401000 SP=0023:000000007fff0000 "
		   "RFL=00010202 stack=ist1 depth=2"), "ENTRY in QEMU -d int form, indented by depth: '%s'", line);
	itr_show__format(&inj, 0, line, sizeof(line));
	ok(!strcmp(line, "     7: vmm: inject msi vector 0x41 dest 0 at sync 1"), "INJECT marked as host: '%s'",
	   line);
}

/*
 * A trace written where a regular file is replaces it (a new file: ext4 would
 * write a truncated and rewritten one back at its close), while a symlink
 * stays and its target is written
 */
static void test_replace(void)
{
	struct itr_record r[2] = { { .type = ITR_MARK, .source = ITR_SRC_GUEST },
				   { .type = ITR_MARK, .source = ITR_SRC_GUEST } };
	char sym[160], err[256];
	struct stat a, b;
	bool complete;
	uint64_t trailing;

	ok(write_trace(path, r, 1) == 0 && stat(path, &a) == 0, "replace: a first trace");
	unlink(path2);
	ok(link(path, path2) == 0, "replace: a second name for it");
	ok(write_trace(path, r, 2) == 0 && stat(path, &b) == 0 && a.st_ino != b.st_ino &&
	   read_all(path, &complete, &trailing, err, sizeof(err)) == 3 && complete,
	   "replace: the trace written again is a new file, complete (two records and END)");
	ok(read_all(path2, &complete, &trailing, err, sizeof(err)) == 2 && complete,
	   "replace: the old file's other name still holds the old trace");
	snprintf(sym, sizeof(sym), "%s/l.itr", dir);
	unlink(path2);
	ok(symlink(path, sym) == 0 && stat(path, &a) == 0, "replace: a symlink to the trace");
	ok(write_trace(sym, r, 1) == 0 && lstat(sym, &b) == 0 && S_ISLNK(b.st_mode) &&
	   stat(path, &b) == 0 && b.st_ino == a.st_ino &&
	   read_all(path, &complete, &trailing, err, sizeof(err)) == 2 && complete,
	   "replace: written through a symlink: the link stays, its target holds the new trace");
	unlink(sym);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_itr.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/a.itr", dir);
	snprintf(path2, sizeof(path2), "%s/b.itr", dir);
	test_round_trip();
	test_header_limits();
	test_header_corruption();
	test_truncation();
	test_fuzz();
	test_emergency();
	test_version2();
	test_version3();
	test_version4();
	test_version5();
	test_version6();
	test_version7();
	test_version8();
	test_version9();
	test_version10();
	test_version11();
	test_sha256();
	test_names();
	test_kvm_tp();
	test_show_format();
	test_replace();
	unlink(path);
	unlink(path2);
	rmdir(dir);
	return tap_done();
}
