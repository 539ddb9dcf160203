/* SPDX-License-Identifier: MIT */
/* `vmm check`: the architectural oracle over a scenario's runs or one trace (docs/ORACLE.md). */
#ifndef VMM_CHECK_CMD_H
#define VMM_CHECK_CMD_H

int check_cmd__main(int argc, char **argv);

#endif
