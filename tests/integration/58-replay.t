#!/bin/bash
# vmm replay (KVM): a recorded run replayed with every injection at its sync
# point and every delivery the VMM made at its recorded place gives the same
# trace, vCPU by vCPU; planted changes are found at the right record; bad
# traces are one line and status 2. docs/TRACE.md "Replay".
. "$(dirname "$0")/lib.sh"
need_kvm

REPEAT=${REPLAY_REPEAT:-10}	# replays of each two-vCPU recording
KREPEAT=${REPLAY_REPEAT_KVM:-10}	# the same under kernel and under split (each mode's own recording)
record() {	# record NAME MODE [RUN OPTIONS]: configs/NAME.yaml traced into $TMP/NAME.MODE.itr
	run_limited 60 "$VMM" run --quiet --irqchip="$2" --scenario="configs/$1.yaml" \
		--trace="$TMP/$1.$2.itr" "${@:3}" "$GUEST" >"$TMP/rec.out" 2>&1
}
replay() {	# replay TRACE [KERNEL] [options...]: output in $TMP/out, status in $RC
	local t=$1 k=()
	shift
	if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
		k=("$1")
		shift
	fi
	run_limited 120 "$VMM" replay --quiet --timeout=30 "$@" "$t" "${k[@]}" >"$TMP/out" 2>&1
	RC=$?
}
show_out() {	# show_out [full]: why the replay ended; full: each first divergence, the records around it
	if [ -n "${1:-}" ]; then
		replay_why "$TMP/out"
	else
		grep -E '^vmm|^first divergence' "$TMP/out" | head -4 | cut -c1-300 | sed 's/^/#   /'
	fi
}

# ring-stress: an NMI back and forth between the vCPUs by IPI, landing anywhere in
# the other's record loop, inside its interrupt entries and exits; 100 each
RS_OPTS=(--cmdline=count=100)

# record_replay CONFIG MODE REPEAT: record under MODE, then replay (REPEAT times
# for two vCPUs or more): each the same record for record, every delivery placed
record_replay() {
	local n vcpus runs same i opts=()
	n=$(basename "$1" .yaml)
	[ "$n" = ring-stress ] && opts=("${RS_OPTS[@]}")
	record "$n" "$2" "${opts[@]}"
	is $? 0 "$n: recorded under --irqchip=$2"
	vcpus=$(sed -n 's/^vcpus: *//p' "$1")
	runs=1
	[ "${vcpus:-1}" -gt 1 ] && runs=$3
	same=0
	for i in $(seq 1 "$runs"); do
		replay "$TMP/$n.$2.itr"
		[ "$RC" = 0 ] && grep -q '^replay: the same as the recording' "$TMP/out" && same=$((same + 1))
		[ "$RC" = 0 ] || show_out $([ "$same" = $((i - 1)) ] && echo full)
	done
	is "$same" "$runs" "$n, $2: $runs replay(s), each the same as the recording, record for record"
	[ "$same" = "$runs" ] || dump_trace "$TMP/$n.$2.itr"
	like "$TMP/out" '^replay: placed ([0-9]+) of \1 deliveries' "$n, $2: every delivery at its recorded place"
	# where another vCPU's sync point's injection falls among this one's records is timing
	[ "${vcpus:-1}" -gt 1 ] && like "$TMP/out" '^replay: injections:' "$n, $2: the injections compared on their own"
}

