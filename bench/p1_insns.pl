#!/usr/bin/perl
# Reads QEMU's -d exec,nochain log of a -singlestep run (bench/p1_insns.sh)
# and counts the guest's CPL0 instructions from its entry (the firmware's
# are not its own) to the first delivery's milestone (hc_milestone, called
# once the self-test's first case has been delivered and returned) and to
# exit. TOP > 0 lists the functions that cost the most. It also counts
# those with a memory operand (by the ELF's own disassembly at each PC: a
# memory operand, a stack or string instruction), which an emulating host
# takes longer over than a register one (vmm probe).
use strict;
use warnings;

my ($elf, $log, $path, $top) = @ARGV;
my (@syms, %addr);
for (`nm -n $elf`) {
	my ($a, $t, $n) = split;
	next unless defined $n && $t =~ /^[tTwW]$/;
	push @syms, [hex $a, $n];
	$addr{$n} = hex $a;
}
for (qw(pvh_entry32 mb_entry32 elf64_entry hc_milestone)) {
	die "p1_insns: $elf has no $_\n" unless defined $addr{$_};
}
my %entry = map { $addr{$_} => 1 } qw(pvh_entry32 mb_entry32 elf64_entry);

# PC -> 1 when the instruction there reads or writes memory (AT&T syntax: a
# "(...)" operand or an absolute address, LEA and NOP aside; the stack's and
# the string instructions' implicit ones)
my %mem;
for (`objdump -d --no-show-raw-insn $elf`) {
	next unless /^\s*([0-9a-f]+):\s+(\S+)\s*(.*)$/;
	my ($a, $op, $args) = (hex $1, $2, $3);
	$args =~ s/\s*#.*//;
	$args =~ s/<[^>]*>//g;
	$op = $1 while $op =~ /^(?:rep[a-z]*|lock|data16|cs|ds|notrack|bnd)$/ && $args =~ s/^(\S+)\s*//;
	# an absolute address is a bare number among the operands (a branch's target has no 0x)
	my $abs = grep { /^\*?-?0x[0-9a-f]+$/ } split /,(?![^(]*\))/, $args;
	$mem{$a} = 1 if $op !~ /^(?:lea|nop)/ &&
		($args =~ /\(/ || $abs ||
		 $op =~ /^(?:push|pop|call|ret|iret|leave|enter|movs|stos|lods|cmps|scas|ins|outs|xlat)/);
}

sub func {
	my ($pc) = @_;
	my ($lo, $hi) = (0, $#syms);
	return '?' if $pc < $syms[0][0];
	while ($lo < $hi) {
		my $m = int(($lo + $hi + 1) / 2);
		if ($syms[$m][0] <= $pc) { $lo = $m } else { $hi = $m - 1 }
	}
	return $syms[$lo][1];
}

open my $fh, '<', $log or die "p1_insns: $log: $!\n";
my ($started, $cpl0, $cpl3, $first, $mem0, $mem_first, %cost) = (0, 0, 0, undef, 0);
while (<$fh>) {
	# Trace N: HOST [CS_BASE/PC/FLAGS/CFLAGS]: HF_CPL is FLAGS' low two bits
	next unless m{^Trace \d+: \S+ \[[0-9a-f]+/([0-9a-f]+)/([0-9a-f]+)/};
	my ($pc, $flags) = (hex $1, hex $2);
	$started ||= $entry{$pc};
	next unless $started;
	if ($flags & 3) {
		$cpl3++;
		next;
	}
	if ($pc == $addr{hc_milestone} && !defined $first) {
		$first = $cpl0;
		$mem_first = $mem0;
	}
	$cpl0++;
	$mem0++ if $mem{$pc};
	$cost{func($pc)}++ if $top;
}
die "p1_insns: the log never reached the guest's entry\n" unless $started;
printf "P1 instructions (QEMU TCG single-step, %s): CPL0 to first delivery %s, to exit %d (CPL3 %d)\n",
	$path eq 'vmm' ? "./vmm's path" : "QEMU's path, no gdb", $first // '-', $cpl0, $cpl3;
printf "P1 instructions with a memory operand: CPL0 to first delivery %s, to exit %d\n", $mem_first // '-', $mem0;
if ($top) {
	my @f = sort { $cost{$b} <=> $cost{$a} || $a cmp $b } keys %cost;
	printf "  %7d  %s\n", $cost{$_}, $_ for @f[0 .. ($top < @f ? $top : @f) - 1];
}
