#!/bin/sh
# Run a shell command on the second real KVM (kvm_amd nested in QEMU TCG) with
# this tree's vmm and guest.elf, and print what it printed: how a machine
# without /dev/kvm checks what needs KVM (80-nested-kvm.t is the test; this is
# the same machine for a command of your own). Slow: about 10 s to boot, and
# guest code runs under TCG, so its timings mean nothing for PVM.
#
#   scripts/nested-run.sh [-t SECONDS] [-x DIR] 'COMMAND'
#
# COMMAND runs in /ivm inside (./vmm, guest.elf, configs/; DIR, e.g. ELFs or
# traces of your own, as extra/). -t: the whole run's watchdog (default 900).
# VMM and GUEST (or BUILD) pick the binaries, NESTED_WORK the download folder
# (default build/nested). Exit status: COMMAND's, or 2 when the nested machine
# could not be had or did not finish (its last console lines on stderr).
set -eu
limit=900 extra=
while getopts t:x: o; do
	case $o in
	t) limit=$OPTARG ;;
	x) extra=$OPTARG ;;
	*) sed -n '8s/^# */usage: /p' "$0" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
case $limit in ''|*[!0-9]*|0) echo "nested-run: -t $limit: not a whole number of seconds" >&2; exit 2 ;; esac
[ $# -eq 1 ] || { sed -n '8s/^# */usage: /p' "$0" >&2; exit 2; }
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
BUILD=${BUILD:-build}
VMM=${VMM:-$BUILD/vmm} GUEST=${GUEST:-$BUILD/guest.elf} WORK=${NESTED_WORK:-build/nested}
command -v qemu-system-x86_64 >/dev/null || { echo "nested-run: qemu-system-x86_64 is not installed" >&2; exit 2; }
for f in "$VMM" "$GUEST"; do
	[ -r "$f" ] || { echo "nested-run: $f: not built (make)" >&2; exit 2; }
done
scripts/nested-fetch.sh "$WORK" || exit 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# in a subshell: an exit in COMMAND must not end the nested init (a kernel panic)
scripts/nested-initramfs.sh "$WORK" "$VMM" "$GUEST" "$tmp/init.cpio.gz" "(
$1
)" ${extra:+"$extra"}
timeout -k 5 "$limit" qemu-system-x86_64 -accel tcg -cpu EPYC -m 2048 -smp 1 \
	-kernel "$WORK"/k/boot/vmlinuz-* -initrd "$tmp/init.cpio.gz" \
	-append "console=ttyS0 panic=-1 quiet nokaslr" -nographic -no-reboot </dev/null 2>&1 |
	tr -d '\r' >"$tmp/out" || true
# what COMMAND printed: between the init's two lines (the first after the console's escapes)
st=$(sed -n 's/^nested: end status \([0-9]*\)$/\1/p' "$tmp/out")
sed -n '/nested: begin$/,/^nested: end status/{/nested: begin$/d;/^nested: end status/d;p}' "$tmp/out"
if [ -z "$st" ]; then
	echo "nested-run: the nested machine did not finish in $limit s; its console ended:" >&2
	tail -5 "$tmp/out" | sed 's/^/nested-run:   /' >&2
	exit 2
fi
exit "$st"