# every shipped scenario under the user irqchip, where the VMM makes every delivery
for f in configs/*.yaml; do
	record_replay "$f" user "$REPEAT"
done

# a recording a failing claim dumps into the log (lib.sh dump_trace) comes back whole from it,
# even with other tests' lines between, and replays the same (a CI-only failure, reproduced here)
dump_trace "$TMP/sipi.user.itr" | sed '3a ok 99 - a line of another test' >"$TMP/dump.log"
scripts/itr-from-log.sh "$TMP/dump.log" "$TMP/back" >"$TMP/back.out" 2>&1
is "$?:$(wc -l <"$TMP/back.out")" 0:1 "a dumped trace: itr-from-log.sh writes one trace back"
cmp -s "$(cat "$TMP/back.out")" "$TMP/sipi.user.itr"
ok $? "a dumped trace: written back byte for byte"
replay "$(cat "$TMP/back.out")"
is "$RC" 0 "a dumped trace: the written-back trace replays the same as the recording"
sed '$d' "$TMP/dump.log" >"$TMP/cut.log"
scripts/itr-from-log.sh "$TMP/cut.log" "$TMP/back2" >/dev/null 2>"$TMP/back2.err"
is "$?" 1 "a dump cut short: itr-from-log.sh fails"
like "$TMP/back2.err" 'no itr-end line' "a dump cut short: it says why"

# the asynchronous ones: a LAPIC timer that fired between exits, anywhere in a wait
# loop, is delivered again at the same RIP, RSP and RFLAGS (diff compares the frames)
record timer-periodic user
replay "$TMP/timer-periodic.user.itr"
is "$RC" 0 "timer-periodic: 5 ticks replayed"
[ "$RC" = 0 ] || dump_trace "$TMP/timer-periodic.user.itr"
"$VMM" trace show "$TMP/timer-periodic.user.itr" | sed -n 's/.*\(v=ec e=0000 .*IP=[^ ]* SP=[^ ]*\).*/\1/p' >"$TMP/a"
"$VMM" trace show "$TMP/timer-periodic.user.replay.itr" | sed -n 's/.*\(v=ec e=0000 .*IP=[^ ]* SP=[^ ]*\).*/\1/p' >"$TMP/b"
# five, or six when a tick was already owed as the guest stopped the timer (it reads IRR then)
n=$(wc -l <"$TMP/a")
[ "$n" -eq 5 ] || [ "$n" -eq 6 ]
ok $? "timer-periodic: five or six timer entries recorded ($n)"
cmp -s "$TMP/a" "$TMP/b"
ok $? "timer-periodic: each tick entered at the recorded RIP and RSP"

# a delay step (the host clock, not a sync point) lands wherever the wait loop is: the replay
# makes it where vCPU 0 stood, and both interrupts come at the same instruction again
run_limited 60 "$VMM" run --quiet --irqchip=user --scenario=tests/integration/data/delay-priority.yaml \
	--trace="$TMP/dp.itr" "$GUEST" >/dev/null 2>&1
is $? 0 "delay step: recorded"
replay "$TMP/dp.itr"
is "$RC" 0 "delay step: the replay is the same as the recording, frames included"
[ "$RC" = 0 ] || dump_trace "$TMP/dp.itr"
like "$TMP/out" '^replay: placed 2 of 2 deliveries' "delay step: both MSIs at their recorded place"

# kernel and split: KVM's own LAPIC delivers, and replay holds it back (KVM_GUESTDBG_BLOCKIRQ)
# until the vCPU stands where the recording's ENTRY was, so the same record for record too.
# Not here: spurious (user only). timer-periodic is here: its last tick's handler reads IRR,
# which KVM's LAPIC on PVM shows with the tick in service now and then (PVM-4), the host's
# timing: the read is recorded (trace version 7) and given back. ring-stress is here: an NMI in ev_write's CLI
# section, then an interrupt after its IRET, looks like an NMI inside that interrupt's entry,
# and the replay tells which by the place reached first. quiet is here: the replay plays CPU 1's
# HLT itself (KVM never sees it), and the VMM's QUIET answer says halted there, as KVM's would
for m in kernel split; do
	for f in configs/*.yaml; do
		n=$(basename "$f" .yaml)
		grep -q '^irqchip: \[user\]' "$f" && continue
		record_replay "$f" "$m" "$KREPEAT"
	done
done

# the VMM's QUIET answers are inputs (trace version 6), given back as recorded: every one,
# and a planted one (the first 'quiet' made 'running') sends the guest round its loop again,
# to a question the recording did not ask there, named with the recording's next (its record)
TR=$TMP/quiet.kernel.itr
replay "$TR"
like "$TMP/out" '; ([0-9]+) of \1 QUIET answers given back' "quiet, kernel: every recorded QUIET answer given back"
qs=($("$VMM" trace show "$TR" | grep -E 'vmm: quiet\? cpu 1 ' | sed 's/^ *\([0-9]*\):.*-> \([a-z,-]*\) .*/\1:\2/'))
first=
for i in "${!qs[@]}"; do
	if [ "${qs[$i]#*:}" = quiet ]; then first=${qs[$i]%:*}; next=${qs[$((i + 1))]%:*}; break; fi
