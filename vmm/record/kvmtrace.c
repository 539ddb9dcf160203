// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <tracefs.h>
#include "kvmtrace.h"

/*
 * Each tracepoint and where its fields go in an ITR_KVM_TP record (trace/itr.h,
 * docs/TRACE.md). rip_or is ORed into rip: kvm_apic_accept_irq's dm is the
 * delivery mode << 8, so rip = dm | tm keeps both. filter is ANDed to the
 * thread filter: kvm_emulate_insn fires for every instruction PVM emulates
 * (thousands a run), and only its failures are kept, in the kernel.
 */
static const struct tp_map {
	uint32_t id;
	const char *event, *vector, *b, *rip, *rip_or, *filter;
} tps[] = {
	{ ITR_TP_INJ_VIRQ, "kvm_inj_virq", "vector", "soft", "reinjected", NULL, NULL },
	{ ITR_TP_INJ_EXCEPTION, "kvm_inj_exception", "exception", "has_error", "error_code", NULL, NULL },
	{ ITR_TP_APIC_ACCEPT_IRQ, "kvm_apic_accept_irq", "vec", "apicid", "dm", "tm", NULL },
	{ ITR_TP_EOI, "kvm_eoi", "vector", "apicid", NULL, NULL, NULL },
	{ ITR_TP_MSI_SET_IRQ, "kvm_msi_set_irq", NULL, "address", "data", NULL, NULL },
	{ ITR_TP_IOAPIC_SET_IRQ, "kvm_ioapic_set_irq", "pin", "e", "coalesced", NULL, NULL },
	/* vector = len, b = insn[0..3] | flags << 32: emulate_failed_b() */
	{ ITR_TP_EMULATE_FAILED, "kvm_emulate_insn", "len", NULL, "rip", NULL, "failed != 0" },
};
#define NR_TPS (sizeof(tps) / sizeof(tps[0]))

struct kvmtrace {
	struct tracefs_instance *inst;
	struct tep_handle *tep;
};

struct collect_ctx {
	void (*emit)(void *opaque, struct itr_record *r, uint64_t mono_ns);
	void *opaque;
	struct itr_record *buf;
	uint64_t *ts;
	size_t n, cap;
};

static uint64_t field(struct tep_event *ev, struct tep_record *rec, const char *name)
{
	unsigned long long v = 0;

	if (name && tep_find_any_field(ev, name))
		tep_get_field_val(NULL, ev, name, rec, &v, 0);
	return v;
}

/* ITR_TP_EMULATE_FAILED's b: the first ITR_TP_INSN_KEPT bytes of insn[], flags << 32. */
static uint64_t emulate_failed_b(struct tep_event *ev, struct tep_record *rec, unsigned len)
{
	int size = 0;
	const uint8_t *insn = tep_get_field_raw(NULL, ev, "insn", rec, &size, 0);
	uint64_t b = field(ev, rec, "flags") << 32;

	for (unsigned i = 0; insn && i < len && i < ITR_TP_INSN_KEPT && (int)i < size; i++)
		b |= (uint64_t)insn[i] << (8 * i);
	return b;
}

static int on_event(struct tep_event *ev, struct tep_record *rec, int cpu, void *data)
{
	struct collect_ctx *c = data;
	const struct tp_map *m = NULL;
	struct itr_record r = { .type = ITR_KVM_TP, .source = ITR_SRC_KVM, .err = 0xffffffffu };

	for (size_t i = 0; i < NR_TPS && !m; i++)
		if (!strcmp(ev->name, tps[i].event))
			m = &tps[i];
	if (!m)
		return 0;
	/* older kernels call kvm_inj_virq's field "irq" */
	r.vector = (uint8_t)field(ev, rec, m->vector ? m->vector : NULL);
	if (m->id == ITR_TP_INJ_VIRQ && !tep_find_any_field(ev, "vector"))
		r.vector = (uint8_t)field(ev, rec, "irq");
	r.a = m->id;
	r.b = field(ev, rec, m->b);
	r.rip = field(ev, rec, m->rip) | field(ev, rec, m->rip_or);
	if (m->id == ITR_TP_MSI_SET_IRQ)
		r.vector = (uint8_t)r.rip;
	if (m->id == ITR_TP_EMULATE_FAILED) {
		if (!field(ev, rec, "failed"))
			return 0;	/* the kernel's filter keeps these out; an older one may not */
		r.b = emulate_failed_b(ev, rec, r.vector);
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		struct itr_record *b = realloc(c->buf, cap * sizeof(*b));
		uint64_t *t = b ? realloc(c->ts, cap * sizeof(*t)) : NULL;

		if (!b || !t) {
			if (b)
				c->buf = b;
			return 1;	/* out of memory: stop here, what we have is still ordered */
		}
		c->buf = b;
		c->ts = t;
		c->cap = cap;
	}
	c->buf[c->n] = r;
	c->ts[c->n++] = rec->ts;
	return 0;
}

