#!/bin/bash
# Every way a traced run can end leaves a complete trace whose END says why:
# the signals a user or a session sends (INT, TERM, HUP, QUIT), a closed stdout
# (SIGPIPE), the watchdog, a triple fault, the guest's own exit, and a crash of
# the VMM itself (SEGV, ABRT: the emergency close).
. "$(dirname "$0")/lib.sh"
need_kvm

ended() {	# ended FILE REGEX DESCRIPTION: complete, readable, END says REGEX
	run_limited 20 "$VMM" trace show "$1" >"$TMP/show.out" 2>"$TMP/show.err"
	is $? 0 "$3: the trace is complete and readable"
	like "$TMP/show.out" "^ +[0-9]+: end: [0-9]+ records; $2\$" "$3: END says why the run ended"
	n=$(sed -nE 's/^ +[0-9]+: end: ([0-9]+) records.*/\1/p' "$TMP/show.out")
	[ "${n:-0}" -ge 2 ]
	ok $? "$3: records before END were kept ($n)"
}

# a guest that spins at CPL3 until something ends the run; wait until it has begun
spin_then() {	# spin_then SIGNAL FILE: the exit status in $rc
	"$VMM" run --quiet --timeout 60 --cmdline test=hang --trace "$2" "$GUEST" >/dev/null 2>"$TMP/sig.err" &
	pid=$!
	for _ in $(seq 50); do
		[ -s "$2" ] && break
		sleep 0.1
	done
	sleep 0.5
	kill -"$1" $pid
	{ wait $pid; } 2>/dev/null	# bash's own "Segmentation fault" line is not ours
	rc=$?
}

for sig in INT TERM HUP QUIT; do
	spin_then $sig "$TMP/$sig.itr"
	is $rc 10 "SIG$sig: exit status 10"
	ended "$TMP/$sig.itr" "exit status 10, signal SIG$sig" "SIG$sig"
done
like "$TMP/sig.err" 'quit \(SIGQUIT\)' "SIGQUIT: the report says so"

# stdout closed under the run (a reader that quits at once, as `| head -1` can):
# the console write fails, the run stops, the trace is whole, the status not 0
run_limited 60 "$VMM" run --trace "$TMP/pipe.itr" "$GUEST" 2>"$TMP/pipe.err" | :
is "${PIPESTATUS[0]}" 10 "closed stdout: exit status 10"
like "$TMP/pipe.err" 'standard output (closed \(SIGPIPE\)|was closed)' "closed stdout: stderr says so"
ended "$TMP/pipe.itr" "exit status 10, signal SIGPIPE" "closed stdout"

run_limited 60 "$VMM" run --quiet --timeout 1 --cmdline test=hang --trace "$TMP/dog.itr" "$GUEST" >/dev/null 2>&1
is $? 6 "watchdog: exit status 6"
ended "$TMP/dog.itr" "exit status 6, signal SIGALRM" "watchdog"

run_limited 60 "$VMM" run --quiet --cmdline test=triple-fault --trace "$TMP/tf.itr" "$GUEST" >/dev/null 2>&1
is $? 4 "triple fault: exit status 4"
ended "$TMP/tf.itr" "exit status 4" "triple fault"

# cli; hlt on the one vCPU: nothing left can send the NMI or INIT that would end it
run_limited 60 "$VMM" run --quiet --irqchip=user --cmdline test=halt --trace "$TMP/halt.itr" "$GUEST" \
	>/dev/null 2>"$TMP/halt.err"
is $? 4 "cli; hlt, user irqchip: exit status 4"
like "$TMP/halt.err" '^vmm: guest halted with interrupts disabled \(hlt with IF=0\)$' "cli; hlt: stderr says why"
ended "$TMP/halt.itr" "exit status 4" "cli; hlt"

run_limited 60 "$VMM" run --quiet --trace "$TMP/ok.itr" "$GUEST" >/dev/null 2>&1
is $? 0 "self-test: exit status 0"
ended "$TMP/ok.itr" "exit status 0" "self-test"

# the VMM itself crashing: whatever was buffered is written, END names the signal
for sig in SEGV ABRT; do
	spin_then $sig "$TMP/$sig.itr"
	[ $rc -gt 128 ]
	ok $? "SIG$sig: the VMM dies of the signal (status $rc)"
	ended "$TMP/$sig.itr" "exit status 8, signal SIG$sig" "SIG$sig (emergency close)"
done
like "$TMP/sig.err" 'fatal signal in the VMM; trace closed' "SIGABRT: one line says the trace was closed"
done_testing
