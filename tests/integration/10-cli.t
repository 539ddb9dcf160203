#!/bin/bash
# CLI and input validation: every bad input is one line naming the option (or
# file and place), exit status 2 and nothing on stdout; every command has a
# --help. The few tests that boot the guest skip where /dev/kvm is unusable.
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

skip() {	# skip REASON: one TAP test, skipped
	T=$((T + 1))
	echo "ok $T # skip $1"
}

kvm_ok=1
[ -e /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ] || kvm_ok=0
NOKVM="/dev/kvm is absent or not usable by $(id -un) (KVM tests run where it is)"

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
one_line_error 2 "--vcpus: '9' is not 1\.\.8" "bad --vcpus" -- "$VMM" run --vcpus=9 "$GUEST"
one_line_error 2 "--vcpus: the scenario says how many vCPUs it needs .2." "--vcpus against the scenario's" -- "$VMM" run --vcpus=1 --scenario=configs/ipi.yaml "$GUEST"
one_line_error 2 "unknown command 'frobnicate'" "unknown command" -- "$VMM" frobnicate
one_line_error 2 "--mem: '1M'" "--mem below 4 MiB" -- "$VMM" run --mem=1M "$GUEST"

# --- numbers: one strict parser for every numeric option of every command
re_quote() { printf '%s' "$1" | sed 's/[][\.*^$+?(){}|]/\\&/g'; }
for v in nan NaN inf -inf -1 -0 +5 1e3 0x10 ' 5' '5 ' 5s '' 86401; do
	one_line_error 2 "--timeout: '$(re_quote "$v")' is not a number of seconds" "run --timeout='$v'" -- \
		"$VMM" run --timeout="$v" "$GUEST"
done
for v in 17179869185G 17179869184G 18446744073709551616 -64M 64MB 0x M 010M 4097K; do
	one_line_error 2 "--mem: '$v' is not a page-aligned size" "run --mem=$v" -- "$VMM" run --mem="$v" "$GUEST"
done
for v in -18446744073709551615 -1 4294967297 1x 0x 01 ' 1' 1.0; do
	one_line_error 2 "--vcpus: '$v' is not 1\.\.8" "run --vcpus='$v'" -- "$VMM" run --vcpus="$v" "$GUEST"
done
# one parser for the options run and check share (vmm/cli/runopt.c): the same line for both
one_line_error 2 "^vmm check: --timeout: 'nan' is not a number of seconds" "check --timeout=nan" -- \
	"$VMM" check --timeout=nan --scenario=configs/priority.yaml "$GUEST"
one_line_error 2 "^vmm check: --timeout: .*'-1'" "check --timeout -1" -- \
	"$VMM" check --timeout -1 --scenario=configs/priority.yaml "$GUEST"
for cmd in run check; do
	pfx="vmm"; [ "$cmd" = check ] && pfx="vmm check"
	one_line_error 2 "^$pfx: --irqchip: 'usr' is not kernel, split, user, a list of them, or all" \
		"$cmd --irqchip=usr: the shared parser's line" -- "$VMM" "$cmd" --irqchip=usr --scenario=configs/priority.yaml "$GUEST"
done
one_line_error 2 "^vmm: --irqchip: more than one mode only with --scenario" "run --irqchip=kernel,user without a scenario" -- \
	"$VMM" run --irqchip=kernel,user "$GUEST"
for a in records=-1 records=18446744073709551616 records=1099511627777 'records= 5' seed=-1 'seed=1 ' \
	 seed=0x at=-5 at=1x vcpus=0 vcpus=9 vcpus=-18446744073709551615; do
	one_line_error 2 "^vmm trace synth: --${a%%=*}: '${a#*=}' is not" "synth --$a" -- \
		"$VMM" trace synth --"$a" -o "$TMP/s.itr"
done
[ ! -e "$TMP/s.itr" ]
ok $? "synth with a bad number writes no file"
run_limited 10 "$VMM" trace synth --records 0x40 --seed=0xff --vcpus 2 --at=10 --mutate=swap -o "$TMP/s.itr" 2>/dev/null
ok $? "synth: hex and both option forms are accepted"
run_limited 10 "$VMM" trace synth --records 200 -o "$TMP/one.itr"
for v in -1 256 ' 0' 0x 1x; do
	one_line_error 2 "--vcpu: '$v' is not a vCPU index" "diff --vcpu='$v'" -- \
		"$VMM" trace diff --vcpu="$v" "$TMP/one.itr" "$TMP/one.itr"
