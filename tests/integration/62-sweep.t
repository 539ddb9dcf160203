#!/bin/bash
# test=sweep: each instruction form in guest/sweep.S run at CPL3 and at CPL0
# with the same inputs, each followed by its digest lines (insd). Under QEMU TCG both CPLs are TCG, so every form must
# agree (a DIFF there is a harness bug or an undefined output left unmasked).
# On a PVM host CPL0 is KVM's instruction emulator and CPL3 the CPU itself:
# the forms it gets wrong are pinned by name, so a change either way shows.
. "$(dirname "$0")/lib.sh"

# check_done FILE WHAT: the done line's counts add up to the form lines
check_done() {
	local f=$1 what=$2 line n same diff fault skip
	line=$(grep '^insn done ' "$f")
	like "$f" '^insn done forms=[0-9]+ same=[0-9]+ diff=[0-9]+ fault=[0-9]+ skip=[0-9]+$' \
		"$what: done line"
	read -r n same diff fault skip < <(sed -E 's/^insn done forms=([0-9]+) same=([0-9]+) diff=([0-9]+) fault=([0-9]+) skip=([0-9]+)$/\1 \2 \3 \4 \5/' <<<"$line")
	is "$((same + diff + fault + skip))" "$n" "$what: same + diff + fault + skip = forms"
	is "$(grep -Ec '^insn [a-z]+\.[^ ]+ (SAME|DIFF|FAULT|SKIP)( |$)' "$f")" "$n" \
		"$what: one verdict line per form"
	is "$(grep -c '^insn [^ ]* SAME$' "$f")" "$same" "$what: SAME lines = same"
	ok "$([ "${n:-0}" -ge 250 ]; echo $?)" "$what: at least 250 forms (got ${n:-none})"
	# the digests another target's run is compared with: one for both CPLs when SAME
	is "$(grep -Ec '^insd [^ ]+ d=' "$f")" "$same" "$what: a d= digest per SAME form"
	is "$(grep -Ec '^insd [^ ]+ d[03]=' "$f")" \
		"$(( 2 * diff + $(grep -Ec '^insn [^ ]+ FAULT cpl0=(- cpl3=[0-9]+|[0-9]+ cpl3=-)$' "$f") ))" \
		"$what: d0= and d3= per DIFF form, one per FAULT form that one CPL ran"
	is "$(grep -c '^insd ' "$f")" \
		"$(grep -Ec '^insd [^ ]+ d[03]?=([0-9a-f]{3},){3}[0-9a-f]{3}/([0-9a-f]{8}\.){10}[0-9a-f]{8}$' "$f")" \
		"$what: every digest is 4 flag words and 11 hashes"
}

# every form SAME or SKIP
check_agree() {
	local f=$1 what=$2

	is "$(grep -Ec '^insn [^ ]+ (DIFF|FAULT)' "$f")" 0 "$what: no DIFF or FAULT"
	grep -E '^insn [^ ]+ (DIFF|FAULT)' "$f" | sed 's/^/#   /' | head -20
}

if command -v qemu-system-x86_64 >/dev/null; then
	qemu_guest "$TMP/q.out" "test=sweep"
	is $? 1 "QEMU: clean exit (isa-debug-exit status (0 << 1) | 1)"
	check_done "$TMP/q.out" "QEMU"
	check_agree "$TMP/q.out" "QEMU"
	# -cpu max: the forms the default model's CPUID skips (BMI1, ADX, MOVBE, ...) run too
	run_limited 60 qemu-system-x86_64 -M microvm -accel tcg -cpu max -m 64 -kernel "$GUEST" \
		-display none -serial none -monitor none -no-reboot -debugcon "file:$TMP/qmax.out" \
		-device isa-debug-exit,iobase=0xf4 -append "test=sweep" </dev/null
	is $? 1 "QEMU -cpu max: clean exit"
	check_done "$TMP/qmax.out" "QEMU -cpu max"
	check_agree "$TMP/qmax.out" "QEMU -cpu max"
else
	ok 0 "# SKIP qemu-system-x86_64 is not installed"
fi

