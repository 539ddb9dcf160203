#!/bin/bash
# --json (vmm run, vmm check): the document is valid JSON (jq), says what the
# text says (every self-test case with the table's verdict, every scenario
# check, the oracle's verdict), is written whole also when the run dies
# ("complete": false), and a bad --json value is one line and status 2.
. "$(dirname "$0")/lib.sh"
need_kvm
command -v jq >/dev/null || skip_all "jq is not installed (scripts/deps.sh installs it)"

# jqt FILE FILTER: jq -r's output, empty when FILE is not valid JSON
jqt() {
	jq -r "$2" "$1" 2>/dev/null
}

# no PATH.XXXXXX left beside a document: it is written to one and renamed
no_temp() {	# no_temp DIR DESCRIPTION
	! ls "$1" | grep -qE '\.json\.[A-Za-z0-9]{6}$'
	ok $? "$2"
}

# a plain run: the table on stdout (--quiet: nothing else there), the document in a file
mkdir "$TMP/run"
run_limited 120 "$VMM" run --quiet --json="$TMP/run/run.json" "$GUEST" >"$TMP/run.txt" 2>"$TMP/run.err"
st=$?
is "$st" 0 "run --json: exit status 0"
jq -e . "$TMP/run/run.json" >/dev/null 2>&1
ok $? "run --json: the file is valid JSON"
is "$(jqt "$TMP/run/run.json" '[.tool, .complete, .exit_status, (.runs | length)] | join(" ")')" \
	"vmm run true 0 1" "run --json: tool, complete, exit status, one run"
is "$(jqt "$TMP/run/run.json" '.runs[0] | [.complete, .irqchip, .vcpus, .exit_status, .scenario] | map(tostring) | join(" ")')" \
	"true user 1 0 null" "run --json: the run completed under irqchip user, 1 vCPU, no scenario"
# the table's rows: NAME ... PASS | DIVERGENCE (ID) [...] | FAIL [...]
awk 'NF >= 8 && ($8 == "PASS" || $8 == "FAIL") { print $1, $8 }
     NF >= 9 && $8 == "DIVERGENCE" { id = $9; gsub(/[()]/, "", id); print $1, $8 "/" id }' \
	"$TMP/run.txt" >"$TMP/table.v"
jqt "$TMP/run/run.json" '.runs[0].selftest.cases[] |
	"\(.name) \(.verdict)\(if .divergence then "/" + .divergence else "" end)"' >"$TMP/json.v"
ok $(( $(wc -l <"$TMP/table.v") < 20 )) "run --json: the table has $(wc -l <"$TMP/table.v") cases"
cmp -s "$TMP/table.v" "$TMP/json.v"
ok $? "run --json: every self-test case, in order, with the table's verdict and divergence ID"
[ $? -eq 0 ] || diff "$TMP/table.v" "$TMP/json.v" | sed 's/^/#   /' | head -20
read -r np nf nd < <(sed -n 's/^self-test: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) known divergences.*/\1 \2 \3/p' "$TMP/run.txt")
is "$(jqt "$TMP/run/run.json" '.runs[0].selftest | "\(.passed) \(.failed) \(.divergences) \(.done)"')" \
	"$np $nf $nd true" "run --json: the totals the summary line prints, and done"
is "$(jqt "$TMP/run/run.json" '[.runs[0].selftest.cases[] | select(
	(has("cpl") and has("expected_vector") and has("observed_vector") and has("expected_error_code")
	 and has("observed_error_code") and (.expected_rip | test("^0x")) and (.observed_rip | test("^0x"))
	 and has("expected_stack") and has("observed_stack") and has("failed_checks")) | not)] | length')" \
	"0" "run --json: every case has cpl, vectors, error codes, RIPs (hex strings), stacks, failed checks"
is "$(jqt "$TMP/run/run.json" '[.runs[0].selftest.cases[] | select(.verdict != "PASS" and
	((.failed_checks | length) == 0 or (.verdict == "DIVERGENCE" and (.divergence | test("^[A-Z]+-[0-9]+$") | not))))] | length')" \
	"0" "run --json: a case not passed names its failed checks, a divergence its ID"
no_temp "$TMP/run" "run --json: no temporary file left"