done

# --- getopt errors name the option; both --opt=VALUE and --opt VALUE work
one_line_error 2 "^vmm: --mem: needs a value" "run --mem without a value" -- "$VMM" run "$GUEST" --mem
one_line_error 2 "^vmm: --quiet: takes no value" "run --quiet=yes" -- "$VMM" run --quiet=yes "$GUEST"
one_line_error 2 "^vmm: unknown option '--frob'" "run --frob" -- "$VMM" run --frob "$GUEST"
one_line_error 2 "^vmm check: unknown option '--frob'" "check --frob" -- "$VMM" check --frob
one_line_error 2 "^vmm check: --scenario: needs a value" "check --scenario without a value" -- "$VMM" check --scenario
one_line_error 2 "^vmm judge: --scenario: needs a value" "judge --scenario without a value" -- "$VMM" judge --scenario
one_line_error 2 "^vmm judge: --scenario=FILE.yaml is required" "judge without --scenario" -- "$VMM" judge "$TMP/log"
one_line_error 2 "^vmm probe: takes no arguments" "probe with an argument" -- "$VMM" probe now
one_line_error 2 "^vmm probe: unknown option '--frob'" "probe --frob" -- "$VMM" probe --frob
one_line_error 2 "^vmm validate: unknown option '--frob'" "validate --frob" -- "$VMM" validate --frob configs/tpr.yaml
one_line_error 2 "no command or KERNEL given" "vmm alone" -- "$VMM"
one_line_error 2 "^vmm trace: no command given" "vmm trace alone" -- "$VMM" trace

# judge: --scenario FILE as well as --scenario=FILE (a log that passes priority)
printf 'ev entry vec=0x61 depth=1 cpl=0 arg=0x0\nev eoi vec=0x61 depth=1 cpl=0 arg=0x0\n' >"$TMP/log"
printf 'ev entry vec=0x41 depth=1 cpl=0 arg=0x0\nev eoi vec=0x41 depth=1 cpl=0 arg=0x0\n' >>"$TMP/log"
printf 'ev head=4 dropped=0\n' >>"$TMP/log"
for form in "--scenario configs/priority.yaml" "--scenario=configs/priority.yaml"; do
	# shellcheck disable=SC2086
	run_limited 10 "$VMM" judge $form "$TMP/log" >"$TMP/out" 2>"$TMP/err"
	is $? 0 "judge $form LOG: judged, exit 0"
	like "$TMP/out" '^scenario priority-order: 2 passed, 0 failed' "judge $form LOG: the checks ran"
done

# --- --help for every command and verb: stdout, exit 0, every option it accepts
help_of() {	# help_of DESC -- CMD...: the help into $TMP/h
	local desc=$1
	shift 2
	run_limited 10 "$@" >"$TMP/h" 2>"$TMP/herr"
	is $? 0 "$desc: exit 0"
	is "$(wc -c <"$TMP/herr")" 0 "$desc: nothing on stderr"
	like "$TMP/h" "^usage: vmm " "$desc: usage on stdout"
}
# names in a getopt table: options_in FILE [TABLE-NAME]
options_in() {
	if [ -n "$2" ]; then
		sed -n "/$2\[\] = {/,/};/p" "$1"
	else
		cat "$1"
	fi | grep -o '{ "[a-z0-9-]*", \(no\|required\)_argument' | sed 's/{ "\([^"]*\)".*/\1/'
}
lists_all() {	# lists_all DESC FILE [TABLE]: every long option of that table is in $TMP/h
	local missing="" o n=0
	for o in $(options_in "$2" "$3"); do
		n=$((n + 1))
		grep -q -- "--$o\b" "$TMP/h" || missing="$missing --$o"
	done
	[ "$n" -gt 0 ] || missing="(no options found in $2)"
	is "$missing" "" "$1: lists every option it accepts"
}
help_of "vmm --help" -- "$VMM" --help
lists_all "vmm --help" vmm/cli/main.c run_options
help_of "vmm run --help" -- "$VMM" run --help
lists_all "vmm run --help" vmm/cli/main.c run_options
help_of "vmm check --help" -- "$VMM" check --help
lists_all "vmm check --help" vmm/cli/check_cmd.c check_options
help_of "vmm judge --help" -- "$VMM" judge --help
lists_all "vmm judge --help" vmm/cli/main.c judge_options
help_of "vmm replay --help" -- "$VMM" replay --help
lists_all "vmm replay --help" vmm/cli/replay_cmd.c replay_options
one_line_error 2 "^vmm replay: no TRACE given" "replay without a trace" -- "$VMM" replay
one_line_error 2 "^vmm replay: --irqchip: one mode" "replay --irqchip=all" -- "$VMM" replay --irqchip=all x.itr
one_line_error 2 "^vmm replay: --ignore: 'eax' is not rip, rsp, rflags, cs, ss or stack" "replay --ignore=eax" -- "$VMM" replay --ignore=eax x.itr
one_line_error 2 "^vmm replay: --timeout: 'x' is not a number of seconds" "replay --timeout=x: the shared parser" -- "$VMM" replay --timeout=x x.itr
one_line_error 2 "^vmm replay: .*nonesuch.itr: " "replay of a missing trace" -- "$VMM" replay "$TMP/nonesuch.itr"
help_of "vmm probe --help" -- "$VMM" probe --help
help_of "vmm validate --help" -- "$VMM" validate --help
lists_all "vmm validate --help" vmm/cli/main.c validate_options
help_of "vmm trace --help" -- "$VMM" trace --help
for v in show stats export diff synth; do
	help_of "vmm trace $v --help" -- "$VMM" trace "$v" --help
	like "$TMP/h" "^usage: vmm trace $v" "vmm trace $v --help: its own usage"
