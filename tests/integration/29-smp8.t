#!/bin/bash
# Eight vCPUs in every irqchip mode (configs/ipi8.yaml, sipi8.yaml): the APs
# start together by INIT, SIPI, SIPI to all but self (ipi8) or by the VMM's
# INIT and SIPI to each (sipi8), then each takes an IPI by APIC ID, a logical
# multicast, an all-but-self IPI and an NMI; each answers CPU 0 once. The
# guest's own counters (--interrupts) must show exactly that, vCPU by vCPU,
# and the oracle must judge every delivery. --vcpus=9 is refused in one line.
. "$(dirname "$0")/lib.sh"
need_kvm

# counters ROW FILE: the row's eight per-CPU columns, space-separated
counters() {
	awk -v r="$1:" '$1 == r { print $2, $3, $4, $5, $6, $7, $8, $9; exit }' "$2"
}

for sc in ipi8 sipi8; do
	for m in kernel split user; do
		run_limited 120 "$VMM" run --quiet --interrupts --timeout=100 --scenario configs/$sc.yaml \
			--irqchip=$m "$GUEST" >"$TMP/$sc.$m.out" 2>"$TMP/$sc.$m.err"
		st=$?
		is $st 0 "$sc $m: exit status 0"
		[ $st -eq 0 ] || sed 's/^/#   /' "$TMP/$sc.$m.out" "$TMP/$sc.$m.err" | grep -v '^#   ev ' | tail -30
		like "$TMP/$sc.$m.out" "^scenario $sc: 24 passed, 0 failed, 0 known divergences$" \
			"$sc $m: all 24 checks pass"
		like "$TMP/$sc.$m.out" '^  cpu 7 takes its three IPIs in order +PASS' "$sc $m: cpu 7 took its IPIs"
		like "$TMP/$sc.$m.out" '^ +CPU0 +CPU1 +CPU2 +CPU3 +CPU4 +CPU5 +CPU6 +CPU7$' \
			"$sc $m: --interrupts has a column per vCPU"
		is "$(counters vfb "$TMP/$sc.$m.out")" "0 1 1 1 1 1 1 1" "$sc $m: one IPI by APIC ID on each AP"
		is "$(counters vfc "$TMP/$sc.$m.out")" "0 1 1 1 1 1 1 1" \
			"$sc $m: the logical multicast (flat bits 1-7) reached each AP once"
		is "$(counters vfd "$TMP/$sc.$m.out")" "7 1 1 1 1 1 1 1" \
			"$sc $m: all-but-self on each AP once; CPU 0 got one answer from each of the 7"
		is "$(counters v02 "$TMP/$sc.$m.out")" "0 1 1 1 1 1 1 1" "$sc $m: one NMI by IPI on each AP"
	done
done

# xAPIC under the in-kernel LAPIC too: the guest's flat LDR bits against KVM's
run_limited 120 "$VMM" run --quiet --interrupts --timeout=100 --scenario configs/ipi8.yaml --irqchip=kernel \
	--cmdline=apic=xapic "$GUEST" >"$TMP/xapic.out" 2>&1
is $? 0 "ipi8 kernel, apic=xapic: exit status 0"
is "$(counters vfc "$TMP/xapic.out")" "0 1 1 1 1 1 1 1" "ipi8 kernel, apic=xapic: flat logical multicast"

# The oracle, one model per vCPU: architectural under our own LAPIC; on PVM the
# in-kernel LAPIC EOIs at acceptance (PVM-4), which its host model explains.
for sc in ipi8 sipi8; do
	run_limited 120 "$VMM" check --quiet --scenario=configs/$sc.yaml --irqchip=user --keep-traces="$TMP/k.$sc" \
		"$GUEST" >"$TMP/$sc.check" 2>&1
	is $? 0 "$sc: vmm check under --irqchip=user passes"
	like "$TMP/$sc.check" "^check $sc irqchip=user: oracle PASS \\(35 deliveries checked\\)" \
		"$sc: the oracle checked all 35 deliveries"
	hm=
	[ -d /sys/module/kvm_pvm ] && hm=--host-model=pvm-4
	run_limited 120 "$VMM" check --quiet --scenario=configs/$sc.yaml --irqchip=kernel,split $hm "$GUEST" \
		>"$TMP/$sc.check.k" 2>&1
	is $? 0 "$sc: vmm check under kernel and split passes ${hm:-(SDM)}"
	grep -q '^check .*oracle PASS' "$TMP/$sc.check.k" || sed 's/^/#   /' "$TMP/$sc.check.k" | tail -6
done
# the trace carries vCPU 7's records, and the offline verdict is the same
t=$(ls "$TMP"/k.ipi8/*.itr 2>/dev/null | head -1)
ok $([ -n "$t" ]; echo $?) "ipi8: --keep-traces kept the user-mode trace"
run_limited 20 "$VMM" trace show "$t" >"$TMP/show" 2>&1
like "$TMP/show" ' cpu=7$' "ipi8 trace: records of vCPU 7"
run_limited 20 "$VMM" check --trace="$t" >"$TMP/offline" 2>&1
is $? 0 "ipi8 trace judged offline: PASS"

# nine is one too many, for every way of asking
for args in "run" "run --scenario=configs/ipi8.yaml" "storm --count=1"; do
	run_limited 10 "$VMM" $args --vcpus=9 "$GUEST" >"$TMP/nine" 2>&1
	is $? 2 "$args --vcpus=9: exit status 2"
	is "$(wc -l <"$TMP/nine")" 1 "$args --vcpus=9: one line"
	like "$TMP/nine" "--vcpus: '9' is not 1\\.\\.8" "$args --vcpus=9: says the range"
done
run_limited 10 "$VMM" storm --count=1 --vcpus=3 "$GUEST" >"$TMP/three" 2>&1
is $? 2 "storm --vcpus=3: exit status 2 (the storm program drives two CPUs)"
is "$(wc -l <"$TMP/three")" 1 "storm --vcpus=3: one line"
sed 's/^vcpus: 8$/vcpus: 9/' configs/ipi8.yaml >"$TMP/nine.yaml"
run_limited 10 "$VMM" validate "$TMP/nine.yaml" >"$TMP/nine" 2>&1
is $? 2 "a config with vcpus: 9: exit status 2"
like "$TMP/nine" "nine.yaml:[0-9]+:[0-9]+: vcpus: 9 is out of range 1\\.\\.8" "vcpus: 9: file, line, column, range"
done_testing
