#!/bin/bash
# vmm storm: seeded storms in every irqchip mode come out clean on this host
# (known divergences named, not counted), and each planted defect (two guest
# handler bugs, a LAPIC and an IOAPIC mutant) is found, shrunk to at most 10
# injections, and its reproducer runs and replays to the same violation.
. "$(dirname "$0")/lib.sh"
need_kvm

OBJ=$(dirname "$VMM")/obj
LIBS=$(MAKEFLAGS= make -s --no-print-directory print-ldlibs)	# what the Makefile links
CFLAGS="-std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter -Iinclude -I. -Ivmm -Ivapic -I/usr/include/tracefs -I/usr/include/traceevent"
# a sanitizer build's objects need the same runtime in the mutant
nm "$VMM" 2>/dev/null | grep -q __asan_init &&
	CFLAGS="$CFLAGS -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"

# ---- clean storms ----
run_limited 300 "$VMM" storm --seed=1 --count=300 --irqchip=all --out="$TMP" --json="$TMP/s.json" \
	"$GUEST" >"$TMP/out" 2>&1
ok $? "storm --seed=1 --count=300 --irqchip=all: exit 0"
for m in kernel split user; do
	like "$TMP/out" "^storm $m: seed 1, [0-9]+ rounds, [0-9]+ injections, [0-9]+ deliveries .*; no violation$" \
		"storm $m: clean"
done
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); m=d["modes"]; sys.exit(not (len(m) == 3 and all(x["violation"] is None and x["injections"] >= 300 and x["deliveries"] > 0 for x in m)))' "$TMP/s.json"
ok $? "--json: three modes, their counts, no violation"

run_limited 300 "$VMM" storm --seed=2 --vcpus=2 --count=300 --irqchip=all --out="$TMP" "$GUEST" >"$TMP/out2" 2>&1
ok $? "storm --vcpus=2 --irqchip=all: exit 0"
for m in kernel split user; do
	like "$TMP/out2" "^storm $m: seed 2, [0-9]+ rounds, [0-9]+ injections, [0-9]+ deliveries .*; no violation$" \
		"storm $m, two vCPUs: clean"
done

# a two-vCPU round replays record for record in every mode (seed 3 with every kind: the ipi kind's
# choice of form is the VMM's PROGRESS answer, given back; the init kind's restarts send one SIPI,
# a second only once the first looks lost; under user the spurious kind's INTAs owed merge like
# MSIs): CPU 0 asks CPU 1 for its work exactly twice
# (set-up, finish), whatever CPU 1 was doing; two NMIs handed over at one exit each placed at its
# ENTRY, one KVM merged not handed over again; no single-step's TF in an injected exception's frame;
# the injections compared on their own; kernel and split: an NMI handed over at CPU 1's sti; hlt
# goes in there, and the windows' IRR questions (IVM_PORT_IRR) are answered as recorded; split:
# each level EOI reaches the IOAPIC where the recording's EOI exit came (seed 1: one KVM reported
# inside a handler's entry code, before its OUT dropped the line: the vector came a third time)
two_vcpu_round() {	# mode seed [kinds]
	local m=$1 s=$2 k=${3:-msi,edge,level,nmi,exception,timer} same=0 i told=

	run_limited 120 "$VMM" storm --quiet --seed=$s --vcpus=2 --count=40 --irqchip=$m \
		--kinds=$k --trace="$TMP/two.$s.itr" --out="$TMP" "$GUEST" \
		>"$TMP/two.out" 2>&1
	is $? 0 "two vCPUs, $m, seed $s: a round recorded"
	is "$("$VMM" trace show "$TMP/two.$s.itr" | grep -c ': *ipi v=fb fixed to apic 0x1$')" 2 \
		"two vCPUs, $m, seed $s: CPU 0 asked CPU 1 twice, set-up and finish"
	for i in 1 2 3; do
		if run_limited 120 "$VMM" replay --quiet --timeout=60 "$TMP/two.$s.itr" "$GUEST" \
			>"$TMP/two.replay" 2>&1 && grep -q '^replay: the same as the recording' "$TMP/two.replay"; then
			same=$((same + 1))
		elif [ -z "$told" ]; then	# why it ended, where it differed, the records around it
			replay_why "$TMP/two.replay"
			told=1
		else
			grep -E '^vmm|^first divergence' "$TMP/two.replay" | head -4 | cut -c1-300 | sed 's/^/#   /'
		fi
	done
	is "$same" 3 "two vCPUs, $m, seed $s: three replays, each the same as the recording (both vCPUs, the injections)"
	[ "$same" = 3 ] || dump_trace "$TMP/two.$s.itr"
}
# seed 9 sends one vector to both vCPUs at one sync point (v=b9 at sync 42): each CPU runs its
# own irq descriptor for it (guest/storm.c STORM_AP_MSI), so neither's flow depends on when the
# other got there (with one descriptor shared, 0-2 of 3 replays were the same in each mode). With the
# timer kind: a tick in the end's wait after a stopped timer is placed at that wait's first pass,
# which the replay always makes (docs/STORM.md)
two_vcpu_round kernel 9
shared=$("$VMM" trace show "$TMP/two.9.itr" | awk '/inject msi vector .* dest [01] at sync/ {
	k = $NF " " $6; d[k] = d[k] $8 } END { for (k in d) if (d[k] ~ /0/ && d[k] ~ /1/) n++; print n + 0 }')
