#!/bin/bash
# Mutation test of the IOAPIC model: plant one classic bug at a time in a copy
# of vapic/ioapic.c and check that tests/unit/test_ioapic.c notices. No KVM.
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/../.." || exit 1

CC=${CC:-cc}
SRC=vapic/ioapic.c
CFLAGS="-std=c11 -D_GNU_SOURCE -O1 -Iinclude -I. -Ivapic -Itests/unit"

# the test is compiled once (it was most of this test's time); each mutant is one object
$CC $CFLAGS -c -o "$TMP/test.o" tests/unit/test_ioapic.c >"$TMP/cc.err" 2>&1
ok $? "test_ioapic.c compiles"
build() {	# build FILE.c: test_ioapic against FILE.c alone, into $TMP/t
	$CC $CFLAGS -o "$TMP/t" "$TMP/test.o" "$1" >"$TMP/cc.err" 2>&1
}

# The unmodified copy must build and pass, or no mutant result means anything.
cp "$SRC" "$TMP/control.c"
build "$TMP/control.c"
ok $? "control: test_ioapic builds against vapic/ioapic.c alone"
run_limited 30 "$TMP/t" >"$TMP/out" 2>&1
ok $? "control: unmodified ioapic.c passes test_ioapic"

mutant() {	# mutant NAME SED-EXPR: the bug must change one line and be caught
	local name=$1 expr=$2 m="$TMP/mutant.c"

	sed -e "$expr" "$SRC" >"$m"
	# A sed that no longer matches means the code moved: fix the expression.
	is "$(diff "$SRC" "$m" | grep -c '^<')" 1 "$name: sed changed exactly one line"
	build "$m"
	ok $? "$name: mutant compiles"
	run_limited 30 "$TMP/t" >"$TMP/out" 2>&1
	if [ $? -ne 0 ]; then
		ok 0 "$name: test_ioapic fails"
	else
		ok 1 "$name: test_ioapic fails"
		echo "#   the mutant passed every test:"
		diff "$SRC" "$m" | sed 's/^/#     /'
	fi
}

mutant "no re-assert at EOI while the line is high" \
	'/re-assert, or the interrupt is lost/{n;/ioapic_service_pin(io, pin);/d}'
mutant "EOI never clears remote IRR" \
	'/^\t\tio->rte\[pin\] &= ~IOAPIC_RTE_REMOTE_IRR;$/d'
mutant "EOI ignores the vector" \
	's/(rte & IOAPIC_RTE_VECTOR) == vector && //'
mutant "masked edge latched as if delivered" \
	's/^\tif (rte & IOAPIC_RTE_MASKED) {$/\tif (0) {/'
mutant "every set_irq(1) is an edge (no rising-edge detection)" \
	's/if (!now || was)/if (!now)/'
mutant "level deassert leaves IRR set" \
	'/^\t\t\tio->irr &= ~mask;$/d'
mutant "polarity ignored" \
	's/ ^ !!(io->rte\[pin\] & IOAPIC_RTE_POLARITY)//'
mutant "RTE write clobbers read-only bits" \
	's/(old & (RTE_RO | RTE_HIGH_RW)) | (val & RTE_LOW_RW)/(old \& RTE_HIGH_RW) | (val \& (RTE_LOW_RW | RTE_RO))/'
mutant "edge RTE write keeps a stale remote IRR" \
	's/^\t\trte &= ~IOAPIC_RTE_REMOTE_IRR;$/\t\t;/'
mutant "unmask does not service a pending level pin" \
	'/Unmasking a pin whose level line is pending/{n;/ioapic_service(io);/d}'
mutant "storm guard off by one" \
	's/eoi_count\[pin\] >= IOAPIC_STORM_MAX/eoi_count[pin] > IOAPIC_STORM_MAX/'
mutant "storm-deferred pin serviced early" \
	's/ || (io->deferred & mask) || / || /'
mutant "tick delivers before the deadline" \
	's/io->deadline\[pin\] > now_ns)/io->deadline[pin] > now_ns + 1)/'
mutant "IOREGSEL index bound off by one" \
	'/ioapic_reg_read/,/^}/s/idx < IOAPIC_REG_RTE(IOAPIC_NUM_PINS)/idx <= IOAPIC_REG_RTE(IOAPIC_NUM_PINS)/'
mutant "MMIO size not checked" \
	's/if (size == 4 \&\&/if (1 \&\&/'
mutant "MSI destination mode in the RH bit" \
	's/(uint64_t)m->dest_mode << 2/(uint64_t)m->dest_mode << 3/'

done_testing
