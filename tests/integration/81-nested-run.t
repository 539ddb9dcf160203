#!/bin/bash
# scripts/nested-run.sh, the second real KVM for a command of one's own (how a
# machine without /dev/kvm checks what needs KVM): the command's output, its
# exit status (an exit in it does not end the nested machine), an extra
# folder, and bad usage refused in one line.
. "$(dirname "$0")/lib.sh"
command -v qemu-system-x86_64 >/dev/null || skip_all "qemu-system-x86_64 is not installed"
scripts/nested-fetch.sh "${NESTED_WORK:-build/nested}" 2>"$TMP/fetch.err" || skip_all "$(cat "$TMP/fetch.err")"

mkdir -p "$TMP/x" && echo planted >"$TMP/x/file"
run_limited 300 env VMM="$VMM" GUEST="$GUEST" scripts/nested-run.sh -t 240 -x "$TMP/x" \
	'echo first; cat extra/file; ./vmm probe | grep "^backend modules"; exit 7' >"$TMP/out" 2>"$TMP/err"
is $? 7 "the command's exit status (7), through an exit in it"
is "$(head -1 "$TMP/out")" first "its output, from its first line"
like "$TMP/out" '^planted$' "-x DIR: the folder is there as extra/"
like "$TMP/out" '^backend modules: kvm_amd' "./vmm runs on kvm_amd in there"
sed 's/^/#   /' "$TMP/err" | head -5

scripts/nested-run.sh -t 0 true >/dev/null 2>"$TMP/err"
is $? 2 "-t 0: refused, status 2"
like "$TMP/err" '^nested-run: -t 0: not a whole number of seconds$' "... in one line"
scripts/nested-run.sh >/dev/null 2>"$TMP/err"
is $? 2 "no command: usage, status 2"
like "$TMP/err" "^usage: scripts/nested-run.sh " "... the usage line"
done_testing
