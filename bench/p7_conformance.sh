#!/bin/sh
# P7: the whole conformance catalogue on this host's KVM (three irqchip
# modes) and on QEMU TCG, wall time from vmm conformance's own clock.
# Goal: under 60 s for the local kvm targets. Needs /dev/kvm.
set -u
. "$(dirname "$0")/lib.sh"
need_kvm "P7 conformance"
line() {	# line TARGETS: "CHECKS CELLS SECONDS"
	$VMM conformance --quiet --expect=known --targets="$1" --out="$tmp/c" $GUEST 2>/dev/null |
		sed -n 's/^conformance: \([0-9]*\) checks x \([0-9]*\) targets in \([0-9.]*\) s.*/\1 \2 \3/p'
}
echo "P7 conformance: the whole catalogue, wall time"
printf '%-22s %7s %7s %9s  %s\n' "targets" "checks" "cells" "seconds" "goal < 60 s (kvm)"
for t in kvm qemu-tcg; do
	set -- $(line $t)
	[ $# -eq 3 ] || { echo "$t: vmm conformance printed no summary"; continue; }
	if [ "$t" = kvm ]; then
		verdict=$(awk -v s="$3" 'BEGIN { print (s < 60 ? "PASS" : "MISS") }')
	else
		verdict="(reference)"
	fi
	printf '%-22s %7s %7s %9s  %s\n' "$t" "$1" "$(($1 * $2))" "$3" "$verdict"
done
