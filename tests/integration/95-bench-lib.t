#!/bin/bash
# bench/lib.sh, what P3 and P5 time runs with: us() times a run and keeps its
# hands off the caller's variables (it once kept its start time in $s, P5's
# scenario loop variable, so every repetition after the first ran a config
# named after a timestamp, failed in 2 ms, and was timed); a failed run is
# "fail", never a time, and median() of any "fail" is "fail"; P5 and P3 on a
# vmm that always fails print ERROR rows and no ratio. P1's bound and verdicts
# (bench/p1_bound.awk), P2's traced-floor bound (bench/p2_bound.awk) and P6's
# (bench/p6_bound.awk) from planted numbers.
. "$(dirname "$0")/lib.sh"

(
	. bench/lib.sh
	s=keep e=keep t0=keep t1=keep st=keep
	us true >"$TMP/n"
	[ "$s$e$t0$t1$st" = keepkeepkeepkeepkeep ] && [ "$(cat "$TMP/n")" -ge 0 ] 2>/dev/null
) 2>"$TMP/err"
ok $? "us true: a time in microseconds, the caller's s, e, t0, t1 and st untouched"

(
	. bench/lib.sh
	for s in a b c; do us true >/dev/null; echo "$s"; done
) >"$TMP/loop" 2>&1
is "$(tr '\n' ' ' <"$TMP/loop")" "a b c " "a loop over us keeps its own variable (P5's scenarios)"

(. bench/lib.sh; us sh -c 'echo why >&2; exit 3') >"$TMP/out" 2>"$TMP/err"
is "$(cat "$TMP/out")" fail "a failed run: 'fail', not a time"
like "$TMP/err" "^bench: exit status 3: sh -c" "... saying its status and command on stderr"
like "$TMP/err" "^bench:   why$" "... and its last lines"

# bench/floor.sh's helpers keep their hands off the caller's variables too (P2 loops over
# kinds in $name and $k and over modes in $m; build_floor once set $name)
if command -v gcc >/dev/null; then
	(
		. bench/lib.sh
		floor_top=$PWD
		. bench/floor.sh
		SYNCS=2 name=keep k=keep m=keep f=keep check=keep i=keep elf=keep cf=keep
		build_floor 1 x.elf -DTRACED -DFRAME_ONLY && config "$tmp/x.yaml" "    expect: intact" "{kind: msi}" &&
			[ -s "$tmp/x.elf" ] && grep -q '^  - at: {sync: 2}' "$tmp/x.yaml" &&
			[ "$name$k$m$f$check$i$elf$cf" = keepkeepkeepkeepkeepkeepkeepkeep ]
	) >"$TMP/fl" 2>&1
	ok $? "floor.sh: build_floor and config make the guest and its scenario, the caller's variables untouched"
	sed 's/^/#   /' "$TMP/fl" | head -5
fi

is "$(. bench/lib.sh; printf '5\n1\n3\n' | median)" 3 "median of 5 1 3: 3"
is "$(. bench/lib.sh; printf '5\nfail\n3\n' | median)" fail "median with a failed run: fail"
is "$(. bench/lib.sh; printf '' | median)" fail "median of nothing: fail"

# P5 and P3 on a "vmm" that always fails: ERROR rows, no ratio, no PASS
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	printf '#!/bin/sh\nexit 1\n' >"$TMP/vmm-false"
	chmod +x "$TMP/vmm-false"
	BENCH_REPS=1 VMM="$TMP/vmm-false" GUEST="$GUEST" run_limited 60 sh bench/p5_replay.sh >"$TMP/p5" 2>/dev/null
	like "$TMP/p5" "^nesting +- +- +- +ERROR \(a run failed: above\)$" "P5: a scenario whose runs fail is ERROR"
	like "$TMP/p5" "^suite +- +- +- +ERROR" "P5: and so is the suite"
	like "$TMP/p5" "^P5 replay: goal <= 1.2x for the suite and the asynchronous run: ERROR \(a run failed\)$" \
		"P5: the verdict is ERROR"
	! grep -Ev '^(scenario |P5 replay: goal)' "$TMP/p5" | grep -Eq "PASS|MISS|[0-9]x" && ! grep -Eq "PASS|MISS" "$TMP/p5"
	ok $? "P5: no ratio, no PASS or MISS from failed runs"
	BENCH_REPS=9 VMM="$TMP/vmm-false" GUEST="$GUEST" run_limited 60 sh bench/p3_trace.sh >"$TMP/p3" 2>/dev/null
	like "$TMP/p3" "^self-test +- +- +- +ERROR \(a run failed: above\)$" "P3: a pair with a failed run is ERROR"
	like "$TMP/p3" "^P3 tracing overhead: goal <= 5%: ERROR" "P3: the verdict is ERROR"
	! grep -Eq "PASS|MISS" "$TMP/p3"
	ok $? "P3: no PASS or MISS from failed runs"
else
	echo "# /dev/kvm is absent: P3 and P5 skip before timing, their ERROR rows are not tested"
