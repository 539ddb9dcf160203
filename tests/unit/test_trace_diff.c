// SPDX-License-Identifier: MIT
/* `vmm trace diff`: identical traces, each planted defect, resync, window, errors. */
#include <stdlib.h>
#include <unistd.h>
#include "abi.h"
#include "tap.h"
#include "trace_bytes.h"
#include "trace/itr.h"
#include "trace/trace_cmd.h"

static char dir[64], pa[128], pb[128];

static int synth(const char *p, uint64_t n, uint64_t seed, enum itr_mutation m, uint64_t at,
		 struct itr_synth_result *res)
{
	struct itr_synth_opts o = { .records = n, .seed = seed, .mutate = m, .at = at, .vcpus = 2 };
	char err[256];
	int r = itr_synth__write(p, &o, res, err, sizeof(err));

	if (r < 0)
		printf("# synth: %s\n", err);
	return r;
}

static int diff(bool all, struct itr_diff_result *res)
{
	struct itr_diff_opts o = { .all = all, .out = NULL };
	char err[256];
	int r = itr_diff__files(pa, pb, &o, res, err, sizeof(err));

	if (r == 2)
		printf("# diff: %s\n", err);
	return r;
}

/* A hand-made trace: @n guest MARK records with values from @vals (or i), plus host noise. */
static void write_marks(const char *p, const uint32_t *vals, unsigned n, uint64_t exit_rip, bool end)
{
	struct itr_header h = { .version = ITR_VERSION };
	struct itr_writer *w;
	char err[256];

	strcpy(h.scenario, "hand");
	w = itr_writer__open(p, &h, err, sizeof(err));
	for (unsigned i = 0; i < n; i++) {
		struct itr_record r = { .type = ITR_MARK, .source = ITR_SRC_GUEST, .a = vals[i],
					.err = 0xffffffffu };
		struct itr_record x = { .type = ITR_EXIT, .source = ITR_SRC_VMM, .a = 2, .rip = exit_rip };

		itr_writer__put(w, &r);
		if (i == n / 2)
			itr_writer__put(w, &x);
	}
	if (end) {
		itr_writer__close(w, err, sizeof(err));
	} else {	/* leave it truncated, as a crash would */
		itr_writer__emergency_close(w);
		itr_writer__close(w, err, sizeof(err));
		truncate(p, 58 + 2001 * ITR_RECORD_SIZE + 20);	/* 58-byte header, 2000 marks + the exit, a bit */
	}
}

static void test_identical(void)
{
	struct itr_synth_result s;
	struct itr_diff_result r;

	synth(pa, 20000, 7, ITR_MUT_NONE, ~0ull, &s);
	synth(pb, 20000, 7, ITR_MUT_NONE, ~0ull, &s);
	int st = diff(false, &r);

	ok(st == 0 && r.first_kind == ITR_DIFF_SAME && !r.missing && !r.extra && !r.mismatch,
	   "identical traces: exit 0, no difference");
	ok(r.compared_a > 10000 && r.compared_a == r.compared_b && r.records_a == 20001,
	   "  compared %llu of %llu records", (unsigned long long)r.compared_a,
	   (unsigned long long)r.records_a);
	st = diff(true, &r);
	ok(st == 0 && r.compared_a == 20000, "identical with --all: all 20000 compared");
	synth(pb, 20000, 8, ITR_MUT_NONE, ~0ull, &s);
	ok(diff(false, &r) == 1, "a different seed differs");
}

