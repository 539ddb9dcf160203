#!/bin/bash
# CLI and input validation: everything that fails before /dev/kvm is opened.
. "$(dirname "$0")/lib.sh"

one_line_error() {	# one_line_error WANT_STATUS REGEX DESCRIPTION -- CMD...
	local want=$1 re=$2 desc=$3
	shift 4
	run_limited 10 "$@" >"$TMP/out" 2>"$TMP/err"
	local st=$?
	is "$st" "$want" "$desc: exit status $want"
	is "$(wc -l <"$TMP/err")" 1 "$desc: exactly one error line"
	like "$TMP/err" "$re" "$desc: says what is wrong"
	is "$(wc -c <"$TMP/out")" 0 "$desc: nothing on stdout"
}

run_limited 10 "$VMM" --help >"$TMP/help"
ok $? "--help exits 0"
like "$TMP/help" '^usage: vmm run' "--help shows usage"

one_line_error 2 'no KERNEL' "run without kernel" -- "$VMM" run
one_line_error 2 "$TMP/missing.elf: No such file" "missing kernel file" -- "$VMM" run "$TMP/missing.elf"
printf 'not an elf at all' >"$TMP/junk.elf"
one_line_error 2 "junk.elf: offset 0x0: .*" "junk kernel file" -- "$VMM" run "$TMP/junk.elf"
head -c 40 "$GUEST" >"$TMP/trunc.elf"
one_line_error 2 "trunc.elf: offset 0x[0-9a-f]+: " "truncated guest.elf" -- "$VMM" run "$TMP/trunc.elf"
one_line_error 2 "--mem: '12x'" "bad --mem" -- "$VMM" run --mem=12x "$GUEST"
one_line_error 2 "--boot: 'bios'" "bad --boot" -- "$VMM" run --boot=bios "$GUEST"
one_line_error 2 "--timeout: 'soon'" "bad --timeout" -- "$VMM" run --timeout=soon "$GUEST"
one_line_error 2 "--vcpus: '3' is not 1 or 2" "bad --vcpus" -- "$VMM" run --vcpus=3 "$GUEST"
one_line_error 2 "--vcpus: the scenario says how many vCPUs it needs .2." "--vcpus against the scenario's" -- "$VMM" run --vcpus=1 --scenario=configs/ipi.yaml "$GUEST"
one_line_error 2 "unknown command 'frobnicate'" "unknown command" -- "$VMM" frobnicate
one_line_error 2 "--mem: '1M'" "--mem below 4 MiB" -- "$VMM" run --mem=1M "$GUEST"
done_testing
