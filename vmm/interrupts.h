/* SPDX-License-Identifier: MIT */
/* The guest's counters page, printed the way /proc/interrupts and /proc/softirqs look. */
#ifndef VMM_INTERRUPTS_H
#define VMM_INTERRUPTS_H

#include <stdio.h>
#include "abi.h"

/* Print the counters of @p (a copy the caller took out of guest memory). */
void interrupts__print(const struct ivm_guest_page *p, FILE *f);

#endif
