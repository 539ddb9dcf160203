#!/bin/bash
# vmm qemu and vmm under the name qemu-system-x86_64 (issue 13, "bring your
# own guest"): kvm-unit-tests' x86 runner's QEMU command line, QEMU's exit
# status, its probes (--help, -device '?', a kernel that isn't there), one
# error line for what isn't supported; -device pci-testdev, which the guest's
# test=pci-testdev walks and runs as kvm-unit-tests does, in every irqchip
# mode; and -initrd / --initrd as multiboot module 0, seen by a hand-assembled
# multiboot guest. The runs need /dev/kvm.
. "$(dirname "$0")/lib.sh"

one_line_error() {	# one_line_error REGEX DESCRIPTION -- CMD...: status 2, one line, no stdout
	local re=$1 desc=$2
	shift 3
	run_limited 10 "$@" >"$TMP/out" 2>"$TMP/err"
	is "$?" 2 "$desc: exit status 2"
	is "$(wc -l <"$TMP/err")" 1 "$desc: exactly one error line"
	like "$TMP/err" "$re" "$desc: says what is wrong"
	is "$(wc -c <"$TMP/out")" 0 "$desc: nothing on stdout"
}

# --- no KVM needed: the probes kvm-unit-tests makes, and the refusals
mkdir -p "$TMP/bin"
ln -s "$(cd "$(dirname "$VMM")" && pwd)/$(basename "$VMM")" "$TMP/bin/qemu-system-x86_64"
QPATH="$TMP/bin:$PATH"

PATH=$QPATH qemu-system-x86_64 --help >"$TMP/help" 2>&1
ok $? "qemu-system-x86_64 --help exits 0"
like "$TMP/help" 'QEMU' "--help says QEMU (the runner's search_qemu_binary greps for it)"
PATH=$QPATH qemu-system-x86_64 -device '?' >"$TMP/devs" 2>&1
ok $? "-device '?' exits 0"
like "$TMP/devs" '"pc-testdev"' "-device '?' lists \"pc-testdev\" (the runner's test-device probe)"
like "$TMP/devs" '"pci-testdev"' "-device '?' lists \"pci-testdev\" (so the runner passes -device pci-testdev)"
"$VMM" qemu -device help | cmp -s - "$TMP/devs"
ok $? "vmm qemu -device help is the same list"

one_line_error "option -hda is not supported" "unknown option" -- "$VMM" qemu -hda disk.img -kernel "$GUEST"
one_line_error "option -foo is not supported" "unknown option, as qemu-system-x86_64" -- \
	env PATH="$QPATH" qemu-system-x86_64 -foo
one_line_error "^vmm qemu: -m 12x: --mem: '12xM?' is not a page-aligned size" "bad -m" -- \
	"$VMM" qemu -m 12x -kernel "$GUEST"
one_line_error "^vmm qemu: -m 4096: " "-m over vmm's 3G" -- "$VMM" qemu -m 4096 -kernel "$GUEST"
one_line_error "^vmm qemu: -smp 16: vmm runs at most 8 vCPUs" "too many -smp" -- \
	"$VMM" qemu -smp 16 -kernel "$GUEST"
one_line_error "^vmm qemu: -smp cpus=9: vmm runs at most 8 vCPUs" "too many -smp cpus=" -- \
	"$VMM" qemu -smp cpus=9 -kernel "$GUEST"
one_line_error "sockets=2.* is not supported" "-smp topology" -- "$VMM" qemu -smp 2,sockets=2 -kernel "$GUEST"
one_line_error "iobase '0x501' is not 0xf4" "isa-debug-exit elsewhere" -- \
	"$VMM" qemu -device isa-debug-exit,iobase=0x501 -kernel "$GUEST"
one_line_error "-device virtio-net-pci: not supported" "an unknown device" -- \
	"$VMM" qemu -device virtio-net-pci -kernel "$GUEST"
one_line_error "-cpu qemu64,\\+pmu: '\\+pmu' is not supported" "a -cpu flag other than x2apic" -- \
	"$VMM" qemu -cpu qemu64,+pmu -kernel "$GUEST"
one_line_error "-machine accel=tcg: 'accel=tcg' is not supported" "-machine accel=tcg" -- \
	"$VMM" qemu -machine accel=tcg -kernel "$GUEST"
one_line_error "-serial file:x: not supported" "-serial other than stdio" -- \
	"$VMM" qemu -serial file:x -kernel "$GUEST"
one_line_error "option -append needs a value" "-append without a value" -- "$VMM" qemu -kernel "$GUEST" -append
one_line_error "no -kernel given" "no -kernel" -- "$VMM" qemu -m 64
one_line_error "--irqchip: 'bogus'" "VMM_IRQCHIP=bogus" -- env VMM_IRQCHIP=bogus "$VMM" qemu -kernel "$GUEST"
# the runner's premature_failure: the name and "could not load kernel" on one line
one_line_error "could not load kernel '_NO_FILE_4Uhere_'" "a kernel that isn't there (the runner's probe)" -- \
	"$VMM" qemu -nodefaults -kernel _NO_FILE_4Uhere_ -smp 1

