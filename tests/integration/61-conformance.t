#!/bin/bash
# vmm conformance: on this host's KVM (three irqchip modes) and QEMU TCG every
# divergence docs/DIVERGENCES.md lists is found and named by its ID, in the
# right targets only; the ID table of the docs is the command's own output;
# a planted LAPIC mutant is a divergence of that target alone; a hang is a
# HANG cell within its watchdog, and the run goes on after it.
. "$(dirname "$0")/lib.sh"
need_kvm
command -v qemu-system-x86_64 >/dev/null || skip_all "qemu-system-x86_64 is not installed"
command -v jq >/dev/null || skip_all "jq is not installed (scripts/deps.sh installs it)"

cell() {	# cell CHECK TARGET: "STATUS ID" of one cell of $TMP/c.json
	jq -r --arg c "$1" --arg t "$2" \
		'.checks[] | select(.name == $c) | .results[] | select(.target == $t) | "\(.status) \(.id)"' \
		"$TMP/c.json"
}

run_limited 600 "$VMM" conformance --quiet --expect=known --out="$TMP/out" --json="$TMP/c.json" \
	--html="$TMP/c.html" "$GUEST" >"$TMP/c.txt" 2>&1
ok $? "conformance on the model, kvm and qemu-tcg, --expect=known: exit 0 (every divergence named)"
like "$TMP/c.txt" '^check +model +kvm/kernel +kvm/split +kvm/user +qemu-tcg *$' "the matrix: a column per target"
like "$TMP/c.txt" '^result: OK$' "result line"
is "$(jq '[.checks[].results[] | select(.status == "HANG" or .status == "ERROR")] | length' "$TMP/c.json")" 0 \
	"no hang, no error"
is "$(jq '[.checks[].results[] | select(.id == "new")] | length' "$TMP/c.json")" 0 \
	"no divergence the table does not name"

# the model's column: the architecture's expectation, with no run; n/a where it can't say
is "$(cell '#PF-np-cpl3' model)" "EXPECTED #PF(0x4)" "#PF-np-cpl3 on the model: #PF, error code U"
is "$(cell '#PF-nx-cpl0' model)" "EXPECTED #PF(0x11)" "#PF-nx-cpl0 on the model: #PF, error code P|I"
is "$(cell int1-cpl3 model)" "EXPECTED #DB trap" "int1-cpl3 on the model: #DB as a trap"
is "$(cell iretq-cpl0 model)" "EXPECTED no fault" "iretq-cpl0 on the model: no fault"
is "$(cell scenario:isr model)" "UNSUPPORTED " "scenario:isr on the model: n/a (a run's trace is judged)"
is "$(cell insn:alu model)" "UNSUPPORTED " "insn:alu on the model: n/a (CPL0 against CPL3)"
is "$(jq '[.checks[] | select(.kind == "case") | .results[] | select(.note | test("checker and the model"))] | length' "$TMP/c.json")" 0 \
	"on every target the guest's checker demands what the model expects"
is "$(jq -r '.checks[] | select(.name == "int80-cpl3") | .results[] | select(.target == "kvm/kernel") | .vs_model' "$TMP/c.json" | cut -d';' -f1)" \
	"vector: model 128, observed 6" "int80-cpl3 on kvm/kernel against the model, field by field"
is "$(jq -r '.checks[] | select(.name == "#PF-np-cpl3") | .model | "\(.vector) \(.error_code) \(.resume) \(.stack) \(.cr2)"' "$TMP/c.json")" \
	"14 4 fault rsp0 2080768" "json: the model's fields of a case"
like "$TMP/c.txt" '^  vs model:  vector: model 128, observed 6' "text: a divergence read against the model"
like "$TMP/c.html" '<td class="model">#PF\(0x4\)</td>' "html: the model's column"

