// SPDX-License-Identifier: MIT
/*
 * Across vCPUs: an MSI one vCPU's sync point sends to another lands in that
 * vCPU's IRR whenever the sender gets there, and two of one vector merge there
 * if the first was not taken yet. The recording says how many of its vector
 * the target had taken when the injection was made; the replay makes it only
 * once the target has taken as many, so a merge happens where the
 * recording's did, and only there. Under user irqchip the guest's own fixed
 * IPIs to another vCPU are held so too, at their ICR write.
 */
#include <stdio.h>
#include "lib/strbuf.h"
#include "replay.h"

int replay__inject_waits_for(const struct vm *vm, unsigned step, unsigned j, unsigned self)
{
	const struct replay *rp = vm->replay;
	const struct injection *inj;

	if (!rp || !rp->place_irqs || vm->opts.scenario != &rp->sc || step >= rp->sc.nsteps ||
	    j >= rp->sc.steps[step].ninj || !rp->inj_after[rp->first_inj[step] + j])
		return -1;
	inj = &rp->sc.steps[step].inj[j];
	if (inj->dest == self || inj->dest >= vm->nr_vcpus)
		return -1;	/* its own: what it took before its sync point is placed before it */
	return rp->cpu[inj->dest].next >= rp->inj_after[rp->first_inj[step] + j] ? -1 : (int)inj->dest;
}

const struct replay_ipi *replay__ipi_sent(struct vm *vm, unsigned self, uint8_t vector, uint32_t dest)
{
	struct replay *rp = vm->replay;
	struct replay_cpu *c;
	const struct replay_ipi *ipi;

	if (!rp || !rp->place_irqs || vm->opts.irqchip != IRQCHIP_USER || self >= vm->nr_vcpus || dest == self)
		return NULL;
	c = &rp->cpu[self];
	if (c->next_ipi >= c->nipis)
		return NULL;
	ipi = &c->ipis[c->next_ipi];
	if (ipi->vector != vector || ipi->dest != dest)
		return NULL;	/* diverged: the diff says where; nothing to order it by */
	c->next_ipi++;
	return ipi;
}

int replay__ipi_waits_for(const struct vm *vm, const struct replay_ipi *ipi)
{
	const struct replay *rp = vm->replay;

	if (!rp || !ipi->after || ipi->dest >= vm->nr_vcpus)
		return -1;
	return rp->cpu[ipi->dest].next >= ipi->after ? -1 : (int)ipi->dest;
}

size_t replay__shared_vectors(const struct replay *rp, char *buf, size_t n, unsigned *found)
{
	size_t k = 0;

	*found = 0;
	if (n)
		buf[0] = 0;
	for (unsigned i = 0; i < rp->sc.nsteps; i++) {
		const struct step *st = &rp->sc.steps[i];

		for (unsigned a = 0; a < st->ninj; a++) {
			const struct injection *x = &st->inj[a];
			bool shared = false;

			if (x->kind != INJ_MSI || x->delivery)
				continue;
			for (unsigned b = 0; b < a && !shared; b++)	/* each vector once a step */
				shared = st->inj[b].kind == INJ_MSI && !st->inj[b].delivery &&
					 st->inj[b].vector == x->vector;
			if (shared)
				continue;
			for (unsigned b = a + 1; b < st->ninj && !shared; b++)
				shared = st->inj[b].kind == INJ_MSI && !st->inj[b].delivery &&
					 st->inj[b].vector == x->vector && st->inj[b].dest != x->dest;
			if (!shared)
				continue;
			if (++*found <= 3)
				k = strbuf__appendf(buf, n, k, "%sv=%02x at %s %llu", k ? ", " : "", x->vector,
						    st->at == AT_SYNC ? "sync" : "delay (us)", (unsigned long long)st->n);
		}
	}
	return k;
}
