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
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
us() {	# us CMD...: wall microseconds of one run, its output discarded
	s=$(date +%s%N)
	"$@" >/dev/null 2>&1
	e=$(date +%s%N)
	echo $(((e - s) / 1000))
}
