#!/bin/bash
# The libFuzzer targets built by `make fuzz-build` (build-fuzz/fuzz_NAME, from
# tests/fuzz/fuzz_NAME.c). One line per target; exit 1 if any target crashed.
#
#   scripts/fuzz.sh run SECONDS [NAME...]   fuzz each for SECONDS, from its seeds;
#                                           new inputs go to build-fuzz/corpus/NAME,
#                                           crashes to build-fuzz/crashes/NAME/
#   scripts/fuzz.sh replay [NAME...]        run every seed and every recorded crash
#                                           (tests/fuzz/{corpus,crashes}/NAME) once
set -u
cd "$(dirname "$0")/.."
B=build-fuzz

# Seed directories of a target: its corpus, plus files the project ships anyway.
seeds() {
	echo "tests/fuzz/corpus/$1"
	case $1 in
	itr) echo tests/golden ;;
	scenario) echo configs ;;
	esac
}

# Per-target options: itr's seeds include tests/golden/ring-stress.itr (580 KB),
# which would make every mutation that long; 16 KiB holds the other goldens whole.
opts() {
	case $1 in
	itr) echo -max_len=16384 ;;
	esac
}

targets() {
	if [ $# -gt 0 ]; then
		echo "$@"
	else
		ls tests/fuzz/fuzz_*.c | sed 's|.*/fuzz_||; s|\.c$||'
	fi
}

# -close_fd_mask=3: the code under test prints; libFuzzer and the sanitizers keep their output.
FLAGS=(-close_fd_mask=3 -timeout=20 -print_final_stats=1)

final_stat() {	# final_stat LOG KEY
	sed -n "s/^stat::$2: *//p" "$1" | tail -1
}

mode=${1:-}
[ $# -gt 0 ] && shift
case $mode in
run)
	secs=${1:?usage: scripts/fuzz.sh run SECONDS [NAME...]}
	shift
	;;
replay) ;;
*)
	sed -n '2,9s/^# \{0,1\}//p' "$0" >&2
	exit 2
	;;
esac

fail=0
for t in $(targets "$@"); do
	bin=$B/fuzz_$t
	log=$B/fuzz_$t.log
	if [ ! -x "$bin" ]; then
		echo "fuzz $t: $bin is missing (make fuzz-build)"
		fail=1
		continue
	fi
	mkdir -p "$B/corpus/$t" "$B/crashes/$t"
	if [ "$mode" = replay ]; then
		files=()
		for d in $(seeds "$t") "tests/fuzz/crashes/$t"; do
			[ -d "$d" ] || continue
			for f in "$d"/*; do
				[ -f "$f" ] && files+=("$f")
			done
		done
		if [ ${#files[@]} -eq 0 ]; then
			echo "fuzz $t: replay: no seed or crash files"
			continue
		fi
		"$bin" "${FLAGS[@]}" -runs=1 "${files[@]}" >"$log" 2>&1
		st=$?
		if [ $st -eq 0 ]; then
			echo "fuzz $t: replay ok, ${#files[@]} files"
		else
			echo "fuzz $t: replay FAILED (exit $st) at $(sed -n 's/^Running: //p' "$log" | tail -1)"
			grep -E 'ERROR|SUMMARY|runtime error|fuzz_assert' "$log" | head -5 | sed 's/^/  /'
			fail=1
		fi
		continue
	fi
	"$bin" "${FLAGS[@]}" $(opts "$t") -max_total_time="$secs" -artifact_prefix="$B/crashes/$t/" \
		"$B/corpus/$t" $(seeds "$t") >"$log" 2>&1
	st=$?
	runs=$(final_stat "$log" number_of_executed_units)
	rate=$(final_stat "$log" average_exec_per_sec)
	if [ $st -eq 0 ]; then
		echo "fuzz $t: ${runs:-?} runs in ${secs} s (${rate:-?}/s), no crash"
	elif [ $st -eq 72 ]; then	# libFuzzer's status for SIGINT/SIGTERM
		echo "fuzz $t: interrupted after ${runs:-?} runs, no crash"
		fail=1
	else
		echo "fuzz $t: CRASH after ${runs:-?} runs (exit $st): $(grep -o "Test unit written to .*" "$log" | tail -1)"
		grep -E 'ERROR|SUMMARY|runtime error|fuzz_assert' "$log" | head -5 | sed 's/^/  /'
		fail=1
	fi
done
exit $fail
