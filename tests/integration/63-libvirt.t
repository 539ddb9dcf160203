#!/bin/bash
# The libvirt target of `vmm conformance`: the guest as a transient QEMU TCG
# domain that libvirtd (qemu:///system) starts from the XML the vmm writes.
# It is the same QEMU TCG as qemu-tcg underneath, so every case cell must be
# the same there. The test starts libvirtd (and virtlogd, which QEMU's log
# needs) when they are not running, and stops only what it started.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || skip_all "qemu:///system needs root"
command -v libvirtd >/dev/null && command -v virtlogd >/dev/null && command -v virsh >/dev/null ||
	skip_all "libvirt-daemon-system is not installed (scripts/deps.sh)"
command -v qemu-system-x86_64 >/dev/null || skip_all "qemu-system-x86_64 is not installed"
command -v jq >/dev/null || skip_all "jq is not installed"

alive() {	# alive PIDFILE: the daemon it names runs
	[ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}
started=""
# libvirtd re-probes QEMU (about 4 s, some eight times a domain) whenever the libvirt-qemu user
# can't open /dev/kvm (here 0600 root): its probe runs with CAP_DAC_OVERRIDE and finds KVM, its
# check as that user does not, so the cached capabilities are outdated at every lookup. Where
# this test starts libvirtd, /dev/kvm gets what Debian's udev gives it (0660 root:kvm, and
# libvirt-qemu is in kvm) while it runs, and its own mode and owner back at the end.
kvm_was=""
if [ -c /dev/kvm ] && ! alive /run/libvirtd.pid && getent group kvm >/dev/null &&
	! su -s /bin/sh libvirt-qemu -c 'test -r /dev/kvm -a -w /dev/kvm' 2>/dev/null; then
	kvm_was=$(stat -c '%u:%g %a' /dev/kvm)
	chgrp kvm /dev/kvm && chmod g+rw /dev/kvm || kvm_was=""
fi
restore_kvm() {
	[ -n "$kvm_was" ] && chown "${kvm_was% *}" /dev/kvm && chmod "${kvm_was#* }" /dev/kvm
}
trap 'restore_kvm; rm -rf "$TMP"' EXIT
for d in virtlogd libvirtd; do
	if ! alive "/run/$d.pid"; then
		"$d" -d || skip_all "$d -d failed"
		started="$started $d"
	fi
done
stop_started() {
	for d in $started; do
		alive "/run/$d.pid" && kill "$(cat "/run/$d.pid")"
	done
	for _ in $(seq 50); do
		up=0
		for d in $started; do alive "/run/$d.pid" && up=1; done
		[ $up = 0 ] && break
		sleep 0.1
	done
}
trap 'stop_started; restore_kvm; rm -rf "$TMP"' EXIT
for _ in $(seq 100); do
	virsh -q -c qemu:///system version >/dev/null 2>&1 && break
	sleep 0.1
done
virsh -q -c qemu:///system version >/dev/null 2>&1 || skip_all "libvirtd does not answer on qemu:///system"
[ -n "$kvm_was" ] && echo "# /dev/kvm was $kvm_was: 0660 root:kvm while this test's libvirtd runs"
[ -e /dev/kvm ] && ! su -s /bin/sh libvirt-qemu -c 'test -r /dev/kvm -a -w /dev/kvm' 2>/dev/null &&
	echo "# /dev/kvm is not usable by libvirt-qemu: libvirtd re-probes QEMU before each domain (30 s)"

# one domain, the guest's cases (a scenario's domain is the same path, then
# vmm judge as for qemu-tcg)
mkdir -p "$TMP/out"
run_limited 1200 "$VMM" conformance --quiet --targets=libvirt,qemu-tcg --filter=cpl \
	--json="$TMP/c.json" --out="$TMP/out" "$GUEST" >"$TMP/c.txt" 2>"$TMP/c.err"
st=$?
ok $(( st > 1 )) "vmm conformance ran to its end (exit $st: 0 or 1, divergences are QEMU's)"
jq -e . "$TMP/c.json" >/dev/null
ok $? "--json is valid JSON"
is "$(jq -r '.targets | join(",")' "$TMP/c.json")" "libvirt,qemu-tcg" "two columns: libvirt, qemu-tcg"

# every case and sweep cell: the same status and ID on both (one QEMU TCG underneath),
# but a case whose outcome is a shutdown: QEMU's -no-reboot exit status tells it, while
# a transient libvirt domain is gone whatever ended QEMU, so libvirt says n/a and why
cell() {	# cell TARGET: "check status id" for each case and sweep cell
	jq -r --arg t "$1" '.checks[] | select(.kind == "case" or .kind == "sweep") | .name as $n |
		.results[] | select(.target == $t) | "\($n) \(.status) \(.id)"' "$TMP/c.json"
}
cell libvirt | grep -v '^#DF-shutdown-cpl0 ' >"$TMP/lv"
cell qemu-tcg | grep -v '^#DF-shutdown-cpl0 ' >"$TMP/qt"
ok $(( $(wc -l <"$TMP/lv") < 40 )) "at least 40 case cells on libvirt ($(wc -l <"$TMP/lv"))"
diff "$TMP/qt" "$TMP/lv" >"$TMP/d"
ok $? "every case cell of libvirt equals qemu-tcg's (status and ID), the shutdown case aside"
sed 's/^/#   /' "$TMP/d"
shut() {	# shut TARGET: "status note" of the shutdown case
	jq -r --arg t "$1" '.checks[] | select(.name == "#DF-shutdown-cpl0") | .results[] |
		select(.target == $t) | "\(.status) \(.note)"' "$TMP/c.json"
}
shut qemu-tcg >"$TMP/sq"
shut libvirt >"$TMP/sl"
like "$TMP/sq" '^PASS' "#DF-shutdown-cpl0: PASS on qemu-tcg (its -no-reboot exit)"
like "$TMP/sl" "^UNSUPPORTED .*a shutdown can't be told from another end" \
	"#DF-shutdown-cpl0: n/a on libvirt, saying why"
sed 's/^/#   /' "$TMP/d" | head -20
is "$(jq -r '[.checks[].results[] | select(.target == "libvirt") | .status] |
	map(select(. == "HANG" or . == "ERROR" or . == "NOT-RUN")) | length' "$TMP/c.json")" 0 \
	"no HANG, ERROR or unrun cell on libvirt"
jq -r '.checks[].results[] | select(.target == "libvirt") |
	select(.status == "HANG" or .status == "ERROR") | "#   \(.status): \(.note)"' "$TMP/c.json" | head -5
is "$(jq -r '[.checks[].name] | map(select(contains("cpl") | not)) | length' "$TMP/c.json")" 0 \
	"--filter=cpl: the guest's cases only"

# the reproducers: virsh create on an XML kept in --out
repro=$(jq -r '.checks[] | select(.name == "#DE-cpl0") | .results[] | select(.target == "libvirt") |
	.repro' "$TMP/c.json")
like <(echo "$repro") "virsh create $TMP/out/repro.libvirt.xml" "a case's reproducer: virsh create"
like "$TMP/out/cases.libvirt.xml" "<cmdline>test=conformance only=CASE</cmdline>" \
	"the cases' XML template is kept in --out"
like "$TMP/out/cases.libvirt.0.xml" "<type arch='x86_64' machine='microvm'>hvm</type>" \
	"each run's domain XML is kept in --out"

# nothing left behind: no domain, no private files
is "$(virsh -q -c qemu:///system list --all --name | grep -c '^vmm-conformance-')" 0 \
	"no vmm-conformance domain is left"
is "$(ls -d /var/lib/libvirt/images/vmm-conformance-* 2>/dev/null | wc -l)" 0 \
	"no private folder is left under /var/lib/libvirt/images"

# without libvirtd: n/a with the reason, in one line (only when this test started it)
if [ "${started/libvirtd/}" != "$started" ]; then
	kill "$(cat /run/libvirtd.pid)"
	for _ in $(seq 50); do alive /run/libvirtd.pid || break; sleep 0.1; done
	run_limited 60 "$VMM" conformance --quiet --targets=libvirt --filter=softirq \
		--out="$TMP/out2" "$GUEST" >"$TMP/n.txt" 2>&1
	like "$TMP/n.txt" "^scenario:softirq +n/a" "libvirtd stopped: the column is n/a"
	like "$TMP/n.txt" "libvirtd is not running: start it with libvirtd -d" "... saying why"
else
	echo "# libvirtd was already running: the unavailable case is not tested"
fi
done_testing
