#!/bin/bash
# --tap (vmm run, vmm check): the stream parses as TAP (TAP::Parser), passes
# where the run passes, and a planted failure (--strict on a host with a known
# divergence, an expected divergence that is absent) is "not ok". The guest
# console goes to stderr, never into the stream.
. "$(dirname "$0")/lib.sh"
need_kvm

# tap_verdict FILE: "PARSE_ERRORS PLANNED RUN PASSED FAILED SKIPPED HAS_VERSION"
tap_verdict() {
	perl -MTAP::Parser -e '
		my $p = TAP::Parser->new({ source => $ARGV[0] });
		1 while $p->next;
		my @e = $p->parse_errors;
		print STDERR "#   parse error: $_\n" for @e;
		printf "%d %d %d %d %d %d %d\n", scalar(@e), $p->tests_planned // -1, $p->tests_run,
			scalar($p->passed), scalar($p->failed), scalar($p->skipped), $p->version == 13;
	' "$1"
}

# run_tap NAME -- CMD...: the stream in $TMP/NAME.tap, stderr in $TMP/NAME.err, status in $st
run_tap() {
	local name=$1
	shift 2
	run_limited 120 "$@" >"$TMP/$name.tap" 2>"$TMP/$name.err"
	st=$?
}

# a plain run: every self-test case a point; the console is on stderr
run_tap run -- "$VMM" run --tap "$GUEST"
read -r perr plan nrun npass nfail nskip v13 < <(tap_verdict "$TMP/run.tap")
is "$st" 0 "run --tap: exit status 0"
is "$perr/$v13" "0/1" "run --tap: TAP version 13, no parse error"
ok $(( ! (plan > 20 && plan == nrun && nfail == 0) )) "run --tap: $nrun points of $plan planned, none failed"
is "$(sed -n 1p "$TMP/run.tap")" "TAP version 13" "run --tap: the version line first"
is "$(sed -n 2p "$TMP/run.tap")" "1..$plan" "run --tap: then the plan"
like "$TMP/run.tap" '^ok 1 - \\#DE-cpl0$' "run --tap: a case is a point, its '#' escaped"
like "$TMP/run.err" '^ivm guest: boot=' "run --tap: the guest console goes to stderr"
! grep -qv -e '^TAP version 13$' -e '^1\.\.[0-9]*$' -e '^\(not \)\?ok [0-9]* - ' -e '^#' "$TMP/run.tap"
ok $? "run --tap: nothing but TAP on stdout"
tap_verdict "$TMP/run.tap" >/dev/null && perl -MTAP::Parser -e '
	my $p = TAP::Parser->new({ source => $ARGV[0] }); 1 while $p->next; exit($p->has_problems ? 1 : 0)' "$TMP/run.tap"
ok $? "run --tap: TAP::Parser finds no problem"

# --strict: where the host has a known divergence, it is "not ok" with diagnostics
if [ "$nskip" -gt 0 ]; then
	like "$TMP/run.tap" '^ok [0-9]+ - .* # SKIP known divergence [A-Z]+-[0-9]+: ' \
		"run --tap: a known divergence is a SKIP with its ID and what"
	run_tap strict -- "$VMM" run --tap --strict "$GUEST"
	read -r perr plan nrun npass nfail nskip v13 < <(tap_verdict "$TMP/strict.tap")
	is "$st" 1 "run --tap --strict: exit status 1"
	ok $(( ! (perr == 0 && nfail > 0 && nskip == 0) )) "run --tap --strict: parses, $nfail not ok, no SKIP"
	like "$TMP/strict.tap" '^#   known host divergence [A-Z]+-[0-9]+ \(--strict' "run --tap --strict: the divergence in the diagnostics"
	like "$TMP/strict.tap" '^#   vector: expected [0-9]+, observed ' "run --tap --strict: expected and observed"
else
	T=$((T + 1)); echo "ok $T # skip no known divergence on this host: --strict plants nothing"
fi
# a planted failure on any host: the guest hangs, the watchdog fires
run_tap hang -- "$VMM" run --tap --cmdline=test=hang --timeout=0.5 "$GUEST"
read -r perr plan nrun npass nfail nskip v13 < <(tap_verdict "$TMP/hang.tap")
is "$st/$perr/$nfail" "6/0/1" "run --tap, watchdog: status 6, parses, one not ok"
like "$TMP/hang.tap" '^not ok 1 - self-test: the run completed$' "run --tap, watchdog: the run is the point"
like "$TMP/hang.tap" '^#   exit status 6: watchdog' "run --tap, watchdog: why, as a diagnostic"

