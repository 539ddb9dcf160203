#!/bin/bash
# make install / uninstall (PREFIX, DESTDIR), from the build that made $VMM:
# every file where it belongs with its mode; the installed vmm finds the
# installed guest.elf without being told; the man page renders without a
# warning and names every option each command's --help prints; the bash
# completion loads and completes; the guest library, its headers, linker
# script and pkg-config file are installed; uninstall leaves nothing.
. "$(dirname "$0")/lib.sh"

build=$(dirname "$VMM")
root=$TMP/root
top=$(pwd)
# -o: install what was built, never rebuild it here
run_limited 120 make -s -o "$build/vmm" -o "$build/guest.elf" -o "$build/libivm-guest.a" BUILD="$build" \
	DESTDIR="$root" PREFIX=/usr install >"$TMP/install.out" 2>&1
ok $? "make install DESTDIR=... PREFIX=/usr"
sed 's/^/#   /' "$TMP/install.out" | head -20

# every file, and its mode
want=$( {
	echo "755 usr/bin/vmm"
	echo "644 usr/share/vmm/guest.elf"
	for c in configs/*.yaml; do echo "644 usr/share/vmm/configs/${c#configs/}"; done
	echo "644 usr/share/man/man1/vmm.1"
	echo "644 usr/share/bash-completion/completions/vmm"
	echo "644 usr/lib/ivm-guest/libivm-guest.a"
	echo "644 usr/lib/ivm-guest/ivm-guest.ld"
	echo "644 usr/lib/pkgconfig/ivm-guest.pc"
	for h in guest/ivm.h guest/guest.h guest/x86.h guest/irq.h guest/softirq.h include/abi.h; do
		echo "644 usr/include/ivm-guest/${h#*/}"
	done
} | sort -k2)
got=$(cd "$root" && find . -type f -printf '%m %P\n' | sort -k2)
is "$got" "$want" "install: every file where it belongs, with its mode"
cmp -s "$VMM" "$root/usr/bin/vmm" && cmp -s "$GUEST" "$root/usr/share/vmm/guest.elf" &&
	cmp -s docs/vmm.1 "$root/usr/share/man/man1/vmm.1" &&
	cmp -s scripts/vmm-completion.bash "$root/usr/share/bash-completion/completions/vmm"
ok $? "install: the files are the build's vmm and guest.elf, the man page and the completion"
n=0
for c in configs/*.yaml; do cmp -s "$c" "$root/usr/share/vmm/$c" || n=$((n + 1)); done
is "$n" 0 "install: the configs, each the same"
cmp -s "$build/libivm-guest.a" "$root/usr/lib/ivm-guest/libivm-guest.a" &&
	cmp -s guest/guest.ld "$root/usr/lib/ivm-guest/ivm-guest.ld" &&
	cmp -s guest/ivm.h "$root/usr/include/ivm-guest/ivm.h" && cmp -s include/abi.h "$root/usr/include/ivm-guest/abi.h"
ok $? "install: the guest library, its linker script and headers are the build's and the tree's"
like "$root/usr/lib/pkgconfig/ivm-guest.pc" '^prefix=/usr$' "install: ivm-guest.pc names PREFIX, not DESTDIR"
PKG_CONFIG_SYSROOT_DIR= PKG_CONFIG_PATH="$root/usr/lib/pkgconfig" pkg-config --libs ivm-guest >"$TMP/pc" 2>&1
like "$TMP/pc" '-Wl,-T,/usr/lib/ivm-guest/ivm-guest.ld .*/usr/lib/ivm-guest/libivm-guest.a' \
	"install: pkg-config --libs ivm-guest gives the linker script and the library"

IVMM=$root/usr/bin/vmm
run_limited 10 "$IVMM" --version >"$TMP/v" 2>&1
ok $? "the installed vmm runs"
like "$TMP/v" '^vmm [0-9]+\.[0-9]+' "the installed vmm: --version"

# the installed guest.elf, found without being named, from another directory
mkdir -p "$TMP/elsewhere"
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	(cd "$TMP/elsewhere" && run_limited 120 "$IVMM" conformance --quiet --filter=#DE-cpl0 \
		--targets=kvm/user --out="$TMP/conf" --json="$TMP/conf.json") >"$TMP/conf.out" 2>&1
	ok $? "installed: vmm conformance --filter=#DE-cpl0 --targets=kvm/user, no KERNEL named"
	like "$TMP/conf.out" '^#DE-cpl0 +PASS' "installed: #DE-cpl0 PASS on kvm/user"
	like "$TMP/conf.json" "\"repro\":\"[^\"]* $root/usr/share/vmm/guest.elf\"" \
		"installed: the reproducer runs the installed guest.elf"
	(cd "$TMP/elsewhere" && run_limited 120 "$IVMM" storm --quiet --count=20 --out="$TMP/elsewhere") \
		>"$TMP/storm.out" 2>&1
	ok $? "installed: vmm storm --count=20, no KERNEL named"
	like "$TMP/storm.out" '^storm user: seed 1, .*no violation' "installed: the storm ran the installed guest"
