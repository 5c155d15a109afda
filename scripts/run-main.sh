#!/bin/sh
# The main job of `make run`. Usage: run-main.sh TDXH OUTDIR
#  1. tdxh golden compute over the reference inputs (Debian's OVMF, the pinned
#     Debian kernel, a reproducible initrd) for the fake profile and three TDX
#     generations;
#  2. builds the minimal image and its golden files;
#  3. tdxh run scenarios/measure-extend-quote-seal.yaml: boots it on QEMU +
#     OVMF + swtpm, checks its registers and event log against the image's
#     golden file, extends RTMR3, gets a quote from the fake quote service and
#     verifies it, seals a secret through the key broker and has it released,
#     and writes the reports.
# Exits with tdxh run's status (0 pass, 1 a step failed, 2 bad input, 3 infrastructure).
set -eu
tdxh=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out/golden"
out=$(cd "$out" && pwd)
fw=/usr/share/ovmf/OVMF.fd
kernel=$("$here/reference-kernel.sh")
initrd="$out/reference-initrd.img"
head -c $((16 << 20)) /dev/zero |
        openssl enc -aes-128-ctr -nosalt -K 000102030405060708090a0b0c0d0e0f \
                -iv 00000000000000000000000000000000 >"$initrd"
cmdline="console=ttyS0 quiet panic=-1"
"$tdxh" --version
for profile in fake tdx-edk2-202411-qemu-10.1 tdx-edk2-202502-qemu-10.2 tdx-edk2-202302-qemu-pre; do
        echo "== tdxh golden compute --profile $profile (reference inputs, 2G)"
        "$tdxh" golden compute --profile "$profile" --firmware "$fw" --kernel "$kernel" \
                --initrd "$initrd" --cmdline "$cmdline" --memory 2G \
                -o "$out/golden/$profile.json" | sed -n '1,5p'
done
echo "golden files of the reference inputs: $out/golden/"

echo "== building the minimal image"
"$here/../images/minimal/build.sh" --out "$out/image" >/dev/null
"$here/../images/minimal/golden.sh" "$out/image" "$tdxh" "$out/image/golden"
echo "image: $out/image (golden files in $out/image/golden)"

echo "== tdxh run scenarios/measure-extend-quote-seal.yaml --image $out/image"
rm -rf "$out/run"
status=0
"$tdxh" run "$here/../scenarios/measure-extend-quote-seal.yaml" --image "$out/image" \
        --out "$out/run" || status=$?
exit $status