done
hlen=$(od -An -tu4 -j12 -N4 "$TR" | tr -d ' ')
cp "$TR" "$TMP/planted-quiet.itr"
printf '\001' | dd of="$TMP/planted-quiet.itr" bs=1 seek=$((hlen + 64 * first + 52)) conv=notrunc 2>/dev/null
replay "$TMP/planted-quiet.itr"
is "$RC" 1 "quiet, kernel: a planted 'running' answer (record $first): the replay differs"
like "$TMP/out" "the recording's next question \\(record $next\\) asked about cpu 1" \
	"quiet, kernel: the guest asks again, where the recording's next question (record $next) was not"

# the guest's IRR reads are inputs too (trace version 7): each given back as recorded. A planted
# one (timer-periodic's last tick read with the next tick owed, or not) is what the guest sees:
# its READ is the planted one, and the first divergence is its count of ticks (the MARK) after it
TR=$TMP/timer-periodic.kernel.itr
replay "$TR"
like "$TMP/out" '; 1 of 1 LAPIC reads given back' "timer-periodic, kernel: its IRR read given back"
rd=$("$VMM" trace show "$TR" | grep -m1 ': *read irr7 = ' | sed 's/^ *\([0-9]*\):.*/\1/')
val=$("$VMM" trace show "$TR" | grep -m1 ': *read irr7 = ' | sed 's/.*= \([0-9a-fx]*\) .*/\1/')
mk=$("$VMM" trace show "$TR" | grep -m1 ': *mark 0x[45]$' | sed 's/^ *\([0-9]*\):.*/\1/')
hlen=$(od -An -tu4 -j12 -N4 "$TR" | tr -d ' ')
cp "$TR" "$TMP/planted-read.itr"
# IRR word 7 bit 12 is v=ec, the timer's vector: owed <-> not owed
if [ "$val" = 0 ]; then flip='\020' planted=0x1000; else flip='\000' planted=0; fi
printf "$flip" | dd of="$TMP/planted-read.itr" bs=1 seek=$((hlen + 64 * rd + 53)) conv=notrunc 2>/dev/null
replay "$TMP/planted-read.itr"
is "$RC" 1 "timer-periodic, kernel: a planted IRR read (record $rd, $val -> $planted): the replay differs"
"$VMM" trace show "$TMP/planted-read.replay.itr" >"$TMP/show"
like "$TMP/show" ": *read irr7 = $planted IP=" "timer-periodic, kernel: the guest read the planted value"
like "$TMP/out" "^first divergence: A seq $mk, " "timer-periodic, kernel: found at the guest's count of ticks (record $mk)"

# --kvm-tracepoints, where tracefs is usable: KVM's own view joins the replay's trace, and the
# replay is still the same as the recording (the diff compares guest records and injections)
if [ -d /sys/kernel/tracing/events/kvm ] && [ "$(id -u)" = 0 ]; then
	replay "$TMP/nesting.kernel.itr" --kvm-tracepoints --trace="$TMP/nk-tp.itr"
	like "$TMP/out" '^replay: the same as the recording' "--kvm-tracepoints: the replay is the same"
	"$VMM" trace show "$TMP/nk-tp.itr" >"$TMP/nk-tp.show" 2>&1
	like "$TMP/nk-tp.show" 'kvm: kvm_apic_accept_irq v=41 apicid=0 dm=Fixed tm=edge$' \
		"--kvm-tracepoints: KVM's accept of the replayed MSI is in the replay's trace"
fi

