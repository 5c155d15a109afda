#!/bin/sh
# The main job of `make run`. Usage: run-main.sh TDXH OUTDIR
# Computes the golden measurements of the reference inputs (Debian's OVMF,
# the pinned Debian kernel, a reproducible initrd) for the fake profile and
# for each TDX generation, and says where the golden files are.
set -eu
tdxh=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out/golden"
out=$(cd "$out" && pwd)
fw=/usr/share/ovmf/OVMF.fd
kernel=$("$here/reference-kernel.sh")
initrd="$out/reference-initrd.img"
# A reproducible stand-in initrd (its content is only hashed).
head -c $((16 << 20)) /dev/zero |
        openssl enc -aes-128-ctr -nosalt -K 000102030405060708090a0b0c0d0e0f \
                -iv 00000000000000000000000000000000 >"$initrd"
cmdline="console=ttyS0 quiet panic=-1"
"$tdxh" --version
for profile in fake tdx-edk2-202411-qemu-10.1 tdx-edk2-202502-qemu-10.2 tdx-edk2-202302-qemu-pre; do
        echo "== tdxh golden compute --profile $profile"
        "$tdxh" golden compute --profile "$profile" --firmware "$fw" --kernel "$kernel" \
                --initrd "$initrd" --cmdline "$cmdline" --memory 2G \
                -o "$out/golden/$profile.json" | sed -n '1,5p'
done
echo "golden files: $out/golden/"
