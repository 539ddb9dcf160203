#!/bin/bash
# Scenarios that need no host injection, run under QEMU TCG and judged by the
# same checks as under ./vmm (vmm judge reads the event lines the guest prints
# when no VMM takes its ring). No /dev/kvm needed: this is CI's scenario path.
. "$(dirname "$0")/lib.sh"
command -v qemu-system-x86_64 >/dev/null || skip_all "qemu-system-x86_64 is not installed"

qemu_scenario() { qemu_guest "$2" "scenario=$1"; }	# qemu_scenario NAME LOG

for n in softirq selfipi timer-oneshot timer-periodic irq-api; do
	qemu_scenario $n "$TMP/$n.log"
	is $? 1 "$n: QEMU run ended through isa-debug-exit with 0"
	run_limited 10 "$VMM" judge --scenario=configs/$n.yaml "$TMP/$n.log" >"$TMP/$n.out" 2>&1
	is $? 0 "$n: every check passes under QEMU TCG"
	[ -s "$TMP/$n.out" ] && grep -q FAIL "$TMP/$n.out" && sed 's/^/#   /' "$TMP/$n.out"
done

# QEMU 7.2 TCG has no TSC-deadline timer: the scenario must say so, not pass.
qemu_scenario timer-tsc-deadline "$TMP/tsc.log"
run_limited 10 "$VMM" judge --scenario=configs/timer-tsc-deadline.yaml "$TMP/tsc.log" >"$TMP/tsc.out" 2>&1
is $? 1 "timer-tsc-deadline: fails under QEMU TCG, which lacks TSC-deadline"

# The judge catches a planted wrong stream: softirqs in raise order, not bit order.
awk '/^ev softirq/ && !done { held = $0; done = 1; next } { print } END { print held }' \
	"$TMP/softirq.log" >"$TMP/planted.log"
run_limited 10 "$VMM" judge --scenario=configs/softirq.yaml "$TMP/planted.log" >"$TMP/planted.out" 2>&1
is $? 1 "planted out-of-order softirq: judged as failing"
like "$TMP/planted.out" 'FAIL' "planted out-of-order softirq: a check is named FAIL"

printf 'ev entry vec=zz depth=1 cpl=0 arg=0x0\n' >"$TMP/bad.log"
run_limited 10 "$VMM" judge --scenario=configs/softirq.yaml "$TMP/bad.log" >"$TMP/bad.out" 2>"$TMP/bad.err"
is $? 2 "malformed event log: exit status 2"
like "$TMP/bad.err" 'bad.log:1: not an event line' "malformed event log: file and line named"
done_testing
