#!/bin/sh
# P5: replay cost. Each scenario recorded (vmm run --trace) and replayed
# (vmm replay, its diff included), medians of BENCH_REPS, side by side in one
# run, as a ratio; timer-periodic is the asynchronous case (ticks that land
# inside a wait loop, placed with a breakpoint). Needs /dev/kvm.
set -u
. "$(dirname "$0")/lib.sh"
need_kvm "P5 replay"
echo "P5 replay over recording, user irqchip, median of $REPS runs (ms)"
printf '%-26s %9s %9s %7s  %s\n' "scenario" "record" "replay" "ratio" "goal <= 1.2x"
sum_r=0
sum_p=0
failed=0
async=
: >$tmp/rows
for sc in nesting priority level masked softirq tpr nmi-blocked timer-oneshot timer-periodic ipi sipi; do
	label=$sc
	[ "$sc" = timer-periodic ] && label="$sc (async)"
	rec=$(for i in $(seq $REPS); do us $VMM run --quiet --irqchip=user --scenario=configs/$sc.yaml \
		--trace=$tmp/$sc.itr $GUEST; done | median)
	rep=fail
	if [ "$rec" != fail ]; then
		$VMM replay --quiet $tmp/$sc.itr >$tmp/out 2>&1 || { echo "$sc: the replay differs:"; tail -3 $tmp/out; }
		rep=$(for i in $(seq $REPS); do us $VMM replay --quiet $tmp/$sc.itr; done | median)
	fi
	if [ "$rec" = fail ] || [ "$rep" = fail ]; then
		printf '%-26s %9s %9s %7s  %s\n' "$label" - - - "ERROR (a run failed: above)"
		failed=1
		continue
	fi
	sum_r=$((sum_r + rec))
	sum_p=$((sum_p + rep))
	[ "$sc" = timer-periodic ] && async=$(awk -v r="$rec" -v p="$rep" 'BEGIN { printf "%.2f", p / r }')
	awk -v n="$label" -v r="$rec" -v p="$rep" 'BEGIN { x = p / r;
		printf "%-26s %9.1f %9.1f %6.2fx  %s\n", n, r / 1000, p / 1000, x, x <= 1.2 ? "PASS" : "MISS" }' |
		tee -a $tmp/rows
done
if [ $failed = 1 ]; then
	printf '%-26s %9s %9s %7s  %s\n' suite - - - "ERROR (not every scenario ran)"
	echo "P5 replay: goal <= 1.2x for the suite and the asynchronous run: ERROR (a run failed)"
else
	suite=$(awk -v r="$sum_r" -v p="$sum_p" 'BEGIN { printf "%.2f", p / r }')
	awk -v r="$sum_r" -v p="$sum_p" 'BEGIN { x = p / r;
		printf "%-26s %9.1f %9.1f %6.2fx  %s\n", "suite", r / 1000, p / 1000, x, x <= 1.2 ? "PASS" : "MISS" }'
	over=$(awk '$NF == "MISS" { printf "%s%s", n++ ? ", " : "", $1 }' $tmp/rows)
	awk -v s="$suite" -v a="$async" -v o="${over:-none}" 'BEGIN {
		printf "P5 replay: goal <= 1.2x for the suite and the asynchronous run, measured %sx and %sx: %s (scenarios over 1.2x on their own: %s)\n",
		       s, a, s <= 1.2 && a <= 1.2 ? "PASS" : "MISS", o }'
fi
echo "replay includes reading the trace, placing each delivery and diffing the two traces"
