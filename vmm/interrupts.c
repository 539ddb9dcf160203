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

void interrupts__print(const struct ivm_guest_page *p, FILE *f)
{
	static const char *const softirqs[IVM_NR_SOFTIRQS] = {
		"HI", "TIMER", "NET_TX", "NET_RX", "BLOCK", "IRQ_POLL", "TASKLET", "SCHED", "HRTIMER", "RCU",
	};

	fprintf(f, "\ninterrupts (the guest's counters page)\n%12s\n", "CPU0");
	for (unsigned v = 0; v < 256; v++)
		if (p->vector_count[v])
			fprintf(f, "%6s%02x: %10" PRIu64 "   %s\n", "v", v, p->vector_count[v], vector_name(v));
	for (unsigned i = 0; i < IVM_NR_IRQS; i++)
		if (p->irq_count[i])
			fprintf(f, "%6s%2u: %10" PRIu64 "   %s\n", "IRQ ", i, p->irq_count[i],
				i < 24 ? "IO-APIC pin" : "MSI");
	fprintf(f, "%8s: %10" PRIu64 "   spurious (0xff and unassigned system vectors)\n", "SPU",
		p->spurious_count);
	fprintf(f, "softirqs\n");
	for (unsigned i = 0; i < IVM_NR_SOFTIRQS; i++)
		fprintf(f, "%10s: %10" PRIu64 "\n", softirqs[i], p->softirq_count[i]);
	if (p->ev_dropped)
		fprintf(f, "event ring: %u events dropped (ring full)\n", p->ev_dropped);
}
