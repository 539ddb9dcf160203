# SPDX-License-Identifier: MIT
# TAP helpers for the integration tests (sourced). VMM and GUEST come from make.
VMM=${VMM:-build/vmm}
GUEST=${GUEST:-build/guest.elf}
T=0
FAILED=0
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

ok() {	# ok COND-EXIT-STATUS DESCRIPTION
	T=$((T + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $T - $2"
	else
		echo "not ok $T - $2"
		FAILED=$((FAILED + 1))
	fi
}

is() {	# is GOT WANT DESCRIPTION
	if [ "$1" = "$2" ]; then ok 0 "$3"; else ok 1 "$3"; echo "#   got '$1', want '$2'"; fi
}

like() {	# like FILE REGEX DESCRIPTION
	if grep -Eq -- "$2" "$1"; then ok 0 "$3"; else ok 1 "$3"; echo "#   no line matching /$2/ in:"; sed 's/^/#     /' "$1" | head -40; fi
}

done_testing() {
	echo "1..$T"
	[ "$FAILED" -eq 0 ]
}

skip_all() {
	echo "1..0 # SKIP $1"
	exit 0
}

need_kvm() {
	[ -e /dev/kvm ] || skip_all "/dev/kvm is absent on this machine (KVM tests run where it exists; scripts/nested-run.sh runs a command on a nested KVM; see README 'Testing')"
	[ -r /dev/kvm ] && [ -w /dev/kvm ] || skip_all "/dev/kvm is not readable and writable by $(id -un)"
}

# Run a command with a hard wall-clock limit so no test can hang.
run_limited() {	# run_limited SECONDS CMD...
	timeout -k 5 "$@"
}

# dump_trace FILE: a failing run's trace into the TAP log as comments (gzip, base64), at most
# DUMP_LIMIT bytes of it, so a failure seen only in CI (a slow host's recording) can be
# replayed here: scripts/itr-from-log.sh LOG DIR writes each one back
DUMP_LIMIT=${DUMP_LIMIT:-131072}
dump_trace() {
	local n tag
	[ -s "$1" ] || return 0
	n=$(gzip -9c "$1" | base64 -w 76 | wc -c)
	if [ "$n" -gt "$DUMP_LIMIT" ]; then
		echo "#   (trace $(basename "$1") not dumped: $n bytes in base64, over DUMP_LIMIT=$DUMP_LIMIT)"
		return 0
	fi
	# each line tagged: prove -j may put other tests' lines between them
	tag="$$.$(basename "$1")"
	echo "# itr-begin $tag $(stat -c %s "$1")"
	gzip -9c "$1" | base64 -w 76 | sed "s/^/# itr $tag /"
	echo "# itr-end $tag"
}

# replay_why OUTPUT: why a replay ended (its vmm: lines, its notes) and each stream's first divergence with
# the records around it, as TAP comments: the lines next to a `not ok` are what a CI excerpt keeps
replay_why() {
	{
		grep -E '^vmm|^replay: note' "$1" | head -3
		awk '/^replay: (cpu [0-9]+|injections):$/ { h = $0 }
		     /^first divergence/ { print h; print; n = 10; next }
		     n > 0 && /^[ >] [AB] / { print; n--; next }
		     { n = 0 }' "$1"
	} | head -36 | cut -c1-220 | sed 's/^/#   /'
}

# The guest under QEMU TCG microvm, console to a file, exit through isa-debug-exit.
qemu_guest() {	# qemu_guest LOGFILE CMDLINE
	run_limited 60 qemu-system-x86_64 -M microvm -accel tcg -m 64 -kernel "$GUEST" -display none \
		-serial none -monitor none -no-reboot -debugcon "file:$1" \
		-device isa-debug-exit,iobase=0xf4 -append "$2" </dev/null
}

# mkguest FILE HEX: a hand-assembled test guest: an ELF64 whose one PT_LOAD at 1 MiB holds the headers, then HEX (the entry)
mkguest() {
	python3 - "$1" "$2" <<'PY'
import struct, sys
code = bytes.fromhex(sys.argv[2])
base, hdr = 0x100000, 64 + 56
eh = struct.pack('<4sBBBBB7xHHIQQQIHHHHHH', b'\x7fELF', 2, 1, 1, 0, 0, 2, 0x3e, 1,
                 base + hdr, 64, 0, 0, 64, 56, 1, 0, 0, 0)
ph = struct.pack('<IIQQQQQQ', 1, 5, 0, base, base, hdr + len(code), hdr + len(code), 0x1000)
open(sys.argv[1], 'wb').write(eh + ph + code)
PY
}
