#!/bin/sh
# P5: replay cost. Each scenario recorded (vmm run --trace) and replayed
# (vmm replay, its diff included), medians of BENCH_REPS, side by side in one
# run, as a ratio; timer-periodic is the asynchronous case (ticks that land
# inside a wait loop, placed with a breakpoint). Needs /dev/kvm.
set -u
BUILD=${BUILD:-build}
VMM=$BUILD/vmm
GUEST=$BUILD/guest.elf
REPS=${BENCH_REPS:-7}
if ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then
	echo "P5 replay: skipped: /dev/kvm is absent here"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
ms() {	# ms CMD...: wall microseconds of one run
	s=$(date +%s%N)
	"$@" >/dev/null 2>&1
	e=$(date +%s%N)
	echo $(((e - s) / 1000))
}
echo "P5 replay over recording, user irqchip, median of $REPS runs (ms)"
printf '%-26s %9s %9s %7s  %s\n' "scenario" "record" "replay" "ratio" "goal <= 1.2x"
sum_r=0
sum_p=0
for s in nesting priority level masked softirq tpr nmi-blocked timer-oneshot timer-periodic ipi sipi; do
	rec=$(for i in $(seq $REPS); do ms $VMM run --quiet --irqchip=user --scenario=configs/$s.yaml \
		--trace=$tmp/$s.itr $GUEST; done | median)
	$VMM replay --quiet $tmp/$s.itr >$tmp/out 2>&1 || { echo "$s: the replay differs:"; tail -3 $tmp/out; }
	rep=$(for i in $(seq $REPS); do ms $VMM replay --quiet $tmp/$s.itr; done | median)
	sum_r=$((sum_r + rec))
	sum_p=$((sum_p + rep))
	label=$s
	[ "$s" = timer-periodic ] && label="$s (async)"
	awk -v n="$label" -v r="$rec" -v p="$rep" 'BEGIN { x = p / r;
		printf "%-26s %9.1f %9.1f %6.2fx  %s\n", n, r / 1000, p / 1000, x, x <= 1.2 ? "PASS" : "MISS" }'
done
awk -v r="$sum_r" -v p="$sum_p" 'BEGIN { x = p / r;
	printf "%-26s %9.1f %9.1f %6.2fx  %s\n", "suite", r / 1000, p / 1000, x, x <= 1.2 ? "PASS" : "MISS" }'
echo "replay includes reading the trace, placing each delivery and diffing the two traces"
