#!/bin/bash
# `vmm trace`: synth, show, stats, export (json, chrome), diff; exit codes and messages.
. "$(dirname "$0")/lib.sh"

A=$TMP/a.itr
B=$TMP/b.itr

run_limited 30 "$VMM" trace synth --records 3000 --seed 3 --vcpus 2 -o "$A"
ok $? "synth writes a trace"

run_limited 30 "$VMM" trace show "$A" >"$TMP/show" 2>"$TMP/err"
ok $? "show exits 0 on a complete trace"
is "$(wc -l <"$TMP/show")" 3002 "show: a header line, one line per record, the END line"
like "$TMP/show" '^ +[0-9]+: v=[0-9a-f]{2} e=[0-9a-f]{4} i=0 cpl=[03] IP=[0-9a-f]{4}:[0-9a-f]{16} SP=[0-9a-f]{4}:[0-9a-f]{16} RFL=[0-9a-f]{8} stack=(same|rsp0|ist[1-7]) depth=1( cpu=1)?$' \
	"show: ENTRY in QEMU -d int form"
# QEMU's i=1: a #BP nobody injected can only come from INT3 / INT n; an MSI's vector is hardware
like "$TMP/show" '^ +[0-9]+: +v=03 e=0000 i=1 ' "show: #BP (INT3) as a software interrupt, i=1"
is "$(grep -cE '^ +[0-9]+: +v=03 e=0000 i=0 ' "$TMP/show")" 0 "show: no #BP shown as hardware"
is "$(grep -cE '^ +[0-9]+: +v=(0e|0d|20|4[0-9a-f]) e=[0-9a-f]{4} i=1 ' "$TMP/show")" 0 \
	"show: #PF, #GP, timer and MSI deliveries are i=0"
like "$TMP/show" '^ +[0-9]+:   v=[0-9a-f]{2} .* depth=2' "show: a nested delivery indented by 2 spaces"
like "$TMP/show" '^ +[0-9]+: +iret v=' "show: IRETs"
like "$TMP/show" '^ +[0-9]+: +vmm: inject msi vector 0x[0-9a-f]+ dest [01] at sync [0-9]+' "show: host injections marked vmm:"
like "$TMP/show" '^ +3000: end: 3000 records$' "show: the END record last"

run_limited 30 "$VMM" trace stats "$A" >"$TMP/stats"
ok $? "stats exits 0"
like "$TMP/stats" '^records: 3000 \([0-9]+ guest, [0-9]+ host\), complete$' "stats: record count"
like "$TMP/stats" '^  ENTRY +[0-9]+$' "stats: counts per type"
like "$TMP/stats" '^  0x0e #PF +[0-9]+$' "stats: deliveries per vector"
like "$TMP/stats" '^max nesting depth: [2-9]$' "stats: max nesting depth"
like "$TMP/stats" '^deliveries without a matching IRET: 0$' "stats: every delivery has its IRET"
like "$TMP/stats" '^time span: [0-9]+\.[0-9]{9} s' "stats: time span"
like "$TMP/stats" '^lost or refused records: 0$' "stats: lost or refused records"

run_limited 30 "$VMM" trace export --format json -o "$TMP/a.json" "$A"
ok $? "export json exits 0"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$TMP/a.json"
ok $? "export json: the output parses"
python3 - "$TMP/a.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
recs = d["records"]
fields = {"seq", "type", "type_id", "source", "vcpu", "vector", "cpl", "depth", "stack", "time_ns",
          "rip", "rsp", "rflags", "cs", "ss", "err", "a", "b"}
assert len(recs) == 3001 and d["complete"] is True, len(recs)
# a KVM tracepoint record adds its name (and a failed emulation its decoded fields)
assert all(set(r) == fields or (r["type"] == "KVM_TP" and set(r) > fields and "tracepoint" in r)
           for r in recs)
assert [r["seq"] for r in recs] == list(range(3001))
assert recs[-1]["type"] == "END" and recs[-1]["a"] == 3000
PY
ok $? "export json: 3001 objects with every field (KVM_TP: and its name), in order, END last"

run_limited 30 "$VMM" trace export --format chrome -o "$TMP/a.chrome.json" "$A"
ok $? "export chrome exits 0"
python3 - "$TMP/a.chrome.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ev = d["traceEvents"]
stack, last, slices = {}, {}, 0
for e in ev:
    if e["ph"] in "BEi":
        assert isinstance(e["ts"], (int, float)) and e["ts"] >= last.get(e["tid"], 0), e
        last[e["tid"]] = e["ts"]
    if e["ph"] == "B":
        stack.setdefault(e["tid"], []).append(e)
        slices += 1
    elif e["ph"] == "E":
        assert stack.get(e["tid"]), "E without B"
        stack[e["tid"]].pop()