# --kvm-delivers: the same injections at the same sync points, KVM's LAPIC delivering where it
# will (as under another mode); a planted place (a recorded ENTRY's RIP, moved far) is never reached
TR=$TMP/nesting.kernel.itr
replay "$TR" --kvm-delivers
like "$TMP/out" '^replay: placed 0 of 0 deliveries' "--kvm-delivers: no interrupt placed"
"$VMM" trace diff --skip=entry,iret,eoi,tpr,softirq,tasklet,sync,mark,isr,if,rte,read "$TR" \
	"$TMP/nesting.kernel.replay.itr" >"$TMP/d" 2>&1
like "$TMP/d" '^same$' "--kvm-delivers: the replay's injections are the recording's"
hlen=$(od -An -tu4 -j12 -N4 "$TR" | tr -d ' ')
ent=$("$VMM" trace show "$TR" | grep -m1 -E ' v=41 e=0000' | sed 's/^ *\([0-9]*\):.*/\1/')
cp "$TR" "$TMP/moved.itr"
printf '\001' | dd of="$TMP/moved.itr" bs=1 seek=$((hlen + 64 * ent + 27)) conv=notrunc 2>/dev/null
replay "$TMP/moved.itr"
is "$RC" 1 "kernel, a recorded ENTRY's RIP moved: the replay fails"
like "$TMP/out" "went past the place of recorded record $ent \\(interrupt v=41" \
	"kernel, a recorded ENTRY's RIP moved: its place is named (record $ent)"
# the INJECT of v=41 made a MILESTONE: under kernel its place waits for what KVM's LAPIC could
# still raise (a timer), until the watchdog, which says where each vCPU waited
inj=$("$VMM" trace show "$TR" | grep -m1 'inject msi vector 0x41' | sed 's/^ *\([0-9]*\):.*/\1/')
cp "$TR" "$TMP/kcut.itr"
printf '\045' | dd of="$TMP/kcut.itr" bs=1 seek=$((hlen + 64 * inj)) conv=notrunc 2>/dev/null
replay "$TMP/kcut.itr" --timeout=2
is "$RC" 1 "kernel, the INJECT of v=41 removed: the replay fails"
like "$TMP/out" "^vmm: watchdog: the guest did not finish in time \\(replay: cpu 0: at the place of record $ent \\(interrupt v=41\\)" \
	"kernel, the INJECT of v=41 removed: the watchdog names the place cpu 0 waited at (record $ent)"

# planted changes, each found at the record it changed
record nesting user
TR=$TMP/nesting.user.itr
hlen=$(od -An -tu4 -j12 -N4 "$TR" | tr -d ' ')
seq_of() {	# seq_of PATTERN: the seq of the first `trace show` line matching it
	"$VMM" trace show "$1" | grep -m1 -E "$2" | sed 's/^ *\([0-9]*\):.*/\1/'
}
poke() {	# poke FILE SEQ OFFSET BYTE: one byte of record SEQ
	printf "$(printf '\\%03o' "$4")" | dd of="$1" bs=1 seek=$((hlen + 64 * $2 + $3)) conv=notrunc 2>/dev/null
}
inj=$(seq_of "$TR" 'inject msi vector 0x41')
ent=$(seq_of "$TR" ' v=41 e=0000')
cp "$TR" "$TMP/edit.itr"
poke "$TMP/edit.itr" "$inj" 4 $((0x42))	# the INJECT's vector: 0x41 -> 0x42
replay "$TMP/edit.itr"
is "$RC" 1 "edited INJECT vector: the replay differs"
like "$TMP/out" "^first divergence: A seq $ent, " "edited INJECT vector: found at the recorded entry of v=41 (seq $ent)"
like "$TMP/out" 'LAPIC has another vector pending' "edited INJECT vector: the place of the recorded v=41 finds v=42"
show_out full >"$TMP/why"
grep -q "^#   > A *$ent: v=41 " "$TMP/why" && grep -q '^#   vmm: ' "$TMP/why" && [ "$(wc -l <"$TMP/why")" -le 36 ]
ok $? "edited INJECT vector: a failing claim's comments name why it ended and show record $ent, marked"