done
for v in export diff synth; do
	run_limited 10 "$VMM" trace "$v" --help >"$TMP/h"
	lists_all "vmm trace $v --help" "trace/$v.c"
done
one_line_error 2 "^vmm trace show: unknown option '--frob'" "show --frob" -- "$VMM" trace show --frob "$TMP/one.itr"
one_line_error 2 "^vmm trace stats: unknown option '-x'" "stats -x" -- "$VMM" trace stats -x "$TMP/one.itr"
one_line_error 2 "^vmm trace export: unknown option '--frob'" "export --frob" -- "$VMM" trace export --frob "$TMP/one.itr"
one_line_error 2 "^vmm trace export: -f: needs a value" "export -f" -- "$VMM" trace export -f
one_line_error 2 "^vmm trace diff: --all: takes no value" "diff --all=1" -- "$VMM" trace diff --all=1 "$TMP/one.itr" "$TMP/one.itr"
one_line_error 2 "^vmm trace diff: --vcpu: needs a value" "diff --vcpu" -- "$VMM" trace diff "$TMP/one.itr" "$TMP/one.itr" --vcpu
one_line_error 2 "^vmm trace synth: unknown option '-z'" "synth -zo" -- "$VMM" trace synth -zo "$TMP/z.itr"
run_limited 10 "$VMM" trace synth --help >"$TMP/h"
like "$TMP/h" '-o, --output' "vmm trace synth --help: -o"
run_limited 10 "$VMM" trace export --help >"$TMP/h"
like "$TMP/h" '-f, --format' "vmm trace export --help: -f"
run_limited 10 "$VMM" trace --help >"$TMP/h"
for o in --arch --plant --ignore --vcpu= --all --mutate --at; do
	grep -q -- "$o" "$TMP/h"
	ok $? "vmm trace --help mentions $o"
done

# The README's CLI reference is what --help prints: each "$ vmm ARGS" line in
# its first code block is followed by exactly that command's output.
awk '/^## CLI reference/ { s = 1; next } s && /^```/ { if (b) exit; b = 1; next } b' README.md >"$TMP/readme"
grep '^\$ vmm ' "$TMP/readme" | sed 's/^\$ vmm //' >"$TMP/cmds"
[ -s "$TMP/cmds" ]
ok $? "README CLI reference: has \$ vmm ... blocks"
while read -r args; do
	awk -v want="\$ vmm $args" '$0 == want { p = 1; next } /^\$ vmm / { p = 0 } p' "$TMP/readme" >"$TMP/rd"
	# shellcheck disable=SC2086
	run_limited 10 "$VMM" $args >"$TMP/real" 2>&1
	if diff -u "$TMP/rd" "$TMP/real" >"$TMP/rdiff"; then ok 0 "README matches vmm $args"; else
		ok 1 "README matches vmm $args"; sed 's/^/#   /' "$TMP/rdiff" | head -20; fi
