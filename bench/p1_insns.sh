#!/bin/sh
# P1's instruction count: the CPL0 instructions guest.elf executes from its
# entry to its first delivery and to exit, the number the PVM host emulates
# one at a time (~0.85 us each). Counted under QEMU TCG with one instruction
# per translation block and no chaining, so that every executed instruction,
# and every iteration of a rep string instruction, logs one "Trace" line
# (-d exec); the line's TB flags carry the CPL.
#
# The guest takes ./vmm's path: gdb sets on_ivm once console_init has run,
# so its results go out as hypercalls (OUTs QEMU drops) instead of being
# formatted for debugcon. Without gdb it counts QEMU's own path and says so.
#
#   bench/p1_insns.sh [GUEST]   (GUEST, BUILD, QEMU, QEMU_DATADIR from the
#                                environment too; P1_INSNS_TOP=N lists the
#                                N costliest functions)
set -eu
BUILD=${BUILD:-build}
GUEST=${1:-${GUEST:-$BUILD/guest.elf}}
QEMU=${QEMU:-$(command -v qemu-system-x86_64 || true)}
if [ -z "$QEMU" ]; then
	echo "P1 instructions: skipped, qemu-system-x86_64 is not installed here"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
set -- -M microvm -m 64 -kernel "$GUEST" -display none -serial none -monitor none \
	-no-reboot -debugcon "file:$tmp/con" -device isa-debug-exit,iobase=0xf4 \
	-accel tcg -singlestep -d exec,nochain -D "$tmp/log"
[ -n "${QEMU_DATADIR:-}" ] && set -- -L "$QEMU_DATADIR" "$@"
if command -v gdb >/dev/null; then
	path=vmm
	"$QEMU" "$@" -gdb "unix:$tmp/gdb,server=on,wait=on" -S 2>"$tmp/qemu.err" &
	qpid=$!
	n=0
	while [ ! -S "$tmp/gdb" ] && [ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done
	# gdt_init is the first call after console_init (main.c)
	timeout 60 gdb -batch -nx -ex "target remote $tmp/gdb" -ex 'hbreak gdt_init' \
		-ex continue -ex 'set var on_ivm = 1' -ex delete -ex continue "$GUEST" \
		>"$tmp/gdb.out" 2>&1 || true
	wait "$qpid" || true
	grep -q 'on_ivm\|Breakpoint 1' "$tmp/gdb.out" || {
		echo "P1 instructions: gdb did not stop at gdt_init:"; cat "$tmp/gdb.out"; exit 1; }
else
	path=qemu
	timeout 60 "$QEMU" "$@" || true
fi
perl bench/p1_insns.pl "$GUEST" "$tmp/log" "$path" "${P1_INSNS_TOP:-0}"