struct kvmtrace *kvmtrace__start(char *why, size_t whylen)
{
	static const char *const systems[] = { "kvm", NULL };
	struct kvmtrace *k = calloc(1, sizeof(*k));
	char name[32], filter[48], both[96];

	if (!k) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	snprintf(name, sizeof(name), "ivm-%d", (int)getpid());
	k->inst = tracefs_instance_create(name);
	if (!k->inst) {
		snprintf(why, whylen, "no tracefs instance (tracefs not mounted, or not root)");
		goto fail;
	}
	k->tep = tracefs_local_events_system(NULL, systems);
	if (!k->tep) {
		snprintf(why, whylen, "the kvm event formats are not readable");
		goto fail;
	}
	/* our clock, so tracepoints and host records can be put in one order */
	if (tracefs_instance_file_write(k->inst, "trace_clock", "mono") < 0) {
		snprintf(why, whylen, "trace_clock mono not available");
		goto fail;
	}
	snprintf(filter, sizeof(filter), "common_pid == %d", (int)gettid());
	for (size_t i = 0; i < NR_TPS; i++) {
		snprintf(both, sizeof(both), "%s%s%s", filter, tps[i].filter ? " && " : "",
			 tps[i].filter ? tps[i].filter : "");
		if (tracefs_event_file_write(k->inst, "kvm", tps[i].event, "filter", both) < 0 ||
		    tracefs_event_enable(k->inst, "kvm", tps[i].event) < 0) {
			snprintf(why, whylen, "kvm:%s cannot be enabled", tps[i].event);
			goto fail;
		}
	}
	if (tracefs_trace_on(k->inst) < 0) {
		snprintf(why, whylen, "tracing_on cannot be set");
		goto fail;
	}
	return k;
fail:
	kvmtrace__stop(k);
	return NULL;
}

static void sort_by_ts(struct collect_ctx *c)
{
	/* per-CPU buffers come one after another: insertion sort, almost sorted already */
	for (size_t i = 1; i < c->n; i++) {
		struct itr_record r = c->buf[i];
		uint64_t t = c->ts[i];
		size_t j = i;

		for (; j && c->ts[j - 1] > t; j--) {
			c->buf[j] = c->buf[j - 1];
			c->ts[j] = c->ts[j - 1];
		}
		c->buf[j] = r;
		c->ts[j] = t;
	}
}

void kvmtrace__collect(struct kvmtrace *k, void (*emit)(void *opaque, struct itr_record *r,
							uint64_t mono_ns), void *opaque)
{
	struct collect_ctx c = { .emit = emit, .opaque = opaque };

	if (!k)
		return;
	tracefs_iterate_raw_events(k->tep, k->inst, NULL, 0, on_event, &c);
	sort_by_ts(&c);
	for (size_t i = 0; i < c.n; i++)
		emit(opaque, &c.buf[i], c.ts[i]);
	free(c.buf);
	free(c.ts);
}

void kvmtrace__stop(struct kvmtrace *k)
{
	if (!k)
		return;
	if (k->inst) {
		tracefs_trace_off(k->inst);
		tracefs_instance_destroy(k->inst);
		tracefs_instance_free(k->inst);
	}
	if (k->tep)
		tep_free(k->tep);
	free(k);
}
