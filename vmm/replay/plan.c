// SPDX-License-Identifier: MIT
/*
 * A recorded trace read into a replay plan: nothing in the file is trusted,
 * so every field a plan takes is checked the way a scenario config's is.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "replay.h"

int replay__parse_config(const char *s, unsigned version, unsigned *vcpus, uint64_t *mem,
			 enum boot_proto *boot, bool *pci_testdev)
{
	char proto[16], devices[16] = "none";
	unsigned long long m;
	int end = -1;

	if (version >= 5) {
		if (sscanf(s, "vcpus=%u mem=%llu boot=%15[a-z0-9] devices=%15[a-z-]%n", vcpus, &m, proto,
			   devices, &end) != 4)
			return -1;
	} else if (sscanf(s, "vcpus=%u mem=%llu boot=%15[a-z0-9]%n", vcpus, &m, proto, &end) != 3) {
		return -1;
	}
	if (end < 0 || s[end] || *vcpus < 1 || *vcpus > VMM_MAX_VCPUS || m < (4u << 20) || m > (3ull << 30) ||
	    (m & 0xfff) || boot_proto__parse(proto, boot) < 0 ||
	    (strcmp(devices, "none") && strcmp(devices, "pci-testdev")))
		return -1;
	*mem = m;
	*pci_testdev = !strcmp(devices, "pci-testdev");
	return 0;
}

bool replay__sha256_ok(const char *s)
{
	size_t n = strlen(s);

	if (n != 0 && n != 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789abcdef", s[i]))
			return false;
	return true;
}

static int fail(char *err, size_t errlen, const char *path, uint64_t seq, const char *what)
{
	if (seq == UINT64_MAX)
		snprintf(err, errlen, "%s: %s", path, what);
	else
		snprintf(err, errlen, "%s: record %" PRIu64 ": %s", path, seq, what);
	return -1;
}

/* An INJECT record back into the injection that made it (trace/itr.h, ITR_INJECT). */
static int injection_of(const struct itr_record *r, unsigned vcpus, struct injection *inj)
{
	memset(inj, 0, sizeof(*inj));
	inj->kind = r->a & 0xff;
	if (inj->kind > INJ_SPURIOUS)
		return -1;
	inj->vector = r->vector;
	inj->dest = ITR_INJ_DEST(r->rsp);
	inj->delivery = ITR_INJ_DELIVERY(r->rsp);
	inj->level = r->rsp & ITR_INJ_LEVEL;
	if (inj->kind == INJ_PIN)	/* else a's second byte repeats the destination */
		inj->pin = r->a >> 8 & 0xff;
	inj->action = r->a >> 16 & 0xff;	/* recorded for every kind, as the config had it */
	inj->has_error = r->err != 0xffffffffu;
	inj->error_code = inj->has_error ? r->err : 0;
	inj->has_cr2 = r->rsp & ITR_INJ_HAS_CR2;
	inj->has_dr6 = r->rsp & ITR_INJ_HAS_DR6;
	inj->cr2 = inj->has_cr2 ? r->rip : 0;
	inj->dr6 = inj->has_dr6 ? r->rip : 0;
	inj->pending = r->rsp & ITR_INJ_PENDING;
	if (inj->action > PIN_PULSE || (inj->kind == INJ_PIN && inj->pin >= IOAPIC_NUM_PINS))
		return -1;
	/* a vCPU index: one of the recording's own vCPUs */
	if (inj->kind != INJ_MSI && inj->kind != INJ_PIN && inj->dest >= vcpus)
		return -1;
	return 0;
}

/* The guest's SYNC records of point @n so far: which visit of it the run is at (0: none seen). */
static uint32_t *sync_visits(struct replay *rp, uint64_t n, bool add)
{
	void *g;

	for (size_t i = 0; i < rp->nsyncs; i++)
		if (rp->syncs[i].n == n)
			return &rp->syncs[i].visits;
	if (!add)
		return NULL;
	if (!(rp->nsyncs & (rp->nsyncs - 1))) {	/* 0, 1, 2, 4 ...: grow by doubling */
		g = realloc(rp->syncs, (rp->nsyncs ? 2 * rp->nsyncs : 16) * sizeof(*rp->syncs));
		if (!g)
			return NULL;
		rp->syncs = g;
	}
	rp->syncs[rp->nsyncs].n = n;
	rp->syncs[rp->nsyncs].visits = 0;
	return &rp->syncs[rp->nsyncs++].visits;
}


/* Room for element @n of the array *@slot (@size bytes each): 16 at first, doubled when full. -1: none */
static int grow(void *slot, size_t n, size_t size)
{
	void *a;

	if (n && (n < 16 || (n & (n - 1))))
		return 0;
	memcpy(&a, slot, sizeof(a));
	a = realloc(a, (n ? 2 * n : 16) * size);
	if (!a)
		return -1;
	memcpy(slot, &a, sizeof(a));
	return 0;
}

/* While loading: @vcpu's questions recorded at ring slot count @count so far */
static uint32_t irrs_at(const struct replay *rp, unsigned vcpu, uint64_t count)
{
	return rp->cpu[vcpu].irr_asked && rp->cpu[vcpu].irr_count == count ? rp->cpu[vcpu].irr_asked : 0;
}