fi
# P1's bound (bench/p1_bound.awk): floor + CPL0 instructions x an instruction's time, and the verdicts
insns="P1 instructions (QEMU TCG single-step, ./vmm's path): CPL0 to first delivery 1200, to exit 18000 (CPL3 327)"
p1() {	# p1 VMM-FIRST VMM-EXIT GOAL-FIRST GOAL-EXIT [INSNS-LINE]: the bound's two lines at 250 ns
	{
		printf 'vmm (KVM)                            %s      %s       1.0x       1.0x       4.0x\n' "$1" "$2"
		printf 'floor: 10x QEMU TCG means first-irq <= %s ms and exit <= %s ms; the floor VM takes 3.0 ms and 3.5 ms\n' "$3" "$4"
		if [ $# -gt 4 ]; then echo "$5"; else echo "$insns"; fi
	} >"$TMP/p1.out"
	awk -v ns=250 -f bench/p1_bound.awk "$TMP/p1.out"
}
p1 4.3 14.1 3.6 4.3 >"$TMP/b1"
like "$TMP/b1" '^P1 bound: .* at 250 ns each .*first-irq >= 3.0 \+ 0.3 = 3.3 ms, exit >= 3.5 \+ 4.5 = 8.0 ms$' \
	"P1 bound: the floor plus 1,200 and 18,000 instructions at 250 ns"
like "$TMP/b1" '^P1: .*first-irq 4.3 ms against <= 3.6: MISS \(0.7 ms over; its bound leaves 0.3 ms\); exit 14.1 ms against <= 4.3: MISS \(out of reach: its bound is over the goal\)$' \
	"P1: a goal over the bound is a MISS within reach, one under it out of reach"
p1 3.2 7.9 3.6 8.0 >"$TMP/b2"
like "$TMP/b2" '^P1: .*first-irq 3.2 ms against <= 3.6: PASS; exit 7.9 ms against <= 8.0: PASS$' "P1: runs under the goal PASS"
p1 4.3 14.1 3.6 4.3 "" >"$TMP/b3"
is "$(wc -c <"$TMP/b3")" 0 "P1 bound: no instruction count, no line (never a bound of zero)"
# those with a memory operand at the probe's time of one (mns), the rest at a register one's
{ p1 4.3 14.1 3.6 4.3 >/dev/null; cat "$TMP/p1.out"
  echo "P1 instructions with a memory operand: CPL0 to first delivery 800, to exit 10000"; } >"$TMP/p1m.out"
awk -v ns=250 -v mns=500 -f bench/p1_bound.awk "$TMP/p1m.out" >"$TMP/b4"
like "$TMP/b4" '^P1 bound: .* 250 ns a register one and 500 ns one with a memory operand \(10000 of 18000 to exit\): first-irq >= 3.0 \+ 0.5 = 3.5 ms, exit >= 3.5 \+ 7.0 = 10.5 ms$' \
	"P1 bound: 800 of 1,200 and 10,000 of 18,000 at 500 ns, the rest at 250"
awk -v ns=250 -v mns=0 -f bench/p1_bound.awk "$TMP/p1m.out" >"$TMP/b5"
like "$TMP/b5" '^P1 bound: .* at 250 ns each .*exit >= 3.5 \+ 4.5 = 8.0 ms$' "P1 bound: no memory time probed (a native host): every instruction at one time"

# P1's counts (bench/p1_insns.pl) from a planted QEMU exec log over a tiny ELF: CPL0 from the
# entry, split at hc_milestone, those with a memory operand (a load, the stack's, a string
# iteration, an absolute address; not LEA or NOP), CPL3 apart
if command -v gcc >/dev/null && command -v objdump >/dev/null; then
	cat >"$TMP/p1.S" <<'ASM'
	.globl pvh_entry32, mb_entry32, elf64_entry, hc_milestone, _start
_start:
pvh_entry32:
mb_entry32:
elf64_entry:
	mov %eax, %ebx
	mov (%rax), %ebx
	push %rax
	lea 8(%rax), %rbx
	rep stosb
hc_milestone:
	ret
	add %eax, %ebx
	mov %eax, 0x102000
	nopw 0x0(%rax,%rax,1)
ASM
	if gcc -nostdlib -static -no-pie -o "$TMP/p1.elf" "$TMP/p1.S" 2>"$TMP/p1.err"; then
		# each executed PC a line (the string instruction twice), then one at CPL3
		objdump -d --no-show-raw-insn "$TMP/p1.elf" | awk '/^ +[0-9a-f]+:/ { sub(":", "", $1); print $1 }' >"$TMP/pcs"
		stos=$(objdump -d --no-show-raw-insn "$TMP/p1.elf" | awk '/stos/ { sub(":", "", $1); print $1 }')
		{
			while read -r pc; do
				printf 'Trace 0: 0x7f00 [00000000/%016x/00000000/00000000]\n' "0x$pc"
				[ "$pc" = "$stos" ] && printf 'Trace 0: 0x7f00 [00000000/%016x/00000000/00000000]\n' "0x$pc"
			done <"$TMP/pcs"
			printf 'Trace 0: 0x7f00 [00000000/%016x/00000003/00000000]\n' 0x400000
		} >"$TMP/p1.log"
		perl bench/p1_insns.pl "$TMP/p1.elf" "$TMP/p1.log" vmm 0 >"$TMP/p1i" 2>&1
		like "$TMP/p1i" "^P1 instructions \\(QEMU TCG single-step, ./vmm's path\\): CPL0 to first delivery 6, to exit 10 \\(CPL3 1\\)$" \
			"P1 instructions: 10 at CPL0 (a string instruction's two iterations both), 6 before hc_milestone, 1 at CPL3"
		like "$TMP/p1i" "^P1 instructions with a memory operand: CPL0 to first delivery 4, to exit 6$" \
			"P1 instructions with a memory operand: the load, the push, both iterations, then RET and the absolute store"
	else
		sed 's/^/#   /' "$TMP/p1.err"
		ok 1 "the tiny ELF for p1_insns.pl builds"
	fi
fi

# P2's traced-floor bound (bench/p2_bound.awk): KIND MODE FLOOR-US ... TRACED-FLOOR-RATE (field 8)
p2() { printf '%s\n' "$@" | awk -v g=50 -f bench/p2_bound.awk; }
p2 "msi kernel 17.6 326.0 3.0 3.0 150.0 25000" "msi user 40.0 300.0 5.0 9.0 150.0 16000" >"$TMP/p2a"
like "$TMP/p2a" '^  msi +kernel +traced floor +40.0 us, the records +\+22.4 us: at best +44.0% of the floor$' \
	"P2 bound: a traced floor of 40 us against a floor of 17.6: at best 44.0%"
like "$TMP/p2a" '^full tracing alone allows at most 44.0% in the worst cell \(64.0% in the best; goal 50% in every cell\): out of reach with these records on this host$' \
	"... the worst cell under the goal: out of reach"
p2 "msi kernel 17.6 326.0 3.0 3.0 150.0 40000" >"$TMP/p2b"
like "$TMP/p2b" '^full tracing alone allows at most 70.4% .*: within reach of these records: the rest is the irq layer of the guest$' \
	"P2 bound: a traced floor within the goal leaves the rest to the irq layer"
p2 "msi kernel 17.6 326.0 3.0 3.0 150.0 0" "msi user 40.0 300.0 5.0 9.0 150.0 20000" >"$TMP/p2c"
like "$TMP/p2c" '^  msi +kernel +traced floor: not measured$' "P2 bound: a traced floor that failed is not measured ..."
like "$TMP/p2c" '^full tracing alone allows at most 80.0% in the worst cell' "... and bounds nothing (never a bound of zero)"
p2 "msi kernel 0 0 0 0 0 25000" >"$TMP/p2d"
like "$TMP/p2d" '^full tracing alone: not measured in any cell$' "P2 bound: no floor measured, no verdict"

# P6's bound and verdict (bench/p6_bound.awk): MODE INJ/S FLOOR/S FLOOR-US FRAME-US
p6() { printf '%s\n' "$@" | awk -v g=50 -f bench/p6_bound.awk; }
p6 "kernel 967 52483 24.8 90.8" "user 960 52483 40.8 110.8" >"$TMP/p6a"
like "$TMP/p6a" '^  kernel +ENTRY and IRET +\+66.0 us a delivery: at best +22.4% of the floor \(19.1 us \+ 66.0 us\)$' \
	"P6 bound: two records of 66 us on a bare delivery of 19.1 us: at best 22.4%"
like "$TMP/p6a" '^two records alone allow at most 21.4% in the worst mode \(goal 50% in every mode\): out of reach on this host$' \
	"... the worst mode (records of 70 us): out of reach"
like "$TMP/p6a" '^P6 storm: goal >= 50% of the floor, measured 1.8% \(the worst mode\): MISS \(out of reach: two records alone allow at most 21.4%\)$' \
	"... and the summary says so"
p6 "kernel 30000 50000 20.0 25.0" >"$TMP/p6b"
like "$TMP/p6b" '^two records alone allow at most 80.0% .*: within reach of these records$' "P6 bound: cheap records leave it within reach"
like "$TMP/p6b" '^P6 storm: goal >= 50% of the floor, measured 60.0% \(the worst mode\): PASS$' "... and a rate over the goal PASSes"
p6 "kernel 967 52483 0 0" "user 960 52483 24.8 90.8" >"$TMP/p6c"
like "$TMP/p6c" '^  kernel +ENTRY and IRET: not measured$' "P6 bound: a mode whose floors failed is not measured ..."
like "$TMP/p6c" '^two records alone allow at most 22.4% in the worst mode' "... and bounds nothing (never a bound of zero)"
p6 "kernel 967 52483 0 0" >"$TMP/p6d"
like "$TMP/p6d" '^two records alone: not measured in any mode$' "P6 bound: nothing measured, no bound ..."
like "$TMP/p6d" '^P6 storm: goal >= 50% of the floor, measured 1.8% \(the worst mode\): MISS$' "... and a plain MISS"

done_testing
