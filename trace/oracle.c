// SPDX-License-Identifier: MIT
/* The oracle over a whole trace: names, verdict, report, and one model per vCPU fed from a file. */
#include <inttypes.h>
#include <string.h>
#include <strings.h>
#include "oracle.h"
#include "oracle_priv.h"
#include "abi.h"			/* IVM_IPI_* */

static const char *const kind_names[OK_NR] = {
	[OK_ORDER] = "order", [OK_LOST] = "lost", [OK_EXTRA] = "extra", [OK_NEST] = "nest",
	[OK_TPR] = "tpr", [OK_IF] = "if", [OK_NMI] = "nmi", [OK_NO_IRET] = "no-iret",
	[OK_IRET] = "iret", [OK_DEPTH] = "depth", [OK_ERRCODE] = "errcode", [OK_EOI] = "eoi",
	[OK_ISR] = "isr", [OK_EVIDENCE] = "evidence", [OK_FRAME] = "frame",
};

const char *oracle_kind__name(enum oracle_kind k)
{
	return (unsigned)k < OK_NR ? kind_names[k] : "?";
}

const char *oracle_verdict__name(enum oracle_verdict v)
{
	return v == ORACLE_PASS ? "PASS" : v == ORACLE_DIVERGENCE ? "DIVERGENCE" : "INCONCLUSIVE";
}

static const char *const host_names[ORACLE_HOST_NR] = {
	[ORACLE_HOST_SDM] = "SDM", [ORACLE_HOST_PVM4] = "PVM-4", [ORACLE_HOST_PVM5] = "PVM-5",
	[ORACLE_HOST_PVM4_5] = "PVM-4+PVM-5",
};

const char *oracle_host__name(enum oracle_host h)
{
	return (unsigned)h < ORACLE_HOST_NR ? host_names[h] : "?";
}

int oracle_host__parse(const char *s, enum oracle_host *h)
{
	for (int i = 0; i < ORACLE_HOST_NR; i++)
		if (!strcasecmp(s, host_names[i])) {
			*h = i;
			return 0;
		}
	return -1;
}

enum oracle_verdict oracle__verdict(const struct oracle *o)
{
	if (o->total > o->count[OK_EVIDENCE])
		return ORACLE_DIVERGENCE;
	return o->total ? ORACLE_INCONCLUSIVE : ORACLE_PASS;
}

void oracle__summary(const struct oracle *o, char *buf, size_t n)
{
	enum oracle_verdict v = oracle__verdict(o);
	size_t k = snprintf(buf, n, "%s", oracle_verdict__name(v));
	const char *sep;

	/* a verdict under a host model is not the SDM's: say whose */
	if (o->host != ORACLE_HOST_SDM)
		k += snprintf(buf + k, k < n ? n - k : 0, " under host model %s", oracle_host__name(o->host));

	if (v == ORACLE_PASS) {
		snprintf(buf + k, k < n ? n - k : 0, " (%" PRIu64 " deliveries checked)", o->deliveries);
		return;
	}
	k += snprintf(buf + k, k < n ? n - k : 0, " (%" PRIu64 " finding%s", o->total, o->total == 1 ? "" : "s");
	sep = ": ";
	for (int i = 0; i < OK_NR; i++)
		if (o->count[i]) {
			k += snprintf(buf + k, k < n ? n - k : 0, "%s%s %" PRIu64, sep, kind_names[i], o->count[i]);
			sep = ", ";
		}
	k += snprintf(buf + k, k < n ? n - k : 0, ")");
	if (o->nkept) {
		if (o->kept[0].seq == NONE)
			snprintf(buf + k, k < n ? n - k : 0, ", first at the end [%s]", kind_names[o->kept[0].kind]);
		else
			snprintf(buf + k, k < n ? n - k : 0, ", first at seq %" PRIu64 " [%s]", o->kept[0].seq,
				 kind_names[o->kept[0].kind]);
	}
}

void oracle__report(const struct oracle *o, FILE *f, const char *prefix)
{
	char sum[256];

	for (unsigned i = 0; i < o->nkept; i++) {
		const struct oracle_finding *x = &o->kept[i];
		char at[32];

		if (x->seq == NONE)
			snprintf(at, sizeof(at), "end");
		else
			snprintf(at, sizeof(at), "seq %" PRIu64, x->seq);
		fprintf(f, "%s%s %s [%s]: %s\n", prefix, i ? "  then" : "first divergence:", at,
			kind_names[x->kind], x->text);
	}
	if (o->total > o->nkept)
		fprintf(f, "%s  ... %" PRIu64 " more\n", prefix, o->total - o->nkept);
	for (unsigned i = 0; i < o->nnotes; i++)
		fprintf(f, "%snote: %s\n", prefix, o->notes[i]);
	oracle__summary(o, sum, sizeof(sum));
	fprintf(f, "%s%" PRIu64 " records, %" PRIu64 " deliveries: %s\n", prefix, o->records, o->deliveries, sum);
}

