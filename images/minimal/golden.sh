#!/bin/sh
# Computes the golden files of a built minimal image for the fake platform
# and the TDX generations. Usage: golden.sh IMAGE_DIR TDXH OUT_DIR
# The committed images/minimal/golden/*.json are this script's output for
# the image `make image` builds (`make image-golden` refreshes them); a test
# fails when they are stale. Paths inside are relative to the image, so the
# files do not depend on where the image was built.
set -eu
image=$1
tdxh=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
mkdir -p "$3"
out=$(cd "$3" && pwd)
# The memory and vCPU count `tdxh boot` uses unless told otherwise.
memory=2G
vcpus=1
cd "$image"
cmdline=$(cat cmdline)
for profile in fake tdx-edk2-202411-qemu-10.1 tdx-edk2-202502-qemu-10.2; do
        "$tdxh" --quiet golden compute --profile "$profile" --firmware /usr/share/ovmf/OVMF.fd \
                --kernel vmlinuz --initrd initrd.img --cmdline "$cmdline" \
                --memory "$memory" --vcpus "$vcpus" -o "$out/$profile.json"
done