/*
 * An injection that can merge (replay__merging_vector) to a vCPU of the run:
 * 1 + that vCPU's places of its vector so far (each DELIVER, or under kernel
 * and split each ENTRY KVM delivered), which it had taken when this injection
 * was made; 0 for any other.
 */
static uint32_t taken_before(const struct replay *rp, const struct injection *inj)
{
	int vector = replay__merging_vector(rp, inj);

	return vector < 0 ? 0 : 1 + rp->irq_places[inj->dest][vector];
}

/*
 * Once the places are sorted: a count + 1 of @dest's places of @vector taken
 * (0: none to wait for) as the index + 1 of the last of them in its places
 */
static uint32_t after_index(const struct replay *rp, unsigned dest, uint8_t vector, uint32_t after)
{
	uint32_t left = after ? after - 1 : 0;
	size_t k = 0;

	for (; left && k < rp->cpu[dest].n; k++)
		left -= rp->cpu[dest].p[k].how == ITR_DELIVER_IRQ && rp->cpu[dest].p[k].vector == vector;
	return after > 1 ? (uint32_t)k : 0;
}

/*
 * Once the places are sorted: each merging injection's and guest IPI's count
 * of places taken as an index. Under kernel and split the places are the
 * guest's ENTRY records, drained at its exits, so the file can have one after
 * an injection made later (storm seed 6, split: two v=35 to CPU 1 at one sync
 * point, taken apart; the replay merged them): where a vCPU has as many
 * places of a vector as injections of it (none merged), the k-th injection
 * waits for k places, whatever the file says.
 */
static void order_after(struct replay *rp)
{
	uint32_t sent[VMM_MAX_VCPUS][256] = { { 0 } }, places[VMM_MAX_VCPUS][256] = { { 0 } };

	for (unsigned c = 0; c < rp->vcpus; c++)
		for (size_t i = 0; i < rp->cpu[c].n; i++)
			places[c][rp->cpu[c].p[i].vector] += rp->cpu[c].p[i].how == ITR_DELIVER_IRQ;
	for (unsigned i = 0; i < rp->sc.nsteps; i++)
		for (unsigned j = 0; j < rp->sc.steps[i].ninj; j++) {
			const struct injection *inj = &rp->sc.steps[i].inj[j];
			uint32_t *after = &rp->inj_after[rp->first_inj[i] + j];
			int vector = replay__merging_vector(rp, inj);
			uint32_t k;

			if (vector < 0) {
				*after = 0;
				continue;
			}
			k = sent[inj->dest][vector]++;
			if (places[inj->dest][vector] == rp->msis[inj->dest][vector] && k + 1 > *after)
				*after = k + 1;
			*after = after_index(rp, inj->dest, (uint8_t)vector, *after);
		}
	for (unsigned c = 0; c < rp->vcpus; c++)
		for (size_t i = 0; i < rp->cpu[c].nipis; i++) {
			struct replay_ipi *ipi = &rp->cpu[c].ipis[i];

			ipi->after = after_index(rp, ipi->dest, ipi->vector, ipi->after);
		}
}

/*
 * ITR_IPI: a fixed IPI to another vCPU by APIC ID, no shorthand, with the
 * count + 1 of the target's places of its vector before the record. A DELIVER
 * comes before it in the file only if it was written before the record was
 * published (every host record drains the rings first), so before the ICR
 * write: the count never names a delivery the IPI itself made.
 */
static int add_ipi(struct replay *rp, const struct itr_record *r, const char *path, char *err,
		   size_t errlen)
{
	struct replay_cpu *c = &rp->cpu[r->vcpu];
	uint32_t arg = (uint32_t)r->a, dest = IVM_IPI_DEST(arg);

	if (IVM_IPI_DM(arg) != 0 || IVM_IPI_LOGICAL(arg) || IVM_IPI_SHORTHAND(arg) || (arg & IVM_IPI_NOWHERE) ||
	    dest >= rp->vcpus || dest == r->vcpu)
		return 0;
	if (grow(&c->ipis, c->nipis, sizeof(*c->ipis)) < 0)
		return fail(err, errlen, path, r->seq, "out of memory");
	c->ipis[c->nipis++] = (struct replay_ipi){
		.vector = r->vector, .dest = (uint8_t)dest, .seq = r->seq,
		.after = 1 + rp->irq_places[dest][r->vector],
	};
	return 0;
}

/*
 * Append @r's injection to the step of its point, opening a new step when the
 * point changes, or (a sync point) when the guest has visited it again since:
 * each visit's injections are a step of their own, made at that visit.
 */
