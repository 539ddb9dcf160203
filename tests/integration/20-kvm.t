#!/bin/bash
# The guest under KVM: boot protocols, the exception self-test, and every way a
# run can end (watchdog, triple fault, signal). Needs /dev/kvm.
. "$(dirname "$0")/lib.sh"
need_kvm

# vmm probe measures what the benchmarks stand on: an emulated CPL0 instruction, and each
# kind the guest's trace records are made of, an exit, the bare delivery with every one of
# its 2000 injections handled (numbers vary by host: their presence is what is checked)
run_limited 60 "$VMM" probe >"$TMP/probe" 2>&1
is $? 0 "probe: exit 0"
like "$TMP/probe" '^  64-bit long-mode entry: +works$' "probe: the 64-bit probe guest runs"
like "$TMP/probe" '^  guest CPL0 instruction: +[0-9.]+ ns -> (EMULATED|native)' "probe: a CPL0 instruction's time"
like "$TMP/probe" '^  bare delivery: +[0-9.]+ us, [0-9]+ deliveries/s .*; 2000\)$' "probe: the bare delivery, all 2000"
if grep -q 'guest CPL0 instruction: .*EMULATED' "$TMP/probe"; then
	is "$(grep -cE '^    (load|store|read-modify-write|locked|rdtsc): +[0-9.]+ ns \(' "$TMP/probe")" 5 \
		"probe, emulated CPL0: a time for each kind the trace records use (load, store, RMW, locked, rdtsc)"
else
	is "$(grep -c '^    load:' "$TMP/probe")" 0 "probe, native CPL0: no instruction kinds (nothing emulated to tell apart)"
fi

# Boot each protocol to the banner and a clean exit.
for proto in pvh multiboot elf64; do
	run_limited 30 "$VMM" run --timeout 20 --boot=$proto --cmdline "test=none" "$GUEST" \
		>"$TMP/$proto.out" 2>"$TMP/$proto.err"
	is $? 0 "boot $proto: exit status 0"
	like "$TMP/$proto.out" "boot=$proto" "boot $proto: the guest saw the $proto hand-off"
done

# The BSP's LVT entries stick as written (LINT1 NMI and LVT error unmasked):
# they are written after SVR's software enable (SDM 11.4.7.2), and the guest
# reads them back, saying "apic: cpu N: LVT1 reads ..." where a mask stuck.
# selfipi runs under kernel, split and user; apic=xapic once more.
run_limited 60 "$VMM" run --scenario configs/selfipi.yaml "$GUEST" >"$TMP/lvt.out" 2>&1
is $? 0 "LVT read-back: selfipi exits 0"
is "$(grep -Ec '^apic: (x2apic|xapic) id ' "$TMP/lvt.out")" 3 "LVT read-back: the APIC set up in three modes"
is "$(grep -c '^apic: cpu .* written' "$TMP/lvt.out")" 0 "LVT read-back: LVT1 and LVT error read as written (not masked)"
run_limited 60 "$VMM" run --irqchip=kernel --cmdline "scenario=selfipi apic=xapic" "$GUEST" >"$TMP/lvtx.out" 2>&1
is $? 0 "LVT read-back, apic=xapic: exit 0"
like "$TMP/lvtx.out" '^apic: xapic id ' "LVT read-back, apic=xapic: xAPIC mode"
is "$(grep -c '^apic: cpu .* written' "$TMP/lvtx.out")" 0 "LVT read-back, apic=xapic: LVT1 and LVT error as written"

# The exception self-test, default command line.
run_limited 120 "$VMM" run --timeout 100 "$GUEST" >"$TMP/st.out" 2>"$TMP/st.err"
st=$?
is $st 0 "self-test: exit status 0 (every case passes or is a pinned host divergence)"
[ $st -eq 0 ] || sed 's/^/#   /' "$TMP/st.out" "$TMP/st.err"
like "$TMP/st.out" '^exception self-test: [0-9]+ cases' "self-test: table printed"
like "$TMP/st.out" '^self-test: [0-9]+ passed, 0 failed' "self-test: summary line, no failure"
cases="#DE-cpl0 #DB-tf-cpl0 #BP-cpl0 #UD-cpl0 #NM-cpl0 #SS-cpl0 #GP-cpl0 #PF-np-cpl0
	#PF-write-cpl0 #PF-nx-cpl0 #MF-cpl0 #XM-cpl0 int41-cpl0 #BP-cpl3 #UD-cpl3 #DE-cpl3
	#DB-tf-cpl3 #PF-np-cpl3 #PF-sup-cpl3 #NM-cpl3 #MF-cpl3 #XM-cpl3 #AC-cpl3 int80-cpl3
	int41-cpl3 #DF-cpl0 #NP-cpl0"
for c in $cases; do
	like "$TMP/st.out" "^  $c +[03] .* (kvm|vmm)  (PASS|DIVERGENCE)" "self-test: case $c reported, PASS or a pinned divergence"
done
is "$(grep -Ec '^  [#a-z].*-cpl[03] ' "$TMP/st.out")" 27 "self-test: exactly 27 cases"
if [ -d /sys/module/kvm_pvm ]; then
	like "$TMP/st.out" '^  #BP-cpl0 .* vmm  PASS' "PVM host: int3 at CPL0 was delivered by the VMM (PVM-1)"
	like "$TMP/st.out" '^  int41-cpl0 .* vmm  PASS' "PVM host: int \$0x41 at CPL0 was delivered by the VMM"
fi
if grep -q DIVERGENCE "$TMP/st.out"; then
	run_limited 120 "$VMM" run --strict --timeout 100 "$GUEST" >"$TMP/strict.out" 2>&1
	is $? 1 "--strict: known divergences fail the run (exit 1)"
fi

# A guest that never ends: the watchdog stops it with a report.
run_limited 30 "$VMM" run --timeout 1 --cmdline "test=hang" "$GUEST" >"$TMP/hang.out" 2>"$TMP/hang.err"
is $? 6 "watchdog: exit status 6"
like "$TMP/hang.err" 'watchdog' "watchdog: says why"
like "$TMP/hang.err" '^  rip [0-9a-f]{16}' "watchdog: register dump"
like "$TMP/hang.err" 'last guest events' "watchdog: last guest events"

# A triple fault: distinct status, register dump, the instruction at RIP.
run_limited 30 "$VMM" run --timeout 20 --cmdline "test=triple-fault" "$GUEST" >"$TMP/tf.out" 2>"$TMP/tf.err"
is $? 4 "triple fault: exit status 4"
like "$TMP/tf.err" 'triple fault' "triple fault: named"
like "$TMP/tf.err" 'insn at rip: ' "triple fault: instruction at RIP decoded"

# SIGTERM and SIGINT end the run cleanly with status 10.
for sig in TERM INT; do
	"$VMM" run --timeout 30 --cmdline "test=hang" "$GUEST" >"$TMP/sig.out" 2>"$TMP/sig.err" &
	pid=$!
	sleep 1
	kill -$sig $pid
	wait $pid
	is $? 10 "SIG$sig: exit status 10"
	like "$TMP/sig.err" "SIG$sig" "SIG$sig: named in the report"
done
done_testing
