#!/bin/bash
# bench/p2_deliveries.sh in a quick mode (4 sync points, one run a side):
# it builds its floor guest, prints a line per kind x irqchip mode with both
# rates, a ratio and PASS or MISS, and its summary; the floor counted exactly
# the deliveries the flood makes (ioapic-level under kernel and split: at
# least those, PVM-4 may add one, docs/DIVERGENCES.md). The traced floor (the
# floor's handlers writing the product's records, guest/ev_asm.h) ran with
# its stream intact in every cell, and its bound is printed.
. "$(dirname "$0")/lib.sh"
need_kvm
command -v gcc >/dev/null || skip_all "no gcc to build the floor guest"

P2_REPS=1 P2_SYNCS=4 VMM=$VMM GUEST=$GUEST run_limited 60 sh bench/p2_deliveries.sh >"$TMP/out" 2>"$TMP/err"
ok $? "p2_deliveries.sh P2_REPS=1 P2_SYNCS=4: exit 0"
sed 's/^/#   /' "$TMP/err" | head -10

for kind in msi ioapic-edge ioapic-level self-ipi; do
	want=4
	[ $kind = ioapic-level ] && want=8	# a device that drops its line on its second service
	for m in kernel split user; do
		line=$(grep -E "^$kind +$m " "$TMP/out")
		echo "$line" | grep -Eq "^$kind +$m +[1-9][0-9]* +[1-9][0-9]* +[0-9]+\.[0-9]% .* +[0-9]+/$want +(PASS|MISS)$"
		ok $? "$kind $m: floor/s, traced/s, a ratio and PASS or MISS"
		[ -n "$line" ] || echo "#   no line: $(head -c 2000 "$TMP/out")"
		counted=$(echo "$line" | sed -n "s|.* \([0-9]*\)/$want .*|\1|p")
		if [ $kind = ioapic-level ] && [ $m != user ]; then
			[ "${counted:-0}" -ge $want ] && [ "${counted:-0}" -le $((want + 1)) ]
			ok $? "$kind $m: the floor counted $want deliveries, or one more (PVM-4): ${counted:-none}"
		else
			[ "${counted:-0}" -eq $want ]
			ok $? "$kind $m: the floor counted exactly $want deliveries: ${counted:-none}"
		fi
	done
done
like "$TMP/out" "^  msi +kernel +traced +[0-9.]+ us = +[0-9.]+ exits \\+ +[0-9]+ insn-times; floor" "where the time goes"
like "$TMP/out" "^  msi +kernel +handler +[0-9.]+ us: at best +[0-9.]+% of the floor with this handler path$" \
	"what bounds it: the handler path, per cell"
like "$TMP/out" "^the handler path alone allows at most [0-9.]+% in the best cell \\(goal 50%\\)$" "... and its best cell"
for kind in msi ioapic-edge ioapic-level self-ipi; do
	for m in kernel split user; do
		grep -Eq "^  $kind +$m +traced floor +[0-9.]+ us, the records +[-+][0-9.]+ us: at best +[0-9.]+% of the floor$" "$TMP/out"
		ok $? "$kind $m: the traced floor measured, its records' cost and its bound"
	done
done
! grep -q "failed their check" "$TMP/out"
ok $? "every floor and traced floor run passed its check (the traced floor's stream intact)"
grep "failed their check" "$TMP/out" | sed 's/^/#   /'
like "$TMP/out" "^full tracing alone allows at most [0-9.]+% in the worst cell \\([0-9.]+% in the best; goal 50% in every cell\\): (out of reach|within reach)" \
	"full tracing alone: its bound over every cell"
like "$TMP/out" "^P2 deliveries: goal >= 50% of the floor, measured [0-9.]+% .*: (PASS|MISS|MISS \\(out of reach: full tracing alone allows at most [0-9.]+%\\))$" \
	"the summary line (a MISS the traced floor puts out of reach says so)"
done_testing