# the PVM host's divergences, where each belongs
for m in kernel split user; do
	is "$(cell '#BP-cpl0' kvm/$m)" "DIVERGENCE PVM-1" "#BP-cpl0 on kvm/$m: KVM can't run int3 at CPL0 (PVM-1)"
	is "$(cell int80-cpl3 kvm/$m)" "DIVERGENCE PVM-2" "int80-cpl3 on kvm/$m: #UD instead of 0x80 (PVM-2)"
	is "$(cell '#MF-cpl0' kvm/$m)" "DIVERGENCE PVM-6" "#MF-cpl0 on kvm/$m: x87 at CPL0 (PVM-6)"
	is "$(cell '#NM-cpl3' kvm/$m)" "DIVERGENCE PVM-7" "#NM-cpl3 on kvm/$m: CR0.TS at CPL3 (PVM-7)"
	is "$(cell '#NP-cpl0' kvm/$m)" "DIVERGENCE PVM-8" "#NP-cpl0 on kvm/$m: escalated to #DF (PVM-8)"
	is "$(cell '#NP-db-cpl0' kvm/$m)" "DIVERGENCE PVM-8" "#NP-db-cpl0 on kvm/$m: benign #DB then #NP escalated to #DF (PVM-8)"
	# PVM-10 varies by host: one build of Linux 6.18.44 delivers it as a trap, another as a fault
	like <(cell int1-cpl3 kvm/$m) '^(PASS |DIVERGENCE PVM-10)$' "int1-cpl3 on kvm/$m: #DB as a trap, or PVM-10 (varies by host)"
	is "$(cell movss-tf-cpl0 kvm/$m)" "DIVERGENCE PVM-14" "movss-tf-cpl0 on kvm/$m: #DB right after mov ss (PVM-14)"
	is "$(cell movss-tf-cpl3 kvm/$m)" "PASS " "movss-tf-cpl3 on kvm/$m: native CPL3 keeps the mov ss shadow"
	is "$(cell int3-dpl0-cpl3 kvm/$m)" "DIVERGENCE PVM-15" "int3-dpl0-cpl3 on kvm/$m: #BP through a DPL0 gate (PVM-15)"
	is "$(cell efer-rsvd-cpl0 kvm/$m)" "PASS " "efer-rsvd-cpl0 on kvm/$m: #GP(0)"
	is "$(cell out-cpl3-iopl0 kvm/$m)" "PASS " "out-cpl3-iopl0 on kvm/$m: #GP(0) (PVM-3 is retired)"
	is "$(cell '#DE-cpl0' kvm/$m)" "PASS " "#DE-cpl0 on kvm/$m"
	is "$(cell pat-rsvd-cpl0 kvm/$m)" "DIVERGENCE PVM-16" "pat-rsvd-cpl0 on kvm/$m: a reserved PAT type taken (PVM-16)"
	is "$(cell int41-trapgate-cpl0 kvm/$m)" "DIVERGENCE PVM-1" \
		"int41-trapgate-cpl0 on kvm/$m: the VMM delivers it (PVM-1), IF kept through the trap gate"
	for c in out-cpl3-iopl3 cli-cpl3-iopl3; do
		is "$(cell "$c" kvm/$m)" "DIVERGENCE PVM-17" "$c on kvm/$m: #GP(0), IOPL 3 not applied at CPL3 (PVM-17)"
	done
	for c in apicbase-rsvd-cpl0 '#BP-trapgate-cpl3' iretq-tf-cpl0 iretq-nullcs-cpl0; do
		is "$(cell "$c" kvm/$m)" "PASS " "$c on kvm/$m"
	done
done
# the TPR lowered through the APIC's register: mostly late under KVM's in-kernel LAPIC (PVM-5:
# taken at the next exit, which the host's timing may make come at once), on time under ours
# (the MMIO write exits, the VMM injects at the re-entry)
for m in kernel split; do
	cell apic-tpr-lower-cpl0 kvm/$m >"$TMP/tpr-$m"
	like "$TMP/tpr-$m" '^(DIVERGENCE PVM-5|PASS )$' \
		"apic-tpr-lower-cpl0 on kvm/$m: taken after the instruction after the TPR write (PVM-5), or on time"
done
is "$(cell apic-tpr-lower-cpl0 kvm/user)" "PASS " "apic-tpr-lower-cpl0 on kvm/user: at the instruction after the write"
# an illegal vector (3) in a fixed self-IPI: KVM's in-kernel LAPIC takes it into IRR (KVM-1); ours
# raises the LVT error interrupt with ESR "send illegal vector", pending at sti (late: PVM-5)
for m in kernel split; do
	is "$(cell lvt-error-illegal-cpl0 kvm/$m)" "DIVERGENCE KVM-1" \
		"lvt-error-illegal-cpl0 on kvm/$m: vector 3 accepted, no ESR, no LVT error interrupt (KVM-1)"
done
cell lvt-error-illegal-cpl0 kvm/user >"$TMP/lvt-user"
like "$TMP/lvt-user" '^(PASS |DIVERGENCE PVM-5)$' \
	"lvt-error-illegal-cpl0 on kvm/user: the LVT error vector with ESR send illegal vector (or late: PVM-5)"
# the same vector through the x2APIC SELF IPI register (MSR 0x83f): KVM-1 again under KVM's
# in-kernel LAPIC; the user irqchip hides x2APIC and QEMU 7.2's TCG CPU has none: UNSUPPORTED,
# the guest saying which CPUID bit is clear, never a PASS for what did not run
for m in kernel split; do
	is "$(cell selfipi-illegal-cpl0 kvm/$m)" "DIVERGENCE KVM-1" \
		"selfipi-illegal-cpl0 on kvm/$m: vector 3 from MSR 0x83f accepted, no LVT error interrupt (KVM-1)"