[ "$shared" -ge 1 ]
ok $? "two vCPUs, kernel, seed 9: a sync point sends one MSI vector to both vCPUs ($shared)"
for m in user kernel split; do
	two_vcpu_round $m 1
	two_vcpu_round $m 3 all
done
restarts=$("$VMM" trace show "$TMP/two.3.itr" | grep -c ' v=3d e=')
[ "$restarts" -gt 0 ]
ok $? "two vCPUs, split, seed 3: CPU 1 restarted by INIT, SIPI in the round replayed ($restarts times)"
grep -q 'IRR answers given back' "$TMP/two.replay"
ok $? "two vCPUs, split: the replay gave back the windows' IRR answers"
like "$TMP/two.replay" '; ([1-9][0-9]*) of \1 PROGRESS answers given back' \
	"two vCPUs, split, the ipi kind: every PROGRESS answer given back"
like "$TMP/two.replay" '; ([1-9][0-9]*) of \1 level EOIs made where the recording.s came \([0-9]+ at their place, [0-9]+ at the first exit or look past it\), 0 not recorded' \
	"two vCPUs, split: every level EOI made where the recording's came, none it lacked"

# --scenario: a shipped scenario with nesting and pinned divergences, stormed in every mode
run_limited 300 "$VMM" storm --scenario=configs/nesting.yaml --seed=1 --count=40 --irqchip=all --out="$TMP" \
	--json="$TMP/sc.json" "$GUEST" >"$TMP/out3" 2>&1
ok $? "storm --scenario=configs/nesting.yaml --irqchip=all: exit 0"
for m in kernel split user; do
	like "$TMP/out3" "^storm $m: seed 1, [0-9]+ rounds, [0-9]+ injections, [0-9]+ deliveries .*; no violation$" \
		"storm --scenario $m: clean"
done
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(not (d["scenario"] == "configs/nesting.yaml" and all(x["injections"] >= 40 for x in d["modes"])))' "$TMP/sc.json"
ok $? "--scenario --json: names the scenario; the storm's own injections counted"

