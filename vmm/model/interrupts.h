/* SPDX-License-Identifier: MIT */
/* The guest's counters page, printed the way /proc/interrupts and /proc/softirqs look. */
#ifndef VMM_INTERRUPTS_H
#define VMM_INTERRUPTS_H

#include <stdio.h>
#include "abi.h"

#define IVM_PAGES_MAX 8

/* Print the counters of @n vCPUs' pages (copies the caller took out of guest memory). */
void interrupts__print(const struct ivm_guest_page *const *p, unsigned n, FILE *f);

#endif
