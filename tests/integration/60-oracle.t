#!/bin/bash
# `vmm check --trace`: the oracle over synthetic traces (no KVM needed): an exact
# stream passes, each planted defect fails with its first divergence named.
. "$(dirname "$0")/lib.sh"

run_limited 30 "$VMM" trace synth --arch -o "$TMP/clean.itr"
ok $? "synth --arch writes an exact trace"
run_limited 30 "$VMM" check --trace="$TMP/clean.itr" >"$TMP/out" 2>&1
ok $? "check: the exact trace passes (exit 0)"
like "$TMP/out" '^check .*clean\.itr irqchip=user: oracle PASS \(12 deliveries checked\); expected pass; OK$' \
	"check: one summary line, PASS"

# defect -> tag of the first finding
for d in order:order lost:lost no-iret:no-iret nest:nest nmi:nmi if:if tpr:tpr errcode:errcode \
	 depth:depth extra:extra eoi:eoi; do
	name=${d%%:*}
	tag=${d#*:}
	run_limited 30 "$VMM" trace synth --arch --plant "$name" -o "$TMP/$name.itr" 2>"$TMP/synth"
	seq=$(sed -n 's/.*planted at seq \([0-9]*\)$/\1/p' "$TMP/synth")
	run_limited 30 "$VMM" check --trace="$TMP/$name.itr" >"$TMP/out" 2>&1
	is $? 1 "check: planted $name fails (exit 1)"
	like "$TMP/out" "^oracle\\[user\\]: first divergence: seq [0-9]+ \\[$tag\\]: " "check: $name's first divergence is [$tag]"
	if [ "$name" != no-iret ]; then	# no-iret shows at the IRET that closes the frame
		like "$TMP/out" "^oracle\\[user\\]: first divergence: seq $seq " "check: $name found at the planted seq $seq"
	fi
	like "$TMP/out" "^check .* irqchip=user: oracle DIVERGENCE \\([0-9]+ findings?: .*\\), first at seq [0-9]+ \\[$tag\\]; expected pass; FAIL$" \
		"check: $name summary line"
done

like_exact() { grep -qF -- "$2" "$1"; ok $? "$3"; }
like_exact "$TMP/out" "first divergence: seq 29 [eoi]: EOI retires v=41 (highest in service); the guest saw nothing in service, 0xff" \
	"check: the EOI divergence in words (PVM-4's signature)"

run_limited 30 "$VMM" check --trace="$TMP/eoi.itr" --expect-divergence=user >"$TMP/out" 2>&1
ok $? "--expect-divergence=user: a divergence there is exit 0"
like "$TMP/out" 'expected divergence; OK$' "--expect-divergence: summary says so"
run_limited 30 "$VMM" check --trace="$TMP/clean.itr" --expect-divergence=all >"$TMP/out" 2>&1
is $? 1 "--expect-divergence: a PASS where a divergence was expected fails"
like "$TMP/out" 'FAIL \(expected divergence absent\)$' "... and says the expected divergence is absent"

# a random synth stream (no IF records) still reads; a corrupt file is exit 2
head -c 100 "$TMP/clean.itr" >"$TMP/cut.itr"
run_limited 30 "$VMM" check --trace="$TMP/cut.itr" >"$TMP/out" 2>&1
is $? 1 "truncated trace: inconclusive, exit 1"
like "$TMP/out" 'oracle INCONCLUSIVE' "truncated trace: INCONCLUSIVE"
printf 'garbage' >"$TMP/bad.itr"
run_limited 30 "$VMM" check --trace="$TMP/bad.itr" >"$TMP/out" 2>&1
is $? 2 "unreadable trace: exit 2"
run_limited 30 "$VMM" check >"$TMP/out" 2>&1
is $? 2 "no arguments: exit 2"
run_limited 30 "$VMM" check --trace="$TMP/clean.itr" --expect-divergence=bogus >"$TMP/out" 2>&1
is $? 2 "bad --expect-divergence: exit 2"

done_testing
