#!/usr/bin/perl
# P1: time from process start to the guest's first delivered exception and to
# exit, for ./vmm (KVM), QEMU microvm -accel kvm and QEMU TCG, on the same
# guest.elf, plus the platform floor (a VM that reports the first-delivery
# milestone and exits at its first instructions). Prints medians and ratios
# in one table. Runs what this host can run and says why it skips the rest.
use strict;
use warnings;
use Time::HiRes qw(time);
use IPC::Open3;
use Symbol 'gensym';

my ($vmm, $guest, $floor) = @ARGV;
my $reps = $ENV{BENCH_REPS} // 5;
my $marker = qr/milestone first-delivery/;
my $have_kvm = -r '/dev/kvm' && -w '/dev/kvm';
# QEMU and QEMU_DATADIR (its firmware, for -L) may point at a copy of QEMU
chomp(my $qemu = $ENV{QEMU} // `command -v qemu-system-x86_64 2>/dev/null` // '');
my @qemu_datadir = $ENV{QEMU_DATADIR} ? ('-L', $ENV{QEMU_DATADIR}) : ();

my $deadline = $ENV{BENCH_DEADLINE} // 20;

# Run CMD, return (seconds to the first line matching $marker or undef, total
# seconds or undef when it had to be killed at the deadline).
sub timed {
	my @cmd = @_;
	my $t0 = time;
	my $err = gensym;
	my $pid = open3(my $in, my $out, $err, @cmd);
	close $in;
	my ($first, %seen);
	# both streams: the VMM prints milestones on stderr, QEMU's debugcon on stdout;
	# sysread, not <>, so select() sees every byte the moment it arrives
	my $sel = IO::Select->new($out, $err);
	while ($sel->count && time - $t0 <= $deadline) {
		for my $fh ($sel->can_read(0.2)) {
			my $buf;
			if (!sysread($fh, $buf, 65536)) { $sel->remove($fh); next; }
			$seen{$fh} .= $buf;
			$first //= time - $t0 if $seen{$fh} =~ $marker;
			$seen{$fh} = substr($seen{$fh}, -256);	# enough to match across reads
		}
	}
	if (time - $t0 > $deadline) {	# e.g. QEMU -accel kvm paused on an emulation failure
		kill 'KILL', $pid;
		waitpid $pid, 0;
		return ($first, undef, -1);
	}
	waitpid $pid, 0;
	return ($first, time - $t0, $? >> 8);
}
use IO::Select;

sub median { my @s = sort { $a <=> $b } grep { defined } @_; @s ? $s[$#s / 2] : undef }

# A run counts only if it did its job: reached the first delivery, and for
# the floor ($need_exit0) exited 0. A runner that fails fast must not look fast.
sub bench {
	my ($name, $need_exit0, @cmd) = @_;
	my (@first, @total, $stuck, $failed);
	for (1 .. $reps) {
		my ($f, $t, $st) = timed(@cmd);
		if (!defined $t) {
			$stuck++;
			push @first, $f;
			last;	# one stuck run says it; don't wait out the rest
		}
		if (!defined $f || ($need_exit0 && $st != 0)) {
			$failed = $st;
			last;
		}
		push @first, $f;
		push @total, $t;
	}
	return { name => $name, first => median(@first), total => median(@total), stuck => $stuck,
		 failed => $failed };
}

my @qemu_common = (@qemu_datadir, '-M', 'microvm', '-m', '64', '-kernel', $guest, '-display', 'none',
		   '-serial', 'none', '-monitor', 'none', '-no-reboot', '-debugcon', 'stdio',
		   '-device', 'isa-debug-exit,iobase=0xf4');
my (@rows, @notes);
if ($have_kvm) {
	push @rows, bench('vmm (KVM)', 0, $vmm, 'run', '--quiet', '--milestones', '--timeout', '60', $guest);
	push @rows, bench('floor: vmm, exits at 1st insn', 1, $vmm, 'run', '--quiet', '--milestones', '--timeout', '10', $floor);
} else {
	push @notes, 'vmm rows skipped: /dev/kvm is absent here';
}
if ($qemu) {
	if ($have_kvm) {
		push @rows, bench('qemu microvm -accel kvm', 0, $qemu, '-accel', 'kvm', @qemu_common);
	} else {
		push @notes, 'qemu -accel kvm skipped: /dev/kvm is absent here';
	}
	push @rows, bench('qemu microvm TCG', 0, $qemu, '-accel', 'tcg', @qemu_common);
} else {
	push @notes, 'qemu rows skipped: qemu-system-x86_64 is not installed here';
}

my ($ref) = grep { $_->{name} eq 'vmm (KVM)' } @rows;
my ($flo) = grep { $_->{name} =~ /^floor/ } @rows;
my ($tcg) = grep { $_->{name} eq 'qemu microvm TCG' } @rows;
sub ms { defined $_[0] ? sprintf('%9.1f', $_[0] * 1e3) : sprintf('%9s', '-') }
sub ratio { defined $_[0] && defined $_[1] && $_[1] > 0 ? sprintf('%.1fx', $_[0] / $_[1]) : '-' }
printf "P1 boot-to-first-delivery and boot-to-exit, median of %d runs (ms)\n", $reps;
printf "%-30s %9s %9s %10s %10s %10s\n", 'runner', 'first-irq', 'exit', 'first/vmm', 'exit/vmm', 'exit/floor';
for my $r (@rows) {
	printf "%-30s %s %s %10s %10s %10s\n", $r->{name}, ms($r->{first}), ms($r->{total}),
		ratio($r->{first}, $ref && $ref->{first}), ratio($r->{total}, $ref && $ref->{total}),
		ratio($r->{total}, $flo && $flo->{total});
}
printf "note: %s never exited (killed after %ds): on a PVM host QEMU -accel kvm stops at the guest's first CPL0 int3 (PVM-1)\n", $_->{name}, $deadline
	for grep { $_->{stuck} } @rows;
printf "note: %s FAILED (exit status %d; no first delivery, or the floor exited nonzero): not timed\n", $_->{name}, $_->{failed}
	for grep { defined $_->{failed} } @rows;
print "note: $_\n" for @notes;
print "goal: vmm at least 10x faster than QEMU, to the first delivery and to exit (the QEMU rows' first/vmm and exit/vmm)\n";
# 10x QEMU TCG in each column against what the VMM itself costs before the guest runs
if ($tcg && $flo) {
	my @c = grep { defined $tcg->{$_} && defined $flo->{$_} } qw(first total);
	printf "floor: 10x QEMU TCG means %s; the floor VM takes %s\n",
		join(' and ', map { sprintf('%s <= %.1f ms', $_ eq 'first' ? 'first-irq' : 'exit', $tcg->{$_} * 1e2) } @c),
		join(' and ', map { sprintf('%.1f ms', $flo->{$_} * 1e3) } @c) if @c;
}
