// SPDX-License-Identifier: MIT
/*
 * Softirqs and tasklets after kernel/softirq.c: raised in hardirq context,
 * run lowest number first on the way out of the outermost hardirq, at
 * most MAX_SOFTIRQ_RESTART rounds before the rest is left to a
 * ksoftirqd-like context that the idle loops run.
 */
#include "guest.h"

/* per CPU as in Linux: a CPU runs the softirqs it raised */
unsigned int softirq_pending __percpu;
bool in_serving_softirq __percpu, ksoftirqd_woken __percpu;
static void (*softirq_vec[NR_SOFTIRQS])(void);

struct tasklet_head {
	struct tasklet_struct *head, **tail;
};
static struct tasklet_head tasklet_vec, tasklet_hi_vec;

void open_softirq(unsigned int nr, void (*action)(void))
{
	softirq_vec[nr] = action;
}

void raise_softirq_irqoff(unsigned int nr)
{
	softirq_pending |= 1u << nr;
}

void raise_softirq(unsigned int nr)
{
	uint64_t f = local_irq_save();

	raise_softirq_irqoff(nr);
	local_irq_restore(f);
}

/* Called and returns with IF=0; handlers run with IF=1 */
static void __do_softirq(void)
{
	int max_restart = MAX_SOFTIRQ_RESTART;
	unsigned int pending;

	in_serving_softirq = true;
restart:
	pending = softirq_pending;
	softirq_pending = 0;
	local_irq_enable();
	while (pending) {
		unsigned int nr = __builtin_ctz(pending);

		pending &= pending - 1;
		ivm_page.softirq_count[nr]++;
		ev_record(IVM_EV_SOFTIRQ, 0, nr);
		if (softirq_vec[nr])
			softirq_vec[nr]();
	}
	local_irq_disable();
	if (softirq_pending) {
		if (--max_restart)
			goto restart;
		ksoftirqd_woken = true;	/* wakeup_softirqd() */
	}
	in_serving_softirq = false;
}

/* invoke_softirq(): not while ksoftirqd has been handed the work */
void irq_exit_softirq(void)
{
	if (in_serving_softirq || ksoftirqd_woken || !softirq_pending)
		return;
	__do_softirq();
}

/* ksoftirqd's loop body; the idle loops call it (depth 0 in its events) */
void run_ksoftirqd(void)
{
	uint64_t f;

	if (!ksoftirqd_woken)
		return;
	f = local_irq_save();
	ksoftirqd_woken = false;
	if (softirq_pending)
		__do_softirq();
	local_irq_restore(f);
}

static void tasklet_enqueue(struct tasklet_head *h, struct tasklet_struct *t, unsigned int nr)
{
	t->next = NULL;
	*h->tail = t;
	h->tail = &t->next;
	raise_softirq_irqoff(nr);
}

static void __tasklet_schedule(struct tasklet_head *h, struct tasklet_struct *t, unsigned int nr)
{
	uint64_t f = local_irq_save();

	/* already queued: it runs once */
	if (!(t->state & (1ul << TASKLET_STATE_SCHED))) {
		t->state |= 1ul << TASKLET_STATE_SCHED;
		tasklet_enqueue(h, t, nr);
	}
	local_irq_restore(f);
}

void tasklet_schedule(struct tasklet_struct *t)
{
	__tasklet_schedule(&tasklet_vec, t, TASKLET_SOFTIRQ);
}

void tasklet_hi_schedule(struct tasklet_struct *t)
{
	__tasklet_schedule(&tasklet_hi_vec, t, HI_SOFTIRQ);
}

static void tasklet_action_common(struct tasklet_head *h, unsigned int nr)
{
	struct tasklet_struct *list, *t;

	local_irq_disable();
	list = h->head;
	h->head = NULL;
	h->tail = &h->head;
	local_irq_enable();

	while (list) {
		t = list;
		list = list->next;
		if (!(t->state & (1ul << TASKLET_STATE_RUN))) {
			t->state |= 1ul << TASKLET_STATE_RUN;
			if (!t->count) {
				t->state &= ~(1ul << TASKLET_STATE_SCHED);
				ev_record(IVM_EV_TASKLET, 0, t->id);
				t->func(t->data);
				t->state &= ~(1ul << TASKLET_STATE_RUN);
				continue;
			}
			t->state &= ~(1ul << TASKLET_STATE_RUN);
		}
		/* running elsewhere or disabled: requeue */
		local_irq_disable();
		tasklet_enqueue(h, t, nr);
		local_irq_enable();
	}
}

static void tasklet_action(void)
{
	tasklet_action_common(&tasklet_vec, TASKLET_SOFTIRQ);
}

static void tasklet_hi_action(void)
{
	tasklet_action_common(&tasklet_hi_vec, HI_SOFTIRQ);
}

void softirq_init(void)
{
	tasklet_vec.tail = &tasklet_vec.head;
	tasklet_hi_vec.tail = &tasklet_hi_vec.head;
	open_softirq(TASKLET_SOFTIRQ, tasklet_action);
	open_softirq(HI_SOFTIRQ, tasklet_hi_action);
}