# --json=-: the document is all of stdout, the guest console goes to stderr
run_limited 120 "$VMM" run --json=- "$GUEST" >"$TMP/stdout.json" 2>"$TMP/stdout.err"
st=$?
is "$st/$(jqt "$TMP/stdout.json" '.complete')" "0/true" "run --json=-: status 0, the document on stdout"
like "$TMP/stdout.err" '^ivm guest: boot=' "run --json=-: the guest console goes to stderr"
like "$TMP/stdout.err" '^self-test: ' "run --json=-: the table goes to stderr"

# a scenario: its checks, one run per mode
nchecks=$(grep -c '^  - name:' configs/isr.yaml)
run_limited 120 "$VMM" run --quiet --json="$TMP/scn.json" --scenario=configs/isr.yaml --irqchip=user "$GUEST" \
	>"$TMP/scn.txt" 2>&1
st=$?
is "$st" 0 "run --json --scenario isr --irqchip=user: exit status 0"
is "$(jqt "$TMP/scn.json" '.runs[0].scenario | "\(.scenario) \(.irqchip) \(.checks | length) \(.passed) \(.failed)"')" \
	"isr user $nchecks $nchecks 0" "run --json --scenario: every check, all passed"
sed -n 's/^  - name: *//p' configs/isr.yaml | sed 's/^"\(.*\)"$/\1/' >"$TMP/names.yaml"
jqt "$TMP/scn.json" '.runs[0].scenario.checks[].name' >"$TMP/names.json"
cmp -s "$TMP/names.yaml" "$TMP/names.json"
ok $? "run --json --scenario: the checks by name, in the config's order"
is "$(jqt "$TMP/scn.json" '[.runs[0].scenario.checks[] | select((.expected | type) == "array" and (.observed | type) == "array" and .verdict == "PASS")] | length')" \
	"$nchecks" "run --json --scenario: each check's expected and observed values and verdict"
is "$(jqt "$TMP/scn.json" '.runs[0].selftest')" "null" "run --json --scenario: no self-test in a scenario run"
run_limited 180 "$VMM" run --quiet --json="$TMP/scn3.json" --scenario=configs/isr.yaml "$GUEST" >"$TMP/scn3.txt" 2>&1
nmodes=$(grep -c '^scenario isr (irqchip' "$TMP/scn3.txt")
is "$(jqt "$TMP/scn3.json" '[.runs[].irqchip] | join(",")')/$(jqt "$TMP/scn3.json" '.runs | length')" \
	"$(sed -n 's/^scenario isr (irqchip \([a-z]*\)).*/\1/p' "$TMP/scn3.txt" | paste -sd,)/$nmodes" \
	"run --json --scenario, every mode: a run per mode, in the text's order"

# a planted wrong expectation: FAIL with expected and observed
sed 's/^\(  *value: \)\[0x41\]$/\1[0x42]/' configs/isr.yaml >"$TMP/bad-isr.yaml"
run_limited 120 "$VMM" run --quiet --json="$TMP/bad.json" --scenario="$TMP/bad-isr.yaml" --irqchip=user "$GUEST" \
	>/dev/null 2>&1
st=$?
is "$st/$(jqt "$TMP/bad.json" '.exit_status')/$(jqt "$TMP/bad.json" '.complete')" "1/1/true" \
	"run --json, a planted wrong expectation: status 1, the run completed"
is "$(jqt "$TMP/bad.json" '[.runs[0].scenario.checks[] | select(.verdict == "FAIL") | "\(.expected)=>\(.observed)"] | join(" ")')" \
	"[66]=>[65]" "run --json: the failed check FAIL, expected [0x42] observed [0x41]"

# the run dies: the watchdog fires, the document is complete with "complete": false
mkdir "$TMP/hang"
echo stale >"$TMP/hang/hang.json"
run_limited 60 "$VMM" run --quiet --json="$TMP/hang/hang.json" --cmdline=test=hang --timeout=0.5 "$GUEST" \
	>/dev/null 2>&1
st=$?
is "$st" 6 "run --json, watchdog: exit status 6"
jq -e . "$TMP/hang/hang.json" >/dev/null 2>&1
ok $? "run --json, watchdog: the old file replaced by a valid document"
is "$(jqt "$TMP/hang/hang.json" '"\(.complete) \(.exit_status) \(.runs[0].complete) \(.runs[0].exit_status)"')" \
	"false 6 false 6" "run --json, watchdog: complete false, exit status 6"
