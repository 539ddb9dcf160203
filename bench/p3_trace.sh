#!/bin/sh
# P3: tracing overhead. The same runs with and without --trace (median of
# BENCH_REPS), as a ratio. Needs /dev/kvm: says so and exits 0 without it.
set -u
BUILD=${BUILD:-build}
VMM=$BUILD/vmm
GUEST=$BUILD/guest.elf
REPS=${BENCH_REPS:-7}
if ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then
	echo "P3 tracing overhead: skipped: /dev/kvm is absent here"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
ms() {	# ms CMD...: wall milliseconds of one run
	s=$(date +%s%N)
	"$@" >/dev/null 2>&1
	e=$(date +%s%N)
	echo $(((e - s) / 1000))
}
echo "P3 tracing overhead, median of $REPS runs (ms)"
printf '%-36s %9s %9s %8s\n' "run" "off" "on" "overhead"
for what in "self-test:" "scenario nesting (user):--scenario configs/nesting.yaml --irqchip=user" \
	    "scenario softirq (user):--scenario configs/softirq.yaml --irqchip=user"; do
	name=${what%%:*}
	args=${what#*:}
	off=$(for i in $(seq $REPS); do ms $VMM run --quiet $args $GUEST; done | median)
	on=$(for i in $(seq $REPS); do ms $VMM run --quiet --trace $tmp/t.itr $args $GUEST; done | median)
	awk -v n="$name" -v off="$off" -v on="$on" \
		'BEGIN { printf "%-36s %9.1f %9.1f %7.1f%%\n", n, off / 1000, on / 1000, (on - off) * 100 / off }'
done
off=$(for i in $(seq $REPS); do ms $VMM run --quiet $GUEST; done | median)
on=$(for i in $(seq $REPS); do ms $VMM run --quiet --trace $tmp/t.itr --kvm-tracepoints $GUEST; done | median)
awk -v off="$off" -v on="$on" 'BEGIN { printf "%-36s %9.1f %9.1f %7.1f%%   (opt-in: a tracefs instance per run)\n", "self-test + --kvm-tracepoints", off / 1000, on / 1000, (on - off) * 100 / off }'
echo "goal: overhead <= 5% (for --trace; --kvm-tracepoints pays a fixed tracefs set-up)"
