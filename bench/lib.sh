# SPDX-License-Identifier: MIT
# Shared by the KVM benchmarks (sourced): the binaries, the /dev/kvm check,
# a scratch directory, and medians of wall times.
BUILD=${BUILD:-build}
VMM=${VMM:-$BUILD/vmm}		# VMM=... GUEST=... (or BUILD=DIR) pick the binaries
GUEST=${GUEST:-$BUILD/guest.elf}
REPS=${BENCH_REPS:-7}
need_kvm() {	# need_kvm NAME: say why and exit 0 where /dev/kvm is not usable
	if ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then
		echo "$1: skipped: /dev/kvm is absent here"
		exit 0
	fi
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# median: of the numbers on stdin; "fail" if any run failed (or none ran)
median() { sort -n | awk '$1 == "fail" { bad = 1 } { a[NR] = $1 } END { print bad || !NR ? "fail" : a[int((NR + 1) / 2)] }'; }
# us CMD...: wall microseconds of one run, its output discarded. A run that
# fails prints "fail" instead (and why on stderr): no failed run is timed.
# Its variables are local: a caller's loop variable must survive it.
us() {
	local t0 t1 st
	t0=$(date +%s%N)
	"$@" >"$tmp/us.out" 2>&1
	st=$?
	t1=$(date +%s%N)
	if [ $st -ne 0 ]; then
		echo "bench: exit status $st: $*" >&2
		tail -3 "$tmp/us.out" | sed 's/^/bench:   /' >&2
		echo fail
		return 1
	fi
	echo $(((t1 - t0) / 1000))
}
