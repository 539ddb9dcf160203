// SPDX-License-Identifier: MIT
/* Exception dispatch: end of a user run, self-test, or panic. */
#include "guest.h"

bool (*nmi_hook)(struct pt_regs *regs);
bool (*exception_hook)(struct pt_regs *regs);
const struct exception_fixup *fixup_table;
unsigned int fixup_count;

/* Linux exc_nmi: claimed by a hook or an NMI line, else "unknown reason" */
static void do_nmi(struct pt_regs *regs)
{
	if (nmi_hook && nmi_hook(regs))
		return;
	if (handle_nmi_irqs())
		return;
	printf("Uhhuh. NMI received for unknown reason on CPU 0.\n");
}

extern const char x2apic_probe_insn[], x2apic_probe_fixup[];

/* Linux fixup_exception(): resume at the fixup of a listed instruction */
static bool fixup_exception(struct pt_regs *regs)
{
	unsigned int i;

	if (regs->ip == (uint64_t)x2apic_probe_insn) {
		regs->ip = (uint64_t)x2apic_probe_fixup;
		return true;
	}
	for (i = 0; i < fixup_count; i++)
		if (regs->ip == (uint64_t)fixup_table[i].insn) {
			regs->ip = (uint64_t)fixup_table[i].fixup;
			return true;
		}
	return false;
}

void handle_exception(struct pt_regs *regs)
{
	if (regs->vector == X86_TRAP_UD && user_exit_check(regs))
		return;
	if (selftest_trap(regs, false))
		return;
	if (regs->vector == X86_TRAP_NMI) {
		do_nmi(regs);
		return;
	}
	if (fixup_exception(regs))
		return;
	if (exception_hook && exception_hook(regs))
		return;	/* a program that expects injected exceptions resumes */
	panic("unexpected exception", regs);
}

void show_regs(const struct pt_regs *regs)
{
	printf("vector %lu error %lx cr2 %lx\n", regs->vector, regs->orig_ax, read_cr2());
	printf("RIP %04lx:%016lx RFLAGS %08lx RSP %04lx:%016lx\n",
	       regs->cs, regs->ip, regs->flags, regs->ss, regs->sp);
	printf("RAX %016lx RBX %016lx RCX %016lx RDX %016lx\n",
	       regs->ax, regs->bx, regs->cx, regs->dx);
	printf("RSI %016lx RDI %016lx RBP %016lx R8  %016lx\n",
	       regs->si, regs->di, regs->bp, regs->r8);
	printf("R9  %016lx R10 %016lx R11 %016lx R12 %016lx\n",
	       regs->r9, regs->r10, regs->r11, regs->r12);
	printf("R13 %016lx R14 %016lx R15 %016lx CR0 %lx CR4 %lx\n",
	       regs->r13, regs->r14, regs->r15, read_cr0(), read_cr4());
}

void panic(const char *msg, const struct pt_regs *regs)
{
	printf("PANIC: %s\n", msg);
	if (regs)
		show_regs(regs);
	guest_exit(0x7f);
}