cp "$TR" "$TMP/cut.itr"
poke "$TMP/cut.itr" "$inj" 0 37		# the INJECT becomes a MILESTONE: the injection is gone
replay "$TMP/cut.itr"
is "$RC" 1 "removed INJECT: the replay differs"
like "$TMP/out" "^first divergence: A seq $ent, B seq (end|[0-9]+) .*: missing in B" \
	"removed INJECT: v=41 missing in the replay, at its recorded entry (seq $ent)"
like "$TMP/out" 'replay: every vCPU waits' "removed INJECT: the place of v=41 waits for what never comes, and says so"

# --until: the replay stops at a record, with each vCPU's registers and last events
replay "$TR" --until="$ent"
is "$RC" 0 "--until=$ent: the replay stops there, the same record as recorded"
like "$TMP/out" "^replay: stopped at record $ent \(--until\)" "--until: says where it stopped"
like "$TMP/out" "^  replayed: +$ent: v=41 e=0000" "--until: the replayed record $ent is the v=41 entry"
like "$TMP/out" '^  rip [0-9a-f]{16}  rflags' "--until: the register dump"
like "$TMP/out" '^  last guest events:' "--until: the last events"

# another kernel: its build-id is not the recorded one
printf 'int _start(void) { for (;;) ; }\n' >"$TMP/k.c"
cc -nostdlib -static -no-pie -Wl,--build-id=sha1 -o "$TMP/other.elf" "$TMP/k.c" 2>/dev/null
replay "$TR" "$TMP/other.elf"
is "$RC" 2 "another kernel: status 2"
is "$(wc -l <"$TMP/out")" 1 "another kernel: one line"
like "$TMP/out" "other.elf: build-id [0-9a-f]{40}, the trace was recorded with [0-9a-f]{40} \(--force" \
	"another kernel: both build-ids named"
replay "$TR" "$TMP/other.elf" --force --timeout=1
is "$RC" 1 "another kernel --force: replayed anyway, and it differs"

# bad traces: one line, status 2
head -c 2000 "$TR" >"$TMP/trunc.itr"
replay "$TMP/trunc.itr"
is "$RC" 2 "truncated trace: status 2"
is "$(wc -l <"$TMP/out")" 1 "truncated trace: one line"
like "$TMP/out" 'trunc.itr: .*(truncated|END)' "truncated trace: says so"
cp "$TR" "$TMP/bad.itr"
printf 'X' | dd of="$TMP/bad.itr" bs=1 seek=0 conv=notrunc 2>/dev/null
replay "$TMP/bad.itr"
is "$RC" 2 "corrupt trace: status 2"
like "$TMP/out" 'bad.itr: offset 0x0: not a trace file' "corrupt trace: one located line"
replay tests/golden/nesting.itr
is "$RC" 2 "an older trace (tests/golden): status 2"
like "$TMP/out" 'trace version [12] was recorded without what replay needs' "an older trace: says what it lacks"
replay "$TMP/none.itr"
is "$RC" 2 "a missing trace: status 2"

# another irqchip: the same inputs under the kernel's LAPIC on PVM show the EOI at acceptance
# (PVM-4): the guest's ISR snapshot of v=41 in its handler reads clear, not set. Where in its
# wait loop KVM delivered is KVM's timing, not what differs: --ignore leaves the frames out
replay "$TR" --irqchip=kernel --ignore=rip,rsp,rflags
is "$RC" 1 "user -> kernel: the replay differs"
if grep -q "kvm_pvm" <("$VMM" trace show "$TR" | head -1); then
	isr=$(seq_of "$TR" 'isr v=41 set')
	like "$TMP/out" "^first divergence: A seq $isr, " "user -> kernel on PVM: first divergence at the ISR snapshot (seq $isr)"
	like "$TMP/out" '^> B +[0-9]+: +isr v=41 clear' "user -> kernel on PVM: v=41 no longer in service in its handler (PVM-4)"
else
	ok 0 "# SKIP not a PVM host: PVM-4 is not expected"
	ok 0 "# SKIP not a PVM host"
fi