static int add_injection(struct replay *rp, const struct itr_record *r, uint64_t *last_point,
			 const char *path, char *err, size_t errlen)
{
	struct scenario *sc = &rp->sc;
	enum step_at at = r->b >> 63 ? AT_DELAY_US : AT_SYNC;
	uint64_t n = r->b & ~(1ull << 63);
	const uint32_t *v = at == AT_SYNC ? sync_visits(rp, n, false) : NULL;
	uint32_t visit = v && *v > 1 ? *v : 1;
	struct step *st;
	int vector;

	if (sc->nsteps == 0 || r->b != *last_point || (at == AT_SYNC && rp->visit[sc->nsteps - 1] < visit)) {
		for (unsigned i = 0; i < sc->nsteps; i++)
			if (sc->steps[i].at == at && sc->steps[i].n == n && (at != AT_SYNC || rp->visit[i] >= visit))
				return fail(err, errlen, path, r->seq, at == AT_SYNC ?
					    "injections at one sync point recorded at two visits: "
					    "replay can't tell them apart" :
					    "injections at one delay recorded apart");
		if (!(st = scenario__add_step(sc, SC_MAX_PLAN_STEPS)))
			return fail(err, errlen, path, r->seq, sc->nsteps == SC_MAX_PLAN_STEPS ?
				    "more injection points than a replay plan holds (4096)" :
				    "out of memory");
		st->at = at;
		st->n = n;
		rp->visit[sc->nsteps - 1] = visit;
		rp->first_inj[sc->nsteps - 1] = rp->ninject;
		*last_point = r->b;
	}
	st = &sc->steps[sc->nsteps - 1];
	if (st->ninj == SC_MAX_INJ)
		return fail(err, errlen, path, r->seq, "more injections at one point than a replay "
			    "plan holds (16)");
	if (injection_of(r, rp->vcpus, &st->inj[st->ninj]) < 0)
		return fail(err, errlen, path, r->seq, "an INJECT record no injection could have made");
	if (grow(&rp->inj_after, rp->ninject, sizeof(*rp->inj_after)) < 0)
		return fail(err, errlen, path, r->seq, "out of memory");
	rp->inj_after[rp->ninject] = taken_before(rp, &st->inj[st->ninj]);
	if ((vector = replay__merging_vector(rp, &st->inj[st->ninj])) >= 0)
		rp->msis[st->inj[st->ninj].dest][vector]++;
	st->ninj++;
	rp->ninject++;
	return 0;
}

/*
 * Whether NMIs were blocked at the hand-over @r: recorded (its depth), or else
 * between the vCPU's last NMI ENTRY and IRET record; an NMI handler writes its
 * IRET record before its IRETQ, and a hand-over in between (user storm seed 43:
 * at the exit path's pops) looked open, so KVM's one kept of two took the next
 * hand-over's ENTRY and every later NMI was placed one hand-over late.
 */
static bool nmis_blocked(const struct replay *rp, const struct itr_record *r)
{
	if (r->depth == ITR_NMI_BLOCKED || r->depth == ITR_NMI_OPEN)
		return r->depth == ITR_NMI_BLOCKED;
	return rp->cpu[r->vcpu].in_nmi;
}

/*
 * Whether KVM merged the NMI handed over at @r, the @in_batch-th of its
 * hand-over: past what KVM keeps (one going in and one pending; one while NMIs
 * are blocked or one is being injected). Recorded (ITR_NMI_HELD_KNOWN): what
 * KVM held before it, which counts an NMI of an earlier hand-over still
 * pending (user storm seed 68: one handed over alone while blocked, with the
 * last hand-over's still pending, merged); a kernel before 6.4 says pending as
 * a flag, so this hand-over's own count is taken too. Older traces: this
 * hand-over's own count alone.
 */
static bool nmi_merges(const struct replay *rp, const struct itr_record *r, unsigned in_batch)
{
	bool one = nmis_blocked(rp, r);
	unsigned held = in_batch;

	if (r->stack & ITR_NMI_HELD_KNOWN) {
		one = one || ITR_NMI_HELD_INJECTED(r->stack);
		if (ITR_NMI_HELD_PENDING(r->stack) > held)
			held = ITR_NMI_HELD_PENDING(r->stack);
	}
	return held >= (one ? 1u : 2u);
}

/*
 * An NMI KVM merged: into the one it still held pending, this vCPU's last NMI
 * place that has no ENTRY yet and did not merge itself (of this hand-over or
 * an earlier one). It is taken from what was sent with that one, not handed
 * over again (folded: merge_nmis drops it). With none, it stays a place of
 * its own, which no ENTRY takes.
 */
static void fold_nmi(struct replay *rp, unsigned vcpu, struct replay_point *merged)
{
	for (size_t i = rp->cpu[vcpu].n; i-- > 0;) {
		struct replay_point *p = &rp->cpu[vcpu].p[i];

		if (p->how != ITR_DELIVER_NMI || p->taken || p->no_entry)
			continue;
		p->merged += merged->times;
		merged->folded = true;
		return;
	}
}

