/* SPDX-License-Identifier: MIT */
/* `vmm replay`: re-run a recorded trace and diff the two (replay_cmd.c). */
#ifndef VMM_REPLAY_CMD_H
#define VMM_REPLAY_CMD_H

int replay_cmd__main(int argc, char **argv);

#endif