# how the run was made (trace version 5): pci-testdev and the initrd are in the header, and
# the replay boots with them; a changed or missing initrd is refused, one line, status 2
run_limited 60 "$VMM" run --quiet --pci-testdev --cmdline=test=pci-testdev \
	--trace="$TMP/pci.itr" "$GUEST" >"$TMP/rec.out" 2>&1
is $? 0 "pci-testdev: recorded (every check passed)"
replay "$TMP/pci.itr"
is "$RC" 0 "pci-testdev: the replay has the device: the same record for record"
like "$TMP/out" '^replay: the same as the recording, record for record' "pci-testdev: says so"
is "$(grep -ac 'devices=pci-testdev' "$TMP/pci.replay.itr")" 1 "pci-testdev: the replay's own header has the device too"
printf 'MOD0 the environment\n' >"$TMP/initrd.txt"
run_limited 60 "$VMM" run --quiet --initrd="$TMP/initrd.txt" --cmdline=test=none \
	--trace="$TMP/initrd.itr" "$GUEST" >"$TMP/rec.out" 2>&1
is $? 0 "initrd: recorded"
replay "$TMP/initrd.itr"
is "$RC" 0 "initrd: replayed with the recorded initrd: the same record for record"
cp "$TMP/initrd.txt" "$TMP/elsewhere.txt"
replay "$TMP/initrd.itr" --initrd="$TMP/elsewhere.txt"
is "$RC" 0 "initrd: --initrd names where the same content is"
printf 'MOD0 another environment\n' >"$TMP/initrd.txt"
replay "$TMP/initrd.itr"
is "$RC" 2 "initrd changed: status 2"
is "$(wc -l <"$TMP/out")" 1 "initrd changed: one line"
like "$TMP/out" "initrd.txt: initrd sha256 [0-9a-f]{64}, the trace was recorded with [0-9a-f]{64} \(--force" \
	"initrd changed: both hashes named"
replay "$TMP/initrd.itr" --force
is "$RC" 0 "initrd changed, --force: replayed anyway (the guest does not read it)"
rm "$TMP/initrd.txt"
replay "$TMP/initrd.itr" --force
is "$RC" 2 "initrd missing: status 2, even with --force"
is "$(wc -l <"$TMP/out")" 1 "initrd missing: one line"
like "$TMP/out" "initrd .*initrd.txt: cannot be read" "initrd missing: says so"
replay "$TMP/pci.itr" --initrd="$TMP/elsewhere.txt"
is "$RC" 2 "--initrd for a trace recorded without one: status 2"
like "$TMP/out" "the trace was recorded without an initrd" "--initrd without one: says so"
# a corrupt new header field: the initrd_sha256 string's first digit (after its length) made 'Z'
off=$(grep -abo "$(sha256sum "$TMP/elsewhere.txt" | cut -c1-64)" "$TMP/initrd.itr" | cut -d: -f1)
cp "$TMP/initrd.itr" "$TMP/badsum.itr"
printf 'Z' | dd of="$TMP/badsum.itr" bs=1 seek="$off" conv=notrunc 2>/dev/null
replay "$TMP/badsum.itr"
is "$RC" 2 "corrupt initrd_sha256: status 2"
is "$(wc -l <"$TMP/out")" 1 "corrupt initrd_sha256: one line"
like "$TMP/out" "badsum.itr: header: initrd_sha256 is not 64 lowercase hex digits" "corrupt initrd_sha256: named"
# vmm check takes the run options that change the guest (runopt.c): its trace records them too
mkdir -p "$TMP/keep"
run_limited 120 "$VMM" check --quiet --scenario=configs/nesting.yaml --irqchip=user --pci-testdev \
	--initrd="$TMP/elsewhere.txt" --keep-traces="$TMP/keep" "$GUEST" >"$TMP/check.out" 2>&1
is $? 0 "check --pci-testdev --initrd: the scenario judged as without them"
is "$(grep -ac 'devices=pci-testdev' "$TMP/keep/nesting.user.itr")" 1 "check --pci-testdev: in its trace's header"
replay "$TMP/keep/nesting.user.itr"
is "$RC" 0 "check's trace: replayed with the device and the initrd, the same record for record"
done_testing