if ! [ -e /dev/kvm ] || ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then
	ok 0 "# SKIP /dev/kvm is absent or not readable and writable"
	done_testing
	exit
fi

run_limited 120 "$VMM" run --timeout 100 --irqchip=user --cmdline "test=sweep" "$GUEST" \
	>"$TMP/k.out" 2>"$TMP/k.err"
st=$?
is $st 0 "KVM: exit status 0"
[ $st -eq 0 ] || sed 's/^/#   /' "$TMP/k.err" | head -20
check_done "$TMP/k.out" "KVM"

if ! [ -d /sys/module/kvm_pvm ]; then
	# CPL0 runs natively too: nothing to tell the CPLs apart
	check_agree "$TMP/k.out" "KVM (not PVM)"
	done_testing
	exit
fi

# PVM: KVM's emulator at CPL0 against the CPU at CPL3. A form whose CPUID
# feature the host lacks is SKIP, which also passes.
declare -A pvm_known=(
	# the F3 prefix ignored: TZCNT runs as BSF (a zero source keeps RAX, sets ZF not CF)
	[bit.tzcnt-r16]=DIFF [bit.tzcnt-r32]=DIFF [bit.tzcnt-r64]=DIFF
	# a failed 32-bit CMPXCHG to a register: the emulator writes ECX back (zeroing
	# bits 63:32); the CPU leaves the destination alone
	[move.cmpxchg-r32-r32]=DIFF
	# not in the emulator: #UD injected at CPL0 (KVM handle_ud)
	[bit.popcnt-r16]=FAULT [bit.popcnt-r32]=FAULT [bit.popcnt-r64]=FAULT
	[bit.popcnt-r64-m64]=FAULT
	[bit.blsi-r32]=FAULT [bit.blsi-r64]=FAULT [bit.blsi-r64-m64]=FAULT
	[bit.blsr-r32]=FAULT [bit.blsr-r64]=FAULT [bit.blsr-r64-m64]=FAULT
	[bit.blsmsk-r32]=FAULT [bit.blsmsk-r64]=FAULT [bit.blsmsk-r64-m64]=FAULT
	[bit.andn-r32]=FAULT [bit.andn-r64]=FAULT [bit.andn-r64-m64]=FAULT
	[bit.bextr-r32]=FAULT [bit.bextr-r64]=FAULT [bit.bextr-r64-m64]=FAULT
	[bit.adcx-r32]=FAULT [bit.adcx-r64]=FAULT [bit.adcx-r64-m64]=FAULT
	[bit.adox-r32]=FAULT [bit.adox-r64]=FAULT [bit.adox-r64-m64]=FAULT
	[bit.movbe-r16-m16]=FAULT [bit.movbe-r32-m32]=FAULT [bit.movbe-r64-m64]=FAULT
	[bit.movbe-m16-r16]=FAULT [bit.movbe-m32-r32]=FAULT [bit.movbe-m64-r64]=FAULT
	[bit.crc32-r32-r8]=FAULT [bit.crc32-r32-r16]=FAULT [bit.crc32-r32-r32]=FAULT
	[bit.crc32-r64-r64]=FAULT [bit.crc32-r32-m8]=FAULT [bit.crc32-r64-m64]=FAULT
	[move.cmpxchg16b-m128]=FAULT [move.lock-cmpxchg16b-m128]=FAULT
)
while read -r _ name verdict rest; do
	want=${pvm_known[$name]:-unexpected}
	if [ "$verdict" = FAULT ]; then
		is "$verdict $rest" "$want cpl0=6 cpl3=-" "PVM: $name: #UD at CPL0 only, as pinned"
	else
		is "$verdict" "$want" "PVM: $name: DIFF as pinned"
	fi
	unset "pvm_known[$name]"
done < <(grep -E '^insn [^ ]+ (DIFF|FAULT)' "$TMP/k.out")
for name in "${!pvm_known[@]}"; do
	like "$TMP/k.out" "^insn $name SKIP " "PVM: $name: pinned ${pvm_known[$name]} but not seen: SKIP only"
done
done_testing