# --scenario of several vCPUs: the guest records its IPIs (trace v4), so storm MSIs pending beside
# sipi's IPI answers (0xfd to cpu 0) and sipi8's IPIs to every AP are judged, not misjudged as [order]
for sc in sipi sipi8; do
	run_limited 300 "$VMM" storm --scenario=configs/$sc.yaml --seed=1 --count=60 --irqchip=all \
		--out="$TMP" --trace="$TMP/$sc.itr" "$GUEST" >"$TMP/out-$sc" 2>&1
	ok $? "storm --scenario=configs/$sc.yaml --irqchip=all: exit 0"
	for m in kernel split user; do
		like "$TMP/out-$sc" "^storm $m: seed 1, [0-9]+ rounds, [0-9]+ injections, [0-9]+ deliveries .*; no violation$" \
			"storm --scenario=$sc $m: clean"
	done
	"$VMM" trace show "$TMP/$sc.itr" >"$TMP/$sc.show" 2>&1
	like "$TMP/$sc.show" "ipi v=fd fixed to apic 0 cpu=1" "storm --scenario=$sc: its trace holds the guest's IPI records"
	grep -v "^#" "$TMP/out-$sc" | grep -q "sees no guest IPI"
	ok $((! $?)) "storm --scenario=$sc: not refused"
done

run_limited 120 "$VMM" storm --seed=5 --count=200 --kinds=msi,nmi "$GUEST" >"$TMP/a" 2>&1
run_limited 120 "$VMM" storm --seed=5 --count=200 --kinds=msi,nmi "$GUEST" >"$TMP/b" 2>&1
sed -n 's/^storm user: seed 5, \([0-9]* rounds, [0-9]* injections\),.*/\1/p' "$TMP/a" >"$TMP/a.n"
sed -n 's/^storm user: seed 5, \([0-9]* rounds, [0-9]* injections\),.*/\1/p' "$TMP/b" >"$TMP/b.n"
[ -s "$TMP/a.n" ] && cmp -s "$TMP/a.n" "$TMP/b.n"
ok $? "the same seed, the same storm ($(cat "$TMP/a.n"))"

# work=cpl3: the main loop's sync points are reached in background work at CPL3 with interrupts
# open, so interrupts and exceptions are taken from user mode; the oracle judges their CPL3
# frames ([frame]: stack switch, user SS and CS, SS:RSP restored), the guest its sums and stack
for m in kernel split user; do
	run_limited 300 "$VMM" storm --seed=1 --count=300 --irqchip=$m --cmdline=work=cpl3 --out="$TMP" \
		--trace="$TMP/cpl3-$m.itr" "$GUEST" >"$TMP/cpl3-$m" 2>&1
	ok $? "storm --cmdline=work=cpl3 --irqchip=$m: exit 0"
	like "$TMP/cpl3-$m" "^storm $m: seed 1, [0-9]+ rounds, [0-9]+ injections, [0-9]+ deliveries .*; no violation$" \
		"storm work=cpl3 $m: clean"
	"$VMM" trace show "$TMP/cpl3-$m.itr" >"$TMP/cpl3-$m.show" 2>&1
	# ENTRY records from CPL3: interrupts, and exceptions other than the #UD system calls
	irq3=$(grep -cE ' v=([2-9a-f][0-9a-f]) e=[0-9a-f]+ i=[0-9]+ cpl=3 IP=0033:.* SP=002b:.* stack=rsp0' "$TMP/cpl3-$m.show")
	exc3=$(grep -E ' v=(0[0-9a-f]|1[0-9a-f]) e=[0-9a-f]+ i=[0-9]+ cpl=3 IP=0033:.* SP=002b:' "$TMP/cpl3-$m.show" |
		grep -vc ' v=06 ')
	[ "$irq3" -gt 0 ] && [ "$exc3" -gt 0 ]
	ok $? "work=cpl3, $m: interrupts ($irq3) and exceptions ($exc3) taken from CPL3 onto RSP0 or an IST stack"
	# the storm judged every round clean (under a known host model); the SDM's findings name no frame
	"$VMM" check --trace="$TMP/cpl3-$m.itr" >"$TMP/cpl3-$m.check" 2>&1
	grep -q 'oracle' "$TMP/cpl3-$m.check" && ! grep -q '\[frame\]' "$TMP/cpl3-$m.check"
	ok $? "work=cpl3, $m: the oracle finds no CPL3 frame wrong in the last round"
