#!/bin/sh
# Prints the path of the reference kernel (Debian's EFI-stub bzImage, pinned
# below), fetching and verifying the package on first use.
# The cache is $TDXH_CACHE (default ~/.cache/tdxh).
set -eu
PKG=linux-image-6.1.0-56-amd64
VER=6.1.192-2
DEB_SHA256=a86e2049672f52354c4536a089203b6c82639420424d31c91cf31a181fd4d8f1
here=$(cd "$(dirname "$0")" && pwd)
cache=${TDXH_CACHE:-${HOME:-/root}/.cache/tdxh}
dir=$("$here/fetch-deb.sh" "$PKG" "$VER" "$cache/debs")
got=$(cat "$dir/.sha256")
if [ "$got" != "$DEB_SHA256" ]; then
        echo "reference-kernel: $PKG=$VER has sha256 $got, pinned $DEB_SHA256" >&2
        exit 2
fi
echo "$dir/boot/vmlinuz-6.1.0-56-amd64"
