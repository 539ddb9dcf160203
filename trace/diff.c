// SPDX-License-Identifier: MIT
/*
 * `vmm trace diff A B`: streams both traces side by side in constant memory.
 * Equal records advance both sides; at a difference, the smallest (i, j)
 * skip with ITR_DIFF_RUN equal records after it, searched within
 * ITR_DIFF_WINDOW records of each side, says what happened: i == j field
 * mismatches, i > j records missing in B, j > i records extra in B.
 */
#include <endian.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "abi.h"
#include "lib/opt.h"
#include "trace_cmd.h"

#define RING	(2 * ITR_DIFF_WINDOW)	/* history (context) + window + run, a power of two */
#define BATCH	4096			/* raw records asked of the reader at a time */
#define RS	ITR_RECORD_SIZE
_Static_assert(RING >= ITR_DIFF_CONTEXT + ITR_DIFF_WINDOW + ITR_DIFF_RUN, "ring too small");

static const char *const field_names[ITR_F_NR] = {
	"type", "source", "vcpu", "vector", "cpl", "depth", "stack", "err", "rip", "cs", "ss", "rsp",
	"rflags", "a", "b",
};

const char *itr_field__name(enum itr_field f)
{
	return (unsigned)f < ITR_F_NR ? field_names[f] : "?";
}

struct side {
	const char *path;
	struct itr_reader *r;
	struct itr_record ring[RING];
	const uint8_t *raw;	/* records read but not yet looked at, in file layout */
	size_t nraw;
	uint64_t head, filled;	/* indexes in the filtered stream; ring slot = index % RING */
	uint64_t nread;		/* all records read */
	bool eof, all;
	int vcpu;		/* only this vCPU's records; -1 = all */
	uint32_t skip;		/* guest record types left out: 1 << type */
	bool no_inject;		/* INJECT records left out too */
	uint64_t keep[2];	/* types 0..63 compared: [0] from another source, [1] from the guest */
	int st;			/* -1 after a read error */
	char err[512];
};

static inline uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return le16toh(v); }

/* A record in file layout, which is struct itr_record's (trace/itr.c checks it), decoded. */
static void raw_decode(const uint8_t *p, struct itr_record *r)
{
	memcpy(r, p, RS);
	r->type = le16toh(r->type);
	r->seq = le64toh(r->seq);
	r->time_ns = le64toh(r->time_ns);
	r->rip = le64toh(r->rip);
	r->rsp = le64toh(r->rsp);
	r->rflags = le32toh(r->rflags);
	r->cs = le16toh(r->cs);
	r->ss = le16toh(r->ss);
	r->err = le32toh(r->err);
	r->a = le32toh(r->a);
	r->b = le64toh(r->b);
}

/*
 * Whether the record at @p (file layout) is one this side compares. By
 * default: what the guest saw, and what was injected into it.
 */
static bool keep_type(const struct side *s, uint16_t t, uint8_t source)
{
	if (t == ITR_END)
		return false;
	if (!s->all && !((source == ITR_SRC_GUEST && t >= ITR_ENTRY && t <= ITR_GUEST_LAST) || t == ITR_INJECT))
		return false;
	return !(t < 32 && (s->skip >> t & 1)) && !(t == ITR_INJECT && s->no_inject);
}

static inline bool keep_raw(const struct side *s, const uint8_t *p)
{
	uint16_t t = get16(p);

	/* ITR_END is the one type above 63 that the reader lets through; keep_type() drops it */
	return t < 64 && (s->keep[p[2] == ITR_SRC_GUEST] >> t & 1) & ((s->vcpu < 0) | (p[3] == s->vcpu));
}

/* Records to look at, from the reader when none are left; false at the end (st says why). */
static inline bool side_refill(struct side *s)
{
	long k;

	if (s->nraw)
		return true;
	if (s->eof)
		return false;
	k = itr_reader__next_raw(s->r, &s->raw, BATCH, s->err, sizeof(s->err));
	if (k <= 0) {
		s->eof = true;
		s->st = (int)k;
		return false;
	}
	s->nraw = (size_t)k;
	return true;
}