static void test_mutations(void)
{
	static const struct {
		enum itr_mutation m;
		enum itr_diff_kind kind;
		uint64_t missing, extra, mismatch;
		int field;	/* -1: not checked */
	} t[] = {
		{ ITR_MUT_SWAP, ITR_DIFF_MISMATCH, 0, 0, 2, -1 },
		{ ITR_MUT_DROP, ITR_DIFF_MISSING, 1, 0, 0, -1 },
		{ ITR_MUT_EXTRA, ITR_DIFF_EXTRA, 0, 1, 0, -1 },
		{ ITR_MUT_ERRCODE, ITR_DIFF_MISMATCH, 0, 0, 1, ITR_F_ERR },
		{ ITR_MUT_NEST, ITR_DIFF_MISMATCH, 0, 0, 1, ITR_F_DEPTH },
	};
	static const uint64_t ats[] = { 0, 100, 4000, 9900 };

	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		for (unsigned k = 0; k < sizeof(ats) / sizeof(ats[0]); k++) {
			const char *name = itr_mutation__name(t[i].m);
			struct itr_synth_result s;
			struct itr_diff_result r;
			int st;

			synth(pa, 10000, 11 + k, ITR_MUT_NONE, ~0ull, &s);
			if (synth(pb, 10000, 11 + k, t[i].m, ats[k], &s) < 0) {
				ok(0, "%s at %llu: planted", name, (unsigned long long)ats[k]);
				continue;
			}
			st = diff(false, &r);
			ok(st == 1 && r.first_kind == t[i].kind, "%s at %llu: exit 1, first divergence kind %d",
			   name, (unsigned long long)ats[k], r.first_kind);
			ok(r.first_a_seq == s.a_seq && (t[i].m == ITR_MUT_DROP || r.first_b_seq == s.b_seq),
			   "  at the planted place: A seq %llu (want %llu), B seq %llu (want %llu)",
			   (unsigned long long)r.first_a_seq, (unsigned long long)s.a_seq,
			   (unsigned long long)r.first_b_seq, (unsigned long long)s.b_seq);
			ok(r.missing == t[i].missing && r.extra == t[i].extra && r.mismatch == t[i].mismatch &&
			   !r.lockstep, "  resynchronised: exactly %llu missing, %llu extra, %llu mismatched",
			   (unsigned long long)t[i].missing, (unsigned long long)t[i].extra,
			   (unsigned long long)t[i].mismatch);
			if (t[i].field >= 0)
				ok(r.first_fields == 1u << t[i].field && r.field_count[t[i].field] == 1,
				   "  the mismatched field is %s only", itr_field__name(t[i].field));
		}
	}
}

static void test_windows(void)
{
	enum { N = 3000 };
	static uint32_t a[N], b[N + 2000];
	struct itr_diff_result r;
	unsigned nb = 0;
	int st;

	for (unsigned i = 0; i < N; i++)
		a[i] = i * 7919u;
	/* B = A with 10 records inserted at 100 and 5 deleted at 300 */
	for (unsigned i = 0; i < N; i++) {
		if (i == 100)
			for (unsigned k = 0; k < 10; k++)
				b[nb++] = 0xe0000000u + k;
		if (i >= 300 && i < 305)
			continue;
		b[nb++] = a[i];
	}
	write_marks(pa, a, N, 0x1000, true);
	write_marks(pb, b, nb, 0x1000, true);
	st = diff(false, &r);
	ok(st == 1 && r.first_kind == ITR_DIFF_EXTRA && r.first_a_seq == 100 && r.extra == 10 &&
	   r.missing == 5 && !r.mismatch && !r.lockstep,
	   "10 inserted and 5 deleted records: both found, resync after each (extra %llu missing %llu)",
	   (unsigned long long)r.extra, (unsigned long long)r.missing);

	/* the longest insertion the window takes, and one past it */
	for (unsigned len = ITR_DIFF_WINDOW - 1; len <= ITR_DIFF_WINDOW + 200; len += 201) {
		nb = 0;
		for (unsigned i = 0; i < N; i++) {
			if (i == 100)
				for (unsigned k = 0; k < len; k++)
					b[nb++] = 0xe0000000u + k;
			b[nb++] = a[i];
		}
		write_marks(pb, b, nb, 0x1000, true);
		st = diff(false, &r);
		if (len < ITR_DIFF_WINDOW)
			ok(st == 1 && r.first_kind == ITR_DIFF_EXTRA && r.extra == len && !r.missing &&
			   !r.mismatch && !r.lockstep, "%u records inserted (window %d): all extra in B, resync",
			   len, ITR_DIFF_WINDOW);
		else
			ok(st == 1 && r.first_kind == ITR_DIFF_MISMATCH && r.first_a_seq == 100 && r.lockstep &&
			   r.mismatch == r.lockstep, "%u records inserted: beyond the window, lock-step "
			   "(%llu pairs), first divergence still exact", len, (unsigned long long)r.lockstep);
	}

	/* host records: ignored by default, compared with --all */
	write_marks(pb, a, N, 0x2000, true);
	st = diff(false, &r);
	ok(st == 0, "a host record that differs: same by default");
	st = diff(true, &r);
	ok(st == 1 && r.mismatch == 1 && r.first_fields == 1u << ITR_F_RIP, "... and a rip mismatch with --all");

	/* B ends early: the rest is missing in B */
	write_marks(pb, a, N - 3, 0x1000, true);
	st = diff(false, &r);
	ok(st == 1 && r.missing == 3 && r.first_kind == ITR_DIFF_MISSING && r.first_b_seq == UINT64_MAX,
	   "B shorter by 3: 3 missing in B, B side at its end");
	write_marks(pb, a, N, 0x1000, false);
	st = diff(false, &r);
	ok(st == 1 && r.missing == N - 2000, "a truncated B is compared as far as it goes (%llu missing)",
	   (unsigned long long)r.missing);
}