done
for t in kvm/user qemu-tcg; do
	is "$(cell selfipi-illegal-cpl0 $t)" "UNSUPPORTED " "selfipi-illegal-cpl0 on $t: no x2APIC, not run"
	is "$(jq -r '.checks[] | select(.name == "selfipi-illegal-cpl0") | .results[] | select(.target == "'$t'") | .note' "$TMP/c.json")" \
		"no x2APIC: CPUID.1:ECX[21] is clear, so no SELF IPI MSR 0x83f" "... and the note says why"
done
is "$(cell selfipi-illegal-cpl0 model)" "EXPECTED 0xfe irq" "selfipi-illegal-cpl0 on the model: the LVT error vector"
# an exception while delivering another (SDM 6.15 Table 6-5): a #PF while delivering a #PF (its frame
# pushed onto a not-present stack), and a #NP (the #PF gate not present) while delivering a #PF, are
# each a #DF(0) on IST1; QEMU TCG gets it right but for its NULL SS on the IST switch (QEMU-2)
for c in '#DF-pf-pf-cpl0' '#DF-pf-np-cpl0'; do
	for m in kernel split user; do
		is "$(cell "$c" kvm/$m)" "PASS " "$c on kvm/$m: #DF(0) on IST1"
	done
	is "$(cell "$c" qemu-tcg)" "DIVERGENCE QEMU-2" "$c on qemu-tcg: #DF, SS loaded with NULL (QEMU-2)"
	is "$(cell "$c" model)" "EXPECTED #DF(0x0)" "$c on the model: #DF(0)"
done
# a contributory exception while calling the #DF handler shuts the processor down (SDM 6.15,
# interrupt 8): #DE's and #DF's gates not present. Run alone (only=NAME, after the rest): the guest
# says "shutdown expected" before its trigger, and a run that then ends in a shutdown (vmm's
# status 4, QEMU -no-reboot's exit 0) is the outcome observed
for t in kvm/kernel kvm/split kvm/user qemu-tcg; do
	is "$(cell '#DF-shutdown-cpl0' $t)" "PASS " "#DF-shutdown-cpl0 on $t: a shutdown (triple fault), read as a PASS"
done
is "$(cell '#DF-shutdown-cpl0' model)" "EXPECTED shutdown" "#DF-shutdown-cpl0 on the model: a shutdown"
is "$(jq -r '.checks[] | select(.name == "#DF-shutdown-cpl0") | .model | "\(.vector) \(.resume) \(.stack)"' "$TMP/c.json")" \
	"null shutdown none" "json: the model's shutdown: no vector, no stack"
# host checks (KVM_CAP_EXCEPTION_PAYLOAD): vmm probe injects a pending #PF (#DB) with a payload
# into a tiny guest with IF=0 (and a #PF with IF=1 in an STI shadow, which holds off interrupts,
# not exceptions) and reads CR2 (DR6) back before the next KVM_RUN: the old value, the payload
# only in the handler; QEMU TCG has no host step (n/a, never a PASS)
for c in host:pf-payload-pending host:db-payload-pending host:pf-payload-sti-shadow; do
	for m in kernel split user; do
		is "$(cell $c kvm/$m)" "PASS " "$c on kvm/$m: deferred to the delivery"
	done
	is "$(cell $c qemu-tcg)" "UNSUPPORTED " "$c on qemu-tcg: no host step"
	is "$(cell $c model)" "EXPECTED deferred" "$c on the model: deferred"
done
# bus-lock detection (CPUID.(7,0):ECX[24]): where the CPU has none, UNSUPPORTED with that reason, on
# every target; QEMU 7.2's TCG CPU never has it
bld_note() { jq -r '.checks[] | select(.name == "#DB-buslock-cpl3") | .results[] | select(.target == "'$1'") | .note' "$TMP/c.json"; }
bld_targets=qemu-tcg
grep -qw bus_lock_detect /proc/cpuinfo || bld_targets="kvm/kernel kvm/split kvm/user qemu-tcg"
for t in $bld_targets; do
	is "$(cell '#DB-buslock-cpl3' $t)" "UNSUPPORTED " "#DB-buslock-cpl3 on $t: no bus-lock detection, not run"
	is "$(bld_note $t)" "no bus-lock detection: CPUID.(EAX=7,ECX=0):ECX[24] is clear" "... the note names the CPUID bit"
done
is "$(cell '#DB-buslock-cpl3' model)" "EXPECTED #DB trap" "#DB-buslock-cpl3 on the model: a #DB trap"
is "$(jq -r '.checks[] | select(.name == "#DB-buslock-cpl3") | .model.dr6_clear' "$TMP/c.json")" 2048 \
	"json: the model's DR6.BLD (bit 11), which must be clear"
