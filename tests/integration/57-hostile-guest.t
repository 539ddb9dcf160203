#!/bin/bash
# A guest that breaks the ABI on purpose (guest/hostile.c, test=hostile):
# impossible records published under good seqs, a rewound tail, a wild
# reservation count, bad hypercall blocks, terminal escapes in every string.
# The VMM refuses each, says so, prints nothing raw, and ends with a clear
# report and a complete trace.
. "$(dirname "$0")/lib.sh"
need_kvm

run_limited 60 "$VMM" run --cmdline test=hostile --trace "$TMP/h.itr" "$GUEST" >"$TMP/out" 2>"$TMP/err"
is $? 4 "exit status 4: the guest's own assertion ends the run"
like "$TMP/err" '^vmm: guest assertion failed: \\x1b\[2J\\x1b\]0;owned\\x07 milestone \\xff\\\\ \(line 42\)$' \
	"the assertion message is printed escaped"
! grep -q $'\x1b' "$TMP/out" "$TMP/err"
ok $? "no raw escape byte reaches stdout or stderr"
like "$TMP/out" '^\\x1b\[2J' "the console line is escaped"
like "$TMP/err" 'bad hypercall at 0x[0-9a-f]+ \(kind 9999, len 0\): ignored' "unknown hypercall kind: refused"
like "$TMP/err" 'bad hypercall at 0x[0-9a-f]+ \(kind 1, len 5000\): ignored' "over-long hypercall length: refused"
like "$TMP/err" 'hypercall block at 0xfffff000 is outside guest RAM: ignored' "hypercall block outside RAM: refused"
like "$TMP/err" 'malformed self-test result \(len 3\) ignored' "self-test result of the wrong size: refused"
like "$TMP/err" 'guest page at 0xfffff000: not an aligned .* in RAM: ignored' "page outside RAM: refused"
like "$TMP/err" 'guest page at 0x[0-9a-f]+: magic 0x[0-9a-f]+ version 0, expected' "page without the magic: refused"
like "$TMP/err" '^vmm: cpu 0: event stream incomplete: 7 records refused' "the report counts the 7 refused records"

run_limited 20 "$VMM" trace show "$TMP/h.itr" >"$TMP/show" 2>&1
is $? 0 "the trace is complete and readable"
is "$(grep -c 'refused a guest record' "$TMP/show")" 7 "each refused record is a BAD_GUEST host record"
like "$TMP/show" 'refused a guest record: kind 32 vector 0x41, bad kind' "a forged host record type is refused, not written as the guest's"
like "$TMP/show" 'refused a guest record: kind 1 vector 0x30, bad errcode' "an error code on an irq vector is refused"
like "$TMP/show" '^ +[0-9]+: mark 0x600d$' "the good record after the bad ones is kept"
is "$(grep -c 'mark 0x600d' "$TMP/show")" 1 "a rewound tail reads nothing twice"
! grep -qE '^ +[0-9]+: +v=[0-9a-f]{2} .*cpl=7' "$TMP/show"
ok $? "no impossible field reaches a guest record"
like "$TMP/show" 'end: [0-9]+ records; exit status 4$' "END says how the run ended"

# (two vCPUs registering overlapping pages: tests/unit/test_exit.c)
done_testing