static int add_point(struct replay *rp, const struct itr_record *r, const char *path, char *err,
		     size_t errlen)
{
	struct replay_point *p;
	bool with_prev;
	uint8_t in_batch;
	size_t n;

	if (r->vcpu >= rp->vcpus)
		return fail(err, errlen, path, r->seq, "a DELIVER record for no vCPU of the run");
	if (r->a > ITR_DELIVER_STEP || (r->a == ITR_DELIVER_STEP && r->vcpu != 0))
		return fail(err, errlen, path, r->seq, "a DELIVER record of no kind a run writes");
	n = rp->cpu[r->vcpu].n;
	p = n ? &rp->cpu[r->vcpu].p[n - 1] : NULL;
	/* another at the same place, in the same hand-over: an interrupt goes in once */
	if (p && !p->taken && r->a == ITR_DELIVER_IRQ && p->how == r->a && p->vector == r->vector &&
	    p->count == r->b && p->rip == r->rip && p->rsp == r->rsp && p->rflags == r->rflags) {
		p->times++;
		return 0;
	}
	/* NMIs: each is placed at its own ENTRY (the second may land exits later); one KVM
	 * merged has none, and is merged into the one before it (merge_nmis). One hand-over is
	 * this vCPU's records in a row: another vCPU's may come between. Before grow(): p moves */
	with_prev = p && r->a == ITR_DELIVER_NMI && p->how == ITR_DELIVER_NMI &&
		    p->seq == rp->cpu[r->vcpu].last_seq;
	in_batch = with_prev && p->in_batch < UINT8_MAX ? p->in_batch + 1 : 0;
	if (grow(&rp->cpu[r->vcpu].p, n, sizeof(*p)) < 0)
		return fail(err, errlen, path, r->seq, "out of memory");
	rp->cpu[r->vcpu].p[n] = (struct replay_point){
		.vector = r->vector, .how = (uint8_t)r->a, .count = r->b, .irrs = irrs_at(rp, r->vcpu, r->b),
		.rip = r->rip, .rsp = r->rsp,
		.rflags = r->rflags, .seq = r->seq, .times = 1, .published = r->err,
		.with_prev = with_prev, .in_batch = in_batch,
		.msis_needed = r->a == ITR_DELIVER_IRQ ? rp->msis[r->vcpu][r->vector] : 0,
	};
	/* KVM keeps two NMIs (one goes in, one pending), one inside an NMI handler: the rest
	 * merge, and no later ENTRY is theirs */
	p = &rp->cpu[r->vcpu].p[n];
	p->no_entry = r->a == ITR_DELIVER_NMI && nmi_merges(rp, r, p->in_batch);
	if (p->no_entry)
		fold_nmi(rp, r->vcpu, p);
	rp->cpu[r->vcpu].n++;
	if (r->a == ITR_DELIVER_IRQ)
		rp->irq_places[r->vcpu][r->vector]++;
	rp->stops += r->a == ITR_DELIVER_STOP;
	rp->timers += r->a == ITR_DELIVER_TIMER;
	rp->steps += r->a == ITR_DELIVER_STEP;
	return 0;
}

/*
 * An NMI can land inside an interrupt's entry, before its handler records
 * the ENTRY (in the vector's stub, IF=0): the NMI's records come first, then
 * the interrupt's ENTRY, whose frame is where the CPU took the interrupt,
 * before the NMI. @nmi (the place of an NMI whose IRET came right before
 * @irq's ENTRY) was inside @irq's entry when it interrupted code at IF=0 on a
 * lower stack while @irq was taken at IF=1. On @irq's own stack "lower" means
 * below the frame the CPU pushed for it (RSP aligned to 16, then five words):
 * an NMI in a callee of the interrupted code (ring-stress: in ev_write's CLI
 * section, 16 bytes down) is not inside @irq. A deeper callee's can't be
 * told by the stack: a guest's own CLI sections are not records (ev_write's
 * is not), so an NMI in one, the interrupt taken at IF=1 once that code
 * returned, looks the same; the replay tells the two apart by the place the
 * vCPU reaches first (the point's `either`). So it does under kernel and
 * split, where only the ENTRY says where KVM delivered, when an interrupt's
 * IRET record came right before the NMI: it landed in that interrupt's exit
 * path (after its IRET record, before the IRETQ, on the same stack), or, the
 * next interrupt pending at the IRETQ, in that one's entry stub (ring-stress,
 * split: two timer ticks at one RIP, the NMI at the second's slot
 * reservation). (Under user the DELIVER's slot count tells: take_point.)
 * @irq's place is then the NMI's slot count.
 */
static bool inside_entry(const struct replay_point *nmi, const struct replay_point *irq)
{
	if (nmi->how != ITR_DELIVER_NMI || !nmi->taken || irq->how != ITR_DELIVER_IRQ ||
	    nmi->rsp >= irq->rsp || nmi->rflags & 0x200 || !(irq->rflags & 0x200))
		return false;
	return irq->stack != IVM_STACK_SAME || nmi->rsp <= (irq->rsp & ~0xfull) - 40;
}

/*
 * A guest ENTRY: the oldest delivery of its vector on its vCPU not taken yet
 * was taken here (user recordings: the VMM's DELIVERs); @after_nmi: right
 * after an NMI's IRET, which may have come inside this entry (inside_entry)
 * if the VMM delivered it (the DELIVER's slot count) before the NMI came;
 * @after_iret: right after an interrupt's IRET.
 */
static bool take_point(struct replay *rp, const struct itr_record *r, uint64_t guest_records, bool after_nmi,
		       bool after_iret)
{
	struct replay_point *nmi = NULL;

	/* the last one taken: NMIs are taken in DELIVER order, so from the end it is near */
	for (size_t i = rp->cpu[r->vcpu].n; after_nmi && !nmi && i-- > 0;)
		if (rp->cpu[r->vcpu].p[i].how == ITR_DELIVER_NMI && rp->cpu[r->vcpu].p[i].taken)
			nmi = &rp->cpu[r->vcpu].p[i];
	for (size_t i = 0; i < rp->cpu[r->vcpu].n; i++) {
		struct replay_point *p = &rp->cpu[r->vcpu].p[i];

		if (p->taken || p->no_entry || p->vector != r->vector || p->how > ITR_DELIVER_NMI)
			continue;
		uint64_t delivered_at = p->count;
		uint32_t delivered_irrs = p->irrs;

		p->taken = true;
		p->count = guest_records;
		p->irrs = irrs_at(rp, r->vcpu, guest_records);
		p->rip = r->rip;
		p->rsp = r->rsp;
		p->rflags = r->rflags;
		p->stack = r->stack;
		p->after_iret = after_iret;
		/* it went in at its DELIVER's count, before the NMIs (one or more) inside its
		 * entry: equal counts keep the DELIVERs' order (sort_points) */
		if (nmi && delivered_at <= nmi->count && inside_entry(nmi, p)) {
			p->count = delivered_at;
			p->irrs = delivered_irrs;
		}
		return true;
	}
	return false;
}

