/* SPDX-License-Identifier: MIT */
/* `vmm qemu` and vmm run as qemu-system-x86_64: QEMU's command line, kvm-unit-tests' subset. */
#ifndef VMM_QEMU_CMD_H
#define VMM_QEMU_CMD_H

/* The name that makes vmm this command when it is argv[0]'s basename (a symlink). */
#define QEMU_CMD_ALIAS "qemu-system-x86_64"

/* @argv[0] is "qemu" or the program's name; the exit status follows QEMU's. */
int qemu_cmd__main(int argc, char **argv);

#endif
