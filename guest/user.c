// SPDX-License-Identifier: MIT
/* Recognise the end of a CPL3 run (see user.S). */
#include "guest.h"

extern char user_exit_ud2[];
void user_resume_kernel(void) __noreturn;

bool user_exit_check(struct pt_regs *regs)
{
	if ((regs->cs & 3) != 3 || regs->ip != (uint64_t)user_exit_ud2)
		return false;
	user_resume_kernel();
}
