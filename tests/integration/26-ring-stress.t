#!/bin/bash
# The event ring under fire (configs/ring-stress.yaml): two vCPUs record in a
# tight loop while an NMI goes back and forth between them by IPI, in every
# irqchip mode. Over at least 100k NMIs in all, nothing may be lost, refused,
# left unpublished or torn: the "intact" checks confirm every record's order and
# the guest's own counts. RING_STRESS_COUNT sets the NMIs each vCPU takes per
# mode (default 17000: 102k in all).
. "$(dirname "$0")/lib.sh"
need_kvm

count=${RING_STRESS_COUNT:-17000}
total=0
for m in kernel split user; do
	run_limited 1200 "$VMM" run --quiet --scenario configs/ring-stress.yaml --irqchip=$m \
		--cmdline=count=$count --timeout=1100 --interrupts "$GUEST" >"$TMP/$m.out" 2>"$TMP/$m.err"
	st=$?
	is $st 0 "$m: exit status 0"
	[ $st -eq 0 ] || sed 's/^/#   /' "$TMP/$m.out" "$TMP/$m.err" | tail -20
	like "$TMP/$m.out" '^  cpu 0 stream is intact, its counts confirmed +PASS' "$m: cpu 0's stream is intact"
	like "$TMP/$m.out" '^  cpu 1 stream is intact, its counts confirmed +PASS' "$m: cpu 1's stream is intact"
	! grep -q 'incomplete' "$TMP/$m.out" "$TMP/$m.err"
	ok $? "$m: nothing dropped, refused or left unpublished"
	# the guest's own NMI counters (--interrupts), both vCPUs
	nmis=$(awk '$1 == "v02:" && $NF == "NMI" { print $2 + $3 }' "$TMP/$m.out")
	[ "${nmis:-0}" -ge $((2 * count)) ]
	ok $? "$m: both vCPUs took their $count NMIs (${nmis:-0} in all)"
	total=$((total + ${nmis:-0}))
done
[ $total -ge $((6 * count)) ] && [ "$count" -lt 17000 -o $total -ge 100000 ]
ok $? "$total NMIs in all, every record intact"
done_testing