done

# ---- planted defects: found, shrunk to <= 10, reproduced ----
found() {	# found NAME WHAT OUTDIR VMM-BIN STORM-ARGS...: a violation WHAT, shrunk and reproduced
	local name=$1 what=$2 dir=$3 bin=$4
	shift 4
	mkdir -p "$dir"
	run_limited 400 "$bin" storm --seed=1 --count=3000 --out="$dir" "$@" "$GUEST" >"$dir/out" 2>&1
	is $? 1 "$name: the storm exits 1"
	like "$dir/out" "^storm user: VIOLATION in round [0-9]+ \\(seed 1\\): $what" "$name: found ($what)"
	local n
	n=$(sed -n 's/^  shrunk: [0-9]* injections to \([0-9]*\) in .*/\1/p' "$dir/out")
	[ -n "$n" ] && [ "$n" -le 10 ]
	ok $? "$name: shrunk to $n injections (at most 10)"
	[ -f "$dir/storm-1-user.yaml" ] && "$bin" validate "$dir/storm-1-user.yaml" >/dev/null 2>&1
	ok $? "$name: the reproducer is a valid scenario config"
	local cmdline
	cmdline=$(sed -n "s/^  run it: .*--cmdline='\\([^']*\\)'.*/\\1/p" "$dir/out")
	run_limited 60 "$bin" check --scenario="$dir/storm-1-user.yaml" --irqchip=user --cmdline="$cmdline" \
		"$GUEST" >"$dir/check" 2>&1
	is $? 1 "$name: vmm check runs the reproducer to a failure"
	run_limited 60 "$bin" replay --trace="$dir/replayed.itr" "$dir/storm-1-user.min.itr" "$GUEST" \
		>"$dir/replay" 2>&1
	ok $? "$name: the shrunk run replays record for record"
}

found "bug=no-eoi" "guest ISR not empty at the end" "$TMP/noeoi" "$VMM" --cmdline=bug=no-eoi
found "bug=early-sti" "guest re-entry" "$TMP/earlysti" "$VMM" --kinds=msi --cmdline=bug=early-sti
# an exception handler that returns to CPL3 below the user RSP it saved: the oracle's CPL3 frame check
found "bug=cpl3-rsp" "oracle \\[frame\\]" "$TMP/cpl3rsp" "$VMM" --kinds=exception --cmdline='work=cpl3 bug=cpl3-rsp'
grep -q 'bug=cpl3-rsp' "$TMP/cpl3rsp/out" && grep -q 'work=cpl3' "$TMP/cpl3rsp/out"
ok $? "bug=cpl3-rsp: the reproducer's command line keeps work=cpl3"

mutant_vmm() {	# mutant_vmm NAME SRC SED-EXPR: a vmm with that one file's mutant
	local name=$1 src=$2 expr=$3
	sed -e "$expr" "$src" >"$TMP/$name.c"
	# -I its room: the copy names its room's headers by bare name
	! cmp -s "$src" "$TMP/$name.c" && gcc $CFLAGS -I"${src%/*}" -c "$TMP/$name.c" -o "$TMP/$name.o" &&
		gcc $CFLAGS -o "$TMP/vmm-$name" "$OBJ/vmm/cli/main.o" \
			$(find "$OBJ" -name '*.o' ! -path '*/guest/*' ! -path '*/cli/main.o' ! -path "*/${src%.c}.o") \
			"$TMP/$name.o" $LIBS
}

mutant_vmm lapic-class vapic/lapic.c \
	'/^int lapic__pending(/,/^}/ s/((uint32_t)irrv \& 0xf0) <= (ppr \& 0xf0)/(uint32_t)irrv <= ppr/'
ok $? "LAPIC mutant (pending compares full vectors, not classes): a vmm built with it"
found "LAPIC mutant" "oracle \\[nest\\]" "$TMP/lapic" "$TMP/vmm-lapic-class"