# the TSS I/O bitmap, unlike IOPL 3 (PVM-17), is applied at CPL3 everywhere
for t in kvm/kernel kvm/split kvm/user qemu-tcg; do
	for c in out-cpl3-iomap-allowed in-cpl3-iomap-allowed out-cpl3-iomap-denied outw-cpl3-iomap-partial; do
		is "$(cell "$c" $t)" "PASS " "$c on $t: the TSS I/O bitmap decides at CPL3 with IOPL 0"
	done
done
if [ -d /sys/module/kvm_pvm ]; then	# CPL0 emulated: the instruction sweep against the CPU at CPL3
	for m in kernel split user; do
		is "$(cell insn:bit kvm/$m)" "DIVERGENCE PVM-11+PVM-13" \
			"insn:bit on kvm/$m: tzcnt as bsf (PVM-11), popcnt/BMI1/ADX/movbe/crc32 #UD (PVM-13)"
		is "$(cell insn:move kvm/$m)" "DIVERGENCE PVM-12+PVM-13" \
			"insn:move on kvm/$m: cmpxchg r32 writes back (PVM-12), cmpxchg16b #UD (PVM-13)"
		for f in alu shift muldiv cond string; do
			is "$(cell insn:$f kvm/$m)" "PASS " "insn:$f on kvm/$m: every form as the CPU does it"
		done
	done
fi
is "$(jq '[.checks[] | select(.kind == "sweep") | .results[] | select(.target == "qemu-tcg" and .status != "PASS")] | length' "$TMP/c.json")" 0 \
	"the sweep on qemu-tcg: every family PASS (both CPLs are TCG)"
# the sweep across targets, form by form: each target's CPL0 and CPL3 against the CPL3 most give
sf() { jq -r ".sweep_forms | $1" "$TMP/c.json"; }
is "$(sf '.targets')" 4 "sweep across targets: the three kvm modes and qemu-tcg ran forms"
ok "$([ "$(sf '.forms')" -ge 250 ] && [ "$(sf '.compared')" -eq "$(( $(sf '.agree') + $(sf '.differ') ))" ]; echo $?)" \
	"sweep across targets: $(sf '.forms') forms, compared = agree + differ"
is "$(sf '[.forms_that_differ[].differ[] | select(.target == "qemu-tcg")] | length')" 0 \
	"sweep across targets: qemu-tcg gives the reference's outcome for every form it runs"
like "$TMP/c.txt" "^instruction sweep across targets .*: [0-9]+ forms on 4 targets, [0-9]+ agree everywhere" \
	"the text report counts the forms"
if [ -d /sys/module/kvm_pvm ]; then	# only KVM's CPL0 emulator differs, and in the fields it gets wrong
	is "$(sf '[.forms_that_differ[].differ[] | select(.cpl != 0 or (.target | startswith("kvm/") | not))] | length')" 0 \
		"sweep across targets: every difference is a kvm target's CPL0"
	is "$(sf '.forms_that_differ[] | select(.form == "bit.tzcnt-r64") | [.differ[] | "\(.target) \(.cpl) \(.fields | join(","))"] | join(";")')" \
		"kvm/kernel 0 CF,ZF,rax;kvm/split 0 CF,ZF,rax;kvm/user 0 CF,ZF,rax" \
		"bit.tzcnt-r64: kvm/* CPL0 differs in CF, ZF and rax from the CPU's CPL3 (PVM-11; qemu-tcg's default CPU lacks BMI1)"
	is "$(sf '.forms_that_differ[] | select(.form == "move.cmpxchg-r32-r32") | .reference.of')" 4 \
		"move.cmpxchg-r32-r32: the reference from all four targets' CPL3"
	like "$TMP/c.txt" "^  move.cmpxchg-r32-r32: kvm/kernel, kvm/split, kvm/user CPL0: rcx \\[reference: CPL3 of 4 of 4 targets" \
		"the text report: move.cmpxchg-r32-r32's rcx on kvm's CPL0 alone (PVM-12)"
else
	is "$(sf '.differ')" 0 "sweep across targets: CPL0 is not emulated here, every form agrees"
fi
if "$VMM" probe 2>/dev/null | grep -q 'guest CPL0 instruction: .*EMULATED'; then
	for m in kernel split user; do
		is "$(cell emulation:iretq kvm/$m)" "DIVERGENCE PVM-9" \
			"emulation:iretq on kvm/$m: KVM reports iretq as a failed emulation (PVM-9)"
	done