static void test_errors(void)
{
	struct itr_diff_result r;
	struct itr_diff_opts o = { 0 };
	char err[256];
	FILE *f;

	ok(itr_diff__files(pa, "/nonexistent.itr", &o, &r, err, sizeof(err)) == 2 &&
	   strstr(err, "/nonexistent.itr"), "a missing file: exit 2, named: %s", err);
	f = fopen(pb, "w");
	fputs("IVMTRACE garbage", f);
	fclose(f);
	ok(itr_diff__files(pa, pb, &o, &r, err, sizeof(err)) == 2 && strstr(err, "offset 0x"),
	   "a corrupt file: exit 2: %s", err);
}

static void test_match(void)
{
	static struct itr_match m;
	struct itr_match_frame closed[ITR_MATCH_DEPTH];
	struct itr_record e = { .type = ITR_ENTRY, .source = ITR_SRC_GUEST };
	struct itr_record i = { .type = ITR_IRET, .source = ITR_SRC_GUEST };

	e.vector = 0x20; e.depth = 1; itr_match__feed(&m, &e, closed);
	e.vector = 0x0e; e.depth = 2; itr_match__feed(&m, &e, closed);
	e.vector = 0x02; e.depth = 3; itr_match__feed(&m, &e, closed);
	i.vector = 0x02; i.depth = 3;
	ok(itr_match__feed(&m, &i, closed) == 1 && closed[0].vector == 2, "IRET closes its ENTRY");
	i.vector = 0x20; i.depth = 1;
	ok(itr_match__feed(&m, &i, closed) == 2 && closed[0].vector == 0x0e && closed[1].vector == 0x20 &&
	   m.unmatched_entries == 1, "an outer IRET closes an inner ENTRY that never returned");
	ok(itr_match__feed(&m, &i, closed) == -1 && m.unmatched_irets == 1, "an IRET with nothing open");
	ok(m.max_depth == 3, "max depth 3");
}

/* Two vCPUs' marks, interleaved as @order says (0/1 per record). */
static void write_two(const char *p, const char *order)
{
	struct itr_header h = { .version = ITR_VERSION };
	char err[256];
	struct itr_writer *w = itr_writer__open(p, &h, err, sizeof(err));
	uint32_t next[2] = { 0x100, 0x200 };

	for (; w && *order; order++) {
		unsigned c = *order - '0';
		struct itr_record r = { .type = ITR_MARK, .source = ITR_SRC_GUEST, .vcpu = c,
					.a = next[c]++, .err = 0xffffffffu };

		itr_writer__put(w, &r);
	}
	if (w)
		itr_writer__close(w, err, sizeof(err));
}

