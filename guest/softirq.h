/* SPDX-License-Identifier: MIT */
/* Softirqs and tasklets (kernel/softirq.c). */
#ifndef GUEST_SOFTIRQ_H
#define GUEST_SOFTIRQ_H

enum {
	HI_SOFTIRQ = 0, TIMER_SOFTIRQ, NET_TX_SOFTIRQ, NET_RX_SOFTIRQ, BLOCK_SOFTIRQ,
	IRQ_POLL_SOFTIRQ, TASKLET_SOFTIRQ, SCHED_SOFTIRQ, HRTIMER_SOFTIRQ, RCU_SOFTIRQ,
	NR_SOFTIRQS
};
_Static_assert(NR_SOFTIRQS == IVM_NR_SOFTIRQS, "softirq count");

#define MAX_SOFTIRQ_RESTART	10

struct tasklet_struct {
	struct tasklet_struct *next;
	unsigned long state;	/* TASKLET_STATE_* bits */
	int count;		/* disabled while > 0 */
	void (*func)(unsigned long data);
	unsigned long data;
	unsigned int id;	/* IVM_EV_TASKLET arg */
};
#define TASKLET_STATE_SCHED	0
#define TASKLET_STATE_RUN	1

extern unsigned int softirq_pending;
extern bool in_serving_softirq, ksoftirqd_woken;
void softirq_init(void);
void open_softirq(unsigned int nr, void (*action)(void));
void raise_softirq_irqoff(unsigned int nr);
void raise_softirq(unsigned int nr);
void irq_exit_softirq(void);	/* from irq_exit(): hardirq count already dropped */
void run_ksoftirqd(void);	/* from idle loops */
void tasklet_schedule(struct tasklet_struct *t);
void tasklet_hi_schedule(struct tasklet_struct *t);

#endif