fi
is "$(cell scenario:isr kvm/kernel)" "DIVERGENCE PVM-4" "scenario:isr on kvm/kernel: EOI at acceptance (PVM-4)"
is "$(cell scenario:isr kvm/split)" "DIVERGENCE PVM-4" "scenario:isr on kvm/split: PVM-4"
is "$(cell scenario:isr kvm/user)" "PASS " "scenario:isr on kvm/user: our LAPIC is architectural"
# EOI at acceptance always; a delivery late by a few instructions (PVM-5) as the host's timing has it
cell scenario:nesting kvm/kernel >"$TMP/nesting-kernel"
like "$TMP/nesting-kernel" '^DIVERGENCE PVM-4(\+PVM-5)?$' \
	"scenario:nesting on kvm/kernel: explained by EOI at acceptance, with or without a late delivery"
# a SIPI to a vCPU halted with IF=0 wakes it (KVM-2, a check's known: ref), with PVM-4's EOIs
for m in kernel split; do
	cell scenario:stray-sipi kvm/$m >"$TMP/stray-$m"
	like "$TMP/stray-$m" '^DIVERGENCE KVM-2\+PVM-4(\+PVM-5)?$' \
		"scenario:stray-sipi on kvm/$m: the SIPI ends the HLT (KVM-2), named with the oracle's PVM-4"
done
is "$(jq -r '.checks[] | select(.name == "scenario:stray-sipi") | .results[] | select(.target == "kvm/kernel") | .observed' "$TMP/c.json" | grep -c 'known: cpu 1 halted with IF=0 wakes at the NMI, not the SIPI (KVM-2)')" 1 \
	"scenario:stray-sipi on kvm/kernel: observed names the pinned check"
is "$(jq '[.checks[] | select(.kind == "scenario") | .results[] | select(.target == "kvm/user" and .status == "DIVERGENCE")] | length' "$TMP/c.json")" 0 \
	"every scenario passes on kvm/user"
is "$(cell scenario:spurious kvm/kernel)" "UNSUPPORTED " "scenario:spurious on kvm/kernel: the config is user-only"
# QEMU TCG's own departures, on qemu-tcg only
for p in '#SS-cpl0 QEMU-1' '#DB-tf-cpl0 QEMU-2' '#XM-cpl3 QEMU-3' '#AC-cpl3 QEMU-4' 'int41-cpl3 QEMU-5' \
	'#NP-cpl0 QEMU-6' '#NP-db-cpl0 QEMU-6' 'int1-cpl0 QEMU-7' 'rdmsr-unknown-cpl0 QEMU-8' 'efer-rsvd-cpl0 QEMU-9' \
	'int3-dpl0-cpl3 QEMU-5' 'pat-rsvd-cpl0 QEMU-10' 'apicbase-rsvd-cpl0 QEMU-11' 'iretq-tf-cpl0 QEMU-2' \
	'apic-tpr-lower-cpl0 QEMU-12' 'lvt-error-illegal-cpl0 QEMU-13'; do
	set -- $p
	is "$(cell "$1" qemu-tcg)" "DIVERGENCE $2" "$1 on qemu-tcg: $2"
done
is "$(cell '#BP-cpl0' qemu-tcg)" "PASS " "#BP-cpl0 on qemu-tcg: TCG runs int3 at CPL0"
for c in out-cpl3-iopl3 cli-cpl3-iopl3; do
	is "$(cell "$c" qemu-tcg)" "PASS " "$c on qemu-tcg: IOPL 3 allows it (the positive control of PVM-17)"
done
is "$(cell scenario:isr qemu-tcg)" "UNSUPPORTED " "scenario:isr on qemu-tcg: needs the VMM's injections"
is "$(cell scenario:timer-tsc-deadline qemu-tcg)" "UNSUPPORTED " \
	"scenario:timer-tsc-deadline on qemu-tcg: the CPU has no TSC-deadline (not a divergence)"
is "$(jq '[.checks[].results[] | select(.target == "qemu-tcg" and (.id | startswith("PVM")))] | length' "$TMP/c.json")" 0 \
	"no PVM ID on qemu-tcg"
is "$(jq '[.checks[].results[] | select((.target | startswith("kvm")) and (.id | startswith("QEMU")))] | length' "$TMP/c.json")" 0 \
	"no QEMU ID on the kvm targets"
like "$TMP/c.txt" "reproduce: .*vmm run --irqchip=kernel --cmdline='test=conformance only=int80-cpl3'" \
	"a divergence carries its one-line reproducer"
like "$TMP/c.html" '<td class="div"><a href="#c' "the HTML report links each divergence to its finding"

# the reproducer shows the same thing again
run_limited 30 "$VMM" run --irqchip=kernel --results="$TMP/r.txt" \
	--cmdline='test=conformance only=int80-cpl3' "$GUEST" >/dev/null 2>&1
like "$TMP/r.txt" '^exc int80-cpl3 .* mismatch=0x5 FAIL via=kvm div=PVM-2$' "the reproducer: the same result line"
like "$TMP/r.txt" '^selftest done=1 cases=1$' "the reproducer ran that case alone"

