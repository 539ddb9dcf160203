/* SPDX-License-Identifier: MIT */
/* `vmm conformance`: the catalogue on every target, a matrix of verdicts (conformance_cmd.c). */
#ifndef VMM_CONFORMANCE_CMD_H
#define VMM_CONFORMANCE_CMD_H

int conformance_cmd__main(int argc, char **argv);

#endif
