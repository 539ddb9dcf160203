#!/bin/sh
# Build an initramfs that boots Debian's cloud kernel under QEMU TCG, loads
# kvm_amd (nested SVM) and runs COMMAND with build/vmm and build/guest.elf:
# a second, real KVM (SVM) to compare with the host's. Used by
# tests/integration/80-nested-kvm.t and documented in README "Nested KVM".
# usage: nested-initramfs.sh WORKDIR VMM GUEST OUT.cpio.gz 'COMMAND' [EXTRA_DIR]
# (EXTRA_DIR, e.g. traces recorded on this host, lands in /ivm/extra)
set -eu
work=$1 vmm=$2 guest=$3 out=$4 cmd=$5 extra=${6:-}
root=$work/root
rm -rf "$root"
mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys" "$root/tmp" "$root/lib/modules" "$root/ivm"
cp "$work/bb/bin/busybox" "$root/bin/busybox"
for m in irqbypass kvm kvm-amd; do
	cp "$(find "$work/k/lib/modules" -name "$m.ko*" | head -1)" "$root/lib/modules/"
done
# vmm and every shared object it needs, at the same paths
cp "$vmm" "$root/ivm/vmm"
cp "$guest" "$root/ivm/guest.elf"
cp -r configs "$root/ivm/configs"
[ -z "$extra" ] || cp -r "$extra" "$root/ivm/extra"	# e.g. traces recorded on this host
for lib in $(ldd "$vmm" | awk '/=>/ { print $3 } /^\t\// { print $1 }'); do
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$lib" "$root$lib"
done
cat >"$root/init" <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
for m in irqbypass kvm kvm-amd; do insmod /lib/modules/\$m.ko* || echo "nested: insmod \$m failed"; done
cd /ivm
echo "nested: begin"
$cmd
echo "nested: end status \$?"
poweroff -f
INIT
chmod +x "$root/init"
bb=$(realpath "$work/bb/bin/busybox")
(cd "$root" && find . | "$bb" cpio -o -H newc 2>/dev/null | gzip -1) >"$out"
