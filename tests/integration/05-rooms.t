#!/bin/bash
# The rooms rule (docs/ARCHITECTURE.md, scripts/rooms.sh): the tree keeps it,
# and the check catches each kind of break planted in a copy of the tree.
. "$(dirname "$0")/lib.sh"

OBJ=$(dirname "$VMM")/obj
scripts/rooms.sh . >"$TMP/out" 2>&1
is $? 0 "the tree: every include goes to its own room or one it may call"
is "$(wc -l <"$TMP/out")" 0 "the tree: nothing to say"
scripts/rooms.sh . "$OBJ" >"$TMP/out" 2>&1
is $? 0 "the tree: every call of a built object goes the same way (nm over $OBJ)"
sed 's/^/#   /' "$TMP/out"

# a copy of the rooms, to break
fresh() {
	rm -rf "$TMP/t"
	mkdir -p "$TMP/t"
	cp -r docs include lib vapic trace vmm guest "$TMP/t/"
}
broken() {	# broken DESC REGEX: the check fails naming the break
	scripts/rooms.sh "$TMP/t" $EXTRA >"$TMP/out" 2>&1
	is $? 1 "$1: refused"
	like "$TMP/out" "$2" "$1: named"
}

EXTRA=
fresh
sed -i '0,/^#include "/s//#include "core\/run.h"\n#include "/' "$TMP/t/vmm/dev/pio.c"
broken "a device including the run loop" '^vmm/dev/pio.c:[0-9]+: includes "core/run.h": vmm/dev may not call vmm/core'

fresh
sed -i '0,/^#include "/s//#include "scenario\/scenario.h"\n#include "/' "$TMP/t/trace/oracle.c"
broken "trace/ reaching into vmm/" '^trace/oracle.c:[0-9]+: includes "scenario/scenario.h": trace may not call vmm/scenario'

fresh
sed -i '0,/^#include "/s//#include "exit.h"\n#include "/' "$TMP/t/vmm/dev/mmio.c"
broken "another room's header by bare name" '^vmm/dev/mmio.c:[0-9]+: "exit.h" is not in vmm/dev/; name the room'

fresh
sed -i '0,/^#include "/s//#include "vm\/nonesuch.h"\n#include "/' "$TMP/t/vmm/core/run.c"
broken "a header that does not exist" '^vmm/core/run.c:[0-9]+: "vm/nonesuch.h": no such header in any room'

fresh
mkdir -p "$TMP/t/vmm/nowhere"
printf '#include "vm/vm.h"\n' >"$TMP/t/vmm/nowhere/x.c"
broken "a room the document does not list" '^vmm/nowhere/x.c: in vmm/nowhere/, a room docs/ARCHITECTURE.md does not list'

fresh
sed -i 's/^vmm\/core: .*/vmm\/core:       include lib vapic trace vmm\/boot vmm\/emu vmm\/scenario vmm\/model vmm\/vm vmm\/record/' \
	"$TMP/t/docs/ARCHITECTURE.md"
broken "the document is the rule: core no longer allowed dev/" '^vmm/core/exit.c:[0-9]+: includes "dev/[a-z]+.h": vmm/core may not call vmm/dev'

# a call that goes upward although no header says so: only the objects show it
fresh
printf 'int vm_object_of_core(void) { return 1; }\n' >"$TMP/t/vmm/core/upward.c"
printf 'int vm_object_of_core(void);\nint lib_calls_up(void) { return vm_object_of_core(); }\n' >"$TMP/t/lib/upward.c"
mkdir -p "$TMP/obj/vmm/core" "$TMP/obj/lib"
cc -c -o "$TMP/obj/vmm/core/upward.o" "$TMP/t/vmm/core/upward.c" &&
	cc -c -o "$TMP/obj/lib/upward.o" "$TMP/t/lib/upward.c"
EXTRA="$TMP/obj"
broken "lib/ calling into core/ through its own declaration" \
	'^lib/upward.o: calls vm_object_of_core\(\) of vmm/core/upward.o: lib may not call vmm/core'
done_testing
