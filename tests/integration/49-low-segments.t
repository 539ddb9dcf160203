#!/bin/bash
# Segments below 1 MiB (kvm-unit-tests' real-mode image loads at 0x8000): a
# multiboot ELF32 kernel, built here with gcc, whose PT_LOAD at 0x8000 holds the
# code its 32-bit entry jumps to; that code writes a marker to the debug console
# (0xe9) and exits through isa-debug-exit (0xf4). A segment over what the VMM
# writes (the boot info and command line, 0x6000-0x7fff) is one line, status 2.
# Needs /dev/kvm.
. "$(dirname "$0")/lib.sh"
need_kvm

# mkkernel FILE LOW-GPA ENTRY-SECTION: .low at LOW-GPA holds the multiboot header
# (in the file's first 8 KiB) and the marker code; the entry is in ENTRY-SECTION
# (.text at 1 MiB, or .low itself). With a module (--initrd) the low code checks it
# starts 'M' at or above 1 MiB, clear of the kernel, and exits 0x22 instead of 0x21.
mkkernel() {	# mkkernel FILE LOW-GPA ENTRY-SECTION
	cat >"$1.S" <<EOF
	.section .low, "ax"
	.align 4
	.long 0x1badb002, 0, -0x1badb002
	.code32
low_entry:
	cmpl \$0x2badb002, %eax
	jne bad
	mov \$msg, %esi
1:	lodsb
	test %al, %al
	jz 2f
	outb %al, \$0xe9
	jmp 1b
2:	mov \$0x21, %al
	testl \$8, (%ebx)		/* multiboot_info.flags bit 3: mods valid */
	jz 3f
	mov 24(%ebx), %edx		/* mods_addr */
	mov (%edx), %edx		/* module 0's mod_start */
	cmp \$0x100000, %edx
	jb bad
	cmpb \$'M', (%edx)
	jne bad
	mov \$0x22, %al
3:	outb %al, \$0xf4
	hlt
bad:	mov \$3, %al
	outb %al, \$0xf4
	hlt
msg:	.asciz "LOW-SEGMENT-OK\n"
	.section $3, "ax"
	.globl _start
_start:
	jmp low_entry
EOF
	cat >"$1.ld" <<EOF
ENTRY(_start)
SECTIONS {
	.low $2 : { *(.low) }
	.text 0x100000 : { *(.text) }
}
EOF
	gcc -m32 -nostdlib -static -no-pie -Wl,-T,"$1.ld" -Wl,--build-id=none \
		-Wl,-z,max-page-size=0x1000 -Wl,-z,noseparate-code -o "$1" "$1.S" 2>"$1.cc"
}

if ! mkkernel "$TMP/low" 0x8000 .text || ! mkkernel "$TMP/lowonly" 0x8000 .low ||
   ! mkkernel "$TMP/over" 0x7000 .text; then
	cat "$TMP"/*.cc
	skip_all "gcc -m32 cannot build a tiny i386 kernel here"
fi
readelf -lW "$TMP/low" >"$TMP/low.ph" 2>&1
like "$TMP/low.ph" "LOAD +0x[0-9a-f]+ 0x00008000 0x00008000 " "the kernel has a PT_LOAD at 0x8000"
like "$TMP/low.ph" "Entry point 0x100000" "its entry is at 1 MiB"

for mode in kernel user split; do
	run_limited 30 "$VMM" run --timeout 20 --irqchip=$mode "$TMP/low" \
		>"$TMP/$mode.out" 2>"$TMP/$mode.err"
	is $? $(((0x21 << 1) | 1)) "irqchip $mode: the code at 0x8000 exits 0x21 (status 67)"
	like "$TMP/$mode.out" "^LOW-SEGMENT-OK$" "irqchip $mode: its marker on the debug console"
done

# a kernel wholly below 1 MiB, entry at 0x8000 too; its module goes at 1 MiB
printf 'MOD0\n' >"$TMP/mod"
for mode in kernel user; do
	run_limited 30 "$VMM" run --timeout 20 --irqchip=$mode "$TMP/lowonly" \
		>"$TMP/lo-$mode.out" 2>&1
	is $? 67 "irqchip $mode: entry at 0x8000, exits 0x21"
	run_limited 30 "$VMM" run --timeout 20 --irqchip=$mode --initrd="$TMP/mod" "$TMP/lowonly" \
		>"$TMP/mod-$mode.out" 2>&1
	is $? $(((0x22 << 1) | 1)) \
		"irqchip $mode: --initrd module at or above 1 MiB, clear of the kernel"
done
run_limited 30 "$VMM" run --timeout 20 --initrd="$TMP/mod" "$TMP/low" >"$TMP/mod-low.out" 2>&1
is $? $(((0x22 << 1) | 1)) "--initrd with a low and a high segment: the module found"

# over the boot info and command line: one line naming the file, the segment and the range
run_limited 30 "$VMM" run --timeout 20 "$TMP/over" >"$TMP/over.out" 2>"$TMP/over.err"
is $? 2 "a segment at 0x7000: bad input, exit status 2"
want="^vmm: $TMP/over: offset 0x[0-9a-f]+: PT_LOAD \(program header 0\) \[0x7000, 0x70[0-9a-f]{2}\)"
want+=" overlaps the boot info and command line \[0x6000, 0x8000\)$"
like "$TMP/over.err" "$want" \
	"the one line names the segment and what it overlaps"
is "$(wc -l <"$TMP/over.err")" 1 "one line on stderr"
is "$(wc -c <"$TMP/over.out")" 0 "nothing on stdout"

# the plain ELF64 boot writes its GDT at 0x8000: the same place is refused there
python3 - "$TMP/elf64" <<'PY'
import struct, sys
code = bytes.fromhex('f4')
base, hdr = 0x8000, 64 + 56
eh = struct.pack('<4sBBBBB7xHHIQQQIHHHHHH', b'\x7fELF', 2, 1, 1, 0, 0, 2, 0x3e, 1,
                 base + hdr, 64, 0, 0, 64, 56, 1, 0, 0, 0)
ph = struct.pack('<IIQQQQQQ', 1, 5, 0, base, base, hdr + len(code), hdr + len(code), 0x1000)
open(sys.argv[1], 'wb').write(eh + ph + code)
PY
run_limited 30 "$VMM" run --timeout 20 "$TMP/elf64" >"$TMP/elf64.out" 2>"$TMP/elf64.err"
is $? 2 "plain ELF64 at 0x8000: exit status 2"
like "$TMP/elf64.err" "overlaps the elf64 boot's GDT \[0x8000, 0x8020\)$" "the line names the GDT"

done_testing
