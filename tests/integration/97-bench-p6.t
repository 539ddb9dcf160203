#!/bin/bash
# bench/p6_storm.sh in a quick mode (1 s storms, one floor run a side): a row
# per irqchip mode with its rate, the probe's floor, a ratio and PASS or MISS;
# the floor guest writing only ENTRY and IRET ran with its stream intact in
# every mode, their cost and the bound are printed, and the summary line.
. "$(dirname "$0")/lib.sh"
need_kvm
command -v gcc >/dev/null || skip_all "no gcc to build the floor guest"

P6_SECONDS=1 P6_REPS=1 VMM=$VMM GUEST=$GUEST run_limited 90 sh bench/p6_storm.sh >"$TMP/out" 2>"$TMP/err"
ok $? "p6_storm.sh P6_SECONDS=1 P6_REPS=1: exit 0"
sed 's/^/#   /' "$TMP/err" | head -10
for m in kernel split user; do
	grep -Eq "^$m +[1-9][0-9]* +[1-9][0-9]* +[0-9]+\.[0-9]% +(PASS|MISS)$" "$TMP/out"
	ok $? "$m: injections/s, the floor, a ratio and PASS or MISS"
	grep -Eq "^  $m +ENTRY and IRET +[-+][0-9.]+ us a delivery: at best +[0-9.]+% of the floor \([0-9.]+ us \+ [0-9.]+ us\)$" "$TMP/out"
	ok $? "$m: the two records' cost measured and its bound"
done
! grep -q "failed their check" "$TMP/out"
ok $? "every floor run passed its check (the stream of ENTRY and IRET intact)"
grep "failed their check" "$TMP/out" | sed 's/^/#   /'
like "$TMP/out" "^two records alone allow at most [0-9.]+% in the worst mode \\(goal 50% in every mode\\): (out of reach on this host|within reach of these records)$" \
	"the bound over every mode"
like "$TMP/out" "^P6 storm: goal >= 50% of the floor, measured [0-9.]+% \\(the worst mode\\): (PASS|MISS|MISS \\(out of reach: two records alone allow at most [0-9.]+%\\))$" \
	"the summary line"
grep -q "^  [a-z]* *ENTRY and IRET" "$TMP/out" || head -c 2000 "$TMP/out" | sed 's/^/#   /'
done_testing
