#!/bin/sh
# P6: judged injections per second under vmm storm, per irqchip mode, next
# to the platform floor measured in the same run (vmm probe's bare delivery:
# one exit, one KVM_INTERRUPT, a two-instruction handler, IRET; no tracing).
# Goal: at least 50% of the floor. Needs /dev/kvm.
set -u
. "$(dirname "$0")/lib.sh"
need_kvm "P6 storm"
SECS=${P6_SECONDS:-5}
floor=$($VMM probe 2>/dev/null | sed -n 's/^  bare delivery: *[0-9.]* us, \([0-9]*\) deliveries\/s.*/\1/p')
if [ -z "$floor" ]; then
	echo "P6 storm: skipped: vmm probe measured no bare delivery"
	exit 0
fi
echo "P6 storm: judged injections/s over $SECS s a mode, against the floor of $floor bare deliveries/s"
printf '%-8s %12s %12s %8s  %s\n' "irqchip" "inj/s" "floor/s" "ratio" "goal >= 50% of the floor"
for m in kernel split user; do
	rate=$($VMM storm --seed=1 --duration=$SECS --irqchip=$m --quiet --out=$tmp $GUEST 2>/dev/null |
		sed -n 's/^storm [a-z]*: .*(\([0-9]*\) injections\/s).*/\1/p')
	[ -n "$rate" ] || rate=0
	awk -v m="$m" -v r="$rate" -v f="$floor" 'BEGIN { x = r / f;
		printf "%-8s %12d %12d %7.1f%%  %s\n", m, r, f, 100 * x, (x >= 0.5 ? "PASS" : "MISS") }'
done
echo "a storm injection is judged: traced, its round checked by the oracle and the guest's invariants;"
echo "the guest's handler path (the irq layer, softirqs, windows that read IRR) runs at CPL0, emulated"
