#!/bin/bash
# The guest library for out-of-tree tests (README "Writing a guest test"):
# install into a temporary prefix, write a C file and a scenario config in a
# directory outside the tree, build them with the one documented command,
# and run them with the installed vmm under KVM: the checks pass, a planted
# wrong expectation fails, a wrong name in the config is FILE:LINE:COL;
# vmm validate --kernel holds the config to the kernel's own programs, and the
# installed headers declare none of the tree's program functions. The
# in-tree guest.elf is linked from the same library: it has every program
# IVM_GUEST_PROGRAMS names, and the out-of-tree kernel has none of them.
. "$(dirname "$0")/lib.sh"

build=$(dirname "$VMM")
GUEST_ABS=$(realpath "$GUEST")
prefix=$TMP/prefix
run_limited 120 make -s -o "$build/vmm" -o "$build/guest.elf" -o "$build/libivm-guest.a" BUILD="$build" \
	PREFIX="$prefix" install >"$TMP/install.out" 2>&1
ok $? "make install PREFIX=<temporary prefix>"
sed 's/^/#   /' "$TMP/install.out" | head -20

# the user's test: one C file and one config, nowhere near this tree
user=$(mktemp -d)
trap 'rm -rf "$TMP" "$user"' EXIT
cat >"$user/mytest.c" <<'C'
/* Two MSIs pending together: the higher class first, each handler at depth 1 */
#include <ivm.h>

static void on_61(void)
{
	mark(0x61);
}

static void my_priority(void)
{
	mark_depth = true;		/* each handler marks IVM_MARK_DEPTH | depth */
	sc_msi(0x41, NULL);
	sc_msi(0x61, on_61);
	hc_sync(1);			/* the host injects 0x41 and 0x61 here, IF=0 */
	irq_window(2);
	mark(ivm_page.vector_count[0x41] + ivm_page.vector_count[0x61]);
}

IVM_SCENARIO("my-priority", my_priority);
C
cat >"$user/my.yaml" <<'Y'
name: my-priority
guest: my-priority
steps:
  - at: {sync: 1}
    inject:
      - {kind: msi, vector: 0x41}
      - {kind: msi, vector: 0x61}
checks:
  - name: higher class first
    expect: entries
    value: [0x61, 0x41]
  - name: one 0x41
    expect: count
    vector: 0x41
    value: 1
  - name: handler depths and the guest's count
    expect: marks
    value: [IVM_MARK_DEPTH+1, 0x61, IVM_MARK_DEPTH+1, 2]
Y

export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
# the documented command (README "Writing a guest test"), -Wall -Wextra -Werror on top
(cd "$user" && gcc -O2 -Wall -Wextra -Werror mytest.c $(pkg-config --cflags --libs ivm-guest) \
	-o mytest.elf) >"$TMP/cc.out" 2>&1
ok $? "gcc mytest.c \$(pkg-config --cflags --libs ivm-guest): builds warning-free"
sed 's/^/#   /' "$TMP/cc.out" | head -20
case $(pkg-config --cflags ivm-guest) in
"-I$prefix/include/ivm-guest "*) ok 0 "pkg-config: the headers are the installed ones" ;;
*) ok 1 "pkg-config: the headers are the installed ones"; pkg-config --cflags ivm-guest | sed 's/^/#   /' ;;
esac
file "$user/mytest.elf" 2>/dev/null | grep -q 'ELF 64-bit LSB executable, x86-64.*statically linked'
ok $? "mytest.elf: a static x86-64 ELF executable"

IVMM=$prefix/bin/vmm

