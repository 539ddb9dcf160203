#!/bin/sh
# make bench: build the floor guest (one OUT to the exit port) and run P1,
# then count the guest's CPL0 instructions (bench/p1_insns.sh).
# VMM and GUEST default to $BUILD/vmm and $BUILD/guest.elf.
set -eu
BUILD=${BUILD:-build}
VMM=${VMM:-$BUILD/vmm}
GUEST=${GUEST:-$BUILD/guest.elf}
mkdir -p "$BUILD/bench"
# It reports the first-delivery milestone at its first instruction, then
# exits: the VMM's own cost to the first guest instruction and to exit.
cat >"$BUILD/bench/floor.S" <<'ASM'
	.code64
	.globl _start
_start:	movl $hc, %eax
	movw $0x1000, %dx	/* IVM_PORT_HCALL */
	outl %eax, %dx
	xor %eax, %eax
	outb %al, $0xf4
	hlt
	.data
	.balign 64
hc:	.long 5, 14		/* struct ivm_hcall: IVM_HC_MILESTONE, len */
	.quad 1, 0, 0, 0
	.ascii "first-delivery"
	.fill 240 - 14
ASM
gcc -nostdlib -static -no-pie -Wl,-Ttext-segment=0x100000 -Wl,-z,noseparate-code -Wl,--build-id=none -o "$BUILD/bench/floor.elf" "$BUILD/bench/floor.S"
out=$BUILD/bench/p1.out
perl bench/p1_boot.pl "$VMM" "$GUEST" "$BUILD/bench/floor.elf" >"$out" || { cat "$out"; exit 1; }
cat "$out"
sh bench/p1_insns.sh "$GUEST" | tee -a "$out"
# what no VMM change can beat (bench/p1_bound.awk)
"$VMM" probe >"$BUILD/bench/probe.out" 2>/dev/null
ns=$(awk '/guest CPL0 instruction:/ { print $4 + 0 }' "$BUILD/bench/probe.out")
# one with a memory operand: the mean of the probe's load and store (emulating hosts only)
mns=$(awk '/^    (load|store):/ { s += $2; n++ } END { print n == 2 ? s / 2 : 0 }' "$BUILD/bench/probe.out")
awk -v ns="${ns:-0}" -v mns="${mns:-0}" -f bench/p1_bound.awk "$out"
