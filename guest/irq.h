/* SPDX-License-Identifier: MIT */
/* Linux-style generic irq layer: irq_desc, irq_chip, flow handlers, actions. */
#ifndef GUEST_IRQ_H
#define GUEST_IRQ_H

#define ENOTCONN	107
#define EINVAL		22
#define ENOSYS		38
#define EBUSY		16
#define ENOMEM		12

#define IRQ_NOTCONNECTED	(1u << 31)
#define NR_IRQS			IVM_NR_IRQS
#define NR_IRQS_LEGACY		16
#define IRQ_MSI_BASE		24	/* irqs 0..23 are IOAPIC pins */

/* include/linux/interrupt.h values */
#define IRQF_TRIGGER_NONE	0x00000000
#define IRQF_TRIGGER_RISING	0x00000001
#define IRQF_TRIGGER_FALLING	0x00000002
#define IRQF_TRIGGER_HIGH	0x00000004
#define IRQF_TRIGGER_LOW	0x00000008
#define IRQF_TRIGGER_MASK	0x0000000f
#define IRQF_SHARED		0x00000080
#define IRQF_PERCPU		0x00000400
#define IRQF_ONESHOT		0x00002000
#define IRQF_NO_THREAD		0x00010000
#define IRQF_NO_AUTOEN		0x00080000

/* desc->istate (kernel/irq/internals.h) */
#define IRQS_PENDING		0x00000200
#define IRQS_ONESHOT		0x00000020
#define IRQS_REPLAY		0x00000040
#define IRQS_WAITING		0x00000080
#define IRQS_NMI		0x00002000
/* our stand-ins for the irq_data state bits */
#define IRQD_IRQ_DISABLED	0x00010000
#define IRQD_IRQ_MASKED		0x00020000
#define IRQD_IRQ_INPROGRESS	0x00040000

enum irqreturn { IRQ_NONE = 0, IRQ_HANDLED = 1, IRQ_WAKE_THREAD = 2 };
typedef int irqreturn_t;
typedef irqreturn_t (*irq_handler_t)(int irq, void *dev_id);

struct irq_desc;

struct irq_chip {
	const char *name;
	void (*irq_ack)(struct irq_desc *desc);
	void (*irq_eoi)(struct irq_desc *desc);
	void (*irq_mask)(struct irq_desc *desc);
	void (*irq_unmask)(struct irq_desc *desc);
};

struct irqaction {
	irq_handler_t handler;
	void *dev_id;
	const char *name;
	unsigned long flags;
	unsigned int irq;
	struct irqaction *next;
};

typedef void (*irq_flow_handler_t)(struct irq_desc *desc);

struct irq_desc {
	unsigned int irq;
	irq_flow_handler_t handle_irq;
	const struct irq_chip *chip;
	int pin;		/* IOAPIC pin, -1 if none */
	uint8_t vector;
	unsigned int istate;
	unsigned int trigger;	/* IRQF_TRIGGER_* of the line */
	struct irqaction *action;
	uint64_t irq_count, irqs_unhandled;
};

extern const struct irq_chip no_irq_chip, lapic_chip, ioapic_chip;
extern struct irq_desc irq_desc[NR_IRQS];
/* per-CPU in Linux; one vCPU here */
extern struct irq_desc *vector_irq[NR_VECTORS];
extern uint64_t no_handler_count;
extern bool irq_quiet_unused;	/* stormed: a vector with no handler is acked without a word */

void irq_init(void);
void handle_bad_irq(struct irq_desc *desc);
void handle_edge_irq(struct irq_desc *desc);
void handle_level_irq(struct irq_desc *desc);
void handle_fasteoi_irq(struct irq_desc *desc);
/* handle_fasteoi_irq found its irq in progress on this CPU (NULL: nothing said) */
extern void (*irq_reentry_hook)(struct irq_desc *desc);
/* Bind @irq to @vector with @chip and @flow (the vector domain's job) */
void irq_set_chip_and_handler(unsigned int irq, const struct irq_chip *chip,
			      irq_flow_handler_t flow, unsigned int vector);
int request_irq(unsigned int irq, irq_handler_t handler, unsigned long flags,
		const char *name, void *dev_id);
int request_nmi(unsigned int irq, irq_handler_t handler, unsigned long flags,
		const char *name, void *dev_id);
const void *free_irq(unsigned int irq, void *dev_id);
void enable_irq(unsigned int irq);
void disable_irq(unsigned int irq);
/* The NMI lines' handlers, from the NMI exception path */
bool handle_nmi_irqs(void);

void common_interrupt(struct pt_regs *regs, unsigned int vector);
void spurious_interrupt(struct pt_regs *regs, unsigned int vector);
/* System vector handlers (timer etc.), set by whoever owns them */
extern void (*local_timer_handler)(void);
extern unsigned int hardirq_count;	/* Linux preempt_count() HARDIRQ bits */

#endif
