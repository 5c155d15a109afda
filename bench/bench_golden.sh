#!/bin/sh
# golden compute over Debian's OVMF.fd, the reference kernel and a generated
# 256 MiB initrd, beside `openssl dgst -sha384` over the same three files in
# the same run (page cache warm for both, best of 5 each). golden compute
# does more than the one digest per file: SHA-256 of every input for the
# golden file, MRTD over the firmware, the kernel's Authenticode digest (as
# loaded and as QEMU patches it), the ACPI and boot events; the initrd, which
# dominates, is read and hashed once. Targets: time ratio <= 1.15, peak RSS
# <= 32 MiB.
set -eu
build=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
tdxh="$build/harness/tdxh"
rounds=5
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
cat "$fw" "$kernel" "$work/initrd.img" >/dev/null
# Alternating, so that a change of load hits both.
t_tdxh="" t_ossl=""
i=0
while [ "$i" -lt "$rounds" ]; do
        t=$(wall_us "$@")
        if [ -z "$t_tdxh" ] || [ "$t" -lt "$t_tdxh" ]; then t_tdxh=$t; fi
        t=$(wall_us openssl dgst -sha384 "$fw" "$kernel" "$work/initrd.img")
        if [ -z "$t_ossl" ] || [ "$t" -lt "$t_ossl" ]; then t_ossl=$t; fi
        i=$((i + 1))
done
c_ossl=$(cpu_us $rounds openssl dgst -sha384 "$fw" "$kernel" "$work/initrd.img")
c_tdxh=$(cpu_us $rounds "$@")
rss=$(peak_rss_kib "$@")
printf '   golden compute (fake, 256 MiB initrd): %s   openssl dgst -sha384 same files: %s   ratio %s (target <= 1.15; best of %d)\n' \
        "$(fmt_s "$t_tdxh")" "$(fmt_s "$t_ossl")" "$(ratio "$t_tdxh" "$t_ossl")" $rounds
if [ -n "$c_tdxh" ]; then
        printf '   cpu per run: golden compute %s, openssl %s, ratio %s\n' \
                "$(fmt_s "$c_tdxh")" "$(fmt_s "$c_ossl")" "$(ratio "$c_tdxh" "$c_ossl")"
fi
printf '   peak RSS of golden compute: %s KiB (target <= 32768)\n' "$rss"
for size in 16 1024; do
        head -c $((size << 20)) /dev/zero >"$work/big.img"
        r=$(peak_rss_kib "$tdxh" golden compute --profile fake --firmware "$fw" --kernel "$kernel" \
                --initrd "$work/big.img" --memory 2G -o "$work/g2.json")
        printf '   peak RSS with a %s MiB initrd: %s KiB\n' "$size" "$r"
done