static void side_load(struct side *s)
{
	while (side_refill(s)) {
		const uint8_t *p = s->raw;

		s->raw += RS;
		s->nraw--;
		s->nread++;
		if (keep_raw(s, p)) {
			raw_decode(p, &s->ring[s->filled % RING]);
			s->filled++;
			return;
		}
	}
}

/* Record head + i, or NULL past the end. */
static inline const struct itr_record *side_get(struct side *s, uint64_t i)
{
	while (s->head + i >= s->filled && !s->eof)
		side_load(s);
	return s->head + i < s->filled ? &s->ring[(s->head + i) % RING] : NULL;
}

#define DIFF(f, bit) (x->f != y->f ? 1u << (bit) : 0)

/* Frame fields --ignore dropped; set once per diff (the CLI diffs one pair). */
static uint32_t ignore_fields;

/* Bit mask of the compared fields that differ (enum itr_field). */
static uint32_t rec_cmp(const struct itr_record *x, const struct itr_record *y, bool all)
{
	uint32_t flags_mask = all ? ~0u : ITR_RFLAGS_CONTROL;
	uint32_t m = DIFF(type, ITR_F_TYPE) | DIFF(source, ITR_F_SOURCE) | DIFF(vcpu, ITR_F_VCPU) |
		     DIFF(vector, ITR_F_VECTOR) | DIFF(err, ITR_F_ERR) | DIFF(a, ITR_F_A) | DIFF(b, ITR_F_B);

	if (!all && x->type == ITR_INJECT)	/* where the guest was when the host acted: host timing */
		return m;
	m |= DIFF(cpl, ITR_F_CPL) | DIFF(depth, ITR_F_DEPTH) | DIFF(stack, ITR_F_STACK) |
	     DIFF(rip, ITR_F_RIP) | DIFF(cs, ITR_F_CS) | DIFF(ss, ITR_F_SS) | DIFF(rsp, ITR_F_RSP) |
	     ((x->rflags ^ y->rflags) & flags_mask ? 1u << ITR_F_RFLAGS : 0);
	if (x->type == ITR_ENTRY && !all)	/* a repeats err for ENTRY: name it once */
		m &= ~(1u << ITR_F_A);
	return m & ~ignore_fields;
}

uint32_t itr_diff__record(const struct itr_record *a, const struct itr_record *b)
{
	uint32_t saved = ignore_fields, m;

	ignore_fields = 0;
	m = rec_cmp(a, b, false);
	ignore_fields = saved;
	return m;
}

/*
 * rec_cmp() as byte masks over the file layout, for records of one type:
 * rec_cmp(x, y) == 0 exactly when (x ^ y) & mask is 0 in every byte.
 */
struct raw_masks {
	uint64_t m[3][RS / 8];	/* other types, ITR_ENTRY, ITR_INJECT */
};

static void mask_field(uint8_t *m, enum itr_field f, uint32_t flags_mask)
{
	static const struct { uint8_t off, len; } at[ITR_F_NR] = {
		[ITR_F_TYPE] = { 0, 2 }, [ITR_F_SOURCE] = { 2, 1 }, [ITR_F_VCPU] = { 3, 1 },
		[ITR_F_VECTOR] = { 4, 1 }, [ITR_F_CPL] = { 5, 1 }, [ITR_F_DEPTH] = { 6, 1 },
		[ITR_F_STACK] = { 7, 1 }, [ITR_F_RIP] = { 24, 8 }, [ITR_F_RSP] = { 32, 8 },
		[ITR_F_RFLAGS] = { 40, 4 }, [ITR_F_CS] = { 44, 2 }, [ITR_F_SS] = { 46, 2 },
		[ITR_F_ERR] = { 48, 4 }, [ITR_F_A] = { 52, 4 }, [ITR_F_B] = { 56, 8 },
	};

	if (f == ITR_F_RFLAGS) {
		for (int i = 0; i < 4; i++)
			m[40 + i] = (uint8_t)(flags_mask >> 8 * i);
		return;
	}
	memset(m + at[f].off, 0xff, at[f].len);
}