/* --vcpu: each vCPU's own order compared, however the two interleave */
static void test_vcpu(void)
{
	struct itr_diff_opts o = { .out = NULL };
	struct itr_diff_result r;
	char err[256];

	write_two(pa, "0101");
	write_two(pb, "0011");
	ok(diff(false, &r) == 1, "two vCPUs interleaved otherwise: the merged streams differ");
	o.one_vcpu = true;
	o.vcpu = 0;
	ok(itr_diff__files(pa, pb, &o, &r, err, sizeof(err)) == 0, "--vcpu=0: the same");
	o.vcpu = 1;
	ok(itr_diff__files(pa, pb, &o, &r, err, sizeof(err)) == 0, "--vcpu=1: the same");
	write_two(pb, "0110");	/* vCPU 1 the same, vCPU 0's second mark moved: still equal per vCPU */
	ok(itr_diff__files(pa, pb, &o, &r, err, sizeof(err)) == 0, "--vcpu=1 ignores vCPU 0's records");
	write_two(pb, "01011");	/* one more record on vCPU 1 */
	ok(itr_diff__files(pa, pb, &o, &r, err, sizeof(err)) == 1 && r.first_kind == ITR_DIFF_EXTRA,
	   "--vcpu=1: an extra record of vCPU 1 is found");
}

/* --skip=if: IF records moved around an NMI compare equal; anything else still differs */
static void write_if_nmi(const char *p, bool if_first, uint8_t nmi_vector)
{
	struct itr_header h = { .version = ITR_VERSION };
	struct itr_record cli = { .type = ITR_IF, .source = ITR_SRC_GUEST, .err = 0xffffffffu };
	struct itr_record nmi = { .type = ITR_ENTRY, .source = ITR_SRC_GUEST, .vector = nmi_vector,
				  .depth = 1, .err = 0xffffffffu };
	struct itr_writer *w;
	char err[256];

	w = itr_writer__open(p, &h, err, sizeof(err));
	if (if_first)
		itr_writer__put(w, &cli);
	itr_writer__put(w, &nmi);
	if (!if_first)
		itr_writer__put(w, &cli);
	itr_writer__close(w, err, sizeof(err));
}

/* A mark, then @rec (if any), then another mark; the header says @version */
static void write_around(const char *p, uint16_t version, struct itr_record *rec)
{
	struct itr_header h = { .version = ITR_VERSION };
	struct itr_record m = { .type = ITR_MARK, .source = ITR_SRC_GUEST, .a = 1, .err = 0xffffffffu };
	struct itr_writer *w;
	char err[256];
	uint8_t *buf;
	size_t n;

	w = itr_writer__open(p, &h, err, sizeof(err));
	itr_writer__put(w, &m);
	if (rec)
		itr_writer__put(w, rec);
	itr_writer__put(w, &m);
	itr_writer__close(w, err, sizeof(err));
	if (version < ITR_VERSION && (buf = slurp(p, &n))) {	/* the header of @version */
		downgrade(buf, &n, version);
		spit(p, buf, n);
		free(buf);
	}
}

/* write_around() with (if @one) a guest record of @type with @v */
static void write_between(const char *p, uint16_t version, uint16_t type, bool one, uint8_t v)
{
	struct itr_record i = { .type = type, .source = ITR_SRC_GUEST, .vector = v, .a = v,
				.err = 0xffffffffu };

	write_around(p, version, one ? &i : NULL);
}

/*
 * A guest record type version @v added (IPI in 4, READ in 7) is compared, its
 * vector and value too; against a trace from before @v, it is left out.
 */
