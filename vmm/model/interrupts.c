// SPDX-License-Identifier: MIT
#include <inttypes.h>
#include "interrupts.h"

/* Linux's short names for the system vectors and the exceptions (arch/x86). */
static const char *vector_name(unsigned v)
{
	static const char *const exc[32] = {
		"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#MF9", "#TS", "#NP",
		"#SS", "#GP", "#PF", "#SPUR", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
	};

	if (v < 32)
		return exc[v] ? exc[v] : "reserved";
	switch (v) {
	case 0xec: return "LOC  local timer interrupts";
	case 0xf6: return "IWI  IRQ work interrupts";
	case 0xf7: return "PLT  platform IPIs";
	case 0xf8: return "reboot";
	case 0xf9: return "THR  threshold APIC interrupts";
	case 0xfa: return "TRM  thermal event interrupts";
	case 0xfb: return "CAL  function call interrupts (single)";
	case 0xfc: return "CAL  function call interrupts";
	case 0xfd: return "RES  rescheduling interrupts";
	case 0xfe: return "ERR  APIC error";
	case 0xff: return "SPU  spurious interrupts";
	case 0x80: return "int80";
	default: return v >= 0x30 && v < 0x40 ? "ISA" : "device";
	}
}

/* One row: a label, then each CPU's count, then the description (as /proc/interrupts). */
static void row(FILE *f, const char *label, const uint64_t *counts, unsigned n, const char *desc)
{
	fprintf(f, "%8s:", label);
	for (unsigned c = 0; c < n; c++)
		fprintf(f, " %10" PRIu64, counts[c]);
	fprintf(f, "%s%s\n", *desc ? "   " : "", desc);
}

void interrupts__print(const struct ivm_guest_page *const *p, unsigned n, FILE *f)
{
	static const char *const softirqs[IVM_NR_SOFTIRQS] = {
		"HI", "TIMER", "NET_TX", "NET_RX", "BLOCK", "IRQ_POLL", "TASKLET", "SCHED", "HRTIMER", "RCU",
	};
	uint64_t c[IVM_PAGES_MAX];
	char label[16];

	if (n > IVM_PAGES_MAX)
		n = IVM_PAGES_MAX;
	fprintf(f, "\ninterrupts (the guest's counters pages)\n%9s", "");
	for (unsigned k = 0; k < n; k++)
		fprintf(f, " %10s%u", "CPU", k);
	fputc('\n', f);
	for (unsigned v = 0; v < 256; v++) {
		uint64_t any = 0;

		for (unsigned k = 0; k < n; k++)
			any |= c[k] = p[k]->vector_count[v];
		snprintf(label, sizeof(label), "v%02x", v);
		if (any)
			row(f, label, c, n, vector_name(v));
	}
	for (unsigned i = 0; i < IVM_NR_IRQS; i++) {
		uint64_t any = 0;

		for (unsigned k = 0; k < n; k++)
			any |= c[k] = p[k]->irq_count[i];
		snprintf(label, sizeof(label), "IRQ %2u", i);
		if (any)
			row(f, label, c, n, i < 24 ? "IO-APIC pin" : "MSI");
	}
	for (unsigned k = 0; k < n; k++)
		c[k] = p[k]->spurious_count;
	row(f, "SPU", c, n, "spurious (0xff and unassigned system vectors)");
	fprintf(f, "softirqs\n");
	for (unsigned i = 0; i < IVM_NR_SOFTIRQS; i++) {
		for (unsigned k = 0; k < n; k++)
			c[k] = p[k]->softirq_count[i];
		row(f, softirqs[i], c, n, "");
	}
	for (unsigned k = 0; k < n; k++)
		if (p[k]->ev_dropped)
			fprintf(f, "event ring of CPU%u: %u events dropped (ring full)\n", k,
				p[k]->ev_dropped);
}
