// SPDX-License-Identifier: MIT
/*
 * Generic irq layer after kernel/irq/: irq_desc[], the two irq_chips
 * (LAPIC vectors as for MSI, IOAPIC pins), the edge/level/fasteoi flow
 * handlers and request_irq()/free_irq() with Linux's errno rules.
 */
#include "guest.h"

struct irq_desc irq_desc[NR_IRQS];

/* Linux kmallocs actions; a fixed pool, one an irq, is enough here */
static struct irqaction action_pool[NR_IRQS];
/* no slot below it is free: a scan from 0 at each request was a third of a short storm run's CPL0 instructions */
static unsigned int action_free;
static struct irq_desc *nmi_descs[4];

/* ---- chips ---- */
static void apic_ack(struct irq_desc *desc)
{
	(void)desc;
	apic_eoi();
}

const struct irq_chip no_irq_chip = { .name = "none" };

/* Vector-domain interrupts (MSI, IPIs): nothing to mask at the APIC */
const struct irq_chip lapic_chip = {
	.name = "APIC",
	.irq_ack = apic_ack,
	.irq_eoi = apic_ack,
};

static void ioapic_mask(struct irq_desc *desc)
{
	ioapic_mask_pin(desc->pin, true);
}

static void ioapic_unmask(struct irq_desc *desc)
{
	ioapic_mask_pin(desc->pin, false);
}

/*
 * Linux ioapic_ack_level: if the LAPIC took the vector as edge (TMR clear),
 * its EOI broadcast does not reach the IOAPIC, so clear Remote IRR directly.
 */
static void ioapic_ack_level(struct irq_desc *desc)
{
	bool level = apic_tmr_test(desc->vector);

	apic_eoi();
	if (!level) {
		if (ioapic_version >= 0x20) {
			ioapic_eoi_vector(desc->vector);
		} else {
			ioapic_mask_pin(desc->pin, true);
			ioapic_mask_pin(desc->pin, false);
		}
	}
}

const struct irq_chip ioapic_chip = {
	.name = "IO-APIC",
	.irq_ack = apic_ack,
	.irq_eoi = ioapic_ack_level,
	.irq_mask = ioapic_mask,
	.irq_unmask = ioapic_unmask,
};

static void mask_irq(struct irq_desc *desc)
{
	if (desc->istate & IRQD_IRQ_MASKED)
		return;
	if (desc->chip->irq_mask)
		desc->chip->irq_mask(desc);
	desc->istate |= IRQD_IRQ_MASKED;
}

static void unmask_irq(struct irq_desc *desc)
{
	if (!(desc->istate & IRQD_IRQ_MASKED))
		return;
	if (desc->chip->irq_unmask)
		desc->chip->irq_unmask(desc);
	desc->istate &= ~IRQD_IRQ_MASKED;
}

static void mask_ack_irq(struct irq_desc *desc)
{
	mask_irq(desc);
	if (desc->chip->irq_ack)
		desc->chip->irq_ack(desc);
}

void irq_init(void)
{
	unsigned int i;

	for (i = 0; i < NR_IRQS; i++) {
		irq_desc[i].irq = i;
		irq_desc[i].handle_irq = handle_bad_irq;
		irq_desc[i].chip = &no_irq_chip;
		irq_desc[i].pin = i < IRQ_MSI_BASE ? (int)i : -1;
		irq_desc[i].istate = IRQD_IRQ_DISABLED | IRQD_IRQ_MASKED;
	}
}

void irq_set_chip_and_handler(unsigned int irq, const struct irq_chip *chip,
			      irq_flow_handler_t flow, unsigned int vector)
{
	struct irq_desc *desc = &irq_desc[irq];

	desc->chip = chip;
	desc->handle_irq = flow;
	desc->vector = vector;
	vector_irq[vector] = desc;
}

/* ---- flow handlers (kernel/irq/chip.c) ---- */
static void kstat_incr_irqs(struct irq_desc *desc)
{
	desc->irq_count++;
	ivm_page.irq_count[desc->irq]++;
}

static void handle_irq_event(struct irq_desc *desc)
{
	irqreturn_t ret = IRQ_NONE;
	struct irqaction *a;

	desc->istate &= ~IRQS_PENDING;
	desc->istate |= IRQD_IRQ_INPROGRESS;
	for (a = desc->action; a; a = a->next) {
		ret |= a->handler(desc->irq, a->dev_id);
		if (read_flags() & X86_EFLAGS_IF) {
			printf("irq %u handler %s enabled interrupts\n", desc->irq, a->name);
			local_irq_disable();
		}
	}
	/* note_interrupt(): count what nobody claimed */
	if (ret == IRQ_NONE)
		desc->irqs_unhandled++;
	desc->istate &= ~IRQD_IRQ_INPROGRESS;
}