static void mask_type(uint64_t *out, uint16_t type, bool all)
{
	uint32_t fields = 1u << ITR_F_TYPE | 1u << ITR_F_SOURCE | 1u << ITR_F_VCPU | 1u << ITR_F_VECTOR |
			  1u << ITR_F_ERR | 1u << ITR_F_A | 1u << ITR_F_B;
	uint8_t m[RS] = { 0 };

	if (all || type != ITR_INJECT) {	/* the same cases as rec_cmp() */
		fields |= 1u << ITR_F_CPL | 1u << ITR_F_DEPTH | 1u << ITR_F_STACK | 1u << ITR_F_RIP |
			  1u << ITR_F_CS | 1u << ITR_F_SS | 1u << ITR_F_RSP | 1u << ITR_F_RFLAGS;
		if (type == ITR_ENTRY && !all)
			fields &= ~(1u << ITR_F_A);
		fields &= ~ignore_fields;
	}
	for (int f = 0; f < ITR_F_NR; f++)
		if (fields & 1u << f)
			mask_field(m, (enum itr_field)f, all ? ~0u : ITR_RFLAGS_CONTROL);
	memcpy(out, m, RS);
}

static inline bool raw_equal(const uint8_t *x, const uint8_t *y, const struct raw_masks *mk)
{
	uint16_t t = get16(x);
	const uint64_t *m = mk->m[(t == ITR_ENTRY) + 2 * (t == ITR_INJECT)];
	uint64_t u[RS / 8], v[RS / 8];

	memcpy(u, x, RS);
	memcpy(v, y, RS);
	/* words 1 and 2, seq and time_ns, are never compared; the type is, in word 0 */
	return !(((u[0] ^ v[0]) & m[0]) | ((u[3] ^ v[3]) & m[3]) | ((u[4] ^ v[4]) & m[4]) |
		 ((u[5] ^ v[5]) & m[5]) | ((u[6] ^ v[6]) & m[6]) | ((u[7] ^ v[7]) & m[7]));
}

/*
 * The last ITR_DIFF_CONTEXT records kept since @seg (they were counted from
 * @seg_filled) into the ring, for the context of a later report: the fast
 * path copies nothing else.
 */
static void side_save(struct side *s, const uint8_t *seg, uint64_t seg_filled)
{
	uint64_t n = s->filled - seg_filled, k = 0;

	if (n > ITR_DIFF_CONTEXT)
		n = ITR_DIFF_CONTEXT;
	for (const uint8_t *p = s->raw; k < n && p > seg;) {
		p -= RS;
		if (keep_raw(s, p)) {
			k++;
			raw_decode(p, &s->ring[(s->filled - k) % RING]);
		}
	}
}

/* @s has looked at the records up to @p, @eq of which it keeps (all equal to the other side's). */
static inline void side_take(struct side *s, const uint8_t *p, uint64_t eq)
{
	size_t n = (size_t)(p - s->raw) / RS;

	s->raw = p;
	s->nraw -= n;
	s->nread += n;
	s->filled += eq;
	s->head = s->filled;
}

/* The batch of @s is used up: its context into the ring, then the next batch; false at the end. */
static bool side_next_batch(struct side *s, const uint8_t **seg, uint64_t *seg_filled)
{
	side_save(s, *seg, *seg_filled);
	*seg = s->raw;	/* saved: the reader may now reuse that memory */
	*seg_filled = s->filled;
	if (!side_refill(s))
		return false;
	*seg = s->raw;
	return true;
}

/*
 * Both sides at their newest record (head == filled): equal records are
 * compared in the reader's buffers, masked, never decoded; at the first
 * difference, or an end, the slow path takes over from the same place, with
 * the ring as side_load() would have left it.
 */
