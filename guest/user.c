// SPDX-License-Identifier: MIT
/* CPL3 runs (see user.S): entered with IRETQ, ended by a ud2 the #UD handler returns from. */
#include "guest.h"

extern char user_exit_ud2[], user_return[];
extern uint64_t user_kernel_rsp, user_kernel_rflags;
void user_enter(void (*fn)(void *), void *arg);

/*
 * The IRETQ to CPL3 sets the IF of user_rflags: recorded first (IVM_EV_IF),
 * like local_irq_enable(), so the oracle knows interrupts are open at CPL3.
 * IF=0 around it, so that what comes back (the #UD's IRET, whose record
 * carries the IF it restores) and the IF records agree.
 */
void user_run(void (*fn)(void *), void *arg)
{
	uint64_t f = local_irq_save();

	if (user_rflags & X86_EFLAGS_IF)
		ev_record(IVM_EV_IF, 0, 1);
	user_enter(fn, arg);
	local_irq_restore(f);
}

/*
 * The end of a CPL3 run: its #UD returns, with IRET, to user_return at CPL0
 * on the kernel stack user_enter() left, with the RFLAGS it was called with.
 */
bool user_exit_check(struct pt_regs *regs)
{
	if ((regs->cs & 3) != 3 || regs->ip != (uint64_t)user_exit_ud2)
		return false;
	regs->ip = (uint64_t)user_return;
	regs->cs = KERNEL_CS;
	regs->flags = user_kernel_rflags;
	regs->sp = user_kernel_rsp;
	regs->ss = KERNEL_DS;
	return true;
}
