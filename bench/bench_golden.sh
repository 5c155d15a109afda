#!/bin/sh
# golden compute over Debian's OVMF.fd, the reference kernel and a generated
# 256 MiB initrd, beside `openssl dgst -sha384` over the same three files in
# the same run. Targets: time ratio <= 1.15, peak RSS <= 32 MiB.
set -eu
build=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
tdxh="$build/harness/tdxh"
fw=/usr/share/ovmf/OVMF.fd
kernel=$("$here/../scripts/reference-kernel.sh")
work=$(mktemp -d)
trap 'rm -rf "$work" "$_bench_tmp"' EXIT INT TERM
# Incompressible, reproducible content: AES-CTR keystream of a fixed key.
head -c $((256 << 20)) /dev/zero |
        openssl enc -aes-128-ctr -nosalt -K 00112233445566778899aabbccddeeff \
                -iv 00000000000000000000000000000000 >"$work/initrd.img"
set -- "$tdxh" golden compute --profile fake --firmware "$fw" --kernel "$kernel" \
        --initrd "$work/initrd.img" --cmdline "console=ttyS0" --memory 2G -o "$work/g.json"
"$@" >/dev/null # warm the page cache
t_tdxh=$(best_of 5 "$@")
t_ossl=$(best_of 5 openssl dgst -sha384 "$fw" "$kernel" "$work/initrd.img")
rss=$(peak_rss_kib "$@")
printf '   golden compute (fake, 256 MiB initrd): %ss   openssl dgst -sha384 same files: %ss   ratio %s (target <= 1.15)\n' \
        "$t_tdxh" "$t_ossl" "$(ratio "$t_tdxh" "$t_ossl")"
printf '   peak RSS of golden compute: %s KiB (target <= 32768)\n' "$rss"
for size in 16 1024; do
        head -c $((size << 20)) /dev/zero >"$work/big.img"
        r=$(peak_rss_kib "$tdxh" golden compute --profile fake --firmware "$fw" --kernel "$kernel" \
                --initrd "$work/big.img" --memory 2G -o "$work/g2.json")
        printf '   peak RSS with a %s MiB initrd: %s KiB\n' "$size" "$r"
done