like <(jqt "$TMP/hang/hang.json" '.runs[0].stop_reason') '^watchdog' "run --json, watchdog: the stop reason"
no_temp "$TMP/hang" "run --json, watchdog: no temporary file left"
# a signal ends it: the same, with the signal (no timeout(1) around it: the signal is vmm's; its watchdog bounds it)
"$VMM" run --quiet --json="$TMP/term.json" --cmdline=test=hang --timeout=20 "$GUEST" >/dev/null 2>&1 &
pid=$!
sleep 1
kill -TERM "$pid" 2>/dev/null
wait "$pid"
st=$?
is "$st/$(jqt "$TMP/term.json" '"\(.complete) \(.runs[0].signal)"')" "10/false 15" \
	"run --json, SIGTERM: status 10, complete false, the signal"

# vmm check: each mode's run, its checks, and the oracle's judgement
run_limited 120 "$VMM" check --quiet --json="$TMP/chk.json" --scenario=configs/isr.yaml --irqchip=user "$GUEST" \
	>"$TMP/chk.txt" 2>&1
st=$?
is "$st" 0 "check --json --irqchip=user: exit status 0"
is "$(jqt "$TMP/chk.json" '"\(.tool) \(.complete) \(.runs | length)"')" "vmm check true 1" \
	"check --json: tool, complete, one mode"
is "$(jqt "$TMP/chk.json" '.runs[0] | "\(.irqchip) \(.expected) \(.verdict) \(.oracle.verdict) \(.oracle.host_model) \(.oracle.findings | length)"')" \
	"user pass OK PASS SDM 0" "check --json: the mode, expected pass, OK, the oracle's PASS under the SDM"
summary=$(sed -n 's/^check isr irqchip=user: oracle \(.*\); expected pass; OK$/\1/p' "$TMP/chk.txt")
is "$(jqt "$TMP/chk.json" '.runs[0].oracle.summary')" "$summary" "check --json: the oracle's summary as the text says it"
is "$(jqt "$TMP/chk.json" '.runs[0].scenario.checks | length')" "$nchecks" "check --json: the run's scenario checks"
# a trace judged as it is: the oracle's findings, from a trace with one planted defect
run_limited 60 "$VMM" trace synth --arch --plant=eoi -o "$TMP/planted.itr" >/dev/null 2>&1
run_limited 60 "$VMM" check --json="$TMP/tr.json" --trace="$TMP/planted.itr" >"$TMP/tr.txt" 2>&1
st=$?
is "$st/$(jqt "$TMP/tr.json" '"\(.exit_status) \(.runs[0].verdict) \(.runs[0].oracle.verdict != "PASS") \(.runs[0].oracle.findings | length > 0)"')" \
	"1/1 FAIL true true" "check --json --trace, a planted defect: FAIL, the oracle's findings"
is "$(jqt "$TMP/tr.json" '.runs[0].trace')" "$TMP/planted.itr" "check --json --trace: the trace judged"

# bad values: one line naming --json, status 2, nothing on stdout, no file
badjson() {	# badjson DESCRIPTION CMD...
	local d=$1
	shift
	run_limited 30 "$@" >"$TMP/bad.out" 2>"$TMP/bad.err"
	st=$?
	is "$st/$(wc -l <"$TMP/bad.err")/$(wc -c <"$TMP/bad.out")" "2/1/0" "$d: status 2, one line, no stdout"
	like "$TMP/bad.err" '--json' "$d: the line names --json"
}
badjson "run --json=/nonexistent/dir/x.json" "$VMM" run --json=/nonexistent/dir/x.json "$GUEST"
badjson "run --json=''" "$VMM" run --json= "$GUEST"
badjson "run --json=DIR" "$VMM" run --json="$TMP" "$GUEST"
badjson "run --tap --json=-" "$VMM" run --tap --json=- "$GUEST"
badjson "check --json=/nonexistent/dir/x.json" "$VMM" check --json=/nonexistent/dir/x.json \
	--scenario=configs/isr.yaml "$GUEST"
badjson "check --json=''" "$VMM" check --json= --scenario=configs/isr.yaml "$GUEST"
# bad input elsewhere: no document either
run_limited 30 "$VMM" run --json="$TMP/none.json" --mem=1K "$GUEST" >/dev/null 2>&1
is "$?/$(ls "$TMP" | grep -c '^none\.json')" "2/0" "run --json with a bad option: status 2, no document"

done_testing