# a scenario: one point per check
run_tap scn -- "$VMM" run --tap --scenario=configs/isr.yaml --irqchip=user "$GUEST"
read -r perr plan nrun npass nfail nskip v13 < <(tap_verdict "$TMP/scn.tap")
nchecks=$(grep -c '^  - name:' configs/isr.yaml)
is "$st" 0 "run --tap --scenario isr --irqchip=user: exit status 0"
is "$perr $plan $nrun $nfail" "0 $nchecks $nchecks 0" "run --tap --scenario: a passing point per check"
like "$TMP/scn.tap" '^ok 1 - isr \(irqchip user\): ' "run --tap --scenario: SCENARIO (irqchip MODE): CHECK"
# every mode: one stream, numbered on, the plan after the last mode
run_tap scn3 -- "$VMM" run --tap --scenario=configs/nesting.yaml "$GUEST"
read -r perr plan nrun npass nfail nskip v13 < <(tap_verdict "$TMP/scn3.tap")
is "$perr $v13 $nrun $nfail $(grep -c '^TAP version' "$TMP/scn3.tap")" "0 1 $plan 0 1" \
	"run --tap --scenario, every mode: one stream, one version line, every point planned"
is "$(tail -n 1 "$TMP/scn3.tap")" "1..$plan" "run --tap --scenario, every mode: the plan last"
# a planted wrong expectation: not ok with expected/observed
sed 's/^\(  *value: \)\[0x41\]$/\1[0x42]/' configs/isr.yaml >"$TMP/bad-isr.yaml"
if ! cmp -s configs/isr.yaml "$TMP/bad-isr.yaml"; then
	run_tap badscn -- "$VMM" run --tap --scenario="$TMP/bad-isr.yaml" --irqchip=user "$GUEST"
	read -r perr plan nrun npass nfail nskip v13 < <(tap_verdict "$TMP/badscn.tap")
	ok $(( ! (st == 1 && perr == 0 && nfail >= 1) )) "run --tap, a planted wrong expectation: status 1, not ok"
	like "$TMP/badscn.tap" '^#   expected \[0x42\] observed \[0x41\]' "run --tap: expected/observed of the check"
else
	T=$((T + 1)); echo "not ok $T - could not plant a wrong expectation in configs/isr.yaml"; FAILED=$((FAILED + 1))
fi

# vmm check: one point per mode's oracle verdict
run_tap chk -- "$VMM" check --tap --scenario=configs/isr.yaml --irqchip=user "$GUEST"
read -r perr plan nrun npass nfail nskip v13 < <(tap_verdict "$TMP/chk.tap")
is "$st $perr $plan $nrun $nfail" "0 0 1 1 0" "check --tap --irqchip=user: one passing point"
like "$TMP/chk.tap" '^ok 1 - isr irqchip=user: oracle PASS ' "check --tap: SCENARIO irqchip=MODE: oracle VERDICT"
like "$TMP/chk.err" '^check isr irqchip=user: .*; OK$' "check --tap: the human summary goes to stderr"
run_tap chk3 -- "$VMM" check --tap --scenario=configs/isr.yaml "$GUEST"
read -r perr plan nrun npass nfail nskip v13 < <(tap_verdict "$TMP/chk3.tap")
is "$perr $plan $nrun" "0 3 3" "check --tap, every mode: parses, a point per mode"
if "$VMM" probe 2>/dev/null | grep -q '^backend modules: .*kvm_pvm'; then
	# PVM-4 under kernel and split: not ok without --expect-divergence, SKIP with it
	is "$st $nfail" "1 2" "check --tap on PVM: kernel and split not ok (PVM-4)"
	like "$TMP/chk3.tap" '^#   first divergence: ' "check --tap: the oracle's findings as diagnostics"
	run_tap chkx -- "$VMM" check --tap --scenario=configs/isr.yaml --expect-divergence=kernel,split "$GUEST"
	read -r perr plan nrun npass nfail nskip v13 < <(tap_verdict "$TMP/chkx.tap")
	is "$st $perr $nrun $nfail $nskip" "0 0 3 0 2" "check --tap --expect-divergence=kernel,split on PVM: passes, 2 SKIP"
else
	is "$st $nfail" "0 0" "check --tap, every mode: passes on a host without PVM-4"
fi
# a planted failure on any host: a divergence expected where there is none
run_tap chkbad -- "$VMM" check --tap --scenario=configs/isr.yaml --irqchip=user --expect-divergence=user "$GUEST"
read -r perr plan nrun npass nfail nskip v13 < <(tap_verdict "$TMP/chkbad.tap")
is "$st $perr $nfail" "1 0 1" "check --tap, an expected divergence absent: status 1, not ok"
like "$TMP/chkbad.tap" '^#   expected a divergence under this mode' "check --tap: says why"

# bad input: one line on stderr, nothing on stdout, TAP or not
run_limited 10 "$VMM" run --tap --mem=1x "$GUEST" >"$TMP/o" 2>"$TMP/e"
is "$?/$(wc -c <"$TMP/o")/$(wc -l <"$TMP/e")" "2/0/1" "run --tap, bad input: status 2, one line, nothing on stdout"
run_limited 10 "$VMM" check --tap --scenario=configs/isr.yaml "$TMP/missing.elf" >"$TMP/o" 2>"$TMP/e"
is "$?/$(wc -c <"$TMP/o")/$(wc -l <"$TMP/e")" "2/0/1" "check --tap, bad input: status 2, one line, nothing on stdout"
done_testing