# --scenario: a shipped scenario stormed at its own sync points, the same mutant still found
found "LAPIC mutant, --scenario=tpr" "oracle \\[tpr\\]" "$TMP/lapic-tpr" "$TMP/vmm-lapic-class" \
	--scenario=configs/tpr.yaml
grep -q '^guest: tpr$' "$TMP/lapic-tpr/storm-1-user.yaml" &&
	grep -q '{kind: msi, vector: 0x41}' "$TMP/lapic-tpr/storm-1-user.yaml" &&
	grep -q '{kind: msi, vector: 0x61}' "$TMP/lapic-tpr/storm-1-user.yaml" &&
	grep -q '^hide: \[' "$TMP/lapic-tpr/storm-1-user.yaml"
ok $? "--scenario: the reproducer is tpr's program with its own injections, the storm's hidden from its checks"
run_limited 60 "$VMM" check --scenario="$TMP/lapic-tpr/storm-1-user.yaml" --irqchip=user --cmdline=stormed \
	"$GUEST" >"$TMP/lapic-tpr/check-good" 2>&1
ok $? "--scenario: the reproducer passes on the real LAPIC (its checks blind to the storm's vector)"

mutant_vmm ioapic-reassert vapic/ioapic.c '/re-assert, or the interrupt is lost/{n;/ioapic_service_pin(io, pin);/d}'
ok $? "IOAPIC mutant (no re-assert at EOI while the line is high): a vmm built with it"
found "IOAPIC mutant" "oracle \\[(order|lost)\\]" "$TMP/ioapic" "$TMP/vmm-ioapic-reassert"

# the timer kind: CPU 0 reprograms its LAPIC timer on request; it fires, judged, in every mode
for m in kernel split user; do
	run_limited 120 "$VMM" storm --seed=3 --count=100 --kinds=timer --irqchip=$m --out="$TMP" \
		--trace="$TMP/timer-$m.itr" "$GUEST" >"$TMP/timer-$m" 2>&1
	ok $? "storm --kinds=timer --irqchip=$m: exit 0"
	req=$("$VMM" trace show "$TMP/timer-$m.itr" | grep -c ' v=3c e=')
	fire=$("$VMM" trace show "$TMP/timer-$m.itr" | grep -c ' v=2f e=')
	[ "$req" -gt 0 ] && [ "$fire" -gt 0 ] && [ "$fire" -le "$req" ]
	ok $? "--kinds=timer, $m: $req requests taken, the timer fired $fire times, at most once an arming"
done

mutant_vmm lapic-timer-stop vapic/lapic_timer.c \
	'/^void lapic_timer_start(/,/^}/{/if (!l->timer_initial) {/{n;/lapic_timer_disarm(l);/d}}'
ok $? "LAPIC timer mutant (TMICT=0 does not stop a one-shot): a vmm built with it"
found "LAPIC timer mutant" "guest the timer fired after it was stopped" "$TMP/timer" "$TMP/vmm-lapic-timer-stop" \
	--kinds=timer

# the ipi kind (--vcpus=2): each vCPU writes its ICR on the plan's request, to the other by APIC ID,
# to itself by its own, or with the shorthand self, all or all but self; judged in every mode
cat >"$TMP/ipicount.py" <<'PY'
import re, sys
# ipi_counts SHOW: the ipi kind's exact counts from `vmm trace show`
req = sends = 0
forms = set()
ent = {}     # (cpu, vector) -> ENTRY records
owed = {}    # (cpu, vector) -> sends that reach cpu
for line in open(sys.argv[1]):
    m = re.match(r'\s*\d+:\s+(.*?)\s*$', line)
    if not m:
        continue
    t = m.group(1)
    cpu = 1 if t.endswith(' cpu=1') else 0
    if t.endswith(' cpu=1'):
        t = t[:-6]
    e = re.match(r'v=([0-9a-f]{2}) e=', t)
    if e:
        v = int(e.group(1), 16)
        if 0x33 <= v <= 0x37:
            req += 1
        if v in (0xd3, 0xd4):
            ent[cpu, v] = ent.get((cpu, v), 0) + 1
        continue
    s = re.match(r'ipi v=(d[34]) fixed to (.*)$', t)
    if not s:
        continue
    v = int(s.group(1), 16)
    sends += 1
    to = s.group(2)
    if to == 'self': tg = [cpu]
    elif to == 'all': tg = [0, 1]
    elif to == 'all-but-self': tg = [1 - cpu]
    else: tg = [int(to.split()[1], 16)]
    forms.add(to if not to.startswith('apic') else ('other' if tg[0] != cpu else 'self-id'))
    for c in tg:
        owed[c, v] = owed.get((c, v), 0) + 1
