#!/bin/bash
# SPDX-License-Identifier: MIT
# P4: `vmm trace diff` throughput on synthetic trace pairs of 1M and 10M records
# (the second of each pair carries one late errcode mutation), and its peak RSS,
# which must not grow with trace length. Goal: >= 20M records/s at 10M.
# Usage: bench/p4_diff.sh [VMM]   (default build/vmm; P4_RECORDS="1000000 10000000")
set -eu
VMM=${1:-${VMM:-build/vmm}}
BUILD=${BUILD:-build}
DIR="$BUILD/p4"
RECORDS=${P4_RECORDS:-1000000 10000000}
GOAL=20000000
mkdir -p "$DIR"
trap 'rm -rf "$DIR"' EXIT

# One run: "WALL_SECONDS MAXRSS_KIB EXIT_STATUS", from wait4(2) in a small C wrapper.
${CC:-cc} -O2 -Wall -o "$DIR/p4_rusage" bench/p4_rusage.c
measure() {
	"$DIR/p4_rusage" "$@"
}

fail=0
rss_first=
printf '%-10s %8s %14s %14s %10s\n' records "diff s" "records/s" "A+B recs/s" "peak RSS"
for n in $RECORDS; do
	"$VMM" trace synth --records "$n" --seed 4 --vcpus 2 -o "$DIR/a.itr"
	"$VMM" trace synth --records "$n" --seed 4 --vcpus 2 --mutate errcode --at $((n - n / 100)) \
		-o "$DIR/b.itr" 2>/dev/null
	cat "$DIR/a.itr" "$DIR/b.itr" >/dev/null	# page cache warm: measure diff, not the disk
	best= rss=0
	for run in 1 2 3; do
		read -r wall kib st < <(measure "$VMM" trace diff "$DIR/a.itr" "$DIR/b.itr")
		if [ "$st" != 1 ]; then
			echo "p4: diff exited $st, want 1 (one planted difference)" >&2
			exit 2
		fi
		if [ -z "$best" ] || awk "BEGIN { exit !($wall < $best) }"; then best=$wall; fi
		[ "$kib" -gt "$rss" ] && rss=$kib
	done
	rate=$(awk "BEGIN { printf \"%.0f\", $n / $best }")
	both=$(awk "BEGIN { printf \"%.0f\", 2 * $n / $best }")
	printf '%-10s %8.3f %14s %14s %7s KiB\n' "$n" "$best" "$rate" "$both" "$rss"
	[ -z "$rss_first" ] && rss_first=$rss
	rss_last=$rss rate_last=$rate n_last=$n
	rm -f "$DIR/a.itr" "$DIR/b.itr"
done
if [ "$rate_last" -ge "$GOAL" ]; then
	echo "P4 throughput: PASS ($rate_last records/s per side at $n_last records, goal $GOAL)"
else
	echo "P4 throughput: FAIL ($rate_last records/s per side at $n_last records, goal $GOAL)"
	fail=1
fi
if [ "$rss_last" -le $((rss_first + 1024)) ]; then
	echo "P4 memory: PASS (peak RSS $rss_first KiB -> $rss_last KiB: independent of trace length)"
else
	echo "P4 memory: FAIL (peak RSS $rss_first KiB -> $rss_last KiB grows with the trace)"
	fail=1
fi
exit $fail
