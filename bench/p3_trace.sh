#!/bin/sh
# P3: tracing overhead on wall time. Each run without and with --trace, paired
# (the two back to back, their order alternating), BENCH_REPS pairs (at least
# 9); the overhead is the median of the pairs' ratios, so that a noisy, shared
# machine moves both sides of a pair together. Goal: <= 5% for --trace.
# VMM, GUEST (or BUILD) pick the binaries. Needs /dev/kvm: says so and exits 0 without it.
set -u
. "$(dirname "$0")/lib.sh"
need_kvm "P3 tracing overhead"
[ "$REPS" -lt 9 ] && REPS=9
GOAL=5
worst=
failed=
# pairs NAME ARGS...: "OFF_MS ON_MS OVERHEAD_PCT" (medians; the overhead of the paired ratios)
pairs() {
	extra=$1
	shift
	for i in $(seq $REPS); do
		if [ $((i % 2)) = 1 ]; then
			off=$(us $VMM run --quiet "$@" $GUEST)
			on=$(us $VMM run --quiet --trace "$tmp/t.itr" $extra "$@" $GUEST)
		else
			on=$(us $VMM run --quiet --trace "$tmp/t.itr" $extra "$@" $GUEST)
			off=$(us $VMM run --quiet "$@" $GUEST)
		fi
		echo "$off $on"
	done >"$tmp/pairs"
	if grep -q fail "$tmp/pairs"; then
		echo "fail fail fail"	# a run failed (us said why): no overhead from it
		return
	fi
	off=$(cut -d' ' -f1 "$tmp/pairs" | median)
	on=$(cut -d' ' -f2 "$tmp/pairs" | median)
	pct=$(awk '{ printf "%.6f\n", ($2 - $1) * 100 / $1 }' "$tmp/pairs" | median)
	echo "$off $on $pct"
}
echo "P3 tracing overhead: $REPS paired runs each side, medians (ms); overhead = median of the pairs' ratios"
printf '%-34s %9s %9s %9s  %s\n' "run" "off" "on" "overhead" "goal <= $GOAL%"
for what in "self-test:" "scenario nesting (user):--scenario configs/nesting.yaml --irqchip=user" \
	    "scenario softirq (user):--scenario configs/softirq.yaml --irqchip=user"; do
	name=${what%%:*}
	# shellcheck disable=SC2086 # the arguments are words
	set -- $(pairs "" ${what#*:})
	if [ "$1" = fail ]; then
		printf '%-34s %9s %9s %9s  %s\n' "$name" - - - "ERROR (a run failed: above)"
		failed=1
		continue
	fi
	awk -v n="$name" -v off="$1" -v on="$2" -v p="$3" -v g=$GOAL 'BEGIN {
		printf "%-34s %9.1f %9.1f %8.1f%%  %s\n", n, off / 1000, on / 1000, p, p <= g ? "PASS" : "MISS" }'
	worst=$(printf '%s\n%s\n' "$3" "${worst:-$3}" | sort -g | tail -1)
done
set -- $(pairs --kvm-tracepoints)
[ "$1" = fail ] && printf '%-34s %9s %9s %9s  %s\n' "self-test + --kvm-tracepoints" - - - \
	"info: a run failed (above)"
[ "$1" = fail ] || awk -v off="$1" -v on="$2" -v p="$3" 'BEGIN {
	printf "%-34s %9.1f %9.1f %8.1f%%  info (opt-in: a tracefs instance per run)\n",
	       "self-test + --kvm-tracepoints", off / 1000, on / 1000, p }'
if [ -n "$failed" ]; then
	echo "P3 tracing overhead: goal <= $GOAL%: ERROR (a run failed, so not every overhead was measured)"
	exit 0
fi
awk -v w="$worst" -v g=$GOAL -v n=$REPS 'BEGIN {
	printf "P3 tracing overhead: goal <= %d%%, measured %+.1f%% (worst of the --trace runs, median of %d pairs): %s\n",
	       g, w, n, w <= g ? "PASS" : "MISS" }'