/*
 * Which vCPU's model a record belongs to. Guest records and the host's
 * per-vCPU ones carry it; an MSI goes to its destination APIC ID (= vCPU
 * index); IOAPIC pins and records of the VM as a whole go to vCPU 0, where
 * the guest routes its pins. ORACLE_ALL: every model (END).
 */
#define ORACLE_ALL	(-1)

static int route(const struct itr_record *r)
{
	if (r->type == ITR_END)
		return ORACLE_ALL;
	if (r->source == ITR_SRC_GUEST)
		return r->vcpu;
	switch (r->type) {
	case ITR_INJECT:
		if ((r->a & 0xff) == INJ_MSI || (r->a & 0xff) == INJ_INIT || (r->a & 0xff) == INJ_SIPI)
			return r->a >> 8 & 0xff;
		return (r->a & 0xff) == INJ_PIN ? 0 : r->vcpu;
	case ITR_VMM_DELIVERY:
	case ITR_LOST:
	case ITR_EXIT:
	case ITR_DELIVER:
	case ITR_QUIET:
	case ITR_IRR:
	case ITR_PROGRESS:
	case ITR_UNPUBLISHED:
		return r->vcpu;
	default:
		return 0;
	}
}

/* One verdict out of the per-vCPU models: counts add up, findings merge in seq order. */
static void merge(struct oracle *o, struct oracle *part, unsigned n)
{
	unsigned pos[ORACLE_CPUS] = { 0 };

	for (unsigned c = 0; c < n; c++) {
		struct oracle *p = &part[c];

		o->records += p->records;
		o->deliveries += p->deliveries;
		o->unmodelled += p->unmodelled;
		o->software += p->software;
		o->total += p->total;
		for (int k = 0; k < OK_NR; k++)
			o->count[k] += p->count[k];
		for (unsigned i = 0; i < p->nnotes && o->nnotes < 8; i++)
			snprintf(o->notes[o->nnotes++], sizeof(o->notes[0]), "cpu %u: %.150s", c,
				 p->notes[i]);
	}
	while (o->nkept < ORACLE_KEEP) {
		int best = -1;

		for (unsigned c = 0; c < n; c++)
			if (pos[c] < part[c].nkept &&
			    (best < 0 || part[c].kept[pos[c]].seq < part[best].kept[pos[best]].seq))
				best = c;
		if (best < 0)
			break;
		o->kept[o->nkept] = part[best].kept[pos[best]++];
		snprintf(o->kept[o->nkept].text, sizeof(o->kept[0].text), "cpu %u: %.220s", (unsigned)best,
			 part[best].kept[pos[best] - 1].text);
		o->nkept++;
	}
	o->ended = true;
}

int oracle__run_file(const char *path, struct oracle *o, struct itr_header *h, char *err, size_t errlen)
{
	return oracle__run_file_opts(path, NULL, o, h, err, errlen);
}

int oracle__run_file_opts(const char *path, const struct oracle_opts *opts, struct oracle *o,
			  struct itr_header *h, char *err, size_t errlen)
{
	static struct oracle part[ORACLE_CPUS];
	static struct oracle_ldrs ldrs;
	enum oracle_host host = opts ? opts->host : ORACLE_HOST_SDM;
	struct itr_reader *rd;
	struct itr_record r;
	int k, if_seen = 0;
	unsigned ncpu = 1;
	/* fixed IPIs the oracle routes, and those it can't (a logical destination, lowest priority) */
	uint32_t ipi_vec[8] = { 0 }, ipi_unsure[8] = { 0 };
	/* the guest's NMI IPIs: any recorded, and whether one went where the oracle can't follow */
	bool nmi_sends = false, nmi_unsure = false;