static void test_added(uint16_t v, uint16_t type, const char *name)
{
	struct itr_diff_result r;

	write_between(pa, v, type, true, 0xfd);
	write_between(pb, v, type, true, 0xfd);
	ok(diff(false, &r) == 0, "v%u: the same %s record: the same", v, name);
	write_between(pb, v, type, true, 0xfc);
	ok(diff(false, &r) == 1 && r.first_kind == ITR_DIFF_MISMATCH, "v%u: another %s vector and value: "
	   "a field mismatch", v, name);
	write_between(pb, v, type, false, 0);
	ok(diff(false, &r) == 1, "v%u: the %s record missing: a difference", v, name);
	write_between(pb, v - 1, type, false, 0);
	ok(diff(false, &r) == 0, "v%u against v%u (which can't hold one): the %s record is left out, the same",
	   v, v - 1, name);
}

static void test_skip(void)
{
	struct itr_diff_opts o = { .skip = 1u << ITR_IF };
	struct itr_diff_result r;
	char err[256];

	write_if_nmi(pa, true, 2);
	write_if_nmi(pb, false, 2);
	ok(diff(false, &r) == 1, "an IF record on the other side of an NMI: a difference by default");
	ok(itr_diff__files(pa, pb, &o, &r, err, sizeof(err)) == 0, "--skip=if: the same");
	write_if_nmi(pb, false, 0x41);
	ok(itr_diff__files(pa, pb, &o, &r, err, sizeof(err)) == 1 && r.first_kind == ITR_DIFF_MISMATCH,
	   "--skip=if: another vector still differs");
}

/* A mark, CPU 0's LDR record (@model, @ldr) from version 11, a mark: a trace as of version @version */
static void write_ldr(const char *p, uint16_t version, uint8_t model, uint32_t ldr)
{
	struct itr_record l = { .type = ITR_LDR, .source = ITR_SRC_GUEST, .vector = model, .a = ldr,
				.err = 0xffffffffu };

	write_around(p, version, version >= 11 ? &l : NULL);
}

/*
 * LDR records (version 11) of one model are compared; of unlike models (flat
 * xAPIC against x2APIC, as user against kernel irqchip) they are not, and
 * the result counts them; against version 10 they are left out.
 */
static void test_ldr(void)
{
	struct itr_diff_result r;

	write_ldr(pa, 11, IVM_LDR_FLAT, 0x1000000);
	write_ldr(pb, 11, IVM_LDR_FLAT, 0x1000000);
	ok(diff(false, &r) == 0 && r.ldr_unlike == 0, "LDR: the same flat LDR: the same");
	write_ldr(pb, 11, IVM_LDR_FLAT, 0x2000000);
	ok(diff(false, &r) == 1 && r.first_kind == ITR_DIFF_MISMATCH && r.first_fields == 1u << ITR_F_A,
	   "LDR: another flat LDR: a mismatch of a");
	write_ldr(pb, 11, IVM_LDR_X2APIC, 0x1);
	ok(diff(false, &r) == 0 && r.ldr_unlike == 1, "LDR: flat against x2APIC: not compared, counted");
	write_ldr(pb, 11, IVM_LDR_CLUSTER, 0x1000000);
	ok(diff(false, &r) == 0 && r.ldr_unlike == 1, "LDR: flat against cluster: not compared, counted");
	write_ldr(pb, 10, 0, 0);
	ok(diff(false, &r) == 0 && r.ldr_unlike == 0, "LDR: v11 against v10: left out");
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_trace_diff.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	snprintf(pa, sizeof(pa), "%s/a.itr", dir);
	snprintf(pb, sizeof(pb), "%s/b.itr", dir);
	test_identical();
	test_mutations();
	test_windows();
	test_errors();
	test_match();
	test_vcpu();
	test_skip();
	test_added(4, ITR_IPI, "IPI");
	test_added(7, ITR_READ, "READ");
	test_ldr();
	unlink(pa);
	unlink(pb);
	rmdir(dir);
	return tap_done();
}