# a CPL3 access the TSS I/O bitmap allows exits to the VMM as the SDM has it: no PVM-3 note for it
run_limited 30 "$VMM" run --irqchip=user --cmdline='test=conformance only=out-cpl3-iomap-allowed' \
	"$GUEST" >"$TMP/io.out" 2>&1
like "$TMP/io.out" '^self-test: 1 passed, 0 failed' "out-cpl3-iomap-allowed alone: the out runs"
grep -q 'divergence (PVM-3)' "$TMP/io.out"
ok $((! $?)) "... and the VMM, reading the guest's TSS I/O bitmap, names no PVM-3 for it"

# docs/DIVERGENCES.md: its ID table is the command's, and every live PVM ID is found here
"$VMM" conformance --markdown >"$TMP/ids.md"
sed -n '/<!-- conformance --markdown: begin -->/,/<!-- conformance --markdown: end -->/p' docs/DIVERGENCES.md |
	sed '1d;$d' >"$TMP/doc-ids.md"
diff -u "$TMP/doc-ids.md" "$TMP/ids.md" >"$TMP/ids.diff"
ok $? "docs/DIVERGENCES.md's ID table is vmm conformance --markdown's"
[ -s "$TMP/ids.diff" ] && sed 's/^/#   /' "$TMP/ids.diff" | head -20
missing=""
for id in $(grep -oE '^\| (PVM|QEMU|KVM)-[0-9]+ \|' "$TMP/ids.md" | tr -d '| '); do
	grep -qE "^\| $id \|.*(Retired|Varies by host)" "$TMP/ids.md" && continue
	[ "$(jq --arg id "$id" '[.divergences[] | select(.id == $id)] | length' "$TMP/c.json")" = 1 ] ||
		missing="$missing $id"
done
is "$missing" "" "every ID the docs list for PVM, QEMU and KVM, retired and host-varying ones aside, is found by this run"

# a planted defect in one target: a LAPIC mutant, as a second vmm build
OBJ=$(dirname "$VMM")/obj
LIBS=$(MAKEFLAGS= make -s --no-print-directory print-ldlibs)	# what the Makefile links
CFLAGS="-std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter -Iinclude -I. -Ivmm -Ivapic -I/usr/include/tracefs -I/usr/include/traceevent"
nm "$VMM" 2>/dev/null | grep -q __asan_init &&
	CFLAGS="$CFLAGS -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"
sed -e '/^int lapic__pending(/,/^}/ s/((uint32_t)irrv \& 0xf0) <= (ppr \& 0xf0)/(uint32_t)irrv <= ppr/' \
	vapic/lapic.c >"$TMP/lapic-mutant.c"
! cmp -s vapic/lapic.c "$TMP/lapic-mutant.c" && gcc $CFLAGS -c "$TMP/lapic-mutant.c" -o "$TMP/lapic-mutant.o" &&
	gcc $CFLAGS -o "$TMP/vmm-mutant" "$OBJ/vmm/cli/main.o" \
		$(find "$OBJ" -name '*.o' ! -path '*/guest/*' ! -path '*/cli/main.o' ! -path '*/vapic/lapic.o') \
		"$TMP/lapic-mutant.o" $LIBS
ok $? "a vmm with a LAPIC mutant (pending compares full vectors, not classes)"
run_limited 300 "$VMM" conformance --quiet --targets="kvm/user,kvm/user@$TMP/vmm-mutant" --filter=scenario:n \
	--out="$TMP/mut" --json="$TMP/m.json" "$GUEST" >"$TMP/m.txt" 2>&1
is $? 1 "the mutant's divergence fails the run"
is "$(jq -r '.checks[] | select(.name == "scenario:nesting") | .results[] | "\(.target) \(.status) \(.id)"' "$TMP/m.json" | tr '\n' ';')" \
	"kvm/user PASS ;kvm/user@vmm-mutant DIVERGENCE new;" \
	"scenario:nesting: a new divergence on the mutant's column only"
jq -r '.checks[] | select(.name == "scenario:nesting") | .results[] | select(.target == "kvm/user@vmm-mutant") |
	.observed' "$TMP/m.json" >"$TMP/m.obs"
like "$TMP/m.obs" '^failing checks: .*\(observed \[0x' "scenario:nesting on the mutant: each failing check with what it observed"

# a planted defect in the VMM's injection: a payload applied at the injection of a pending
# exception too (dev/inject.c), as a second vmm build: the host checks find it on its column only
sed -e 's/if (!inj->pending \&\& vcpu__apply_payload(/if (vcpu__apply_payload(/' \
	vmm/dev/inject.c >"$TMP/inject-mutant.c"