done <"$TMP/cmds"

# --- vmm KERNEL: any file name, options first; an unknown word stays an error
cp "$TMP/junk.elf" "$TMP/kernel-without-dot"
VMM_ABS=$(realpath "$VMM")
one_line_error 2 "^vmm: kernel-without-dot: offset 0x0" "vmm FILE without a '.' is a run" -- \
	env -C "$TMP" "$VMM_ABS" kernel-without-dot
one_line_error 2 "junk.elf: offset 0x0" "vmm --quiet FILE is a run" -- "$VMM" --quiet "$TMP/junk.elf"
one_line_error 2 "^vmm: --mem: '12x'" "vmm --mem=12x FILE: run's options first" -- "$VMM" --mem=12x "$GUEST"
one_line_error 2 "^vmm: unknown option '--frob'" "vmm --frob FILE" -- "$VMM" --frob "$GUEST"
one_line_error 2 "unknown command 'nosuch.elf'" "vmm nosuch.elf: no such command or file" -- "$VMM" nosuch.elf

# --- validate: guest: must be a program guest.elf has
sed 's/^guest: priority$/guest: nosuch/' configs/priority.yaml >"$TMP/noguest.yaml"
one_line_error 2 "noguest.yaml:3:8: guest: 'nosuch' is not a program of guest.elf" \
	"validate: unknown guest program" -- "$VMM" validate "$TMP/noguest.yaml"
# the list vmm validate --help prints is include/abi.h's, the one guest.elf runs by
run_limited 10 "$VMM" validate --help | sed -n '/^Without --kernel, guest: must name/,/^$/p' | tail -n +2 | tr ' ' '\n' |
	grep . | sort >"$TMP/host-progs"
sed -n '/^#define IVM_GUEST_PROGRAMS/,/[^\\]$/p' include/abi.h | grep -o '"[a-z0-9_-]*"' | tr -d '"' |
	sort -u >"$TMP/guest-progs"
