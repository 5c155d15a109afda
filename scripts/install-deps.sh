#!/bin/sh
# Installs the Debian packages tdxh builds, tests and runs with; only what is missing.
# Usage: scripts/install-deps.sh [--with-browser]
set -eu

pkgs="build-essential cmake pkg-config check libssl-dev libjson-c-dev libyaml-dev libxml2-dev
libvirt-dev libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients libtss2-dev
qemu-system-x86 qemu-utils ovmf ipxe-qemu swtpm swtpm-tools tpm2-tools cpio busybox-static
clang libclang-rt-14-dev openssl xxd dpkg-dev file groff-base time mtools fdisk"
if [ "${1:-}" = "--with-browser" ]; then
        pkgs="$pkgs chromium"
fi

missing=""
for p in $pkgs; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
                missing="$missing $p"
        fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
        echo "install-deps: missing Debian packages:$missing (run as root to install them)" >&2
        exit 2
fi
echo "install-deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