/*
 * The place before @j the guest took last: an NMI handed over with the one
 * taken before it but still pending, or merged, has no ENTRY yet (split storm
 * seed 27: two handed over inside an interrupt's stub, the second taken in its
 * exit path) and is not what came right before @j's ENTRY. SIZE_MAX: none.
 */
static size_t taken_before_point(const struct replay_point *p, size_t j)
{
	while (j-- > 0)
		if (p[j].taken || p[j].how != ITR_DELIVER_NMI)
			return j;
	return SIZE_MAX;
}

/*
 * Kernel and split recordings: the interrupt just added, whose ENTRY came
 * right after an NMI's IRET, was taken before that NMI when it came inside
 * its entry, and before an NMI before that one inside it too: its place
 * comes first then, with the first one's count. The NMIs not taken yet stay
 * after it (sort_points puts them at their ENTRYs' counts).
 */
static void nested_entry(struct replay *rp, unsigned vcpu)
{
	struct replay_point *p = rp->cpu[vcpu].p, t;
	size_t j = rp->cpu[vcpu].n - 1, i;

	/*
	 * An NMI that came inside the entry may have come right after another
	 * inside it; one right after an interrupt's IRET record and before such
	 * an NMI stays where it is (in that interrupt's exit path): only the
	 * guess about the last NMI before the ENTRY can be undone.
	 */
	for (bool first = true; (i = taken_before_point(p, j)) != SIZE_MAX && inside_entry(&p[i], &p[j]) &&
	     (first || !p[i].after_iret); first = false) {
		bool chain = p[i].after_nmi;

		/* one NMI alone: the guess can be undone as the replay runs (replay__kvm_irq) */
		p[j].either = first && !chain;
		p[j].count_after = p[j].count;
		p[j].irrs_after = p[j].irrs;
		p[j].count = p[i].count;
		p[j].irrs = p[i].irrs;
		t = p[j];
		memmove(&p[i + 1], &p[i], (j - i) * sizeof(*p));
		p[i] = t;
		j = i;
		if (!chain)
			break;
	}
}

/*
 * Kernel and split recordings: KVM's LAPIC delivered the interrupts, so no
 * DELIVER says where; the guest's ENTRY does. A vector of 32 or more with no
 * error code is an interrupt, unless a VMM_DELIVERY before it says the VMM
 * delivered it as an INT n (PVM-1; an INT n KVM or the CPU ran with no exit
 * leaves no record, and would be taken for one); an NMI no DELIVER handed
 * over came from the guest's own ICR write (by_kvm).
 */
static int kvm_point(struct replay *rp, const struct itr_record *r, uint64_t guest_records,
		     bool after_nmi, bool after_iret, const char *path, char *err, size_t errlen)
{
	struct itr_record d = *r;
	struct replay_point *p;

	d.type = ITR_DELIVER;
	d.a = r->vector == 2 ? ITR_DELIVER_NMI : ITR_DELIVER_IRQ;
	d.b = guest_records;
	d.err = 0;
	d.depth = 0;	/* a DELIVER's NMI blocking, not the ENTRY's nesting depth */
	if (add_point(rp, &d, path, err, errlen) < 0)
		return -1;
	p = &rp->cpu[r->vcpu].p[rp->cpu[r->vcpu].n - 1];
	p->taken = true;
	p->by_kvm = true;
	p->stack = r->stack;
	p->after_iret = after_iret;
	p->after_nmi = after_nmi;
	if (after_nmi)
		nested_entry(rp, r->vcpu);
	return 0;
}

/*
 * Whether @a comes after @b: by slot count, and at one count a timer count
 * (a LAPIC access at an exit) first: an interrupt or NMI taken at that count
 * writes its ENTRY next, so nothing after it has the same count.
 */
static bool reached_after(const struct replay_point *a, const struct replay_point *b)
{
	return a->count > b->count ||
	       (a->count == b->count && a->how != ITR_DELIVER_TIMER && b->how == ITR_DELIVER_TIMER);
}

/*
 * NMIs handed over at one exit: each with an ENTRY of its own is placed there
 * (on PVM a second one pending lands exits after the first's IRET, and the
 * replay's own exits would move it); one with none (KVM merged it: it keeps
 * one going in and one pending, one inside an NMI handler) is taken from what
 * was sent with the one it merged into (fold_nmi; else the one before it) and
 * not handed over again.
 */
static void merge_nmis(struct replay *rp)
{
	for (unsigned c = 0; c < rp->vcpus; c++) {
		struct replay_point *p = rp->cpu[c].p;
		size_t k = 0;

		for (size_t i = 0; i < rp->cpu[c].n; i++) {
			if (p[i].folded)
				continue;
			if (k && p[i].with_prev && !p[i].taken) {
				p[k - 1].merged += p[i].times + p[i].merged;
				continue;
			}
			p[k++] = p[i];
		}
		rp->cpu[c].n = k;
	}
}

