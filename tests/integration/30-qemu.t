#!/bin/bash
# The same guest.elf under QEMU TCG (microvm): the independent reference.
# QEMU 7.2's own departures from the SDM are pinned by their exact mismatch
# bits, so a QEMU upgrade that changes them is noticed.
. "$(dirname "$0")/lib.sh"
command -v qemu-system-x86_64 >/dev/null || skip_all "qemu-system-x86_64 is not installed"

qemu() { qemu_guest "$1" "$2"; }	# qemu OUTFILE CMDLINE

qemu "$TMP/none.out" "test=none"
is $? 1 "test=none: clean exit (isa-debug-exit status (0 << 1) | 1)"
like "$TMP/none.out" "^ivm guest: boot=multiboot host=other cmdline='test=none'" \
	"banner: QEMU prefers the multiboot header; the guest knows it is not under ./vmm"

qemu "$TMP/st.out" "test=exceptions"
st=$?
# name -> the mismatch bits QEMU 7.2 TCG is known to produce (see docs/DIVERGENCES.md)
declare -A qemu_known=(
	["#SS-cpl0"]=0x1	# #GP(0) instead of #SS(0) for a non-canonical RBP-based access
	["#DB-tf-cpl0"]=0x10	# NULL SS loaded on an IST switch without privilege change
	["#DF-cpl0"]=0x10	# same
	["#XM-cpl0"]=0x200	# no #XM at all (MXCSR exceptions never raised)
	["#XM-cpl3"]=0x200
	["#AC-cpl3"]=0x200	# alignment checking not implemented
	["int41-cpl3"]=0x2	# #GP error code vector*16+2, not vector*8+2
	["#NP-cpl0"]=0x2	# #NP error code vector*16+2, EXT bit missing
)
cases=$(grep -c '^exc ' "$TMP/st.out")
is "$cases" 27 "self-test: 27 cases reported"
while read -r _ name _ _ _ _ _ mismatch verdict; do
	mismatch=${mismatch#mismatch=}
	if [ "$verdict" = PASS ]; then
		is "${qemu_known[$name]:-}" "" "$name: PASS under QEMU TCG"
	else
		is "$mismatch" "${qemu_known[$name]:-unexpected}" "$name: fails exactly as pinned for QEMU 7.2"
	fi
	unset "qemu_known[$name]"
done < <(grep '^exc ' "$TMP/st.out")
is "${!qemu_known[*]}" "" "every pinned QEMU divergence was seen"
like "$TMP/st.out" '^selftest: 19 passed, 8 failed$' "summary line"
is $st $(((8 << 1) | 1)) "exit status carries the failure count through isa-debug-exit"
done_testing