void handle_bad_irq(struct irq_desc *desc)
{
	printf("unexpected IRQ trap at vector %02x (irq %u)\n", desc->vector, desc->irq);
	kstat_incr_irqs(desc);
	apic_eoi();
}

/* Ack (EOI) first: a new edge during the handler is latched as PENDING */
void handle_edge_irq(struct irq_desc *desc)
{
	desc->istate &= ~(IRQS_REPLAY | IRQS_WAITING);
	if ((desc->istate & (IRQD_IRQ_INPROGRESS | IRQD_IRQ_DISABLED)) || !desc->action) {
		desc->istate |= IRQS_PENDING;
		mask_ack_irq(desc);
		return;
	}
	kstat_incr_irqs(desc);
	desc->chip->irq_ack(desc);
	do {
		if (!desc->action) {
			mask_irq(desc);
			return;
		}
		if ((desc->istate & (IRQS_PENDING | IRQD_IRQ_MASKED | IRQD_IRQ_DISABLED)) ==
		    (IRQS_PENDING | IRQD_IRQ_MASKED))
			unmask_irq(desc);
		handle_irq_event(desc);
	} while ((desc->istate & (IRQS_PENDING | IRQD_IRQ_DISABLED)) == IRQS_PENDING);
}

/* Mask and ack, run, unmask: for lines with no EOI of their own */
void handle_level_irq(struct irq_desc *desc)
{
	mask_ack_irq(desc);
	if (desc->istate & IRQD_IRQ_INPROGRESS)
		return;
	desc->istate &= ~(IRQS_REPLAY | IRQS_WAITING);
	if (!desc->action || (desc->istate & IRQD_IRQ_DISABLED)) {
		desc->istate |= IRQS_PENDING;
		return;
	}
	kstat_incr_irqs(desc);
	handle_irq_event(desc);
	if (!(desc->istate & (IRQD_IRQ_DISABLED | IRQS_ONESHOT)))
		unmask_irq(desc);
}

/* Run the handler, then one EOI: the ISR bit blocks its class meanwhile */
void (*irq_reentry_hook)(struct irq_desc *desc);

void handle_fasteoi_irq(struct irq_desc *desc)
{
	if (desc->istate & IRQD_IRQ_INPROGRESS) {
		/* its ISR bit holds the vector until the EOI below: only an early EOI lets it in */
		if (irq_reentry_hook)
			irq_reentry_hook(desc);
		goto out;
	}
	desc->istate &= ~(IRQS_REPLAY | IRQS_WAITING);
	if (!desc->action || (desc->istate & IRQD_IRQ_DISABLED)) {
		desc->istate |= IRQS_PENDING;
		mask_irq(desc);
		goto out;
	}
	kstat_incr_irqs(desc);
	if (desc->istate & IRQS_ONESHOT)
		mask_irq(desc);
	handle_irq_event(desc);
out:
	desc->chip->irq_eoi(desc);
}

/* ---- request_irq / free_irq (kernel/irq/manage.c) ---- */
static struct irqaction *alloc_action(void)
{
	unsigned int i;

	for (i = action_free; i < ARRAY_SIZE(action_pool); i++)
		if (!action_pool[i].handler) {
			action_free = i + 1;
			return &action_pool[i];
		}
	return NULL;
}

static void free_action(struct irqaction *a)
{
	unsigned int i = a - action_pool;

	a->handler = NULL;
	if (i < action_free)
		action_free = i;
}

static void irq_startup(struct irq_desc *desc)
{
	desc->istate &= ~IRQD_IRQ_DISABLED;
	unmask_irq(desc);
}

static int __setup_irq(struct irq_desc *desc, struct irqaction *new)
{
	struct irqaction **pp = &desc->action, *old = *pp;
	unsigned int oldtype;

	if (desc->chip == &no_irq_chip)
		return -ENOSYS;
	if (old) {
		if (desc->istate & IRQS_NMI) {
			printf("Invalid attempt to share NMI for %s (irq %u) on irqchip %s.\n",
			       new->name, desc->irq, desc->chip->name);
			return -EINVAL;
		}
		oldtype = old->flags & IRQF_TRIGGER_MASK;
		if (!oldtype)
			oldtype = desc->trigger;
		if (!((old->flags & new->flags) & IRQF_SHARED) ||
		    (new->flags & IRQF_TRIGGER_MASK && oldtype != (new->flags & IRQF_TRIGGER_MASK)) ||
		    ((old->flags ^ new->flags) & IRQF_ONESHOT) ||
		    ((old->flags ^ new->flags) & IRQF_PERCPU)) {
			printf("genirq: Flags mismatch irq %u. %08lx (%s) vs. %08lx (%s)\n",
			       desc->irq, new->flags, new->name, old->flags, old->name);
			return -EBUSY;
		}
		/* append at the tail: handlers run in request order */
		while (*pp)
			pp = &(*pp)->next;
		*pp = new;
		return 0;
	}
	if (new->flags & IRQF_TRIGGER_MASK)
		desc->trigger = new->flags & IRQF_TRIGGER_MASK;
	if (new->flags & IRQF_ONESHOT)
		desc->istate |= IRQS_ONESHOT;
	desc->irq_count = 0;
	desc->irqs_unhandled = 0;
	*pp = new;
	if (!(new->flags & IRQF_NO_AUTOEN))
		irq_startup(desc);
	return 0;
}

