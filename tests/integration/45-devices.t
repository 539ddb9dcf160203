#!/bin/bash
# kvm-unit-tests' x86 device contract, the first devices: fw_cfg (0x510/0x511)
# and pc-testdev's IOAPIC line ports (0x2000 + pin), each driven by a tiny
# hand-assembled guest (plain ELF64: long mode, 4 GiB identity map) that puts
# what it saw in its exit port value, so the status is (v << 1) | 1. Needs /dev/kvm.
. "$(dirname "$0")/lib.sh"
need_kvm

EXIT_AL=e6f4		# out %al, $0xf4
HALT=f4ebfd		# hlt; jmp .-1

# fw_cfg: select KEY with a 16-bit OUT to 0x510, then byte INs from 0x511; the last is v
fwcfg_guest() {	# fwcfg_guest FILE KEY(4 hex digits, little-endian) NTH-BYTE
	local ins="" i
	for ((i = 0; i <= $3; i++)); do ins+=ec; done	# in %dx, %al
	mkguest "$1" "66ba1005""66b8$2""66ef""66ba1105$ins$EXIT_AL$HALT"
}

fwcfg_guest "$TMP/sig0" 0000 0
fwcfg_guest "$TMP/sig3" 0000 3
fwcfg_guest "$TMP/id" 0100 0
fwcfg_guest "$TMP/cpus" 0500 0
fwcfg_guest "$TMP/maxcpus" 0f00 0
fwcfg_guest "$TMP/ram3" 0300 3
fwcfg_guest "$TMP/ram4" 0300 4
fwcfg_guest "$TMP/none" 0200 0

run() {	# run GUEST OPTS...: the status
	local g=$1
	shift
	run_limited 30 "$VMM" run --quiet --timeout 10 "$@" "$g" >"$TMP/out" 2>"$TMP/err"
	echo $?
}

is "$(run "$TMP/sig0")" $(((0x51 << 1) | 1)) "fw_cfg: signature byte 0 is 'Q'"
is "$(run "$TMP/sig3")" $(((0x55 << 1) | 1)) "fw_cfg: signature byte 3 is 'U'"
is "$(run "$TMP/id")" 3 "fw_cfg: FW_CFG_ID is 1 (traditional interface, no DMA)"
is "$(run "$TMP/cpus")" 3 "fw_cfg: FW_CFG_NB_CPUS is 1 with one vCPU"
is "$(run "$TMP/cpus" --vcpus 2)" 5 "fw_cfg: FW_CFG_NB_CPUS is 2 with --vcpus 2"
is "$(run "$TMP/maxcpus" --vcpus 2)" 5 "fw_cfg: FW_CFG_MAX_CPUS is 2 with --vcpus 2"
is "$(run "$TMP/ram3" --mem 128M)" $(((0x08 << 1) | 1)) "fw_cfg: FW_CFG_RAM_SIZE byte 3 is 0x08 with --mem 128M"
is "$(run "$TMP/ram3" --mem 64M)" $(((0x04 << 1) | 1)) "fw_cfg: FW_CFG_RAM_SIZE byte 3 is 0x04 with --mem 64M"
is "$(run "$TMP/ram4")" 0 "fw_cfg: FW_CFG_RAM_SIZE byte 4 is 0 (exit value 0: status 0)"
is "$(run "$TMP/none")" 0 "fw_cfg: an item we lack reads 0"

# pc-testdev: pin 10's RTE level-triggered, vector 0x30, masked; the LAPIC
# software-enabled (SVR 0x1ff); then 1 to port 0x200a (and, with DEASSERT, 0
# after it); then unmask and read the RTE back: v = remote IRR + 1. A level
# line still high is delivered at the unmask (remote IRR set, v = 2, status
# 5); one that went low is not (v = 1, status 3). IF stays 0 throughout.
testdev_guest() {	# testdev_guest FILE DEASSERT(0/1)
	local drop=""
	[ "$2" = 1 ] && drop=b000ee	# mov $0, %al; out %al, %dx
	mkguest "$1" "bf0000c0fe""c70724000000""c74710""30800100"\
"bef000e0fe""c706ff010000"\
"66ba0a20""b001""ee$drop"\
"c74710""30800000""8b4710""c1e80e""83e001""0401$EXIT_AL$HALT"
}
testdev_guest "$TMP/level" 0
testdev_guest "$TMP/level-drop" 1

for mode in kernel split user; do
	is "$(run "$TMP/level" --irqchip=$mode --trace "$TMP/$mode.itr")" 5 \
		"testdev, $mode: 1 to 0x200a holds level pin 10 up: delivered at the unmask"
	"$VMM" trace show "$TMP/$mode.itr" >"$TMP/$mode.show" 2>&1
	like "$TMP/$mode.show" 'vmm: inject pin 10 assert' "testdev, $mode: the trace has INJECT pin 10 assert"
	is "$(run "$TMP/level-drop" --irqchip=$mode --trace "$TMP/$mode-drop.itr")" 3 \
		"testdev, $mode: 1 then 0 to 0x200a: the line is low at the unmask, nothing delivered"
	"$VMM" trace show "$TMP/$mode-drop.itr" >"$TMP/$mode-drop.show" 2>&1
	like "$TMP/$mode-drop.show" 'vmm: inject pin 10 deassert' "testdev, $mode: the trace has INJECT pin 10 deassert"
done
done_testing
