// SPDX-License-Identifier: MIT
/*
 * `vmm trace synth`: a deterministic, realistic trace (nested deliveries with
 * matching IRETs, sync points, injections, EOIs, host noise) and, on request,
 * exactly one planted defect. The generator never sees the mutation, so the
 * clean and the mutated trace differ only where the defect was planted.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "abi.h"
#include "trace_cmd.h"
#include "synth_arch.h"

#define SYN_MAX_VCPUS	8
#define SYN_MAX_DEPTH	4
#define ERR_NONE	0xffffffffu

struct syn_frame {
	uint8_t vector, cpl, stack;
	bool ext, eoi;		/* external interrupt; its EOI written */
	uint64_t rip, rsp;
	uint32_t rflags;
	uint16_t cs, ss;
};

struct syn_gen {
	uint64_t rng, t, sync_n;
	unsigned vcpus, open_total;
	struct {
		unsigned depth;
		int pending;	/* injected vector not yet delivered, -1 none */
		struct syn_frame f[SYN_MAX_DEPTH];
	} v[SYN_MAX_VCPUS];
	struct itr_record q[4];	/* the burst being emitted */
	unsigned qh, qn;
};

static uint64_t rnd(struct syn_gen *g)	/* splitmix64: fast, seedable, good enough */
{
	uint64_t z = (g->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static struct itr_record *push(struct syn_gen *g, uint16_t type, uint8_t source, unsigned v)
{
	struct itr_record *r = &g->q[g->qn++];

	memset(r, 0, sizeof(*r));
	r->type = type;
	r->source = source;
	r->vcpu = (uint8_t)v;
	r->err = ERR_NONE;
	return r;
}

static void gen_entry(struct syn_gen *g, unsigned v)
{
	unsigned d = g->v[v].depth;
	struct syn_frame *f = &g->v[v].f[d];
	uint64_t x = rnd(g);
	uint32_t err = ERR_NONE;
	struct itr_record *r;

	memset(f, 0, sizeof(*f));
	if (g->v[v].pending >= 0 && (d == 0 || x % 3 == 0)) {
		f->vector = (uint8_t)g->v[v].pending;
		f->ext = true;
		g->v[v].pending = -1;
	} else if (d == 0) {
		static const uint8_t vec0[] = { 0x20, 0x20, 0x20, 14, 14, 14, 13, 6, 3, 0x20 };

		f->vector = vec0[x % 10];
		f->ext = f->vector >= 32;
	} else {
		static const uint8_t vecn[] = { 14, 14, 14, 13, 2, 8, 0x21, 14 };

		f->vector = vecn[x % 8];
		f->ext = f->vector >= 32;
	}
	if (d == 0 && (x >> 8) & 1) {	/* interrupted user code */
		f->cpl = 3;
		f->rip = 0x400000 + ((x >> 16) & 0xfff0);
		f->rsp = 0x7ffff000 - ((x >> 32) & 0xff0);
		f->cs = 0x2b;
		f->ss = 0x23;
		f->rflags = 0x202;
		f->stack = IVM_STACK_RSP0;
	} else {
		f->cpl = 0;
		f->cs = 0x10;
		f->ss = 0x18;
		if (d == 0) {
			f->rip = 0x100000 + ((x >> 16) & 0xfff0);
			f->rsp = 0x1f0000 - ((x >> 32) & 0xff0);
			f->rflags = 0x202;
		} else {	/* inside the outer handler, on its stack */
			f->rip = 0x108000 + (g->v[v].f[d - 1].vector << 4) + ((x >> 16) & 0xf);
			f->rsp = (g->v[v].f[d - 1].stack >= IVM_STACK_IST1 ? 0x1e0000 : 0x1f0000) -
				 0x200 * d - ((x >> 32) & 0xf0);
			f->rflags = f->ext ? 0x202 : 0x2;
		}
		f->stack = IVM_STACK_SAME;
	}
	if (f->vector == 8)
		f->stack = IVM_STACK_IST1;
	else if (f->vector == 2)
		f->stack = IVM_STACK_IST1 + 1;
	if (f->vector == 14)
		err = ((x >> 40) & 3) | (f->cpl == 3 ? 4 : 0);
	else if (f->vector == 13 || f->vector == 8)
		err = 0;
	r = push(g, ITR_ENTRY, ITR_SRC_GUEST, v);
	r->vector = f->vector;
	r->cpl = f->cpl;
	r->depth = (uint8_t)(d + 1);
	r->stack = f->stack;
	r->rip = f->rip;
	r->rsp = f->rsp;
	r->rflags = f->rflags;
	r->cs = f->cs;
	r->ss = f->ss;
	r->err = err;
	r->a = err;		/* the guest's arg, as vmm/record/record.c stores it */
	g->v[v].depth = d + 1;
	g->open_total++;
}

static void gen_iret(struct syn_gen *g, unsigned v)
{
	unsigned d = g->v[v].depth;
	const struct syn_frame *f = &g->v[v].f[d - 1];
	struct itr_record *r;

	if (f->ext && !f->eoi)
		push(g, ITR_EOI, ITR_SRC_GUEST, v)->vector = f->vector;
	r = push(g, ITR_IRET, ITR_SRC_GUEST, v);
	r->vector = f->vector;
	r->cpl = f->cpl;
	r->depth = (uint8_t)d;
	r->rip = f->rip;
	r->rsp = f->rsp;
	r->rflags = f->rflags;
	r->cs = f->cs;
	r->ss = f->ss;
	g->v[v].depth = d - 1;
	g->open_total--;
}

/* One burst of 1..3 records; @remaining = records still to emit, IRETs included. */
static void gen_burst(struct syn_gen *g, uint64_t remaining)
{
	uint64_t x = rnd(g);
	unsigned v = (unsigned)(x % g->vcpus), pct = (unsigned)((x >> 8) % 100), d;
	struct itr_record *r;

	g->qh = g->qn = 0;
	if (remaining <= g->open_total + 1) {	/* only IRETs (and their EOIs) fit now */
		for (unsigned i = 0; i < g->vcpus; i++) {
			unsigned u = (v + i) % g->vcpus;
			struct syn_frame *f;

			if (!g->v[u].depth)
				continue;
			f = &g->v[u].f[g->v[u].depth - 1];
			if (f->ext && !f->eoi && remaining < g->open_total + 1)
				f->eoi = true;	/* no room for the EOI: leave it out */
			gen_iret(g, u);
			return;
		}
	}
	d = g->v[v].depth;
	if (d && pct < 15 && g->v[v].f[d - 1].ext && !g->v[v].f[d - 1].eoi) {
		push(g, ITR_EOI, ITR_SRC_GUEST, v)->vector = g->v[v].f[d - 1].vector;
		g->v[v].f[d - 1].eoi = true;
	} else if (d && pct < 45) {
		gen_iret(g, v);
	} else if (d < SYN_MAX_DEPTH && pct < (d ? 55u : 70u) && remaining >= g->open_total + 3) {
		gen_entry(g, v);
	} else if (d && pct < 88) {
		static const uint16_t body[] = { ITR_ISR, ITR_SOFTIRQ, ITR_TASKLET, ITR_TPR, ITR_MARK,
						 ITR_SOFTIRQ };
		uint16_t t = body[(x >> 16) % 6];

		if (t == ITR_ISR && !g->v[v].f[d - 1].ext)	/* ISR bits exist for interrupts only */
			t = ITR_MARK;

		r = push(g, t, ITR_SRC_GUEST, v);
		r->a = (uint32_t)((x >> 24) & 0xffff);
		if (t == ITR_ISR) {
			r->vector = g->v[v].f[d - 1].vector;
			r->a = 1;
		} else if (t == ITR_SOFTIRQ) {
			r->a %= IVM_NR_SOFTIRQS;
		} else if (t == ITR_TASKLET) {
			r->a %= 4;
		} else if (t == ITR_TPR) {
			r->a = (r->a & 0xf) << 4;
		}
	} else if (g->v[v].pending < 0 && remaining >= g->open_total + 4) {
		/* a sync point: the guest stops, the VMM injects an MSI for it */
		push(g, ITR_SYNC, ITR_SRC_GUEST, v)->a = (uint32_t)g->sync_n;
		r = push(g, ITR_EXIT, ITR_SRC_VMM, v);
		r->a = 2;	/* KVM_EXIT_IO: the hypercall port */
		r->rip = 0x101000;
		r = push(g, ITR_INJECT, ITR_SRC_VMM, v);
		r->vector = (uint8_t)(0x40 + (x >> 16) % 16);
		r->a = INJ_MSI | v << 8;	/* dest = this vCPU */
		r->b = g->sync_n++;
		g->v[v].pending = r->vector;
	} else {
		switch ((x >> 16) % 8) {
		case 0: case 1: case 2:
			r = push(g, ITR_EXIT, ITR_SRC_VMM, v);
			r->a = 5;	/* KVM_EXIT_HLT */
			r->rip = 0x100200;
			break;
		case 3: case 4:
			r = push(g, ITR_KVM_TP, ITR_SRC_KVM, v);
			r->a = (x >> 24) % 4;
			r->b = x >> 32;
			break;
		case 5: case 6:
			r = push(g, ITR_IOAPIC, ITR_SRC_VMM, v);
			r->vector = (uint8_t)((x >> 24) % 24);
			r->b = 0x10000;
			r->rip = 0x40 + (x >> 32) % 16;
			break;
		default:
			push(g, ITR_MILESTONE, ITR_SRC_VMM, v)->a = (x >> 24) % 8;
		}
	}
}

static void gen_next(struct syn_gen *g, uint64_t remaining, struct itr_record *out)
{
	if (g->qh == g->qn)
		gen_burst(g, remaining);
	*out = g->q[g->qh++];
	g->t += 100 + rnd(g) % 2000;
	out->time_ns = g->t;
}

/* The records diff compares by default: where a defect must land to be seen. */
static bool compared(const struct itr_record *r)
{
	return (r->source == ITR_SRC_GUEST && r->type >= ITR_ENTRY && r->type <= ITR_GUEST_LAST) ||
	       r->type == ITR_INJECT;
}

static const char *const mut_names[] = {
	[ITR_MUT_NONE] = "none", [ITR_MUT_SWAP] = "swap", [ITR_MUT_DROP] = "drop",
	[ITR_MUT_EXTRA] = "extra", [ITR_MUT_ERRCODE] = "errcode", [ITR_MUT_NEST] = "nest",
};

int itr_mutation__parse(const char *s, enum itr_mutation *m)
{
	for (unsigned i = 0; i < sizeof(mut_names) / sizeof(mut_names[0]); i++)
		if (!strcmp(s, mut_names[i])) {
			*m = i;
			return 0;
		}
	return -1;
}

const char *itr_mutation__name(enum itr_mutation m)
{
	return (unsigned)m < sizeof(mut_names) / sizeof(mut_names[0]) ? mut_names[m] : "?";
}

int itr_synth__write(const char *path, const struct itr_synth_opts *o, struct itr_synth_result *res,
		     char *err, size_t errlen)
{
	struct itr_header h = { .version = ITR_VERSION, .start_unix_ns = 1700000000000000000ull };
	struct syn_gen *g = calloc(1, sizeof(*g));
	struct itr_record rec, held = { 0 };
	struct itr_writer *w;
	uint64_t at = o->at == UINT64_MAX ? o->records / 4 * 3 : o->at, written = 0, held_i = 0;
	bool done = o->mutate == ITR_MUT_NONE, holding = false;

	memset(res, 0, sizeof(*res));
	if (!g) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	if (o->vcpus < 1 || o->vcpus > SYN_MAX_VCPUS) {
		snprintf(err, errlen, "--vcpus: %u is not 1..%d", o->vcpus, SYN_MAX_VCPUS);
		free(g);
		return -1;
	}
	g->rng = o->seed;
	g->vcpus = o->vcpus;
	for (unsigned v = 0; v < SYN_MAX_VCPUS; v++)
		g->v[v].pending = -1;
	for (unsigned i = 0; i < 20; i++)	/* a build-id that depends on the seed only */
		h.build_id[i] = (uint8_t)(o->seed >> (i % 8 * 8)) ^ (uint8_t)(i * 37);
	snprintf(h.scenario, sizeof(h.scenario), "synth");
	snprintf(h.irqchip, sizeof(h.irqchip), "user");
	snprintf(h.host, sizeof(h.host), "synthetic; seed %" PRIu64 "; %s", o->seed,
		 itr_mutation__name(o->mutate));
	snprintf(h.cmdline, sizeof(h.cmdline), "scenario=synth");
	w = itr_writer__open(path, &h, err, errlen);
	if (!w) {
		free(g);
		return -1;
	}
#define PUT(r) do { itr_writer__put(w, (r)); written++; } while (0)
	for (uint64_t i = 0; i < o->records; i++) {
		gen_next(g, o->records - i, &rec);
		if (done || i < at) {
			PUT(&rec);
			continue;
		}
		switch (o->mutate) {
		case ITR_MUT_DROP:
			if (!compared(&rec))
				break;
			res->a_seq = i;
			res->b_seq = written;
			done = true;
			continue;
		case ITR_MUT_EXTRA:
			if (compared(&rec)) {
				struct itr_record x = { .type = ITR_MARK, .source = ITR_SRC_GUEST,
							.vcpu = rec.vcpu, .time_ns = rec.time_ns,
							.err = ERR_NONE, .a = 0xbad };

				res->a_seq = i;
				res->b_seq = written;
				PUT(&x);
				done = true;
			}
			break;
		case ITR_MUT_ERRCODE:
			if (rec.type == ITR_ENTRY && rec.err != ERR_NONE) {
				rec.err ^= 2;	/* the W/R bit of a #PF, 0 -> 2 for #GP */
				rec.a = rec.err;
				res->a_seq = i;
				res->b_seq = written;
				done = true;
			}
			break;
		case ITR_MUT_NEST:
			if (rec.type == ITR_ENTRY && rec.depth >= 2) {
				rec.depth--;	/* recorded as if the outer delivery had returned */
				res->a_seq = i;
				res->b_seq = written;
				done = true;
			}
			break;
		case ITR_MUT_SWAP:
			if (holding && compared(&rec) && (rec.type != held.type || rec.vector != held.vector ||
							  rec.a != held.a || rec.depth != held.depth)) {
				uint64_t t = rec.time_ns;	/* keep time running forwards */

				rec.time_ns = held.time_ns;
				held.time_ns = t;
				res->a_seq = held_i;
				res->b_seq = written;
				PUT(&rec);
				PUT(&held);
				holding = false;
				done = true;
				continue;
			}
			if (holding) {
				PUT(&held);
				holding = false;
			}
			if (compared(&rec)) {
				held = rec;
				held_i = i;
				holding = true;
				continue;
			}
			break;
		default:
			break;
		}
		PUT(&rec);
	}
	if (holding)
		PUT(&held);
#undef PUT
	res->written = written;
	free(g);
	if (itr_writer__close(w, err, errlen) < 0)
		return -1;
	if (!done) {
		snprintf(err, errlen, "%s: no place for mutation %s at or after record %" PRIu64, path,
			 itr_mutation__name(o->mutate), at);
		return -1;
	}
	return 0;
}

static int synth_usage(const char *what)
{
	fprintf(stderr, "vmm trace synth: %s (see vmm trace --help)\n", what);
	return 2;
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 0);
	return errno || end == s || *end || *s == '-' ? -1 : 0;
}

const struct option itr_synth__opts[] = {
	{ "records", required_argument, NULL, 'n' }, { "seed", required_argument, NULL, 's' },
	{ "mutate", required_argument, NULL, 'm' }, { "at", required_argument, NULL, 'a' },
	{ "vcpus", required_argument, NULL, 'v' }, { "output", required_argument, NULL, 'o' },
	{ "arch", no_argument, NULL, 'A' }, { "plant", required_argument, NULL, 'P' },
	{ NULL, 0, NULL, 0 },
};

int itr_synth__main(int argc, char **argv)
{
	struct itr_synth_opts o = { .records = 1000, .seed = 1, .at = UINT64_MAX, .vcpus = 1 };
	struct itr_synth_result res;
	const char *out = NULL;
	char err[512];
	uint64_t x;
	int c;
	bool arch = false;	/* --arch: the oracle's short exact stream (synth_arch.c) */
	enum arch_defect plant = ARCH_CLEAN;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:", itr_synth__opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (parse_u64(optarg, &o.records) < 0 || o.records > (1ull << 40))
				return synth_usage("--records: not a count");
			break;
		case 's':
			if (parse_u64(optarg, &o.seed) < 0)
				return synth_usage("--seed: not a number");
			break;
		case 'a':
			if (parse_u64(optarg, &o.at) < 0)
				return synth_usage("--at: not a record index");
			break;
		case 'v':
			if (parse_u64(optarg, &x) < 0 || x < 1 || x > SYN_MAX_VCPUS)
				return synth_usage("--vcpus: not 1..8");
			o.vcpus = (unsigned)x;
			break;
		case 'm':
			if (itr_mutation__parse(optarg, &o.mutate) < 0)
				return synth_usage("--mutate: not swap, drop, extra, errcode or nest");
			break;
		case 'o': out = optarg; break;
		case 'A': arch = true; break;
		case 'P':
			if (arch_defect__parse(optarg, &plant) < 0)
				return synth_usage("--plant: not order, lost, no-iret, nest, nmi, if, tpr, errcode,"
						   " depth, extra or eoi");
			break;
		default:
			return synth_usage("unknown or incomplete option");
		}
	}
	if (!out || optind != argc)
		return synth_usage(out ? "unexpected argument" : "-o FILE is required");
	if (plant != ARCH_CLEAN && !arch)
		return synth_usage("--plant: only with --arch");
	if (arch) {
		if (arch_synth__write(out, plant, &x, err, sizeof(err)) < 0) {
			fprintf(stderr, "vmm trace: %s\n", err);
			return 2;
		}
		if (plant != ARCH_CLEAN)
			fprintf(stderr, "synth: %s: defect %s planted at seq %" PRIu64 "\n", out,
				arch_defect__name(plant), x);
		return 0;
	}
	if (itr_synth__write(out, &o, &res, err, sizeof(err)) < 0) {
		fprintf(stderr, "vmm trace: %s\n", err);
		return 2;
	}
	if (o.mutate != ITR_MUT_NONE)
		fprintf(stderr, "synth: %s: %" PRIu64 " records, mutation %s at seq %" PRIu64
			" (unmutated seq %" PRIu64 ")\n", out, res.written, itr_mutation__name(o.mutate),
			res.b_seq, res.a_seq);
	return 0;
}