! cmp -s vmm/dev/inject.c "$TMP/inject-mutant.c" && gcc $CFLAGS -Ivmm/dev -c "$TMP/inject-mutant.c" -o "$TMP/inject-mutant.o" &&
	gcc $CFLAGS -o "$TMP/vmm-payload" "$OBJ/vmm/cli/main.o" \
		$(find "$OBJ" -name '*.o' ! -path '*/guest/*' ! -path '*/cli/main.o' ! -path '*/dev/inject.o') \
		"$TMP/inject-mutant.o" $LIBS
ok $? "a vmm whose injection applies a pending exception's payload at once"
run_limited 120 "$VMM" conformance --quiet --targets="kvm/user,kvm/user@$TMP/vmm-payload" --filter=host: \
	--out="$TMP/pay" --json="$TMP/p.json" "$GUEST" >"$TMP/p.txt" 2>&1
is $? 1 "the payload mutant's divergence fails the run"
for c in host:pf-payload-pending host:db-payload-pending host:pf-payload-sti-shadow; do
	is "$(jq -r --arg c $c '.checks[] | select(.name == $c) | .results[] | "\(.target) \(.status) \(.id)"' "$TMP/p.json" | tr '\n' ';')" \
		"kvm/user PASS ;kvm/user@vmm-payload DIVERGENCE new;" "$c: a new divergence on the mutant's column only"
done
like "$TMP/p.txt" 'observed: +SET AT INJECTION \(not deferred\): CR2 0x7e57f000 after the injection' \
	"the finding says CR2 was set at the injection"

# a planted defect in the model: a wrong #PF error code, as a second vmm build; kvm/user's
# (the guest's checker and our LAPIC) disagrees with it, and the model column shows it
sed -e 's/X("#PF-np-cpl3", 3, 14, PF_U,/X("#PF-np-cpl3", 3, 14, PF_U | PF_P,/' \
	vmm/conform/model.c >"$TMP/model-mutant.c"
! cmp -s vmm/conform/model.c "$TMP/model-mutant.c" && gcc $CFLAGS -Ivmm/conform -c "$TMP/model-mutant.c" -o "$TMP/model-mutant.o" &&
	gcc $CFLAGS -o "$TMP/vmm-model-mutant" "$OBJ/vmm/cli/main.o" \
		$(find "$OBJ" -name '*.o' ! -path '*/guest/*' ! -path '*/cli/main.o' ! -path '*/conform/model.o') \
		"$TMP/model-mutant.o" $LIBS
ok $? "a vmm whose model expects #PF(5) of a user read of a not-present page"
run_limited 60 "$TMP/vmm-model-mutant" conformance --quiet --targets=model,kvm/user --filter="#PF-np" --configs=configs \
	--out="$TMP/mm" --json="$TMP/mm.json" "$GUEST" >"$TMP/mm.txt" 2>&1
is $? 1 "the wrong model fails the run"
is "$(jq -r '.checks[] | select(.name == "#PF-np-cpl3") | .results[] | "\(.target) \(.status) \(.id)"' "$TMP/mm.json" | tr '\n' ';')" \
	"model EXPECTED #PF(0x5);kvm/user ERROR ;" "#PF-np-cpl3: the model's #PF(0x5), kvm/user at odds with it"
like "$TMP/mm.txt" 'note: +the guest.s checker and the model disagree: error code: model 0x5, checker 0x4' \
	"... which field, the model's against the checker's"
like "$TMP/mm.txt" 'vs model: +error code: model 0x5, observed 0x4' "... and against what kvm/user did"

# a hang: a vmm that spins the guest in the first case is a HANG cell, and the rest still runs
cat >"$TMP/vmm-hang" <<SH
#!/bin/bash
args=()
for a in "\$@"; do
	case "\$a" in --cmdline=*only=#DE-cpl0*) a=--cmdline=test=hang;; esac
	args+=("\$a")
done
exec "$(realpath "$VMM")" "\${args[@]}"
SH
chmod +x "$TMP/vmm-hang"
run_limited 120 "$VMM" conformance --quiet --targets="kvm/user@$TMP/vmm-hang" --filter='#DE' --timeout=1 \
	--out="$TMP/hang" --json="$TMP/h.json" "$GUEST" >"$TMP/h.txt" 2>&1
is $? 1 "a hang fails the run"
is "$(jq -r '.checks[] | "\(.name) \(.results[0].status)"' "$TMP/h.json" | tr '\n' ';')" \
	"#DE-cpl0 HANG;#DE-cpl3 PASS;" "the case in flight is the HANG; the next case ran after it"
like "$TMP/h.txt" 'note: +the watchdog \(1\.0 s\) stopped the run in this case: +rip [0-9a-f]+ ' \
	"the HANG says where the vCPU was"