/*
 * Each vCPU's places in the order the guest reaches them: the DELIVERs' order
 * (stable), but an NMI held by NMI blocking, DELIVERed before the IRET that
 * let it in, is reached at its ENTRY's count, after what came in between.
 */
static void sort_points(struct replay *rp)
{
	for (unsigned c = 0; c < rp->vcpus; c++)
		for (size_t i = 1; i < rp->cpu[c].n; i++) {
			struct replay_point t = rp->cpu[c].p[i];
			size_t j = i;

			for (; j > 0 && reached_after(&rp->cpu[c].p[j - 1], &t); j--)
				rp->cpu[c].p[j] = rp->cpu[c].p[j - 1];
			rp->cpu[c].p[j] = t;
		}
}

/* ITR_QUIET: @r->vcpu's next question's answer, given back in the replay (replay__answer) */
static int add_answer(struct replay *rp, const struct itr_record *r, const char *path, char *err,
		      size_t errlen)
{
	size_t n = rp->cpu[r->vcpu].nans;

	if (grow(&rp->cpu[r->vcpu].ans, n, sizeof(*rp->cpu[r->vcpu].ans)) < 0)
		return fail(err, errlen, path, r->seq, "out of memory");
	rp->cpu[r->vcpu].ans[n] = (struct replay_answer){
		.asked = r->vector, .bits = r->a, .rip = r->rip, .count = r->b, .seq = r->seq,
	};
	rp->cpu[r->vcpu].nans++;
	rp->nanswers++;
	return 0;
}

/* ITR_PROGRESS: @r->vcpu's next IVM_HC_PROGRESS answer, given back in the replay (replay__progress) */
static int add_progress(struct replay *rp, const struct itr_record *r, const char *path, char *err,
			size_t errlen)
{
	size_t n = rp->cpu[r->vcpu].nprogs;

	if (grow(&rp->cpu[r->vcpu].progs, n, sizeof(*rp->cpu[r->vcpu].progs)) < 0)
		return fail(err, errlen, path, r->seq, "out of memory");
	rp->cpu[r->vcpu].progs[n] = (struct replay_progress){
		.gpa = r->rsp, .value = r->a, .count = r->b, .seq = r->seq,
	};
	rp->cpu[r->vcpu].nprogs++;
	rp->nprogress++;
	return 0;
}

/* ITR_IRR: @r->vcpu's next IVM_PORT_IRR answer, given back in the replay (replay__irr) */
static int add_irr(struct replay *rp, const struct itr_record *r, const char *path, char *err,
		   size_t errlen)
{
	size_t n = rp->cpu[r->vcpu].nirrs;

	if (grow(&rp->cpu[r->vcpu].irrs, n, sizeof(*rp->cpu[r->vcpu].irrs)) < 0)
		return fail(err, errlen, path, r->seq, "out of memory");
	rp->cpu[r->vcpu].irrs[n] = (struct replay_irr){
		.words = r->a, .rip = r->rip, .count = r->b, .seq = r->seq,
	};
	rp->cpu[r->vcpu].nirrs++;
	rp->nirrs++;
	/* the questions at one count, as the places after them count them (irrs_at) */
	if (rp->cpu[r->vcpu].irr_count != r->b || !rp->cpu[r->vcpu].irr_asked) {
		rp->cpu[r->vcpu].irr_count = r->b;
		rp->cpu[r->vcpu].irr_asked = 0;
	}
	rp->cpu[r->vcpu].irr_asked++;
	return 0;
}

/* ITR_READ: @r->vcpu's next LAPIC read, made after @count guest ring slots (replay__read) */
static int add_read(struct replay *rp, const struct itr_record *r, uint64_t count, const char *path,
		    char *err, size_t errlen)
{
	size_t n = rp->cpu[r->vcpu].nreads;

	if (grow(&rp->cpu[r->vcpu].reads, n, sizeof(*rp->cpu[r->vcpu].reads)) < 0)
		return fail(err, errlen, path, r->seq, "out of memory");
	rp->cpu[r->vcpu].reads[n] = (struct replay_read){
		.reg = r->vector, .value = r->a, .rip = r->rip, .count = count, .seq = r->seq,
	};
	rp->cpu[r->vcpu].nreads++;
	rp->nreads++;
	return 0;
}

/* ITR_EXIT of KVM_EXIT_IOAPIC_EOI: @r->vcpu's next level EOI, made at its place (eoi.c) */
static int add_eoi(struct replay *rp, const struct itr_record *r, uint64_t count, const char *path,
		   char *err, size_t errlen)
{
	size_t n = rp->cpu[r->vcpu].neois;

	if (grow(&rp->cpu[r->vcpu].eois, n, sizeof(*rp->cpu[r->vcpu].eois)) < 0)
		return fail(err, errlen, path, r->seq, "out of memory");
	rp->cpu[r->vcpu].eois[n] = (struct replay_eoi){
		.rip = r->rip, .count = count, .irrs = irrs_at(rp, r->vcpu, count), .seq = r->seq,
		.next_reason = ~0u,
	};
	rp->cpu[r->vcpu].neois++;
	rp->neois++;
	return 0;
}

