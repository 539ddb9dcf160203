#!/bin/bash
# Every scenario under every irqchip mode it lists, on KVM. User mode (our
# LAPIC/IOAPIC) must be architecturally right: all PASS, no divergence.
# Kernel/split may only differ in ways the config pins. Needs /dev/kvm.
. "$(dirname "$0")/lib.sh"
need_kvm

for f in configs/*.yaml; do
	n=$(basename "$f" .yaml)
	run_limited 120 "$VMM" run --scenario "$f" "$GUEST" >"$TMP/$n.out" 2>"$TMP/$n.err"
	st=$?
	is $st 0 "$n: exit status 0"
	[ $st -eq 0 ] || sed 's/^/#   /' "$TMP/$n.out" "$TMP/$n.err" | grep -v '^#   ev ' | tail -30
	if grep -q "(irqchip user)" "$TMP/$n.out"; then
		# the summary line of the user-mode block itself, not any mode's
		awk '/\(irqchip user\)/ { u = 1 } u && /^scenario .*: [0-9]+ passed/ { print; exit }' \
			"$TMP/$n.out" >"$TMP/$n.user"
		like "$TMP/$n.user" "^scenario [a-z0-9-]+: [0-9]+ passed, 0 failed, 0 known divergences$" \
			"$n: user irqchip is architectural (all PASS)"
	fi
	is "$(grep -Ec '^scenario .*: [0-9]+ passed, [1-9][0-9]* failed' "$TMP/$n.out")" 0 "$n: no failed check in any mode"
done

# A planted wrong expectation must fail the run, naming the check.
sed 's/value: \[0x61, 0x41\]/value: [0x41, 0x61]/' configs/priority.yaml >"$TMP/wrong.yaml"
run_limited 60 "$VMM" run --scenario "$TMP/wrong.yaml" --irqchip=user "$GUEST" >"$TMP/wrong.out" 2>&1
is $? 1 "planted wrong expected order: exit status 1"
like "$TMP/wrong.out" 'higher class first +FAIL' "planted wrong expected order: the check is named FAIL"

# --strict turns pinned kernel-mode divergences into failures.
if grep -q DIVERGENCE "$TMP/isr.out"; then
	run_limited 60 "$VMM" run --strict --scenario configs/isr.yaml --irqchip=kernel "$GUEST" >"$TMP/strict.out" 2>&1
	is $? 1 "--strict: a pinned divergence fails the run"
fi
done_testing
