#!/bin/bash
# scripts/cpl0-profile.sh [-n TOP] [-k KERNEL] COMMAND [ARG...]
#
# Runs COMMAND (a `vmm run`, `vmm storm`, ...) and counts the guest CPL0
# instructions KVM's emulator executed for it, by the function of KERNEL
# (default build/guest.elf) each lies in. On PVM every guest CPL0 instruction
# is emulated (~0.6-1.1 us each, `vmm probe`) and KVM's kvm_emulate_insn
# tracepoint reports each with its RIP, so these are the counts to cut when
# a guest path is slow; under VMX/SVM only what KVM emulates (MMIO and the
# like) is counted. Only COMMAND's processes and threads are traced (tracefs
# set_event_pid, following forks). Needs root and tracefs. Events the buffer
# lost are said, never passed off as a complete count. Exits with COMMAND's
# status; 2 when it can't trace (one line saying why).
set -u
usage() {
	echo "usage: scripts/cpl0-profile.sh [-n TOP] [-k KERNEL] COMMAND [ARG...]" >&2
	exit 2
}
die() {
	echo "cpl0-profile: $*" >&2
	exit 2
}
top=25
kernel=build/guest.elf
while getopts n:k: o; do
	case $o in
	n) top=$OPTARG ;;
	k) kernel=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || usage
case $top in '' | *[!0-9]*) die "-n $top: not a number" ;; esac
[ -r "$kernel" ] || die "$kernel: no such kernel (-k KERNEL names the guest whose symbols name the functions)"
nm -n "$kernel" >/dev/null 2>&1 || die "$kernel: nm can't read its symbols"
T=/sys/kernel/tracing
[ "$(id -u)" = 0 ] || die "tracefs needs root"
[ -d "$T/events/kvm/kvm_emulate_insn" ] || die "$T has no kvm:kvm_emulate_insn tracepoint"
inst=$T/instances/cpl0-profile-$$
mkdir "$inst" 2>/dev/null || die "can't make the tracefs instance $inst"
trap 'echo 0 >"$inst/tracing_on" 2>/dev/null; rmdir "$inst" 2>/dev/null' EXIT
# 128 MiB a CPU: some 2M events each, a storm of a few hundred injections is 350k
echo 131072 >"$inst/buffer_size_kb" &&
	echo 1 >"$inst/options/event-fork" &&
	echo $$ >"$inst/set_event_pid" &&
	echo 1 >"$inst/events/kvm/kvm_emulate_insn/enable" &&
	echo 1 >"$inst/tracing_on" || die "can't set up the tracefs instance $inst"
"$@"
st=$?
echo 0 >"$inst/tracing_on"
lost=$(cat "$inst"/per_cpu/cpu*/stats 2>/dev/null | awk '/^overrun:/ { n += $2 } END { print n + 0 }')
perl -e '
	use strict;
	use warnings;
	my ($kernel, $trace, $top, $lost, $st) = @ARGV;
	my (@sym, %n, $total, $outside);
	for (`nm -n $kernel`) {
		my ($a, $t, $name) = split;
		push @sym, [hex $a, $name] if defined $name && $t =~ /^[tTwW]$/;
	}
	open my $fh, "<", $trace or die "cpl0-profile: $trace: $!\n";
	while (<$fh>) {
		# kvm_emulate_insn: CS_BASE:RIP:BYTES (MODE) [failed]
		next unless /kvm_emulate_insn: [0-9a-f]+:([0-9a-f]+):/;
		my $pc = hex $1;
		my ($lo, $hi) = (0, $#sym);
		$total++;
		if (!@sym || $pc < $sym[0][0]) {
			$outside++;
			next;
		}
		while ($lo < $hi) {
			my $m = int(($lo + $hi + 1) / 2);
			if ($sym[$m][0] <= $pc) { $lo = $m } else { $hi = $m - 1 }
		}
		$n{$sym[$lo][1]}++;
	}
	$total //= 0;
	printf "cpl0-profile: %d CPL0 instructions emulated (kvm:kvm_emulate_insn)%s; the command exited %d\n",
		$total, $lost ? ", $lost MORE LOST (the buffer overran): the counts are short" : ", none lost", $st;
	printf "  %9d         below the first function of %s\n", $outside, $kernel if $outside;
	my @f = sort { $n{$b} <=> $n{$a} || $a cmp $b } keys %n;
	splice @f, $top if @f > $top;
	printf "  %9d %5.1f%%  %s\n", $n{$_}, 100 * $n{$_} / $total, $_ for @f;
' "$kernel" "$inst/trace" "$top" "$lost" "$st" || die "can't read the trace"
exit $st
