#!/bin/sh
# P3: tracing overhead. The same runs with and without --trace (median of
# BENCH_REPS), as a ratio. Needs /dev/kvm: says so and exits 0 without it.
set -u
. "$(dirname "$0")/lib.sh"
need_kvm "P3 tracing overhead"
echo "P3 tracing overhead, median of $REPS runs (ms)"
printf '%-36s %9s %9s %8s\n' "run" "off" "on" "overhead"
for what in "self-test:" "scenario nesting (user):--scenario configs/nesting.yaml --irqchip=user" \
	    "scenario softirq (user):--scenario configs/softirq.yaml --irqchip=user"; do
	name=${what%%:*}
	args=${what#*:}
	off=$(for i in $(seq $REPS); do us $VMM run --quiet $args $GUEST; done | median)
	on=$(for i in $(seq $REPS); do us $VMM run --quiet --trace $tmp/t.itr $args $GUEST; done | median)
	awk -v n="$name" -v off="$off" -v on="$on" \
		'BEGIN { printf "%-36s %9.1f %9.1f %7.1f%%\n", n, off / 1000, on / 1000, (on - off) * 100 / off }'
done
off=$(for i in $(seq $REPS); do us $VMM run --quiet $GUEST; done | median)
on=$(for i in $(seq $REPS); do us $VMM run --quiet --trace $tmp/t.itr --kvm-tracepoints $GUEST; done | median)
awk -v off="$off" -v on="$on" 'BEGIN { printf "%-36s %9.1f %9.1f %7.1f%%   (opt-in: a tracefs instance per run)\n", "self-test + --kvm-tracepoints", off / 1000, on / 1000, (on - off) * 100 / off }'
echo "goal: overhead <= 5% (for --trace; --kvm-tracepoints pays a fixed tracefs set-up)"
