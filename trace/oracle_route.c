// SPDX-License-Identifier: MIT
/*
 * Where a guest IPI goes, for the oracle: a shorthand, a physical APIC ID
 * (this VMM's vCPU index), or a logical destination, matched against each
 * vCPU's LDR as of the IPI record's time. The LDRs come from the guest's LDR
 * records (ITR_LDR, trace version 11) and the INITs that reset one; a trace
 * without them, or with one the oracle can't follow, leaves logical IPIs
 * unmodelled. Lowest priority is modelled where its destination is one CPU;
 * to more (arbitration) it stays unmodelled. Pure.
 */
#include <string.h>
#include "abi.h"
#include "oracle.h"

void oracle_ldrs__init(struct oracle_ldrs *l)
{
	memset(l, 0, sizeof(*l));
}

#define LDR_INIT	0xff	/* a state change that is an INIT: see ldr_at */

/*
 * The state of @cpu's LDR at @t: its changes up to then in time order, from
 * the power-up one. An INIT resets an xAPIC's DFR and LDR; an x2APIC keeps
 * its mode and its derived LDR.
 */
static struct oracle_ldr ldr_at(const struct oracle_ldrs *l, unsigned cpu, uint64_t t)
{
	const struct oracle_ldr reset = { .model = IVM_LDR_FLAT };	/* DFR all ones, LDR 0 */
	struct oracle_ldr s = reset;

	for (unsigned i = 0; i < l->n[cpu] && l->at[cpu][i].t <= t; i++) {
		if (l->at[cpu][i].model != LDR_INIT)
			s = l->at[cpu][i];
		else if (s.model != IVM_LDR_X2APIC)
			s = reset;
	}
	return s;
}

static void ldr_add(struct oracle_ldrs *l, unsigned cpu, uint64_t t, uint8_t model, uint32_t ldr)
{
	if (cpu >= ORACLE_CPUS || l->n[cpu] == ORACLE_LDR_STATES) {
		l->unsure = true;
		return;
	}
	l->at[cpu][l->n[cpu]++] = (struct oracle_ldr){ .t = t, .ldr = ldr, .model = model };
}

void oracle_ldrs__see(struct oracle_ldrs *l, const struct itr_record *r)
{
	if (r->type == ITR_LDR && r->source == ITR_SRC_GUEST) {
		l->recorded = true;
		if (r->vector != IVM_LDR_FLAT && r->vector != IVM_LDR_CLUSTER && r->vector != IVM_LDR_X2APIC)
			l->unsure = true;
		else
			ldr_add(l, r->vcpu, r->time_ns, r->vector, r->a);
	} else if (r->type == ITR_IPI && r->source == ITR_SRC_GUEST && IVM_IPI_DM(r->a) == 5) {
		/* INIT level de-assert (level 0, trigger level) resets nothing */
		if (!(r->a >> 14 & 1) && (r->a >> 15 & 1))
			return;
		if (!IVM_IPI_SHORTHAND(r->a) && IVM_IPI_LOGICAL(r->a)) {
			l->unsure = true;	/* its targets depend on the LDRs it may reset */
			return;
		}
		for (unsigned c = 0; c < ORACLE_CPUS; c++)
			if (oracle__ipi_targets(r, c, NULL))
				ldr_add(l, c, r->time_ns, LDR_INIT, 0);
	} else if (r->type == ITR_INJECT && ((r->a & 0xff) == INJ_INIT ||
					     ((r->a & 0xff) == INJ_MSI && ITR_INJ_DELIVERY(r->rsp) == 5))) {
		ldr_add(l, r->a >> 8 & 0xff, r->time_ns, LDR_INIT, 0);	/* the VMM's INIT, or an MSI's */
	}
}

/*
 * Each vCPU's states in time order: its own records come in order, INITs
 * from others may not. INITs back to back in time (assert, then a boot's
 * INIT, SIPI, SIPI) are one reset: the later ones go.
 */
