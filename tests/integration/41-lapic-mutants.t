#!/bin/bash
# Mutation test of the LAPIC model: each classic priority/EOI bug, planted in a
# copy of vapic/lapic.c, must make tests/unit/test_lapic.c fail. No KVM needed.
. "$(dirname "$0")/lib.sh"

SRC=vapic/lapic.c
CFLAGS="-std=c11 -D_GNU_SOURCE -O1 -g -Wall -Wno-unused-parameter -Iinclude -I. -Ivapic -Itests/unit"
# the rest of the LAPIC (timer, destination matching) as it is: the mutants are in lapic.c
REST="vapic/lapic_timer.c vapic/lapic_dest.c"

# what no mutant touches is compiled once (it was most of this test's time); each mutant is one object
st=0
for f in tests/unit/test_lapic.c $REST; do
	gcc $CFLAGS -c -o "$TMP/$(basename "$f" .c).o" "$f" 2>>"$TMP/rest.cc" || st=1
done
ok $st "test_lapic.c and the rest of the LAPIC compile"
build_and_run() {	# build_and_run NAME: 0 if the test binary passes
	gcc $CFLAGS -o "$TMP/$1" "$TMP/test_lapic.o" "$TMP/$1.c" "$TMP"/lapic_timer.o "$TMP"/lapic_dest.o \
		2>"$TMP/$1.cc" || return 200
	run_limited 20 "$TMP/$1" >"$TMP/$1.out" 2>&1
}

cp "$SRC" "$TMP/control.c"
build_and_run control
ok $? "control: unmodified lapic.c passes test_lapic"

mutant() {	# mutant NAME SED-EXPR DESCRIPTION
	local name=$1 expr=$2 desc=$3
	sed -e "$expr" "$SRC" >"$TMP/$name.c"
	! cmp -s "$SRC" "$TMP/$name.c"
	ok $? "$name: the sed planted the bug ($desc)"
	build_and_run "$name"
	local st=$?
	[ "$st" -ne 200 ]
	ok $? "$name: the mutant compiles"
	[ "$st" -ne 0 ] && [ "$st" -ne 200 ]
	ok $? "$name: test_lapic fails on it"
}

mutant class-compare \
	'/^int lapic__pending(/,/^}/ s/((uint32_t)irrv \& 0xf0) <= (ppr \& 0xf0)/(uint32_t)irrv <= ppr/' \
	"pending compares full vectors, not classes [7:4]"
mutant eoi-lowest \
	'/^static void eoi(/,/^}/ s/vec_scan(l->isr, false)/vec_scan(l->isr, true)/' \
	"EOI clears the lowest ISR bit"
mutant eoi-no-broadcast \
	'/^static void eoi(/,/^}/ s/if (vec_test(l->tmr, vec) \&\& /if (0 \&\& vec_test(l->tmr, vec) \&\& /' \
	"EOI never broadcasts level vectors"
mutant tpr-ignored \
	'/^int lapic__pending(/,/^}/ s/ppr = ppr_of(l->tpr, isrv);/ppr = ppr_of(0, isrv);/' \
	"pending ignores TPR"
mutant ppr-no-isr \
	'/^static uint32_t ppr_of(/,/^}/ s/return isrv \& 0xf0;/return tpr \& 0xff;/' \
	"PPR does not consult ISR"

done_testing