[ -s "$TMP/guest-progs" ] && diff "$TMP/host-progs" "$TMP/guest-progs" >"$TMP/pdiff"
ok $? "validate's list of guest programs is include/abi.h's IVM_GUEST_PROGRAMS"
sed 's/^/#   /' "$TMP/pdiff"
# --kernel=KERNEL: the programs KERNEL registers (its .ivm_programs), not the list
run_limited 10 "$VMM" validate --kernel="$GUEST" configs/*.yaml >"$TMP/out" 2>"$TMP/err"
is "$?" 0 "validate --kernel=guest.elf: every config of the tree is good"
is "$(grep -c ': ok: ' "$TMP/out")" "$(ls configs/*.yaml | wc -l)" "validate --kernel=guest.elf: one ok line per config"
one_line_error 2 "noguest.yaml:3:8: guest: 'nosuch' is not a scenario program of $GUEST \(its scenarios: " \
	"validate --kernel: a program the kernel lacks" -- "$VMM" validate --kernel="$GUEST" "$TMP/noguest.yaml"
sed 's/^guest: priority$/guest: exceptions/' configs/priority.yaml >"$TMP/testprog.yaml"
one_line_error 2 "testprog.yaml:3:8: guest: 'exceptions' is not a scenario program" \
	"validate --kernel: a test= program is no scenario" -- "$VMM" validate --kernel="$GUEST" "$TMP/testprog.yaml"
one_line_error 2 "^vmm: $TMP/junk.elf: offset 0x0: bad ELF magic" "validate --kernel=junk" -- \
	"$VMM" validate --kernel="$TMP/junk.elf" configs/tpr.yaml
one_line_error 2 "^vmm: $TMP/trunc.elf: offset 0x28: file truncated: 40 bytes, ELF64 header needs 64" \
	"validate --kernel=truncated guest.elf" -- "$VMM" validate --kernel="$TMP/trunc.elf" configs/tpr.yaml
one_line_error 2 "^vmm: $TMP/missing.elf: No such file" "validate --kernel=missing" -- \
	"$VMM" validate --kernel="$TMP/missing.elf" configs/tpr.yaml
objcopy --remove-section=.ivm_programs "$GUEST" "$TMP/noprogs.elf" 2>/dev/null
one_line_error 2 "^vmm: $TMP/noprogs.elf: no \.ivm_programs section: not a kernel linked with the guest library" \
	"validate --kernel=a kernel without .ivm_programs" -- "$VMM" validate --kernel="$TMP/noprogs.elf" configs/tpr.yaml
# vmm run and vmm check: a kernel of the guest library must register the config's guest:, before any run
one_line_error 2 "^vmm: $TMP/noguest.yaml:3:8: guest: 'nosuch' is not a scenario program of $GUEST" \
	"run --scenario naming a program the kernel lacks" -- "$VMM" run --scenario="$TMP/noguest.yaml" "$GUEST"
one_line_error 2 "^vmm check: $TMP/noguest.yaml:3:8: guest: 'nosuch' is not a scenario program of $GUEST" \
	"check --scenario naming a program the kernel lacks" -- "$VMM" check --scenario="$TMP/noguest.yaml" "$GUEST"

# --- trace diff --vcpu=N on a trace without vCPU N: an error, not "same"
one_line_error 2 "--vcpu=1: .*one.itr has no records of vCPU 1" "diff --vcpu=1 of a 1-vCPU trace" -- \
	"$VMM" trace diff --vcpu=1 "$TMP/one.itr" "$TMP/one.itr"
run_limited 10 "$VMM" trace synth --records 200 --vcpus 2 -o "$TMP/two.itr"
one_line_error 2 "--vcpu=1: .*one.itr has no records of vCPU 1" "diff --vcpu=1, A without vCPU 1" -- \
	"$VMM" trace diff --vcpu 1 "$TMP/one.itr" "$TMP/two.itr"
run_limited 10 "$VMM" trace diff --vcpu=1 "$TMP/two.itr" "$TMP/two.itr" >"$TMP/out" 2>&1
is $? 0 "diff --vcpu=1 of a 2-vCPU trace with itself: same"

# --- with KVM: the guest runs
if [ "$kvm_ok" = 1 ]; then
	cp "$GUEST" "$TMP/guestkernel"
	run_limited 60 env -C "$TMP" "$VMM_ABS" --quiet guestkernel >"$TMP/out" 2>"$TMP/err"
	is $? 0 "vmm --quiet KERNEL (no '.' in the name) boots and passes"
	like "$TMP/out" '^self-test: ' "vmm --quiet KERNEL: the self-test table"
	grep -q 'ivm guest: boot=' "$TMP/out"
	is $? 1 "vmm --quiet KERNEL: no guest console"

	run_limited 60 "$VMM" run "$GUEST" >/dev/null 2>"$TMP/loud"
	run_limited 60 "$VMM" run --quiet "$GUEST" >/dev/null 2>"$TMP/quiet"
	if grep -q 'emulation failure' "$TMP/loud"; then
		grep -q 'emulation failure' "$TMP/quiet"
		is $? 1 "--quiet: no emulation-failure notes"
	else
		skip "this host emulated nothing that failed: nothing for --quiet to hide"
	fi
	run_limited 60 "$VMM" run --quiet --cmdline=test=hang --timeout=0.5 "$GUEST" >/dev/null 2>"$TMP/err"
	is $? 6 "--quiet: a watchdog still ends the run with status 6"
	like "$TMP/err" 'watchdog' "--quiet: ... and still says why"

	# vmm check: a run that failed (its own scenario checks) fails the mode, whatever the oracle says
	sed 's/value: \[0x61, 0x41\]/value: [0x41, 0x61]/' configs/priority.yaml >"$TMP/wrong.yaml"
	run_limited 60 "$VMM" check --scenario="$TMP/wrong.yaml" --irqchip user --quiet "$GUEST" >"$TMP/out" 2>"$TMP/err"
	is $? 1 "check: a mode whose run failed exits 1"
	like "$TMP/out" '^check priority-order irqchip=user: run failed: .*\(status 1\); oracle PASS .*; FAIL$' \
		"check: the summary names the failed run and says FAIL"
	grep -q '; OK$' "$TMP/out"
	is $? 1 "check: no OK for a failed run"
else
	for i in 1 2 3 4 5 6 7 8 9; do skip "$NOKVM"; done
fi
one_line_error 2 "^vmm check: .*missing.elf: No such file" "check with a missing KERNEL: before any output" -- \
	"$VMM" check --scenario=configs/priority.yaml "$TMP/missing.elf"
done_testing