static void fast_run(struct side *a, struct side *b, const struct raw_masks *mk)
{
	const uint8_t *sa = a->raw, *sb = b->raw;
	uint64_t fa = a->filled, fb = b->filled;
	bool differ = false;

	if (!side_refill(a) || !side_refill(b))
		return;		/* nothing consumed here: nothing to save */
	sa = a->raw;
	sb = b->raw;
	while (!differ) {
		const uint8_t *pa = a->raw, *pb = b->raw, *ea = pa + a->nraw * RS, *eb = pb + b->nraw * RS;
		uint64_t eq = 0;

		for (;;) {
			while (pa < ea && !keep_raw(a, pa))
				pa += RS;
			while (pb < eb && !keep_raw(b, pb))
				pb += RS;
			if (pa == ea || pb == eb)
				break;
			if (!raw_equal(pa, pb, mk)) {
				differ = true;
				break;
			}
			pa += RS;
			pb += RS;
			eq++;
		}
		side_take(a, pa, eq);
		side_take(b, pb, eq);
		if (differ || (pa == ea && !side_next_batch(a, &sa, &fa)) ||
		    (pb == eb && !side_next_batch(b, &sb, &fb)))
			break;
	}
	side_save(a, sa, fa);
	side_save(b, sb, fb);
}

/* ITR_DIFF_RUN equal records from A+i and B+j, or both streams ending together. */
static bool run_matches(struct side *a, struct side *b, unsigned i, unsigned j, bool all)
{
	for (unsigned k = 0; k < ITR_DIFF_RUN; k++) {
		const struct itr_record *x = side_get(a, i + k), *y = side_get(b, j + k);

		if (!x || !y)
			return !x && !y;
		if (rec_cmp(x, y, all))
			return false;
	}
	return true;
}

/* Hash of the fields every record type compares: equal records hash equal. */
static uint32_t rec_hash(const struct itr_record *r, bool all)
{
	uint64_t h = (uint64_t)r->type << 48 ^ (uint64_t)r->source << 40 ^ (uint64_t)r->vcpu << 32 ^
		     (uint64_t)r->vector << 24 ^ r->err ^ r->b * 0x9e3779b97f4a7c15ull;

	if (r->type != ITR_ENTRY || all)
		h ^= (uint64_t)r->a << 16;
	h *= 0xff51afd7ed558ccdull;
	return (uint32_t)(h >> 40);
}

/*
 * The skip (i, j), both below ITR_DIFF_WINDOW, with the smallest i + j after
 * which ITR_DIFF_RUN records agree; for one sum the one nearest i == j. A hash
 * of A's window makes it O(window), not O(window^2).
 */
static bool resync(struct side *a, struct side *b, bool all, unsigned *pi, unsigned *pj)
{
	static int16_t head[2 * ITR_DIFF_WINDOW], next[ITR_DIFF_WINDOW];
	const unsigned mask = 2 * ITR_DIFF_WINDOW - 1;
	unsigned na = 0, best = UINT32_MAX, bi = 0, bj = 0;

	memset(head, 0xff, sizeof(head));
	while (na < ITR_DIFF_WINDOW && side_get(a, na))
		na++;
	for (unsigned i = na; i-- > 0;) {	/* chains in ascending i */
		uint32_t h = rec_hash(side_get(a, i), all) & mask;

		next[i] = head[h];
		head[h] = (int16_t)i;
	}
	for (unsigned j = 0; j < ITR_DIFF_WINDOW && j <= best; j++) {
		const struct itr_record *y = side_get(b, j);

		if (!y)
			break;
		for (int i = head[rec_hash(y, all) & mask]; i >= 0 && (unsigned)i + j <= best; i = next[i]) {
			unsigned d = (unsigned)i + j;

			if (d == best && (i > (int)j ? i - (int)j : (int)j - i) >=
					 (bi > bj ? (int)(bi - bj) : (int)(bj - bi)))
				continue;
			if (!rec_cmp(side_get(a, (unsigned)i), y, all) && run_matches(a, b, (unsigned)i, j, all)) {
				best = d;
				bi = (unsigned)i;
				bj = j;
			}
		}
	}
	if (best == UINT32_MAX)
		return false;
	*pi = bi;
	*pj = bj;
	return true;
}