else
	for i in 1 2 3 4 5; do T=$((T + 1)); echo "ok $T # skip /dev/kvm is absent or not usable"; done
fi
(cd "$TMP/elsewhere" && run_limited 10 "$IVMM" storm --count=1 "$TMP/elsewhere/missing.elf") >/dev/null 2>"$TMP/e"
like "$TMP/e" 'missing.elf' "installed: a KERNEL named is still the one used"

# the man page: renders without a warning, names every option of every command
man_src() { sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' "$root/usr/share/man/man1/vmm.1"; }
if command -v man >/dev/null; then
	MANWIDTH=80 man --warnings -l "$root/usr/share/man/man1/vmm.1" >/dev/null 2>"$TMP/manerr"
	is "$?/$(wc -c <"$TMP/manerr")" "0/0" "man --warnings -l vmm.1: renders, no warning"
	sed 's/^/#   /' "$TMP/manerr" | head
	MANWIDTH=80 man -l "$root/usr/share/man/man1/vmm.1" 2>/dev/null | col -b >"$TMP/man.txt"
	like "$TMP/man.txt" '^EXIT STATUS' "man: an EXIT STATUS section"
else
	for i in 1 2; do T=$((T + 1)); echo "ok $T # skip man is not installed (Debian: man-db)"; done
fi
for s in NAME SYNOPSIS DESCRIPTION COMMANDS "EXIT STATUS" FILES EXAMPLES "SEE ALSO"; do
	man_src | grep -q "^\.SH \"\?$s\"\?$" || { echo "#   no .SH $s"; s=; break; }
done
ok $([ -n "$s" ]; echo $?) "man: NAME, SYNOPSIS, DESCRIPTION, COMMANDS, EXIT STATUS, FILES, EXAMPLES, SEE ALSO"
missing=
for cmd in run probe validate judge check replay storm conformance "trace show" "trace stats" \
	   "trace export" "trace diff" "trace synth"; do
	man_src | grep -q "^\.SS \"vmm ${cmd%% *}" || missing="$missing [no .SS for vmm ${cmd%% *}]"
	# shellcheck disable=SC2086
	for o in $("$VMM" $cmd --help | grep -E '^ +(-[a-zA-Z], )?--[a-z]' | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u); do
		man_src | grep -qF -- "$o" || missing="$missing vmm $cmd $o"
	done
done
is "${missing:-none}" none "man: every option every command's --help prints is named"

# the completion: loads in bash, completes commands and options from the installed vmm
comp=$root/usr/share/bash-completion/completions/vmm
cat >"$TMP/comp.sh" <<'SH'
source "$1"
complete -p vmm
t() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _vmm; echo "${COMPREPLY[*]}"; }
t vmm st
t vmm run --ir
t vmm run --irqchip = us
t vmm check --keep
t vmm trace ex
t vmm run --scenario = "$2/nest"
SH
(cd "$top" && PATH="$root/usr/bin:$PATH" run_limited 30 bash "$TMP/comp.sh" "$comp" "$root/usr/share/vmm/configs") \
	>"$TMP/comp.out" 2>"$TMP/comp.err"
ok $? "completion: loads in bash"
is "$(sed -n 1p "$TMP/comp.out")" "complete -o filenames -F _vmm vmm" "completion: complete -p vmm"
is "$(sed -n 2p "$TMP/comp.out")" "storm" "completion: vmm st -> storm"
is "$(sed -n 3p "$TMP/comp.out")" "--irqchip=" "completion: vmm run --ir -> --irqchip="
is "$(sed -n 4p "$TMP/comp.out")" "user" "completion: vmm run --irqchip=us -> user"
is "$(sed -n 5p "$TMP/comp.out")" "--keep-traces=" "completion: vmm check --keep -> --keep-traces="
is "$(sed -n 6p "$TMP/comp.out")" "export" "completion: vmm trace ex -> export"
is "$(sed -n 7p "$TMP/comp.out")" "$root/usr/share/vmm/configs/nesting.yaml" "completion: --scenario= completes a file"
is "$(wc -c <"$TMP/comp.err")" 0 "completion: nothing on stderr"

run_limited 60 make -s BUILD="$build" DESTDIR="$root" PREFIX=/usr uninstall >"$TMP/un.out" 2>&1
ok $? "make uninstall DESTDIR=... PREFIX=/usr"
is "$(cd "$root" && find . -type f | wc -l)" 0 "uninstall: no file left"
[ ! -e "$root/usr/share/vmm" ] && [ ! -e "$root/usr/lib/ivm-guest" ] && [ ! -e "$root/usr/include/ivm-guest" ]
ok $? "uninstall: share/vmm, lib/ivm-guest and include/ivm-guest are gone"
done_testing