bad = [k for k in set(ent) | set(owed) if ent.get(k, 0) != owed.get(k, 0)]
print('requests %d, sends %d, forms %d, to cpu 1 %d, to cpu 0 %d%s' % (
    req, sends, len(forms), owed.get((1, 0xd3), 0), owed.get((0, 0xd4), 0),
    ''.join(', cpu %d v=%02x: %d taken, %d owed' % (c, v, ent.get((c, v), 0), owed.get((c, v), 0))
            for c, v in sorted(bad))))
sys.exit(0 if req == sends and not bad and len(forms) == 5 and owed.get((1, 0xd3), 0) and
         owed.get((0, 0xd4), 0) else 1)
PY
for m in kernel split user; do
	run_limited 120 "$VMM" storm --seed=3 --vcpus=2 --count=120 --kinds=ipi --irqchip=$m --out="$TMP" \
		--trace="$TMP/ipi-$m.itr" "$GUEST" >"$TMP/ipi-$m" 2>&1
	ok $? "storm --vcpus=2 --kinds=ipi --irqchip=$m: exit 0"
	like "$TMP/ipi-$m" "^storm $m: seed 3, [0-9]+ rounds, [0-9]+ injections, [0-9]+ deliveries .*; no violation$" \
		"storm --kinds=ipi $m: clean"
	"$VMM" trace show "$TMP/ipi-$m.itr" >"$TMP/ipi-$m.show" 2>&1
	counts=$(python3 "$TMP/ipicount.py" "$TMP/ipi-$m.show")
	ok $? "--kinds=ipi, $m: each request taken sent one IPI, each IPI taken once on each target, every form, both ways ($counts)"
done

mutant_vmm ulapic-allinc vmm/dev/ulapic.c \
	's/case LAPIC_SH_ALL_INCL: match\[i\] = true; break;/case LAPIC_SH_ALL_INCL: match[i] = (int)i == source; break;/'
ok $? "user LAPIC mutant (an IPI to all, shorthand, reaches only its sender): a vmm built with it"
found "IPI mutant" "oracle \\[lost\\]" "$TMP/ipi" "$TMP/vmm-ulapic-allinc" --vcpus=2 --kinds=ipi
grep -q 'vector: 0x36' "$TMP/ipi/storm-1-user.yaml" && grep -q '^vcpus: 2$' "$TMP/ipi/storm-1-user.yaml"
ok $? "IPI mutant: the reproducer asks for an IPI to all (0x36), on two vCPUs"
"$VMM" trace show "$TMP/ipi/storm-1-user-round1.itr" >"$TMP/ipi/round.show" 2>&1
python3 "$TMP/ipicount.py" "$TMP/ipi/round.show" >"$TMP/ipi/counts"
ok $((! $?)) "IPI mutant: the exact counts catch it too ($(cat "$TMP/ipi/counts"))"