/* Context: up to ITR_DIFF_CONTEXT records before @mark, the @nmark divergent ones ('>'), some after. */
static void print_side(FILE *f, struct side *s, char tag, uint64_t from, uint64_t mark, uint64_t nmark)
{
	char line[512];

	for (uint64_t i = from; i < mark + nmark + ITR_DIFF_CONTEXT; i++) {
		char mk = i >= mark && i < mark + nmark ? '>' : ' ';

		if (i >= s->head && !side_get(s, i - s->head)) {
			fprintf(f, "%c %c        (end of %s)\n", mk, tag, s->path);
			break;
		}
		itr_show__format(&s->ring[i % RING], 0, line, sizeof(line));
		fprintf(f, "%c %c%s\n", mk, tag, line);
	}
}

static void fields_str(uint32_t m, char *buf, size_t n)
{
	size_t used = 0;

	buf[0] = 0;
	for (int f = 0; f < ITR_F_NR && used < n; f++)
		if (m & 1u << f)
			used += snprintf(buf + used, n - used, "%s%s", used ? ", " : "", field_names[f]);
}

static const char *kind_name(enum itr_diff_kind k)
{
	switch (k) {
	case ITR_DIFF_MISSING: return "missing in B";
	case ITR_DIFF_EXTRA: return "extra in B";
	case ITR_DIFF_MISMATCH: return "field mismatch";
	default: return "same";
	}
}

/* The first divergence: what, where, and context from both sides. */
static void report_first(FILE *f, struct side *a, struct side *b, struct itr_diff_result *res,
			 unsigned na, unsigned nb)
{
	const struct itr_record *x = side_get(a, 0), *y = side_get(b, 0);
	uint64_t ha = a->head >= ITR_DIFF_CONTEXT ? a->head - ITR_DIFF_CONTEXT : 0;
	uint64_t hb = b->head >= ITR_DIFF_CONTEXT ? b->head - ITR_DIFF_CONTEXT : 0;
	char fields[160] = "";

	res->first_a_seq = x ? x->seq : UINT64_MAX;
	res->first_b_seq = y ? y->seq : UINT64_MAX;
	if (!f)
		return;
	if (res->first_kind == ITR_DIFF_MISMATCH) {
		fields_str(res->first_fields, fields, sizeof(fields) - 2);
		memmove(fields + 2, fields, strlen(fields) + 1);
		memcpy(fields, ": ", 2);
	}
	fprintf(f, "first divergence: A seq ");
	fprintf(f, x ? "%" PRIu64 : "end", x ? x->seq : 0);
	fprintf(f, ", B seq ");
	fprintf(f, y ? "%" PRIu64 : "end", y ? y->seq : 0);
	fprintf(f, " (compared record %" PRIu64 " / %" PRIu64 "): %s%s", a->head, b->head,
		kind_name(res->first_kind), fields);
	if (na > 1 || nb > 1)
		fprintf(f, " (%u record%s of A, %u of B before the streams agree again)", na,
			na == 1 ? "" : "s", nb);
	fprintf(f, "\n");
	print_side(f, a, 'A', ha, a->head, na);
	print_side(f, b, 'B', hb, b->head, nb);
}

static void count(struct itr_diff_result *res, enum itr_diff_kind k, uint32_t fields, uint64_t n)
{
	if (k == ITR_DIFF_MISSING)
		res->missing += n;
	else if (k == ITR_DIFF_EXTRA)
		res->extra += n;
	else
		res->mismatch += n;
	for (int f = 0; f < ITR_F_NR; f++)
		if (fields & 1u << f)
			res->field_count[f]++;
}

static int side_open(struct side *s, const char *path, bool all, int vcpu, struct itr_header *h,
		     char *err, size_t errlen)
{
	s->path = path;
	s->all = all;
	s->vcpu = vcpu;
	s->r = itr_reader__open(path, h, err, errlen);
	return s->r ? 0 : -1;
}

/*
 * --vcpu=N: a trace without vCPU N is an error, not "same" (nothing of it to
 * compare). Found at its first record of N; a trace without one is read to
 * the end, to name the vCPUs it has. 0 = has it, -1 = error in @err.
 */