/* Another ITR_EXIT of @r->vcpu: the next exit of its own of each EOI before it that has none */
static void eois_next_exit(struct replay *rp, const struct itr_record *r, uint64_t count)
{
	struct replay_cpu *c = &rp->cpu[r->vcpu];

	for (; c->next_eoi < c->neois; c->next_eoi++) {
		c->eois[c->next_eoi].next_reason = (uint32_t)r->a;
		c->eois[c->next_eoi].next_rip = r->rip;
		c->eois[c->next_eoi].next_count = count;
		c->eois[c->next_eoi].next_irrs = irrs_at(rp, r->vcpu, count);
	}
}

int replay__load(const char *path, struct replay *rp, char *err, size_t errlen)
{
	struct itr_reader *rd;
	struct itr_record r;
	uint64_t last_point = 0, guest[VMM_MAX_VCPUS] = { 0 };
	bool nmi_iret[VMM_MAX_VCPUS] = { false }, iret[VMM_MAX_VCPUS] = { false };
	int soft[VMM_MAX_VCPUS];	/* the INT n the VMM delivered (VMM_DELIVERY), -1: none */
	char why[512];
	int k;

	memset(rp, 0, sizeof(*rp));
	rd = itr_reader__open(path, &rp->h, err, errlen);
	if (!rd)
		return -1;
	if (rp->h.version < 3) {
		itr_reader__close(rd);
		snprintf(why, sizeof(why), "trace version %u was recorded without what replay needs "
			 "(version 3: the boot config, every injection's parameters, each delivery's "
			 "place); record it again", rp->h.version);
		return fail(err, errlen, path, UINT64_MAX, why);
	}
	if (irqchip_mode__parse(rp->h.irqchip, &rp->mode) < 0 ||
	    replay__parse_config(rp->h.config, rp->h.version, &rp->vcpus, &rp->mem_size, &rp->boot,
				 &rp->pci_testdev) < 0) {
		itr_reader__close(rd);
		return fail(err, errlen, path, UINT64_MAX, "header: irqchip or config is not one a run "
			    "could have written");
	}
	if (!replay__sha256_ok(rp->h.initrd_sha256) || (rp->h.initrd[0] && !rp->h.initrd_sha256[0])) {
		itr_reader__close(rd);
		return fail(err, errlen, path, UINT64_MAX, "header: initrd_sha256 is not 64 lowercase hex "
			    "digits (or empty without an initrd)");
	}
	rp->answers = rp->h.version >= 6;
	rp->give_progress = rp->h.version >= 9;
	snprintf(rp->sc.name, sizeof(rp->sc.name), "%s", rp->h.scenario);
	rp->sc.irqchips = IRQCHIP_ALL;
	rp->sc.vcpus = rp->vcpus;
	rp->sc.timeout_s = 30;
	for (unsigned i = 0; i < VMM_MAX_VCPUS; i++)
		soft[i] = -1;
	while ((k = itr_reader__next(rd, &r, err, errlen)) == 1) {
		if (r.type == ITR_END)
			continue;	/* its vcpu and source fields mean nothing */
		/* the guest's own device writes happen again by themselves */
		if ((r.type == ITR_INJECT && !(r.rsp & ITR_INJ_BY_GUEST) &&
		     add_injection(rp, &r, &last_point, path, err, errlen) < 0) ||
		    (r.type == ITR_DELIVER && add_point(rp, &r, path, err, errlen) < 0) ||
		    (r.vcpu >= rp->vcpus &&
		     fail(err, errlen, path, r.seq, "a record of a vCPU the run did not have") < 0) ||
		    (r.type == ITR_QUIET && add_answer(rp, &r, path, err, errlen) < 0) ||
		    (r.type == ITR_IRR && add_irr(rp, &r, path, err, errlen) < 0) ||
		    (r.type == ITR_PROGRESS && add_progress(rp, &r, path, err, errlen) < 0) ||
		    (r.type == ITR_IPI && r.source == ITR_SRC_GUEST && add_ipi(rp, &r, path, err, errlen) < 0) ||
		    (r.type == ITR_EXIT && r.source == ITR_SRC_VMM && r.a == KVM_EXIT_IOAPIC_EOI &&
		     add_eoi(rp, &r, guest[r.vcpu], path, err, errlen) < 0) ||
		    (r.type == ITR_READ && r.source == ITR_SRC_GUEST &&
		     add_read(rp, &r, guest[r.vcpu], path, err, errlen) < 0)) {
			k = -1;
			break;
		}
		if (r.type == ITR_EXIT && r.source == ITR_SRC_VMM && r.a != KVM_EXIT_IOAPIC_EOI)
			eois_next_exit(rp, &r, guest[r.vcpu]);
		if (r.type == ITR_VMM_DELIVERY)
			soft[r.vcpu] = r.vector;	/* its ENTRY is a software interrupt: no place */
		if (r.source == ITR_SRC_GUEST && r.type == ITR_ENTRY && r.err == 0xffffffffu &&
		    soft[r.vcpu] == r.vector) {
			soft[r.vcpu] = -1;
		} else if (r.source == ITR_SRC_GUEST && r.type == ITR_ENTRY && r.err == 0xffffffffu) {
			if (!take_point(rp, &r, guest[r.vcpu], nmi_iret[r.vcpu], iret[r.vcpu]) &&
			    rp->mode != IRQCHIP_USER && (r.vector >= 32 || r.vector == 2) &&
			    kvm_point(rp, &r, guest[r.vcpu], nmi_iret[r.vcpu], iret[r.vcpu], path, err,
				      errlen) < 0) {
				k = -1;
				break;
			}
		}
		/* a slot never published (v10) took its place in the ring: the rest count on from it */
		if (r.type == ITR_UNPUBLISHED) {
			guest[r.vcpu]++;
			if (r.a == 1)
				rp->cpu[r.vcpu].cut_off = r.seq;
		} else if (r.source == ITR_SRC_GUEST || r.type == ITR_BAD_GUEST) {
			guest[r.vcpu]++;
			/* its last guest record: an NMI's IRET (nested_entry) */
			nmi_iret[r.vcpu] = r.type == ITR_IRET && r.vector == 2;
			if (r.vector == 2 && (r.type == ITR_IRET || (r.type == ITR_ENTRY && r.err == 0xffffffffu)))
				rp->cpu[r.vcpu].in_nmi = r.type == ITR_ENTRY;
			iret[r.vcpu] = r.type == ITR_IRET && r.vector != 2;
		}	/* the ring slots the VMM consumed, as ring.tail counts */
		if (r.source == ITR_SRC_GUEST && r.type == ITR_SYNC) {
			uint32_t *v = sync_visits(rp, r.a, true);

			if (!v) {
				k = fail(err, errlen, path, r.seq, "out of memory");
				break;
			}
			*v += *v < UINT32_MAX;
		}
		rp->cpu[r.vcpu].last_seq = r.seq;
	}
	if (k == 0 && !itr_reader__complete(rd))
		k = fail(err, errlen, path, UINT64_MAX, "truncated: the trace has no END record; "
			 "a replay of part of a run would report every later record missing");
	itr_reader__close(rd);
	free(rp->syncs);	/* the visits are in visit[] now */
	rp->syncs = NULL;
	rp->nsyncs = 0;
	for (unsigned i = 0; i < VMM_MAX_VCPUS; i++) {
		rp->cpu[i].irr_count = 0;	/* the run's own questions from here */
		rp->cpu[i].irr_asked = 0;
		rp->cpu[i].next_eoi = 0;
	}
	if (k == 0) {
		merge_nmis(rp);
		sort_points(rp);
		order_after(rp);
		replay__msi_needs(rp);
	}
	if (k < 0) {
		replay__free(rp);
		return -1;
	}
	return 0;
}