	oracle__init(o);
	for (unsigned c = 0; c < ORACLE_CPUS; c++)
		oracle__init(&part[c]);
	oracle_ldrs__init(&ldrs);
	/*
	 * first pass: does the guest record IF changes (older guests don't)? how
	 * many vCPUs? each one's logical APIC ID over time? Then (the LDRs known)
	 * which vectors does it send IPIs of, and how many to whom?
	 */
	rd = itr_reader__open(path, h, err, errlen);
	if (!rd)
		return -1;
	while ((k = itr_reader__next(rd, &r, err, errlen)) == 1)
		oracle_ldrs__see(&ldrs, &r);
	itr_reader__close(rd);
	if (k < 0)
		return -1;
	oracle_ldrs__finish(&ldrs);
	rd = itr_reader__open(path, h, err, errlen);
	if (!rd)
		return -1;
	while ((k = itr_reader__next(rd, &r, err, errlen)) == 1) {
		if (r.type == ITR_IF && r.source == ITR_SRC_GUEST)
			if_seen = 1;
		if (r.vcpu >= ncpu)
			ncpu = r.vcpu + 1u;
		if (r.type == ITR_IPI && r.source == ITR_SRC_GUEST && IVM_IPI_DM(r.a) == 4) {
			nmi_sends = true;
			nmi_unsure |= !oracle__nmi_ipi_modelled(&r, &ldrs);
			for (unsigned c = 0; c < ORACLE_CPUS; c++)
				if (c != r.vcpu && oracle__nmi_ipi_modelled(&r, &ldrs) &&
				    oracle__ipi_targets(&r, c, &ldrs))
					part[c].nmi_ahead++;
			continue;
		}
		if (r.type != ITR_IPI || r.source != ITR_SRC_GUEST || IVM_IPI_DM(r.a) > 1)
			continue;
		if (!oracle__ipi_modelled(&r, &ldrs)) {
			ipi_unsure[r.vector >> 5] |= 1u << (r.vector & 31);
			continue;
		}
		ipi_vec[r.vector >> 5] |= 1u << (r.vector & 31);
		for (unsigned c = 0; c < ORACLE_CPUS; c++)
			if (c != r.vcpu && oracle__ipi_targets(&r, c, &ldrs))
				part[c].ipi_ahead[r.vector]++;
	}
	itr_reader__close(rd);
	if (k < 0)
		return -1;
	if (ncpu > ORACLE_CPUS) {
		snprintf(err, errlen, "%s: records of vCPU %u: the oracle models %d", path, ncpu - 1,
			 ORACLE_CPUS);
		return -1;
	}
	o->if_records = if_seen;
	o->host = host;
	o->ldrs = &ldrs;
	o->nmi_ipis = nmi_sends && !nmi_unsure;
	for (unsigned i = 0; i < 8; i++)
		o->ipi_vec[i] = ipi_vec[i] & ~ipi_unsure[i];
	for (unsigned c = 0; c < ncpu; c++) {
		memcpy(part[c].ipi_vec, o->ipi_vec, sizeof(o->ipi_vec));
		part[c].if_records = if_seen;
		part[c].nmi_ipis = o->nmi_ipis;
		part[c].smp = true;
		part[c].cpu = c;
		part[c].host = host;
		part[c].ldrs = &ldrs;
	}
	rd = itr_reader__open(path, h, err, errlen);
	if (!rd)
		return -1;
	while ((k = itr_reader__next(rd, &r, err, errlen)) == 1) {
		int to = route(&r);

		if (ncpu == 1)
			oracle__feed(o, &r);
		else if (r.type == ITR_IPI && r.source == ITR_SRC_GUEST) {
			bool routed = oracle__ipi_modelled(&r, &ldrs) || oracle__nmi_ipi_modelled(&r, &ldrs);

			/* the sender's model for its own record, and every target's */
			for (unsigned c = 0; c < ncpu; c++)
				if (c == r.vcpu || (routed && oracle__ipi_targets(&r, c, &ldrs)))
					oracle__feed(&part[c], &r);
		}
		else if (to == ORACLE_ALL)
			for (unsigned c = 0; c < ncpu; c++)
				oracle__feed(&part[c], &r);
		else if ((unsigned)to < ncpu)
			oracle__feed(&part[to], &r);
	}
	if (k < 0) {
		itr_reader__close(rd);
		return -1;
	}
	if (ncpu == 1) {
		oracle__finish(o, itr_reader__complete(rd));
	} else {
		for (unsigned c = 0; c < ncpu; c++)
			oracle__finish(&part[c], itr_reader__complete(rd));
		merge(o, part, ncpu);
	}
	itr_reader__close(rd);
	return 0;
}
