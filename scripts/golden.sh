#!/bin/sh
# make golden: record tests/golden/NAME.itr for every scenario under our own
# LAPIC/IOAPIC (--irqchip=user: architectural), keeping only traces the oracle
# passes. Needs /dev/kvm. Re-run after changing a scenario's guest program;
# GOLDEN_ONLY=NAME records that scenario's alone.
set -eu
VMM=${1:-build/vmm}
GUEST=${2:-build/guest.elf}
OUTDIR=${3:-tests/golden}
if ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then
	echo "golden: /dev/kvm is absent here: golden traces are recorded on a KVM host" >&2
	exit 1
fi
mkdir -p "$OUTDIR"
for f in configs/*.yaml; do
	n=$(basename "$f" .yaml)
	[ -z "${GOLDEN_ONLY:-}" ] || [ "$n" = "$GOLDEN_ONLY" ] || continue
	# ring-stress's full trace is megabytes: its golden is a short run of it
	cmdline=
	[ "$n" = ring-stress ] && cmdline=count=100
	"$VMM" run --quiet --scenario "$f" --irqchip=user --cmdline="$cmdline" --trace "$OUTDIR/$n.itr" \
		"$GUEST" >/dev/null
	"$VMM" check --trace="$OUTDIR/$n.itr" >/dev/null || {
		echo "golden: $n: the oracle rejects the recorded trace; not kept" >&2
		rm -f "$OUTDIR/$n.itr"
		exit 1
	}
	echo "golden: $OUTDIR/$n.itr"
done