# a ^C while a guest run is in flight (the same hang, with a 60 s watchdog): that run and what it
# started go at once, no other starts, and the report of what ran comes, never called OK
"$VMM" conformance --targets="kvm/user@$TMP/vmm-hang" --filter='#DE' --timeout=60 --out="$TMP/intr" \
	--json="$TMP/i.json" "$GUEST" >"$TMP/i.txt" 2>"$TMP/i.err" &
cpid=$!
for _ in $(seq 200); do pgrep -f -- "--results=$TMP/intr/.*test=hang" >/dev/null && break; sleep 0.1; done
pgrep -f -- "--results=$TMP/intr/.*test=hang" >/dev/null
ok $? "interrupted: the hanging run is in flight"
( sleep 45; kill -KILL $cpid ) >/dev/null 2>&1 &	# not holding the output prove reads
wd=$!
t0=$(date +%s)
kill -INT $cpid
wait $cpid
is $? 10 "interrupted (SIGINT): exit status 10, as vmm run's"
pkill -P $wd 2>/dev/null; kill $wd 2>/dev/null
ok $(( $(date +%s) - t0 > 20 )) "... within moments of the signal, not the run's 60 s watchdog ($(( $(date +%s) - t0 )) s)"
like "$TMP/i.err" '^vmm conformance: interrupted \(SIGINT\) after [0-9.]+ s: 2 of 2 cells not run; the report is of those that ran$' \
	"... said in one line on stderr"
like "$TMP/i.txt" '^conformance: 2 checks x 1 targets in [0-9.]+ s: 0 PASS, 0 DIVERGENCE, 0 HANG, 0 UNSUPPORTED, 0 ERROR, 2 NOT-RUN$' \
	"the cut run's cells are NOT-RUN, not the target's ERROR or HANG"
like "$TMP/i.txt" '^result: INCOMPLETE \(2 cells not run: interrupted \(SIGINT\)\)$' "the result is INCOMPLETE, never OK"
is "$(jq -c '[.complete, .ok, .totals["NOT-RUN"], .checks[0].results[0].note]' "$TMP/i.json")" \
	'[false,false,2,"interrupted (SIGINT)"]' "--json: not complete, not ok, each cell's note the signal"
pgrep -af -- "$TMP/intr" | sed 's/^/# left running: /'
ok $(pgrep -f -- "$TMP/intr" | wc -l) "no run it started is left behind (its process group went with it)"

# planted: a vmm that ends the guest's triple fault with status 0 (not 4) is no shutdown seen:
# ERROR, never a PASS; the other cases of the run are not touched
cat >"$TMP/vmm-noshut" <<SH
#!/bin/bash
"$(realpath "$VMM")" "\$@"
st=\$?
[ \$st -eq 4 ] && exit 0
exit \$st
SH
chmod +x "$TMP/vmm-noshut"
run_limited 120 "$VMM" conformance --quiet --targets="kvm/user@$TMP/vmm-noshut" --filter='#DF-' \
	--out="$TMP/noshut" --json="$TMP/ns.json" "$GUEST" >"$TMP/ns.txt" 2>&1
is $? 1 "planted: a shutdown ended as a clean exit fails the run"
is "$(jq -r '.checks[] | "\(.name) \(.results[0].status)"' "$TMP/ns.json" | tr '\n' ';')" \
	"#DF-cpl0 PASS;#DF-pf-pf-cpl0 PASS;#DF-pf-np-cpl0 PASS;#DF-shutdown-cpl0 ERROR;" \
	"planted: #DF-shutdown-cpl0 is an ERROR, the other double faults PASS"
like "$TMP/ns.txt" 'note: +the run ended \(status 0\) in this case' "planted: the ERROR says how the run ended"

# bad input: one line, exit 2
"$VMM" conformance --targets=xen "$GUEST" >/dev/null 2>"$TMP/e1"
is $? 2 "an unknown target: exit 2"
like "$TMP/e1" "^vmm conformance: --targets: unknown target 'xen'" "an unknown target is named"
"$VMM" conformance --filter=no-such-check "$GUEST" >/dev/null 2>"$TMP/e2"
is $? 2 "a filter that keeps nothing: exit 2"
"$VMM" conformance --configs="$TMP/none" "$GUEST" >/dev/null 2>"$TMP/e3"
is $? 2 "an unreadable configs directory: exit 2"
like "$TMP/e3" "$TMP/none" "the directory is named"
"$VMM" conformance --out="$TMP/$(printf 'd%.0s' $(seq 300))" "$GUEST" >/dev/null 2>"$TMP/e4"
is $? 2 "an --out too long for the paths under it: exit 2"
like "$TMP/e4" '^vmm conformance: --out: the path is longer than' "... said in one line"
done_testing
