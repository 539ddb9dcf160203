#!/bin/sh
# Fetch (once) and unpack Debian's cloud kernel and busybox-static into WORKDIR
# for the nested kvm_amd runs. Prints nothing on success; exits non-zero with
# one line on stderr when the packages can't be had (no network, no apt).
set -eu
work=$1
mkdir -p "$work"
[ -f "$work/k/.done" ] && [ -f "$work/bb/.done" ] && exit 0
command -v apt-get >/dev/null || { echo "nested: apt-get not available" >&2; exit 1; }
# the kernel the linux-image-cloud-amd64 metapackage currently points at
pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
[ -n "$pkg" ] || { echo "nested: no linux-image-cloud-amd64 in the package lists" >&2; exit 1; }
(cd "$work" && rm -f ./*.deb && timeout 600 apt-get download -qq "$pkg" busybox-static >/dev/null 2>&1) ||
	{ echo "nested: apt-get download $pkg busybox-static failed" >&2; exit 1; }
rm -rf "$work/k" "$work/bb"
dpkg-deb -x "$work"/linux-image-*.deb "$work/k"
dpkg-deb -x "$work"/busybox-static*.deb "$work/bb"
ls "$work"/k/boot/vmlinuz-* >/dev/null
touch "$work/k/.done" "$work/bb/.done"