void oracle_ldrs__finish(struct oracle_ldrs *l)
{
	for (unsigned c = 0; c < ORACLE_CPUS; c++) {
		unsigned k = 0;

		for (unsigned i = 1; i < l->n[c]; i++)
			for (unsigned j = i; j > 0 && l->at[c][j - 1].t > l->at[c][j].t; j--) {
				struct oracle_ldr s = l->at[c][j];

				l->at[c][j] = l->at[c][j - 1];
				l->at[c][j - 1] = s;
			}
		for (unsigned i = 0; i < l->n[c]; i++)
			if (!k || l->at[c][i].model != LDR_INIT || l->at[c][k - 1].model != LDR_INIT)
				l->at[c][k++] = l->at[c][i];
		l->n[c] = k;
	}
}

bool oracle_ldrs__init_between(const struct oracle_ldrs *l, unsigned cpu, uint64_t from, uint64_t to)
{
	for (unsigned i = 0; cpu < ORACLE_CPUS && i < l->n[cpu]; i++)
		if (l->at[cpu][i].model == LDR_INIT && l->at[cpu][i].t > from && l->at[cpu][i].t <= to)
			return true;
	return false;
}

/*
 * SDM 11.6.2.2 (xAPIC) and 11.12.10.2 (x2APIC). The record holds the
 * destination's bits 7:0 (IVM_IPI_DEST): all of an x2APIC's that names any of
 * at most 8 vCPUs, whose logical IDs are cluster 0's bits 0-7; one that names
 * none of them is IVM_IPI_NOWHERE.
 */
static bool logical_match(struct oracle_ldr s, uint32_t dest)
{
	switch (s.model) {
	case IVM_LDR_FLAT:
		return (dest & s.ldr >> 24) != 0;
	case IVM_LDR_CLUSTER:
		return dest == 0xff || ((dest >> 4) == s.ldr >> 28 && (dest & s.ldr >> 24 & 0xf) != 0);
	default:
		return (dest >> 16) == s.ldr >> 16 && (dest & s.ldr & 0xffff) != 0;
	}
}

bool oracle__ipi_routed(const struct itr_record *r, const struct oracle_ldrs *l)
{
	return IVM_IPI_SHORTHAND(r->a) || !IVM_IPI_LOGICAL(r->a) || (l && l->recorded && !l->unsure);
}

/*
 * Lowest priority goes to one CPU of its destination, by arbitration the
 * trace can't show; to a destination of one CPU (no shorthand) it is that
 * one's, as a fixed IPI is (SDM 11.6.2.4)
 */
static bool one_target(const struct itr_record *r, const struct oracle_ldrs *l)
{
	unsigned n = 0;

	if (IVM_IPI_SHORTHAND(r->a))
		return false;
	for (unsigned c = 0; c < ORACLE_CPUS; c++)
		n += oracle__ipi_targets(r, c, l);
	return n == 1;
}

bool oracle__ipi_modelled(const struct itr_record *r, const struct oracle_ldrs *l)
{
	return r->type == ITR_IPI && oracle__ipi_routed(r, l) &&
	       (IVM_IPI_DM(r->a) == 0 || (IVM_IPI_DM(r->a) == 1 && one_target(r, l)));
}

bool oracle__nmi_ipi_modelled(const struct itr_record *r, const struct oracle_ldrs *l)
{
	return r->type == ITR_IPI && IVM_IPI_DM(r->a) == 4 && oracle__ipi_routed(r, l);
}

bool oracle__ipi_targets(const struct itr_record *r, unsigned cpu, const struct oracle_ldrs *l)
{
	switch (IVM_IPI_SHORTHAND(r->a)) {
	case 1: return cpu == r->vcpu;
	case 2: return true;
	case 3: return cpu != r->vcpu;
	default:
		if (r->a & IVM_IPI_NOWHERE)	/* an x2APIC ID no vCPU has */
			return false;
		if (IVM_IPI_LOGICAL(r->a))
			return l && cpu < ORACLE_CPUS && logical_match(ldr_at(l, cpu, r->time_ns), IVM_IPI_DEST(r->a));
		return IVM_IPI_DEST(r->a) == cpu || IVM_IPI_DEST(r->a) == 0xff;
	}
}
