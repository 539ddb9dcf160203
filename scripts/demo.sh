#!/bin/sh
# make run: the default demo. Under KVM: the exception self-test, then the
# nesting scenario under each irqchip mode (kernel, split, user) side by side.
# Where /dev/kvm is missing, say so and show the same guest.elf under QEMU TCG:
# its self-test and a scenario judged by the same checks (vmm judge).
set -u
VMM=${1:-build/vmm}
GUEST=${2:-build/guest.elf}
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	"$VMM" run --timeout 60 "$GUEST" || exit
	echo
	echo "demo: one scenario under the three irqchip modes (configs/nesting.yaml)"
	exec "$VMM" run --scenario configs/nesting.yaml "$GUEST"
fi
echo "demo: /dev/kvm is not available here, so ./vmm can't run; showing the same"
echo "demo: guest under QEMU TCG instead (its own 8 departures from the SDM show as FAIL)"
q() {
	timeout 60 qemu-system-x86_64 -M microvm -accel tcg -m 64 -kernel "$GUEST" -display none \
		-serial none -monitor none -no-reboot -device isa-debug-exit,iobase=0xf4 "$@" </dev/null
}
q -debugcon stdio
st=$?
# isa-debug-exit: (failures << 1) | 1; the QEMU test pins which cases those are
if [ $((st & 1)) -ne 1 ] || [ $st -eq 255 ]; then
	echo "demo: QEMU ended with status $st" >&2
	exit 1
fi
log=$(mktemp)
q -debugcon "file:$log" -append "scenario=softirq"
echo
echo "demo: the softirq scenario under QEMU TCG, judged by vmm's checks"
"$VMM" judge --scenario=configs/softirq.yaml "$log"
st=$?
rm -f "$log"
exit $st