# the installed headers are the library's API: none declares a function of the tree's programs
progs='selftest_run|selftest_only|hostile_run|sweep_run|sc_storm|storm_set_bug'
[ "$(grep -cwE "$progs" guest/programs.h)" -ge 6 ]
ok $? "guest/programs.h declares the tree's program functions (the names this check looks for)"
! [ -e "$prefix/include/ivm-guest/programs.h" ] && ! grep -wE "$progs" "$prefix"/include/ivm-guest/*.h >"$TMP/decl"
ok $? "the installed headers declare none of the tree's program functions"
sed 's/^/#   /' "$TMP/decl" | head -5

# vmm validate: plain, guest: is held to guest.elf's programs; with --kernel, to the kernel's
(cd "$user" && run_limited 10 "$IVMM" validate my.yaml) >"$TMP/v.out" 2>"$TMP/v.err"
is "$?/$(wc -l <"$TMP/v.err")/$(wc -c <"$TMP/v.out")" "2/1/0" "validate my.yaml: exit 2, one line, nothing on stdout"
like "$TMP/v.err" "^vmm: my\.yaml:2:8: guest: 'my-priority' is not a program of guest\.elf" \
	"validate my.yaml: my-priority is none of guest.elf's programs"
(cd "$user" && run_limited 10 "$IVMM" validate --kernel=mytest.elf my.yaml) >"$TMP/v.out" 2>"$TMP/v.err"
is "$?/$(wc -c <"$TMP/v.err")" "0/0" "validate --kernel=mytest.elf my.yaml: exit 0, nothing on stderr"
like "$TMP/v.out" "^my\.yaml: ok: my-priority, guest program 'my-priority', 1 step, 3 checks" \
	"validate --kernel=mytest.elf: my-priority is the kernel's"
sed 's/^guest: my-priority$/guest: priority/' "$user/my.yaml" >"$user/tree.yaml"
(cd "$user" && run_limited 10 "$IVMM" validate --kernel=mytest.elf my.yaml tree.yaml) >"$TMP/v.out" 2>"$TMP/v.err"
is "$?/$(wc -l <"$TMP/v.err")" "2/1" "validate --kernel=mytest.elf: a program the kernel lacks: exit 2, one line"
like "$TMP/v.err" "^vmm: tree\.yaml:2:8: guest: 'priority' is not a scenario program of mytest\.elf \(its scenarios: my-priority\)\$" \
	"validate --kernel: names the config, its place, the program and the kernel"
like "$TMP/v.out" "^my\.yaml: ok: " "validate --kernel: the good file of the two is still ok"
(cd "$user" && run_limited 10 "$IVMM" validate --kernel="$GUEST_ABS" tree.yaml) >/dev/null 2>&1
ok $? "validate --kernel=guest.elf: priority is guest.elf's"
(cd "$user" && run_limited 10 "$IVMM" validate --kernel=mytest.c my.yaml) >"$TMP/v.out" 2>"$TMP/v.err"
is "$?/$(wc -l <"$TMP/v.err")/$(wc -c <"$TMP/v.out")" "2/1/0" "validate --kernel=mytest.c: exit 2, one line, nothing on stdout"
like "$TMP/v.err" "^vmm: mytest\.c: offset 0x0: bad ELF magic" "validate --kernel=mytest.c: not an ELF, named"
# vmm run: the same check before any run (no /dev/kvm needed to refuse it)
(cd "$user" && run_limited 10 "$IVMM" run --scenario=tree.yaml mytest.elf) >"$TMP/v.out" 2>"$TMP/v.err"
is "$?/$(wc -l <"$TMP/v.err")/$(wc -c <"$TMP/v.out")" "2/1/0" "run --scenario=tree.yaml mytest.elf: exit 2, one line, nothing on stdout"
like "$TMP/v.err" "^vmm: tree\.yaml:2:8: guest: 'priority' is not a scenario program of mytest\.elf" \
	"run: the program mytest.elf lacks, named with the config and the kernel"
# vmm storm: the storm program, and a --scenario's guest:, held to the kernel's own programs
(cd "$user" && run_limited 10 "$IVMM" storm --count=1 mytest.elf) >"$TMP/v.out" 2>"$TMP/v.err"
is "$?/$(wc -l <"$TMP/v.err")/$(wc -c <"$TMP/v.out")" "2/1/0" "storm mytest.elf: exit 2, one line, nothing on stdout"
like "$TMP/v.err" "^vmm storm: mytest\.elf: no scenario program 'storm' in its \.ivm_programs \(its scenarios: my-priority\)" \
	"storm mytest.elf: the kernel lacks the storm program, and says what it has"
(cd "$user" && run_limited 10 "$IVMM" storm --count=1 --scenario=tree.yaml mytest.elf) >"$TMP/v.out" 2>"$TMP/v.err"
is "$?/$(wc -l <"$TMP/v.err")/$(wc -c <"$TMP/v.out")" "2/1/0" "storm --scenario=tree.yaml mytest.elf: exit 2, one line"
like "$TMP/v.err" "^vmm storm: tree\.yaml:2:8: guest: 'priority' is not a scenario program of mytest\.elf" \
	"storm --scenario: the program mytest.elf lacks, named with the config and the kernel"

if ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then
	for i in 1 2 3 4 5 6 7 8 9; do T=$((T + 1)); echo "ok $T # skip /dev/kvm is absent or not usable"; done
	done_testing
	exit
fi

(cd "$user" && run_limited 120 "$IVMM" run --scenario=my.yaml mytest.elf) >"$TMP/run.out" 2>&1
ok $? "vmm run --scenario=my.yaml mytest.elf: exit 0"
sed 's/^/#   /' "$TMP/run.out" | head -40
is "$(grep -c '^scenario my-priority: 3 passed, 0 failed' "$TMP/run.out")" 3 \
	"every irqchip mode: the three checks pass"
like "$TMP/run.out" '^  handler depths and the guest.s count +PASS' "the marks check (IVM_MARK_DEPTH+1) passes"

# a planted wrong expectation fails the run
sed 's/value: \[0x61, 0x41\]/value: [0x41, 0x61]/' "$user/my.yaml" >"$user/wrong.yaml"
(cd "$user" && run_limited 120 "$IVMM" run --scenario=wrong.yaml --irqchip=user mytest.elf) \
	>"$TMP/wrong.out" 2>&1
is "$?" 1 "a planted wrong expectation: exit 1"
like "$TMP/wrong.out" '^  higher class first +FAIL' "a planted wrong expectation: its check FAILs"

# a name that does not exist is an error at its place
sed 's/IVM_MARK_DEPTH+1, 0x61/IVM_MARK_DEPHT+1, 0x61/' "$user/my.yaml" >"$user/typo.yaml"
(cd "$user" && run_limited 30 "$IVMM" run --scenario=typo.yaml mytest.elf) >"$TMP/typo.out" 2>&1
like "$TMP/typo.out" "typo.yaml:18:13: checks\[2\]\.value\[0\]: unknown name 'IVM_MARK_DEPHT'" \
	"an unknown name in the config: FILE:LINE:COL"

# the out-of-tree kernel holds its program and the library's, none of the tree's
run_limited 30 "$IVMM" run --cmdline=test=list "$user/mytest.elf" >"$TMP/list.out" 2>&1
like "$TMP/list.out" '^program scenario my-priority$' "mytest.elf: test=list shows its scenario"
! grep -Eq '^program (scenario nesting|test exceptions)$' "$TMP/list.out"
ok $? "mytest.elf: none of the tree's programs (they are not in the library)"

# guest.elf, from the same library, runs every program include/abi.h names
run_limited 30 "$VMM" run --cmdline=test=list "$GUEST" >"$TMP/tree.out" 2>&1
got=$(sed -n 's/^program scenario //p' "$TMP/tree.out" | sort | tr '\n' ' ')
want=$(sed -n '/^#define IVM_GUEST_PROGRAMS/,/[^\\]$/p' include/abi.h | grep -o '"[a-z0-9_-]*"' | tr -d '"' |
	sort | tr '\n' ' ')
is "$got" "$want" "guest.elf: its scenarios are exactly include/abi.h's IVM_GUEST_PROGRAMS"
done_testing
