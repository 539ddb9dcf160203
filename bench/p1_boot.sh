#!/bin/sh
# make bench: build the floor guest (one OUT to the exit port) and run P1.
set -eu
BUILD=${BUILD:-build}
mkdir -p "$BUILD/bench"
cat >"$BUILD/bench/floor.S" <<'ASM'
	.code64
	.globl _start
_start:	xor %eax, %eax
	outb %al, $0xf4
	hlt
ASM
gcc -nostdlib -static -no-pie -Wl,-Ttext-segment=0x100000 -Wl,-z,noseparate-code -Wl,--build-id=none -o "$BUILD/bench/floor.elf" "$BUILD/bench/floor.S"
perl bench/p1_boot.pl "$BUILD/vmm" "$BUILD/guest.elf" "$BUILD/bench/floor.elf"
