#!/bin/bash
# Every shipped scenario config parses, and a bad one is one located error line.
. "$(dirname "$0")/lib.sh"

for f in configs/*.yaml; do
	run_limited 10 "$VMM" validate "$f" >"$TMP/out" 2>"$TMP/err"
	is $? 0 "$f: valid"
	like "$TMP/out" "^$f: ok: " "$f: summary line"
done
printf 'name: broken\nguest: priority\nchecks:\n  - name: x\n    expect: entries\n    value: [0x61, 300]\n' >"$TMP/bad.yaml"
run_limited 10 "$VMM" validate "$TMP/bad.yaml" >"$TMP/out" 2>"$TMP/err"
is $? 2 "bad config: exit status 2"
is "$(wc -l <"$TMP/err")" 1 "bad config: one error line"
like "$TMP/err" "bad.yaml:6:[0-9]+: " "bad config: names file, line and column"
done_testing