static int has_vcpu(const char *path, uint8_t vcpu, char *err, size_t errlen)
{
	struct itr_header h;
	struct itr_record rec;
	struct itr_reader *r = itr_reader__open(path, &h, err, errlen);
	bool seen[256] = { false };
	char list[64] = "";
	size_t used = 0;
	int k;

	if (!r)
		return -1;
	while ((k = itr_reader__next(r, &rec, err, errlen)) > 0) {
		if (rec.type == ITR_END)
			continue;
		if (rec.vcpu == vcpu)
			break;
		seen[rec.vcpu] = true;
	}
	itr_reader__close(r);
	if (k < 0)
		return -1;
	if (k > 0)
		return 0;
	for (int i = 0; i < 256 && used < sizeof(list); i++)
		if (seen[i])
			used += snprintf(list + used, sizeof(list) - used, "%s%d", used ? ", " : "", i);
	snprintf(err, errlen, "--vcpu=%u: %s has no records of vCPU %u (%s%s)", vcpu, path, vcpu,
		 used ? "its vCPUs: " : "no records at all", list);
	return -1;
}

static const char *ldr_model(const struct itr_record *r)
{
	return r->vector == IVM_LDR_X2APIC ? "x2apic" : r->vector == IVM_LDR_FLAT ? "flat" :
	       r->vector == IVM_LDR_CLUSTER ? "cluster" : "unknown";
}

/* Guest record types a later version added (docs/TRACE.md "Versioning") */
static const struct { uint16_t version, type; } added[] = {
	{ 4, ITR_IPI },
	{ 7, ITR_READ },
	{ 11, ITR_LDR },
};

int itr_diff__files(const char *pa, const char *pb, const struct itr_diff_opts *o,
		    struct itr_diff_result *res, char *err, size_t errlen)
{
	struct side *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	struct itr_header ha, hb;
	FILE *f = o->out;
	bool all = o->all, first = true;
	uint64_t lockstep = 0;
	int ret = 2, vcpu = o->one_vcpu ? o->vcpu : -1;
	struct raw_masks mk;