# a user LAPIC mutant: an NMI IPI delivered twice; the ipi scenario's one NMI IPI (recorded) owes
# CPU 1 one NMI, so the second is [nmi] where it lands (before NMI IPIs were recorded: unmodelled)
mutant_vmm ulapic-nmi-twice vmm/dev/ulapic.c 's/^\t\tt->nr_nmi++;$/\t\tt->nr_nmi += 2;/'
ok $? "user LAPIC mutant (an NMI IPI delivered twice): a vmm built with it"
run_limited 120 "$TMP/vmm-ulapic-nmi-twice" check --scenario=configs/ipi.yaml --irqchip=user "$GUEST" \
	>"$TMP/nmi-twice" 2>&1
like "$TMP/nmi-twice" '^oracle\[user\]: first divergence: seq [0-9]+ \[nmi\]: cpu 1: NMI delivered but none is pending \(none injected, none sent to this vCPU\)$' \
	"NMI IPI mutant: the oracle finds the NMI nobody sent, on its target"
run_limited 120 "$VMM" check --scenario=configs/ipi.yaml --irqchip=user "$GUEST" >"$TMP/nmi-once" 2>&1
like "$TMP/nmi-once" '^check ipi irqchip=user: oracle PASS .*; expected pass; OK$' \
	"... and the same check passes on the vmm it was built from"

# the init kind (--vcpus=2): CPU 0, asked, waits until the VMM says CPU 1 is at a quiet point, then
# restarts it by INIT, SIPI; a few seeds in every mode, clean, the ipi kind's counts exact across
# the restarts, and CPU 1 back each time (its page registered again: one io exit of CPU 1 there)
for m in kernel split user; do
	for seed in 1 2; do
		run_limited 180 "$VMM" storm --seed=$seed --vcpus=2 --count=150 --kinds=init,ipi --irqchip=$m \
			--out="$TMP" --trace="$TMP/init-$m-$seed.itr" "$GUEST" >"$TMP/init-$m-$seed" 2>&1
		ok $? "storm --vcpus=2 --kinds=init,ipi --irqchip=$m --seed=$seed: exit 0"
		like "$TMP/init-$m-$seed" \
			"^storm $m: seed $seed, [0-9]+ rounds, [0-9]+ injections, [0-9]+ deliveries .*; no violation$" \
			"storm --kinds=init,ipi $m seed $seed: clean"
		"$VMM" trace show "$TMP/init-$m-$seed.itr" >"$TMP/init-$m-$seed.show" 2>&1
		reg=$(grep -m1 'vmm: exit io rip=[0-9a-fx]* cpu=1$' "$TMP/init-$m-$seed.show" | sed 's/.*vmm: //')
		restarts=$(($(grep -c "vmm: $reg\$" "$TMP/init-$m-$seed.show") - 1))
		taken=$(grep -c ' v=3d e=' "$TMP/init-$m-$seed.show")
		[ -n "$reg" ] && [ "$restarts" -gt 0 ] && [ "$restarts" -eq "$taken" ]
		ok $? "--kinds=init, $m seed $seed: CPU 1 restarted once a request taken ($restarts of $taken)"
		counts=$(python3 "$TMP/ipicount.py" "$TMP/init-$m-$seed.show")
		ok $? "--kinds=init,ipi, $m seed $seed: the ipi kind's exact counts hold across the restarts ($counts)"
	done
done

# a user LAPIC mutant: an INIT to a vCPU in HLT is lost (only the init kind INITs a vCPU that ran)
mutant_vmm ulapic-init-hlt vmm/dev/ulapic.c 's/\t\tt->init_pending = true;/\t\tt->init_pending = !t->halted;/'
ok $? "user LAPIC mutant (an INIT to a halted vCPU is lost): a vmm built with it"
found "INIT mutant" "guest CPU 1 did not start, finish or restart" "$TMP/init" "$TMP/vmm-ulapic-init-hlt" \
	--vcpus=2 --kinds=init,ipi
grep -q 'vector: 0x3d' "$TMP/init/storm-1-user.yaml" && grep -q '^vcpus: 2$' "$TMP/init/storm-1-user.yaml"
ok $? "INIT mutant: the reproducer asks CPU 0 to restart CPU 1 (0x3d), on two vCPUs"

