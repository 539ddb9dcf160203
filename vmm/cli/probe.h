/* SPDX-License-Identifier: MIT */
/* `vmm probe`: what this host's KVM offers and how it behaves, measured. */
#ifndef VMM_PROBE_H
#define VMM_PROBE_H

#include <stdio.h>

int probe__main(FILE *f);

#endif
