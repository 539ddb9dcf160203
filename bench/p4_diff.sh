#!/bin/bash
# SPDX-License-Identifier: MIT
# P4: `vmm trace diff` throughput on synthetic trace pairs (the second of each
# pair carries one late errcode mutation), against reading the same two files
# raw (`cat A B > /dev/null`, the physical limit, measured in the same run),
# and its peak RSS, which must not grow with trace length. Goals, from 10M
# records: >= 20M records/s per side, >= 50% of cat's throughput; RSS flat.
# Best of P4_RUNS runs of each. Usage: bench/p4_diff.sh [VMM]
# (default $VMM, else $BUILD/vmm, else build/vmm; P4_RECORDS="1000000 10000000 50000000")
set -eu
BUILD=${BUILD:-build}
VMM=${1:-${VMM:-$BUILD/vmm}}
DIR="$BUILD/p4"
RECORDS=${P4_RECORDS:-1000000 10000000 50000000}
RUNS=${P4_RUNS:-5}
GOAL=20000000	# records/s per side
GOAL_RAW=50	# percent of cat's throughput
GATE=10000000	# the throughput goals hold from here; below, process start-up dominates
mkdir -p "$DIR"
trap 'rm -rf "$DIR"' EXIT

# One run: "WALL_SECONDS MAXRSS_KIB EXIT_STATUS CPU_SECONDS", from wait4(2) in a small C wrapper.
${CC:-cc} -O2 -Wall -o "$DIR/p4_rusage" bench/p4_rusage.c
measure() {
	"$DIR/p4_rusage" "$@"
}
less() { awk "BEGIN { exit !($1 < $2) }"; }

fail=0
rss_first= n_first=
for n in $RECORDS; do
	"$VMM" trace synth --records "$n" --seed 4 --vcpus 2 -o "$DIR/a.itr"
	"$VMM" trace synth --records "$n" --seed 4 --vcpus 2 --mutate errcode --at $((n - n / 100)) \
		-o "$DIR/b.itr" 2>/dev/null
	cat "$DIR/a.itr" "$DIR/b.itr" >/dev/null	# page cache warm: measure diff, not the disk
	best= cpu= raw= rss=0
	for run in $(seq "$RUNS"); do	# diff and cat alternate: the same machine state for both
		read -r wall kib st c < <(measure "$VMM" trace diff "$DIR/a.itr" "$DIR/b.itr")
		if [ "$st" != 1 ]; then
			echo "p4: diff exited $st, want 1 (one planted difference)" >&2
			exit 2
		fi
		if [ -z "$best" ] || less "$wall" "$best"; then best=$wall cpu=$c; fi
		[ "$kib" -gt "$rss" ] && rss=$kib
		read -r wall kib st c < <(measure cat "$DIR/a.itr" "$DIR/b.itr")
		if [ -z "$raw" ] || less "$wall" "$raw"; then raw=$wall; fi
	done
	rate=$(awk "BEGIN { printf \"%.0f\", $n / $best }")
	pct=$(awk "BEGIN { printf \"%.0f\", 100 * $raw / $best }")
	printf 'P4 %s records: diff %.3f s (cpu %.3f s), cat A B %.3f s, peak RSS %s KiB\n' \
		"$n" "$best" "$cpu" "$raw" "$rss"
	if [ "$n" -ge $GATE ]; then
		[ "$rate" -ge $GOAL ] && v=PASS || { v=MISS; fail=1; }
		[ "$pct" -ge $GOAL_RAW ] && w=PASS || { w=MISS; fail=1; }
	else
		v=info w=info
	fi
	echo "P4 throughput at $n: goal >= $GOAL records/s per side, measured $rate: $v"
	echo "P4 vs raw read at $n: goal >= $GOAL_RAW% of cat A B's throughput, measured $pct%: $w"
	[ -z "$rss_first" ] && rss_first=$rss n_first=$n
	rss_last=$rss n_last=$n
	rm -f "$DIR/a.itr" "$DIR/b.itr"
done
[ "$rss_last" -le $((rss_first + 1024)) ] && v=PASS || { v=MISS; fail=1; }
echo "P4 memory: goal peak RSS flat (<= +1024 KiB) from $n_first to $n_last records, measured $rss_first -> $rss_last KiB: $v"
exit $fail
