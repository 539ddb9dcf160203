#!/bin/sh
# Install the Debian packages the project needs, only those missing.
# Why each is here: README.md "Dependencies".
set -eu
PKGS="libzydis-dev libyaml-dev libtracefs-dev libtraceevent-dev qemu-system-x86 perl clang libclang-rt-14-dev jq libvirt-dev libvirt-daemon-system python3 man-db gdb"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing Debian packages:$missing (run as root, or: sudo apt-get install$missing)" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
