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

# --host-model: the PVM-4 host's view of the same program passes only under its model
run_limited 30 "$VMM" trace synth --arch --plant pvm-4 -o "$TMP/pvm4.itr" 2>/dev/null
ok $? "synth --arch --plant pvm-4 writes the stream a PVM-4 host records"
run_limited 30 "$VMM" check --trace="$TMP/pvm4.itr" >"$TMP/out" 2>&1
is $? 1 "check: the PVM-4 stream diverges under the SDM (exit 1)"
like "$TMP/out" '^check .* irqchip=kernel: oracle DIVERGENCE \([0-9]+ findings: extra 1, nest 1, eoi [0-9]+, isr [0-9]+\), first at seq 7 \[isr\]; expected pass; FAIL$' \
	"check: under the SDM, PVM-4's findings (isr first)"
run_limited 30 "$VMM" check --host-model=pvm-4 --trace="$TMP/pvm4.itr" >"$TMP/out" 2>&1
ok $? "--host-model=pvm-4: the PVM-4 stream passes (exit 0)"
like "$TMP/out" '^check .*pvm4\.itr irqchip=kernel: oracle PASS under host model PVM-4 \(13 deliveries checked\); expected pass; OK$' \
	"--host-model=pvm-4: the summary names the model"
run_limited 30 "$VMM" check --host-model=sdm --trace="$TMP/clean.itr" >"$TMP/out" 2>&1
ok $? "--host-model=sdm: the exact SDM stream passes"
like "$TMP/out" 'oracle PASS \(12 deliveries checked\)' "--host-model=sdm: the summary is the plain one"
run_limited 30 "$VMM" check --host-model=pvm-4 --trace="$TMP/clean.itr" >"$TMP/out" 2>&1
is $? 1 "--host-model=pvm-4: an SDM host's stream diverges (the model stays exact)"
like "$TMP/out" 'oracle DIVERGENCE under host model PVM-4 \(.*eoi [0-9]+, isr [0-9]+\)' "... with eoi and isr findings"
for d in if tpr errcode; do	# defects that PVM-4 does not explain are still found under it
	run_limited 30 "$VMM" check --host-model=pvm-4 --trace="$TMP/$d.itr" >"$TMP/out" 2>&1
	is $? 1 "--host-model=pvm-4: planted $d still fails"
	like "$TMP/out" "^check .* oracle DIVERGENCE under host model PVM-4 \\(.*$d [0-9]+" "--host-model=pvm-4: planted $d is still [$d]"
done
run_limited 30 "$VMM" check --host-model=pvm4 --trace="$TMP/clean.itr" >"$TMP/out" 2>&1
is $? 2 "bad --host-model: exit 2"
like "$TMP/out" "^vmm check: --host-model: not sdm, pvm-4, pvm-5 or pvm-4\\+pvm-5: 'pvm4' \\(see vmm check --help\\)$" "bad --host-model: one line naming the option"
is "$(wc -l <"$TMP/out")" 1 "bad --host-model: only that line"

done_testing
