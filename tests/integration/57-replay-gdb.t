#!/bin/bash
# vmm replay --gdb (KVM): where --until stops a replay, gdb attaches to the
# stopped vCPUs: one thread a vCPU, the registers the VMM's dump shows, the
# guest's memory through its page tables; a signal ends a stub nobody joined;
# a bad or taken port is one line. docs/TRACE.md "Replay".
. "$(dirname "$0")/lib.sh"
need_kvm
command -v gdb >/dev/null || skip_all "gdb is not installed (scripts/deps.sh installs it)"

PORT=$((20000 + RANDOM % 20000))
# replay_gdb TRACE UNTIL: vmm replay --until --gdb in the background, output in $TMP/out,
# its pid in $PID; 0 once the stub listens (within 60 s)
replay_gdb() {
	timeout -s INT 120 "$VMM" replay --quiet --until="$2" --gdb="$PORT" "$1" >"$TMP/out" 2>&1 &
	PID=$!
	for _ in $(seq 1 600); do
		grep -q '^vmm: gdb: the stopped vCPUs are on' "$TMP/out" && return 0
		kill -0 "$PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
# dump_reg CPU REG: that register in the VMM's dump of vCPU CPU (one vCPU: no heading), as 0x...
dump_reg() {
	awk -v c="^ cpu $1[: ]" -v r="$2" 'BEGIN { on = c == "^ cpu 0[: ]" }
		$0 ~ c { on = 1; next } /^ cpu [0-9]+[: ]/ { on = 0 }
		on { for (i = 1; i < NF; i++) if ($i == r) { print $(i + 1); exit } }' "$TMP/out" |
		sed 's/^0*\([0-9a-f]\)/0x\1/'
}

run_limited 60 "$VMM" run --quiet --irqchip=user --scenario=configs/nesting.yaml --trace="$TMP/nest.itr" \
	"$GUEST" >/dev/null 2>&1
is $? 0 "nesting recorded under user"
run_limited 60 "$VMM" run --quiet --irqchip=user --scenario=configs/ipi.yaml --trace="$TMP/ipi.itr" \
	"$GUEST" >/dev/null 2>&1
is $? 0 "ipi recorded under user (2 vCPUs)"

replay_gdb "$TMP/nest.itr" 40
ok $? "--until=40 --gdb=$PORT: the stub listens once the replay stopped"
run_limited 60 gdb -batch -nx "$GUEST" -ex "set disassembly-flavor intel" -ex "target remote :$PORT" \
	-ex "info threads" -ex 'printf "T1 rip=%#lx rsp=%#lx\n", $rip, $rsp' -ex "x/i \$pc" \
	-ex "detach" >"$TMP/gdb" 2>&1
is $? 0 "gdb: attached, read and detached"
wait "$PID"
is $? 0 "the replay ends once gdb detached, the same at record 40"
sed 's/^/#   gdb: /' "$TMP/gdb" | head -12
like "$TMP/gdb" 'Thread 1 \(vCPU 0\)' "gdb: thread 1 is vCPU 0"
rip=$(dump_reg 0 rip)
rsp=$(dump_reg 0 rsp)
like "$TMP/gdb" "^T1 rip=$rip rsp=$rsp\$" "gdb: rip and rsp are the dump's ($rip, $rsp)"
# the bytes at RIP, read by gdb through the guest's page tables, decode as the VMM's own
# decode of the same place (Zydis) does
want=$(awk '/insn at rip:/ { sub(/.*insn at rip: /, ""); print; exit }' "$TMP/out" | tr 'A-Z' 'a-z' | tr -d ' ')
got=$(sed -n 's/^=> 0x[0-9a-f]*\( <[^>]*>\)\?:[[:space:]]*//p' "$TMP/gdb" | head -1 | tr 'A-Z' 'a-z' |
	sed 's/\(byte\|[dqx]*word\) ptr //g' | tr -d ' ')
is "$got" "$want" "gdb: the instruction at RIP, from guest memory, is the VMM's decode"

# two vCPUs, two threads, each with its own registers; --until counts the replay's merged
# stream, and the recorded record it stands for is the same vCPU's guest record of that number
UNTIL=$("$VMM" trace show "$TMP/ipi.itr" | grep -E '^ *[0-9]+: .* cpu=1$' | grep -v 'vmm:' | tail -3 |
	head -1 | sed 's/^ *\([0-9]*\):.*/\1/')
replay_gdb "$TMP/ipi.itr" "$UNTIL"
ok $? "ipi, --until=$UNTIL: the stub listens"
run_limited 60 gdb -batch -nx "$GUEST" -ex "target remote :$PORT" -ex "info threads" \
	-ex 'printf "T1 rip=%#lx rsp=%#lx\n", $rip, $rsp' -ex "thread 2" \
	-ex 'printf "T2 rip=%#lx rsp=%#lx\n", $rip, $rsp' -ex "detach" >"$TMP/gdb" 2>&1
is $? 0 "ipi: gdb attached, read both threads and detached"
wait "$PID"
is $? 0 "ipi: the replay ends once gdb detached, record $UNTIL and the recorded one it stands for the same"
like "$TMP/out" "^replay: stopped at record $UNTIL \\(--until\\), cpu [01]'s guest record [0-9]+\$|^  recorded: \\(a host record" \
	"ipi: the recorded counterpart is the same vCPU's guest record of that number"
like "$TMP/gdb" 'Thread 2 \(vCPU 1\)' "gdb: thread 2 is vCPU 1"
for c in 0 1; do
	rip=$(dump_reg "$c" rip)
	rsp=$(dump_reg "$c" rsp)
	like "$TMP/gdb" "^T$((c + 1)) rip=$rip rsp=$rsp\$" "gdb: vCPU $c's rip and rsp are the dump's ($rip, $rsp)"
done

# a stub nobody joins ends on a signal, the trace whole
replay_gdb "$TMP/nest.itr" 40
ok $? "a second stub listens"
kill -INT "$PID"
for _ in $(seq 1 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$PID" 2>/dev/null
is $? 1 "SIGINT ends the waiting stub within 5 s"
wait "$PID"
"$VMM" trace show "$TMP/nest.replay.itr" >/dev/null 2>&1
is $? 0 "...and the replay's trace is complete"

# a port in use, and ports that aren't
# the listener says when it listens: a loaded host can take longer than any fixed sleep to start python
rm -f "$TMP/listening"
python3 -c 'import socket,sys,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1); open(sys.argv[2], "w").close(); time.sleep(60)' \
	"$PORT" "$TMP/listening" &
LPID=$!
for _ in $(seq 1 300); do [ -e "$TMP/listening" ] && break; sleep 0.1; done
[ -e "$TMP/listening" ]
ok $? "a port in use: another program listens on $PORT"
run_limited 60 "$VMM" replay --quiet --until=40 --gdb="$PORT" "$TMP/nest.itr" >"$TMP/out" 2>&1
st=$?
kill "$LPID" 2>/dev/null
wait "$LPID" 2>/dev/null
is "$st" 2 "a port in use: refused before the replay runs"
like "$TMP/out" "^vmm replay: --gdb: 127.0.0.1:$PORT: Address already in use\$" "a port in use: one line naming it"
is "$(wc -l <"$TMP/out")" 1 "a port in use: nothing else said (no run)"
for p in 0 65536 x; do
	"$VMM" replay --gdb="$p" "$TMP/nest.itr" >"$TMP/out" 2>&1
	is $? 2 "--gdb=$p: bad usage"
	like "$TMP/out" "^vmm replay: --gdb: '$p' is not a TCP port \\(1 to 65535\\)" "--gdb=$p: one line"
done
done_testing
