/* SPDX-License-Identifier: MIT */
/* `vmm storm`: seeded injection storms, judged, shrunk to a reproducer (storm_cmd.c). */
#ifndef VMM_STORM_CMD_H
#define VMM_STORM_CMD_H

int storm_cmd__main(int argc, char **argv);

#endif