static int setup_action(unsigned int irq, irq_handler_t handler, unsigned long flags,
			const char *name, void *dev_id)
{
	struct irqaction *a;
	uint64_t f;
	int ret;

	a = alloc_action();
	if (!a)
		return -ENOMEM;
	a->handler = handler;
	a->flags = flags;
	a->name = name;
	a->dev_id = dev_id;
	a->irq = irq;
	a->next = NULL;
	f = local_irq_save();
	ret = __setup_irq(&irq_desc[irq], a);
	local_irq_restore(f);
	if (ret)
		free_action(a);	/* back to the pool */
	return ret;
}

int request_irq(unsigned int irq, irq_handler_t handler, unsigned long flags,
		const char *name, void *dev_id)
{
	if (irq == IRQ_NOTCONNECTED)
		return -ENOTCONN;
	/* a shared line's handlers are told apart (and freed) by dev_id */
	if ((flags & IRQF_SHARED) && !dev_id)
		return -EINVAL;
	if (irq >= NR_IRQS)
		return -EINVAL;
	if (!handler)
		return -EINVAL;
	return setup_action(irq, handler, flags, name, dev_id);
}

int request_nmi(unsigned int irq, irq_handler_t handler, unsigned long flags,
		const char *name, void *dev_id)
{
	unsigned int i;
	int ret;

	if (irq == IRQ_NOTCONNECTED)
		return -ENOTCONN;
	/* NMI cannot be shared */
	if ((flags & IRQF_SHARED) || irq >= NR_IRQS || !handler)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(nmi_descs) && nmi_descs[i]; i++)
		;
	if (i == ARRAY_SIZE(nmi_descs))
		return -ENOMEM;
	ret = setup_action(irq, handler, flags, name, dev_id);
	if (ret)
		return ret;
	irq_desc[irq].istate |= IRQS_NMI;
	nmi_descs[i] = &irq_desc[irq];
	return 0;
}

bool handle_nmi_irqs(void)
{
	irqreturn_t ret = IRQ_NONE;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(nmi_descs) && nmi_descs[i]; i++) {
		struct irq_desc *desc = nmi_descs[i];

		if (desc->action) {
			kstat_incr_irqs(desc);
			ret |= desc->action->handler(desc->irq, desc->action->dev_id);
		}
	}
	return ret != IRQ_NONE;
}

/* Returns the devname of the freed action, NULL if @dev_id had none */
const void *free_irq(unsigned int irq, void *dev_id)
{
	struct irq_desc *desc;
	struct irqaction **pp, *a;
	const char *name;
	uint64_t f;
	unsigned int i;

	if (irq >= NR_IRQS)
		return NULL;
	desc = &irq_desc[irq];
	f = local_irq_save();
	for (pp = &desc->action; (a = *pp); pp = &a->next)
		if (a->dev_id == dev_id)
			break;
	if (!a) {
		local_irq_restore(f);
		printf("Trying to free already-free IRQ %u\n", irq);
		return NULL;
	}
	*pp = a->next;
	if (!desc->action) {
		mask_irq(desc);
		desc->istate |= IRQD_IRQ_DISABLED;
		desc->istate &= ~IRQS_ONESHOT;
		if (desc->istate & IRQS_NMI) {
			desc->istate &= ~IRQS_NMI;
			for (i = 0; i < ARRAY_SIZE(nmi_descs); i++)
				if (nmi_descs[i] == desc) {
					for (; i + 1 < ARRAY_SIZE(nmi_descs); i++)
						nmi_descs[i] = nmi_descs[i + 1];
					nmi_descs[i] = NULL;
				}
		}
	}
	local_irq_restore(f);
	name = a->name;
	free_action(a);
	return name;
}

void enable_irq(unsigned int irq)
{
	uint64_t f = local_irq_save();

	irq_startup(&irq_desc[irq]);
	local_irq_restore(f);
}

void disable_irq(unsigned int irq)
{
	uint64_t f = local_irq_save();

	irq_desc[irq].istate |= IRQD_IRQ_DISABLED;
	mask_irq(&irq_desc[irq]);
	local_irq_restore(f);
}