	ignore_fields = o->ignore;
	mask_type(mk.m[0], ITR_IRET, all);
	mask_type(mk.m[1], ITR_ENTRY, all);
	mask_type(mk.m[2], ITR_INJECT, all);
	memset(res, 0, sizeof(*res));
	res->first_a_seq = res->first_b_seq = UINT64_MAX;
	if (!a || !b) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (o->one_vcpu && (has_vcpu(pa, o->vcpu, err, errlen) < 0 ||
			    has_vcpu(pb, o->vcpu, err, errlen) < 0))
		goto out;
	a->skip = b->skip = o->skip;
	a->no_inject = b->no_inject = o->no_inject;
	if (side_open(a, pa, all, vcpu, &ha, err, errlen) < 0 ||
	    side_open(b, pb, all, vcpu, &hb, err, errlen) < 0)
		goto out;
	/* a trace older than the version that added a guest record type could not hold it */
	for (size_t i = 0; i < sizeof(added) / sizeof(added[0]); i++) {
		uint16_t v = added[i].version, older = ha.version < v ? ha.version : hb.version;

		if ((ha.version < v) == (hb.version < v))
			continue;
		a->skip |= 1u << added[i].type;
		b->skip |= 1u << added[i].type;
		if (f)
			fprintf(f, "note: %s is version %u, from before %s records: %s records not compared\n",
				ha.version < v ? "A" : "B", older, itr_type__name(added[i].type),
				itr_type__name(added[i].type));
	}
	for (uint16_t t = 0; t < 64; t++) {
		for (int g = 0; g < 2; g++) {
			a->keep[g] |= (uint64_t)keep_type(a, t, g ? ITR_SRC_GUEST : 0) << t;
			b->keep[g] |= (uint64_t)keep_type(b, t, g ? ITR_SRC_GUEST : 0) << t;
		}
	}
	if (f && strcmp(ha.scenario, hb.scenario))
		fprintf(f, "note: scenario differs: A '%s', B '%s'\n", ha.scenario, hb.scenario);
	if (f && strcmp(ha.irqchip, hb.irqchip))
		fprintf(f, "note: irqchip differs: A %s, B %s\n", ha.irqchip, hb.irqchip);
	if (f && memcmp(ha.build_id, hb.build_id, sizeof(ha.build_id)))
		fprintf(f, "note: guest build-id differs\n");
	for (;;) {
		const struct itr_record *x, *y;
		unsigned i = 0, j = 0, p;
		uint32_t m;

		if (a->head == a->filled && b->head == b->filled)
			fast_run(a, b, &mk);
		x = side_get(a, 0);
		y = side_get(b, 0);
		if (!x || !y) {
			if (!x && !y)
				break;
			i = x ? 1 : 0;	/* one side ended: the rest of the other is missing/extra */
			j = y ? 1 : 0;
		} else if (!(m = rec_cmp(x, y, all))) {
			a->head++;
			b->head++;
			continue;
		} else if (x->type == ITR_LDR && y->type == ITR_LDR && x->vector != y->vector) {
			/* each LDR follows its APIC's mode (x2APIC derives it from the ID): not comparable */
			if (f && !res->ldr_unlike)
				fprintf(f, "note: the APICs' logical models differ (A %s, B %s): LDR records of "
					"unlike models not compared\n", ldr_model(x), ldr_model(y));
			res->ldr_unlike++;
			a->head++;
			b->head++;
			continue;
		} else if (lockstep || !resync(a, b, all, &i, &j)) {
			if (!lockstep)	/* no resync in the window: compare pairwise for a window */
				lockstep = ITR_DIFF_WINDOW;
			lockstep--;
			res->lockstep++;
			i = j = 1;
		}
		if (a->st < 0 || b->st < 0)
			break;
		p = i < j ? i : j;
		if (first) {
			res->first_kind = p ? ITR_DIFF_MISMATCH : i ? ITR_DIFF_MISSING : ITR_DIFF_EXTRA;
			res->first_fields = p ? rec_cmp(side_get(a, 0), side_get(b, 0), all) : 0;
			report_first(f, a, b, res, i, j);
			first = false;
		}
		for (unsigned k = 0; k < p; k++)
			count(res, ITR_DIFF_MISMATCH, rec_cmp(side_get(a, k), side_get(b, k), all), 1);
		if (i > p)
			count(res, ITR_DIFF_MISSING, 0, i - p);
		if (j > p)
			count(res, ITR_DIFF_EXTRA, 0, j - p);
		a->head += i;
		b->head += j;
	}
	for (struct side *s = a; s; s = s == a ? b : NULL) {
		if (s->st < 0) {
			snprintf(err, errlen, "%s", s->err);
			goto out;
		}
	}
	res->compared_a = a->filled;
	res->compared_b = b->filled;
	res->records_a = a->nread;
	res->records_b = b->nread;
	ret = first ? 0 : 1;
	if (f) {
		char fields[400] = "";
		size_t used = 0;

		for (struct side *s = a; s; s = s == a ? b : NULL)
			if (!itr_reader__complete(s->r))
				fprintf(f, "warning: %s: truncated (no ITR_END): compared what is complete\n",
					s->path);
		for (int k = 0; k < ITR_F_NR; k++)
			if (res->field_count[k] && used < sizeof(fields))
				used += snprintf(fields + used, sizeof(fields) - used, "%s%s %" PRIu64,
						 used ? ", " : " (", field_names[k], res->field_count[k]);
		if (used && used < sizeof(fields))
			snprintf(fields + used, sizeof(fields) - used, ")");
		fprintf(f, "compared %" PRIu64 " records of A, %" PRIu64 " of B (%s)\n", a->filled, b->filled,
			all ? "all records" : "guest records and injections; --all adds host records");
		if (ret == 0)
			fprintf(f, "same\n");
		else
			fprintf(f, "summary: %" PRIu64 " difference%s: %" PRIu64 " missing in B, %" PRIu64
				" extra in B, %" PRIu64 " field mismatch%s%s\n",
				res->missing + res->extra + res->mismatch,
				res->missing + res->extra + res->mismatch == 1 ? "" : "s", res->missing,
				res->extra, res->mismatch, res->mismatch == 1 ? "" : "es", fields);
		if (res->lockstep)
			fprintf(f, "note: %" PRIu64 " pairs compared in lock-step: no resynchronisation within %d records\n",
				res->lockstep, ITR_DIFF_WINDOW);
	}
out:
	if (a)
		itr_reader__close(a->r);
	if (b)
		itr_reader__close(b->r);
	free(a);
	free(b);
	return ret;
}