need_kvm_rest() {
	[ -e /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]
}
if ! need_kvm_rest; then
	T=$((T + 1))
	echo "ok $T # skip /dev/kvm is absent or not usable: the runs are skipped"
	done_testing
	exit
fi

# --- (a) the runner's exact command line, our guest for the .flat
printf 'QEMU_ACCEL=kvm\nKERNEL_VERSION=6\n' >"$TMP/env.1234"
qrun() {	# qrun OUTNAME CMD...: the exit status
	local name=$1
	shift
	run_limited 30 "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" </dev/null
	echo $?
}
RUNNER=(-nodefaults -device pc-testdev -device isa-debug-exit,iobase=0xf4,iosize=0x4 -vnc none
	-serial stdio -device pci-testdev -machine accel=kvm -kernel "$GUEST" -smp 2 -m 256
	-cpu qemu64,+x2apic -append test=none -initrd "$TMP/env.1234")
is "$(qrun a "$VMM" qemu "${RUNNER[@]}")" 1 "runner's command line: status 1, QEMU's for a guest that wrote 0 to 0xf4"
like "$TMP/a.out" "^ivm guest: .*cmdline='test=none'" "runner's command line: the guest's serial output on stdout"
is "$(wc -c <"$TMP/a.err")" 0 "runner's command line: nothing on stderr (run_qemu counts a line there as a QEMU failure)"

# --- (a2) pci-testdev: the guest walks bus 0 and runs the device's six tests as
# kvm-unit-tests' pci_testdev() does, under each irqchip the runner may be given
PCIRUN=("${RUNNER[@]/test=none/test=pci-testdev}")
for mode in kernel split user; do
	args=("${PCIRUN[@]}")
	[ $mode = user ] && args=("${PCIRUN[@]/qemu64,+x2apic/qemu64}")	# user hides x2APIC
	is "$(VMM_IRQCHIP=$mode qrun p-$mode "$VMM" qemu "${args[@]}")" 1 \
		"pci-testdev, $mode: status 1 (the guest wrote 0: every check passed)"
	like "$TMP/p-$mode.out" "^PASS pci: pci-testdev passed 6 tests of 6" \
		"pci-testdev, $mode: the six tests pass (3 MMIO, 3 I/O, each count 16)"
	like "$TMP/p-$mode.out" "^PASS pci: pci-testdev io: portio-datamatch-eventfd: wrong data, width or offset not counted" \
		"pci-testdev, $mode: planted writes of another width, data or offset are not counted"
	like "$TMP/p-$mode.out" "^PASS pci: BAR0 sizes as 4 KiB of 32-bit memory" "pci-testdev, $mode: BAR0 sized"
	is "$(grep -c '^FAIL' "$TMP/p-$mode.out")" 0 "pci-testdev, $mode: no FAIL line"
	is "$(wc -c <"$TMP/p-$mode.err")" 0 "pci-testdev, $mode: nothing on stderr"
done
NOPCI=()
for a in "${PCIRUN[@]}"; do [ "$a" = pci-testdev ] && unset 'NOPCI[-1]' || NOPCI+=("$a"); done
is "$(qrun np "$VMM" qemu "${NOPCI[@]}")" 5 "no -device pci-testdev: the guest finds none (v = 2: status 5)"
like "$TMP/np.out" "^pci-testdev: not found" "no -device pci-testdev: not on the bus"
like "$TMP/np.out" "^PASS pci: 00:00.0 is the i440FX host bridge" "no -device pci-testdev: the host bridge is there"
like "$TMP/np.out" "^PASS pci: 31 empty slots read all ones" "no -device pci-testdev: slot 1 reads all ones too"
is "$(qrun pr "$VMM" run --pci-testdev --cmdline=test=pci-testdev "$GUEST")" 0 \
	"vmm run --pci-testdev (irqchip user): status 0"
like "$TMP/pr.out" "^pci-testdev: PASS" "vmm run --pci-testdev: every check passed"

# --- (b) the same through a symlink named qemu-system-x86_64, first in PATH
is "$(qrun b env PATH="$QPATH" qemu-system-x86_64 "${RUNNER[@]}")" 1 \
	"qemu-system-x86_64 symlink in PATH: status 1"
like "$TMP/b.out" "^ivm guest: " "qemu-system-x86_64 symlink: the guest ran"
is "$(qrun b2 env PATH="$QPATH" qemu-system-x86_64 --no-reboot -enable-kvm -display none -monitor none \
	-name t -nographic -accel kvm -global kvm-pit.lost_tick_policy=discard -kernel "$GUEST" \
	-append test=none)" 1 "the newer runner's options (--no-reboot, -accel kvm, -global kvm-pit...): status 1"

