#!/usr/bin/perl
# P1: time from process start to the guest's first delivered exception and to
# exit, for ./vmm (KVM), QEMU microvm -accel kvm and QEMU TCG, on the same
# guest.elf, plus the platform floor (a VM that exits at its first
# instruction). Prints medians and ratios in one table. Runs what this host
# can run and says why it skips the rest.
use strict;
use warnings;
use Time::HiRes qw(time);
use IPC::Open3;
use Symbol 'gensym';

my ($vmm, $guest, $floor) = @ARGV;
my $reps = $ENV{BENCH_REPS} // 5;
my $marker = qr/milestone first-delivery/;
my $have_kvm = -r '/dev/kvm' && -w '/dev/kvm';
chomp(my $qemu = `command -v qemu-system-x86_64 2>/dev/null` // '');

# Run CMD, return (seconds to the first line matching $marker or undef, total seconds).
sub timed {
	my @cmd = @_;
	my $t0 = time;
	my $err = gensym;
	my $pid = open3(my $in, my $out, $err, @cmd);
	close $in;
	my $first;
	# both streams: the VMM prints milestones on stderr, QEMU's debugcon on stdout
	my $sel = IO::Select->new($out, $err);
	while (my @ready = $sel->can_read(60)) {
		for my $fh (@ready) {
			my $line = <$fh>;
			if (!defined $line) { $sel->remove($fh); next; }
			$first //= time - $t0 if $line =~ $marker;
		}
		last unless $sel->count;
	}
	waitpid $pid, 0;
	return ($first, time - $t0, $? >> 8);
}
use IO::Select;

sub median { my @s = sort { $a <=> $b } grep { defined } @_; @s ? $s[$#s / 2] : undef }

sub bench {
	my ($name, @cmd) = @_;
	my (@first, @total);
	for (1 .. $reps) {
		my ($f, $t) = timed(@cmd);
		push @first, $f;
		push @total, $t;
	}
	return { name => $name, first => median(@first), total => median(@total) };
}

my @qemu_common = ('-M', 'microvm', '-m', '64', '-kernel', $guest, '-display', 'none',
		   '-serial', 'none', '-monitor', 'none', '-no-reboot', '-debugcon', 'stdio',
		   '-device', 'isa-debug-exit,iobase=0xf4');
my (@rows, @notes);
if ($have_kvm) {
	push @rows, bench('vmm (KVM)', $vmm, 'run', '--quiet', '--milestones', '--timeout', '60', $guest);
	push @rows, bench('floor: vmm, exit at 1st insn', $vmm, 'run', '--quiet', '--timeout', '10', $floor);
} else {
	push @notes, 'vmm rows skipped: /dev/kvm is absent here';
}
if ($qemu) {
	if ($have_kvm) {
		push @rows, bench('qemu microvm -accel kvm', $qemu, '-accel', 'kvm', @qemu_common);
	} else {
		push @notes, 'qemu -accel kvm skipped: /dev/kvm is absent here';
	}
	push @rows, bench('qemu microvm TCG', $qemu, '-accel', 'tcg', @qemu_common);
} else {
	push @notes, 'qemu rows skipped: qemu-system-x86_64 is not installed here';
}

my ($ref) = grep { $_->{name} eq 'vmm (KVM)' } @rows;
my ($flo) = grep { $_->{name} =~ /^floor/ } @rows;
sub ms { defined $_[0] ? sprintf('%9.1f', $_[0] * 1e3) : sprintf('%9s', '-') }
sub ratio { defined $_[0] && defined $_[1] && $_[1] > 0 ? sprintf('%7.1fx', $_[0] / $_[1]) : sprintf('%8s', '-') }
printf "P1 boot-to-first-delivery and boot-to-exit, median of %d runs (ms)\n", $reps;
printf "%-30s %9s %9s %8s %8s\n", 'runner', 'first-irq', 'exit', 'vs vmm', 'vs floor';
for my $r (@rows) {
	printf "%-30s %s %s %s %s\n", $r->{name}, ms($r->{first}), ms($r->{total}),
		ratio($r->{total}, $ref && $ref->{total}), ratio($r->{total}, $flo && $flo->{total});
}
print "note: $_\n" for @notes;
print "goal: vmm at least 10x faster than QEMU (the 'vs vmm' column of the QEMU rows)\n";