const struct option itr_diff__opts[] = {
	{ "all", no_argument, NULL, 'a' }, { "ignore", required_argument, NULL, 'i' },
	{ "vcpu", required_argument, NULL, 'v' }, { "skip", required_argument, NULL, 'k' },
	{ NULL, 0, NULL, 0 },
};

int itr_diff__parse_ignore(const char *s, uint32_t *bits)
{
	static const enum itr_field ignorable[] = { ITR_F_RIP, ITR_F_RSP, ITR_F_RFLAGS, ITR_F_CS,
						    ITR_F_SS, ITR_F_STACK };
	char buf[128], *tok, *save;
	uint32_t got = 0;

	if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf))
		return -1;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		size_t k;

		for (k = 0; k < sizeof(ignorable) / sizeof(ignorable[0]); k++)
			if (!strcmp(tok, itr_field__name(ignorable[k])))
				break;
		if (k == sizeof(ignorable) / sizeof(ignorable[0]))
			return -1;
		got |= 1u << ignorable[k];
	}
	if (!got)
		return -1;
	*bits |= got;
	return 0;
}

int itr_diff__main(int argc, char **argv)
{
	struct itr_diff_opts o = { .out = stdout };
	struct itr_diff_result res;
	char err[512], *tok, *save;
	int c, st;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", itr_diff__opts, NULL)) != -1) {
		if (c == 'a') {
			o.all = true;
			continue;
		}
		if (c == 'v') {
			/* vCPUs run concurrently: only each one's own order is deterministic */
			unsigned v;

			if (opt__uint(optarg, 0, 255, &v) < 0) {
				fprintf(stderr, "vmm trace diff: --vcpu: '%s' is not a vCPU index\n", optarg);
				return 2;
			}
			o.one_vcpu = true;
			o.vcpu = v;
			continue;
		}
		if (c == 'k') {
			/* records whose place relative to the others is timing, e.g. an AP's idle IF toggles */
			for (tok = strtok_r(optarg, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
				unsigned t;

				for (t = ITR_ENTRY; t <= ITR_GUEST_LAST; t++)
					if (!strcasecmp(tok, itr_type__name((uint16_t)t)))
						break;
				if (t > ITR_GUEST_LAST) {
					fprintf(stderr, "vmm trace diff: --skip: '%s' is not a guest record type "
						"(entry, iret, eoi, tpr, softirq, tasklet, sync, mark, isr, if, rte, ipi)\n",
						tok);
					return 2;
				}
				o.skip |= 1u << t;
			}
			continue;
		}
		if (c != 'i') {
			fprintf(stderr, "vmm trace diff: unknown option '%s' (see vmm trace --help)\n",
				argv[optind - 1]);
			return 2;
		}
		/* where a host delivered within a wait loop is timing, not semantics */
		if (itr_diff__parse_ignore(optarg, &o.ignore) < 0) {
			fprintf(stderr, "vmm trace diff: --ignore: '%s' is not rip, rsp, rflags, cs, ss or "
				"stack\n", optarg);
			return 2;
		}
	}
	if (optind != argc - 2) {
		fprintf(stderr, "vmm trace diff: usage: vmm trace diff [--all] [--ignore=FIELD,...] [--skip=TYPE,...] [--vcpu=N] A B "
			"(see vmm trace --help)\n");
		return 2;
	}
	st = itr_diff__files(argv[optind], argv[optind + 1], &o, &res, err, sizeof(err));
	fflush(stdout);
	if (st == 2)
		fprintf(stderr, "vmm trace: %s\n", err);
	return st;
}