# ---- bad input: one line, status 2 ----
bad() {	# bad DESCRIPTION WANT ARGS...
	local desc=$1 want=$2
	shift 2
	run_limited 30 "$VMM" storm "$@" "$GUEST" >"$TMP/bad" 2>&1
	is $? 2 "$desc: exit 2"
	like "$TMP/bad" "^vmm storm: $want" "$desc: says so"
	is "$(wc -l <"$TMP/bad")" 1 "$desc: one line"
}
bad "--rate=9" "--rate: not 1..8" --rate=9
bad "--kinds=msi,foo" "--kinds: 'foo' is not" --kinds=msi,foo
bad "--vcpus=3" "--vcpus: '3' is not 1 or 2" --vcpus=3
bad "--kinds=ipi on one vCPU" "--kinds: ipi needs --vcpus=2" --kinds=msi,ipi
bad "--kinds=init on one vCPU" "--kinds: init needs --vcpus=2" --kinds=msi,init
bad "--count and --duration" "--count and --duration: give one" --count=5 --duration=1
bad "--out missing" "--out=$TMP/none: No such file or directory" --out="$TMP/none"
bad "--irqchip=bogus" "--irqchip: 'bogus' is not" --irqchip=bogus
bad "--scenario with other --vcpus" "--vcpus: configs/sipi8.yaml runs on 8 vCPUs" --scenario=configs/sipi8.yaml \
	--vcpus=2
bad "--scenario without a sync step" "--scenario=configs/ipi.yaml: no sync step to storm at" \
	--scenario=configs/ipi.yaml
bad "--scenario outside its modes" "--irqchip: configs/spurious.yaml does not run under kernel" \
	--scenario=configs/spurious.yaml --irqchip=kernel
bad "--scenario, no kind fits" "--kinds: none of them can storm configs/nmi-blocked.yaml" \
	--scenario=configs/nmi-blocked.yaml --kinds=nmi
bad "--scenario missing" "/nonexistent.yaml: cannot read" --scenario=/nonexistent.yaml
bad "--scenario with --syncs" "--syncs: not with --scenario" --scenario=configs/tpr.yaml --syncs=8
bad "--scenario with --vcpus=2" "--vcpus: configs/tpr.yaml runs on one vCPU" --scenario=configs/tpr.yaml --vcpus=2

# a level device is owed a second service only while its line is high: under kernel, PVM-4's EOI
# at acceptance re-sends the line before the handler drops it, and that delivery, on a low line,
# must not leave it owing one (each later window would ask its 32 questions for it)
{
	printf 'name: level-owed\nguest: storm\ntimeout: 30\nsteps:\n'
	for i in $(seq 8); do printf '  - at: {sync: %d}\n    inject:\n      - {kind: pin, pin: 5, action: assert}\n' "$i"; done
	printf 'checks:\n  - name: clean\n    expect: marks\n    value: [0]\n'
} >"$TMP/level.yaml"
for m in kernel split user; do
	rm -f "$TMP/level.itr"
	run_limited 60 "$VMM" run --quiet --scenario="$TMP/level.yaml" --irqchip=$m --cmdline=count=8 \
		--trace="$TMP/level.itr" "$GUEST" >"$TMP/level.out" 2>&1
	ok $? "level asserts at 8 sync points, $m: the storm is clean"
	# EXIT records (exits to the VMM) from sync 2 to sync 8: six windows, each with its delivery
	# (about 13 exits under user, 5 under kernel) and, were a service owed, its 32 questions
	x=$("$VMM" trace export --format=json "$TMP/level.itr" | awk '
		/"type":"SYNC"/ && /"a":2,/ { on = 1 }
		/"type":"SYNC"/ && /"a":8,/ { on = 0 }
		on && /"type":"EXIT"/ { x++ }
		END { printf "%d", x / 6 }')
	ok $(( x >= 24 )) "level asserts, $m: $x exits a window, not the 32 more of a wait for a service not owed"
done

done_testing