assert all(not s for s in stack.values()), "B without E"
assert slices > 100 and len(stack) == 2, (slices, stack.keys())
assert any(e["ph"] == "i" and e["name"].startswith("vmm: inject") for e in ev)
assert any(e["ph"] == "M" and e["name"] == "thread_name" for e in ev)
PY
ok $? "export chrome: parses, B/E balanced per vCPU track, time ordered, instants for injections"
python3 - "$TMP/a.chrome.json" <<'PY'
import json, sys
ev = json.load(open(sys.argv[1]))["traceEvents"]
# Perfetto takes tid 0 for the process's main thread (tid = pid = 1): vCPU n is tid n + 1
names = {e["tid"]: e["args"]["name"] for e in ev if e["ph"] == "M" and e["name"] == "thread_name"}
assert names == {1: "vCPU 0", 2: "vCPU 1"}, names
assert all(e["tid"] >= 1 for e in ev if "tid" in e)
PY
ok $? "export chrome: vCPU n on thread n + 1, no tid 0"
python3 - "$TMP/a.chrome.json" <<'PY'
import json, sys
B = [e for e in json.load(open(sys.argv[1]))["traceEvents"] if e["ph"] == "B"]
assert all(e["args"].get("err") != 4294967295 for e in B)
assert any("err" not in e["args"] for e in B) and any("err" in e["args"] for e in B)
PY
ok $? "export chrome: err only where an error code was pushed, never 4294967295"

# diff
run_limited 30 "$VMM" trace synth --records 3000 --seed 3 --vcpus 2 -o "$B"
run_limited 30 "$VMM" trace diff "$A" "$B" >"$TMP/diff"
is $? 0 "diff of identical traces: exit 0"
like "$TMP/diff" '^same$' "diff says same"

for m in swap drop extra errcode nest; do
	run_limited 30 "$VMM" trace synth --records 3000 --seed 3 --vcpus 2 --mutate $m --at 1000 -o "$B" 2>"$TMP/synth"
	a_seq=$(sed -n 's/.*(unmutated seq \([0-9]*\)).*/\1/p' "$TMP/synth")
	run_limited 30 "$VMM" trace diff "$A" "$B" >"$TMP/diff"
	is $? 1 "diff, $m planted: exit 1"
	like "$TMP/diff" "^first divergence: A seq $a_seq, " "diff, $m: first divergence at A seq $a_seq"
	like "$TMP/diff" '^summary: [12] differences?: ' "diff, $m: a summary"
done
like "$TMP/diff" 'field mismatch: depth' "diff names the mismatched field"
like "$TMP/diff" '^> A +[0-9]+: ' "diff shows the divergent records marked"

run_limited 30 "$VMM" trace diff "$A" "$TMP/missing.itr" >"$TMP/out" 2>"$TMP/err"
is $? 2 "diff with a missing file: exit 2"
is "$(wc -l <"$TMP/err")" 1 "diff error: one line"
like "$TMP/err" "missing.itr: No such file" "diff error names the file"

# truncated and corrupt files
head -c 10000 "$A" >"$TMP/trunc.itr"
run_limited 30 "$VMM" trace show "$TMP/trunc.itr" >"$TMP/show" 2>"$TMP/err"
is $? 1 "show of a truncated trace: exit 1"
like "$TMP/err" 'trunc.itr: truncated: no ITR_END after [0-9]+ records, [0-9]+ trailing bytes' "show warns it is truncated"
hlen=$(od -An -tu4 -j12 -N4 "$A" | tr -d ' ')
is "$(($(wc -l <"$TMP/show") - 1))" "$(((10000 - hlen) / 64))" "show printed every complete record"
run_limited 30 "$VMM" trace stats "$TMP/trunc.itr" >"$TMP/stats" 2>/dev/null
is $? 1 "stats of a truncated trace: exit 1"
like "$TMP/stats" 'TRUNCATED' "stats says TRUNCATED"

printf 'IVMTRACX and some more bytes to be long enough for a header at all......' >"$TMP/junk.itr"
run_limited 30 "$VMM" trace show "$TMP/junk.itr" >"$TMP/out" 2>"$TMP/err"
is $? 2 "show of a non-trace: exit 2"
like "$TMP/err" '^vmm trace: .*junk.itr: offset 0x0: not a trace file' "one line: FILE: offset 0x0: what"
cp "$A" "$TMP/after.itr"
head -c 64 "$TMP/trunc.itr" | tail -c 64 >>"$TMP/after.itr"
run_limited 30 "$VMM" trace show "$TMP/after.itr" >"$TMP/out" 2>"$TMP/err"
is $? 2 "bytes after ITR_END: exit 2"
like "$TMP/err" 'after.itr: offset 0x[0-9a-f]+: record after ITR_END' "named with their offset"

# usage
run_limited 10 "$VMM" trace >/dev/null 2>&1
is $? 2 "trace without a command: exit 2"
run_limited 10 "$VMM" trace frobnicate >/dev/null 2>"$TMP/err"
is $? 2 "unknown trace command: exit 2"
like "$TMP/err" "unknown command 'frobnicate'" "named"
run_limited 10 "$VMM" trace synth --records 10 >/dev/null 2>&1
is $? 2 "synth without -o: exit 2"
run_limited 10 "$VMM" trace export "$A" >/dev/null 2>&1
is $? 2 "export without --format: exit 2"
run_limited 10 "$VMM" trace --help >"$TMP/help"
ok $? "trace --help exits 0"
like "$TMP/help" '^usage: vmm trace show FILE' "trace --help shows usage"

run_limited 10 "$VMM" trace diff --ignore=vector "$TMP/a.itr" "$TMP/a.itr" >/dev/null 2>"$TMP/ign.err"
is $? 2 "diff --ignore of a field that is not a frame field: exit status 2"
like "$TMP/ign.err" "not rip, rsp, rflags" "diff --ignore: lists what can be ignored"
done_testing