# a guest's own exit value v: (v << 1) | 1, as QEMU's isa-debug-exit
mkguest "$TMP/exit42" "b042e6f4f4ebfd"	# mov $0x42, %al; out %al, $0xf4; hlt
is "$(qrun c "$VMM" qemu -kernel "$TMP/exit42")" $(((0x42 << 1) | 1)) "exit value 0x42: status (0x42 << 1) | 1"
VMM_TRACE="$TMP/q.itr" VMM_IRQCHIP=split run_limited 30 "$VMM" qemu -kernel "$TMP/exit42" >/dev/null 2>&1
is "$?" $(((0x42 << 1) | 1)) "VMM_TRACE and VMM_IRQCHIP=split: the same status"
"$VMM" trace show "$TMP/q.itr" >"$TMP/q.show" 2>&1
ok $? "VMM_TRACE: the trace is whole (vmm trace show reads it)"
like "$TMP/q.show" "irqchip=split|split" "VMM_IRQCHIP=split: the trace says split"
run_limited 30 "$VMM" qemu --irqchip=user --trace="$TMP/u.itr" -kernel "$TMP/exit42" >/dev/null 2>&1
is "$?" $(((0x42 << 1) | 1)) "--irqchip=user --trace=FILE before the QEMU options"
[ -s "$TMP/u.itr" ]
ok $? "--trace=FILE: the trace was written"
one_line_error "-cpu \\+x2apic: vmm's user irqchip has no x2APIC" "+x2apic with the user irqchip" -- \
	"$VMM" qemu --irqchip=user -cpu qemu64,+x2apic -kernel "$TMP/exit42"

# --- (d) -initrd: multiboot module 0, seen by a hand-assembled multiboot guest.
# An ELF32 with a multiboot header; at its entry (EAX = 0x2BADB002, EBX = the
# info) it prints on port 0xe9: flags bit 3 (mods valid), mods_count, module
# 0's first 4 bytes, a newline, its string, a newline; then writes its size's
# low byte to the exit port.
mkmb() {
	python3 - "$1" <<'PY'
import struct, sys
code = bytes.fromhex(
    "8b03c1e803240104 30e6e9"		# flags >> 3 & 1, as a digit
    "8b4b1488c80430e6e9"		# mods_count, as a digit
    "8b7b188b37"			# edi = mods_addr, esi = mod_start
    "8a06e6e9 8a4601e6e9 8a4602e6e9 8a4603e6e9 b00ae6e9"	# 4 bytes, newline
    "8b7708 8a06 84c0 7405 e6e9 46 ebf5 b00ae6e9"	# the string, newline
    "8b4704 2b07 e6f4 f4ebfd".replace(" ", ""))	# mod_end - mod_start to 0xf4; hlt
base, mbh = 0x100000, 52 + 32
magic, flags = 0x1BADB002, 0
hdr = struct.pack('<III', magic, flags, (-(magic + flags)) & 0xffffffff)
total = mbh + len(hdr) + len(code)
eh = struct.pack('<4sBBBBB7xHHIIIIIHHHHHH', b'\x7fELF', 1, 1, 1, 0, 0, 2, 3, 1,
                 base + mbh + len(hdr), 52, 0, 0, 52, 32, 1, 0, 0, 0)
ph = struct.pack('<IIIIIIII', 1, 0, base, base, total, total, 5, 0x1000)
open(sys.argv[1], 'wb').write(eh + ph + hdr + code)
PY
}
mkmb "$TMP/mb.elf"
printf 'MOD0 the environment\n' >"$TMP/initrd.txt"	# 21 bytes
is "$(qrun d "$VMM" qemu -kernel "$TMP/mb.elf" -initrd "$TMP/initrd.txt")" $(((21 << 1) | 1)) \
	"-initrd: module 0's end - start is the file's 21 bytes"
like "$TMP/d.out" "^11MOD0$" "-initrd: flags bit 3 set, mods_count 1, module 0 starts 'MOD0'"
like "$TMP/d.out" "^$TMP/initrd.txt$" "-initrd: module 0's string is the file's name"
is "$(qrun e "$VMM" run --quiet --initrd="$TMP/initrd.txt" "$TMP/mb.elf")" $(((21 << 1) | 1)) \
	"vmm run --initrd: the same module"
is "$(qrun f "$VMM" qemu -kernel "$TMP/mb.elf")" 1 "without -initrd: no module (v = 0: status 1)"
like "$TMP/f.out" "^00" "without --initrd: flags bit 3 clear, mods_count 0"
: >"$TMP/empty"
is "$(qrun g "$VMM" run --initrd="$TMP/empty" "$TMP/mb.elf")" 0 "an empty --initrd: one module of 0 bytes (v = 0: vmm run status 0)"
like "$TMP/g.out" "^11" "an empty --initrd: flags bit 3 set, mods_count 1"

# too big for the guest's RAM: one line naming the file
head -c $((3 << 20)) /dev/zero >"$TMP/big.bin"
one_line_error "big.bin: 0x300000 bytes do not fit in guest RAM" "-initrd too big for -m 4" -- \
	"$VMM" qemu -m 4 -kernel "$TMP/mb.elf" -initrd "$TMP/big.bin"
one_line_error "--initrd: .*missing.bin: No such file" "a missing --initrd" -- \
	"$VMM" run --initrd="$TMP/missing.bin" "$TMP/mb.elf"
done_testing