void replay__set_mode(struct replay *rp, enum irqchip_mode mode, bool kvm_delivers)
{
	rp->place_irqs = rp->mode == mode && (mode == IRQCHIP_USER || !kvm_delivers);
	rp->block_irqs = rp->place_irqs && mode != IRQCHIP_USER;
	rp->kvm_hlt = mode != IRQCHIP_USER;
	/* KVM's LAPIC answers a read with no exit: what it held then was the host's timing */
	rp->give_reads = rp->block_irqs && rp->h.version >= 7;
	/* what the LAPIC holds at the guest's question is the host's timing where deliveries are placed */
	rp->give_irrs = rp->place_irqs && rp->h.version >= 8;
	/* KVM reports a level EOI at an entry after a return to the VMM: a replay's own stops add some */
	rp->give_eois = rp->block_irqs && mode == IRQCHIP_SPLIT;
	for (unsigned i = 0; i < VMM_MAX_VCPUS && !rp->place_irqs; i++) {
		size_t k = 0;

		for (size_t j = 0; j < rp->cpu[i].n; j++) {
			if (rp->cpu[i].p[j].how == ITR_DELIVER_TIMER)
				rp->timers--;	/* the in-kernel LAPIC keeps its own time */
			if (rp->cpu[i].p[j].how != ITR_DELIVER_IRQ && rp->cpu[i].p[j].how != ITR_DELIVER_TIMER &&
			    !rp->cpu[i].p[j].by_kvm)
				rp->cpu[i].p[k++] = rp->cpu[i].p[j];
		}
		rp->cpu[i].n = k;
	}
}

void replay__free(struct replay *rp)
{
	scenario__free(&rp->sc);
	free(rp->inj_after);
	rp->inj_after = NULL;
	free(rp->syncs);
	rp->syncs = NULL;
	rp->nsyncs = 0;
	for (unsigned i = 0; i < VMM_MAX_VCPUS; i++) {
		free(rp->cpu[i].p);
		rp->cpu[i].p = NULL;
		free(rp->cpu[i].ans);
		rp->cpu[i].ans = NULL;
		rp->cpu[i].nans = rp->cpu[i].next_ans = 0;
		free(rp->cpu[i].progs);
		rp->cpu[i].progs = NULL;
		rp->cpu[i].nprogs = rp->cpu[i].next_prog = 0;
		free(rp->cpu[i].reads);
		rp->cpu[i].reads = NULL;
		rp->cpu[i].nreads = rp->cpu[i].next_read = 0;
		free(rp->cpu[i].irrs);
		rp->cpu[i].irrs = NULL;
		rp->cpu[i].nirrs = rp->cpu[i].next_irr = 0;
		free(rp->cpu[i].eois);
		rp->cpu[i].eois = NULL;
		free(rp->cpu[i].ipis);
		rp->cpu[i].ipis = NULL;
		rp->cpu[i].nipis = rp->cpu[i].next_ipi = 0;
		rp->cpu[i].neois = rp->cpu[i].next_eoi = 0;
		rp->cpu[i].nheld = 0;
		rp->cpu[i].n = rp->cpu[i].next = 0;
	}
}
