#!/bin/sh
# P6: judged injections per second under vmm storm, per irqchip mode, next
# to the platform floor measured in the same run (vmm probe's bare delivery:
# one exit, one KVM_INTERRUPT, a two-instruction handler, IRET; no tracing).
# Goal: at least 50% of the floor. What bounds it, in the same run: the P2
# floor guest (bench/p2_floor.S, MSI) untraced and writing only ENTRY and
# IRET records (-DTRACED -DFRAME_ONLY), which every storm delivery writes at
# least (bench/p6_bound.awk). Needs /dev/kvm.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/floor.sh"
need_kvm "P6 storm"
SECS=${P6_SECONDS:-5}
REPS=${P6_REPS:-$REPS}
MODES=${P6_MODES:-kernel split user}
SYNCS=32
GOAL=50
floor=$($VMM probe 2>/dev/null | sed -n 's/^  bare delivery: *[0-9.]* us, \([0-9]*\) deliveries\/s.*/\1/p')
if [ -z "$floor" ]; then
	echo "P6 storm: skipped: vmm probe measured no bare delivery"
	exit 0
fi
bound=1
build_floor 1 && build_floor 1 frame1.elf -DTRACED -DFRAME_ONLY || bound=
config "$tmp/floor1.yaml" "    expect: entries
    value: []" "{kind: msi, vector: 0x41}"
config "$tmp/frame1.yaml" "    expect: intact
    value: [0, 0]" "{kind: msi, vector: 0x41}"
echo "P6 storm: judged injections/s over $SECS s a mode, against the floor of $floor bare deliveries/s"
printf '%-8s %12s %12s %8s  %s\n' "irqchip" "inj/s" "floor/s" "ratio" "goal >= $GOAL% of the floor"
: >"$tmp/modes"
for m in $MODES; do
	rate=$($VMM storm --seed=1 --duration=$SECS --irqchip=$m --quiet --out=$tmp $GUEST 2>/dev/null |
		sed -n 's/^storm [a-z]*: .*(\([0-9]*\) injections\/s).*/\1/p')
	[ -n "$rate" ] || rate=0
	awk -v m="$m" -v r="$rate" -v f="$floor" 'BEGIN { x = r / f;
		printf "%-8s %12d %12d %7.1f%%  %s\n", m, r, f, 100 * x, (x >= 0.5 ? "PASS" : "MISS") }'
	fus=0 tus=0
	if [ -n "$bound" ]; then
		: >"$tmp/f" && : >"$tmp/t"
		for i in $(seq "$REPS"); do
			floor_run 1 "$m" >>"$tmp/f"
			floor_run 1 "$m" frame1.elf frame1.yaml --trace="$tmp/tf.itr" >>"$tmp/t"
		done
		failed_checks "P6 storm: $m" floor "$tmp/f"
		failed_checks "P6 storm: $m" "floor writing ENTRY and IRET" "$tmp/t"
		# a failed run is no time: its line's deliveries or span is 0
		fus=$(awk '$1 > 0 && $2 > 0 && $4 { print $2 / $1 / 1000 }' "$tmp/f" | median)
		tus=$(awk '$1 > 0 && $2 > 0 && $4 { print $2 / $1 / 1000 }' "$tmp/t" | median)
	fi
	[ "$fus" = fail ] && fus=0
	[ "$tus" = fail ] && tus=0
	echo "$m $rate $floor $fus $tus" >>"$tmp/modes"
done
echo "a storm injection is judged: traced, its round checked by the oracle and the guest's invariants;"
echo "the guest's handler path (the irq layer, softirqs, windows that read IRR) runs at CPL0, emulated"
echo "what bounds it: every storm delivery writes at least its ENTRY and IRET records (guest/ev_asm.h);"
echo "their cost is the MSI floor guest writing only those against itself untraced (medians of $REPS):"
awk -v g=$GOAL -f "$(dirname "$0")/p6_bound.awk" "$tmp/modes"
