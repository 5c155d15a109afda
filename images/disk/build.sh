#!/bin/sh
# Builds the tdxh disk images from the minimal image (images/minimal) and the
# pinned Debian boot chain in packages.lock, without root or loop devices:
#   disk.img      GPT, one EFI system partition (FAT32) holding
#                 EFI/BOOT/BOOTX64.EFI = shim, EFI/BOOT/grubx64.efi = GRUB
#                 (Debian's signed monolithic build), EFI/debian/grub.cfg (the
#                 file that build reads: its embedded prefix is /EFI/debian),
#                 /vmlinuz and /initrd.img
#   disk-uki.img  the same layout with EFI/BOOT/BOOTX64.EFI = a unified kernel
#                 image (systemd-stub 252 + .osrel .cmdline .linux .initrd)
# The partition table is written by sfdisk with fixed disk and partition GUIDs,
# the file system by mtools with a fixed volume serial; mtools and objcopy take
# every time stamp from SOURCE_DATE_EPOCH, so two builds give the same bytes.
#
# Usage: images/disk/build.sh [--image DIR] [--out DIR] [--cmdline TEXT]
#   --image DIR     the minimal image: vmlinuz, initrd.img, cmdline (default
#                   out/image, as `make image` builds it)
#   --out DIR       where disk.img and disk-uki.img go (default out)
#   --cmdline TEXT  the kernel command line (default: the image's cmdline)
# Environment: TDXH_CACHE (package cache, default ~/.cache/tdxh),
#   SOURCE_DATE_EPOCH (default below), TMPDIR.
# Exit status: 0 built, 2 bad usage, a missing input or a package that does
# not match its pin, 3 a tool failed.
set -eu

DEFAULT_EPOCH=1735689600 # 2025-01-01T00:00:00Z, as images/minimal/build.sh
DISK_GUID=5444584B-4449-534B-8000-000000000001
ESP_GUID=5444584B-4553-5000-8000-000000000001
ESP_TYPE=C12A7328-F81F-11D2-BA4B-00A0C93EC93B # EFI System Partition (UEFI spec §5.3.3)
FAT_SERIAL=54445848
ESP_START=2048      # sectors: 1 MiB aligned
ESP_SECTORS=131072  # 64 MiB: enough clusters for FAT32
TAIL_SECTORS=2048   # room for the backup GPT

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
image=$src/out/image
out=$src/out
cmdline=""
while [ $# -gt 0 ]; do
        case $1 in
        --image) image=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --cmdline) cmdline=$2; shift 2 ;;
        -h|--help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "build.sh: unknown argument $1" >&2; exit 2 ;;
        esac
done
for f in vmlinuz initrd.img cmdline; do
        [ -f "$image/$f" ] || { echo "build.sh: $image/$f: missing (make image builds it)" >&2; exit 2; }
done
[ -n "$cmdline" ] || cmdline=$(cat "$image/cmdline")
case $cmdline in
*'
'*|*'"'*|*'\'*)
        echo "build.sh: the command line must not hold newlines, quotes or backslashes" >&2
        exit 2 ;;
esac

# mtools reads ~/.mtoolsrc and /etc/mtools.conf: neither may change the result.
export MTOOLSRC=/dev/null MTOOLS_SKIP_CHECK=1 MTOOLS_NO_VFAT=0
# 1. The environment and the pinned packages, verified against the lock file.
work_name=tdxh-disk
. "$src/scripts/image-recipe.sh"
shim=$(pkgdir shim-signed)/usr/lib/shim/shimx64.efi.signed
grub=$(pkgdir grub-efi-amd64-signed)/usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed
stub=$(pkgdir systemd-boot-efi)/usr/lib/systemd/boot/efi/linuxx64.efi.stub

# 2. The files of the two ESPs, all stamped with the epoch.
printf '%s' "$cmdline" >"$work/cmdline"
# linuxefi, not linux: Debian's GRUB 2.06 takes the EFI handover path for
# `linux` only with Secure Boot on, and otherwise the 32-bit boot protocol,
# where the kernel's EFI stub never runs and so never passes the firmware's
# TPM event log on to the kernel. linuxefi always hands over through the stub.
cat >"$work/grub.cfg" <<EOF
linuxefi /vmlinuz $cmdline
initrdefi /initrd.img
boot
EOF

# The UKI: the stub with its sections after the stub's own, each at the next
# 1 MiB boundary (systemd's documented objcopy recipe, linuxx64.efi.stub(7)).
next_vma() { # end of the highest section so far, rounded up to 1 MiB
        m=0
        objdump -h "$1" | {
                while read -r idx name size vma rest; do
                        case $idx in *[!0-9]*|'') continue ;; esac
                        e=$((0x$vma + 0x$size))
                        [ "$e" -gt "$m" ] && m=$e
                done
                printf '0x%x\n' $(((m + 1048575) / 1048576 * 1048576))
        }
}
cp "$stub" "$work/uki.efi"
for sec in osrel:"$here/osrel" cmdline:"$work/cmdline" linux:"$image/vmlinuz" \
        initrd:"$image/initrd.img"; do
        name=${sec%%:*}
        file=${sec#*:}
        vma=$(next_vma "$work/uki.efi")
        objcopy --add-section ".$name=$file" --change-section-vma ".$name=$vma" \
                --set-section-flags ".$name=data,readonly" "$work/uki.efi" "$work/uki.next" ||
                fail "objcopy could not add .$name"
        mv "$work/uki.next" "$work/uki.efi"
done

# objcopy (binutils 2.40) stamps a PE file with the current time and the
# checksum over it, SOURCE_DATE_EPOCH or not: set TimeDateStamp (COFF header
# +4) to the epoch and CheckSum (optional header +64) to 0, which the PE
# format allows and UEFI never checks.
le32() {
        printf "$(printf '\\%03o\\%03o\\%03o\\%03o' $(($1 & 255)) $(($1 >> 8 & 255)) \
                $(($1 >> 16 & 255)) $(($1 >> 24 & 255)))"
}
pe=$(od -An -tu4 -j60 -N4 "$work/uki.efi" | tr -d ' ')
le32 "$epoch" | dd of="$work/uki.efi" bs=1 seek=$((pe + 8)) conv=notrunc status=none
le32 0 | dd of="$work/uki.efi" bs=1 seek=$((pe + 24 + 64)) conv=notrunc status=none

for f in "$work/grub.cfg" "$work/uki.efi"; do
        touch -d "@$epoch" "$f"
done

# make_disk OUT FILE:DEST... : a GPT disk with one ESP holding the files.
make_disk() {
        disk=$1
        shift
        esp=$work/esp.img
        rm -f "$esp" "$disk"
        truncate -s $((ESP_SECTORS * 512)) "$esp"
        mformat -i "$esp" -F -N "$FAT_SERIAL" -v TDXH-ESP ::/ || fail "mformat failed"
        mmd -i "$esp" ::/EFI ::/EFI/BOOT ::/EFI/debian || fail "mmd failed"
        for spec in "$@"; do
                from=${spec%%:*}
                to=${spec#*:}
                # -m: keep the file's time stamp (the epoch; see above).
                mcopy -i "$esp" -m -o "$from" "::$to" || fail "mcopy $to failed"
        done
        truncate -s $(((ESP_START + ESP_SECTORS + TAIL_SECTORS) * 512)) "$disk"
        sfdisk --quiet --no-reread --no-tell-kernel "$disk" >"$work/sfdisk.log" 2>&1 <<EOF ||
label: gpt
label-id: $DISK_GUID
unit: sectors
first-lba: 34
start=$ESP_START, size=$ESP_SECTORS, type=$ESP_TYPE, uuid=$ESP_GUID, name="ESP"
EOF
                { cat "$work/sfdisk.log" >&2; fail "sfdisk failed"; }
        dd if="$esp" of="$disk" bs=512 seek=$ESP_START conv=notrunc status=none ||
                fail "writing the ESP failed"
}

for f in "$shim" "$grub"; do
        cp "$f" "$work/$(basename "$f")"
        touch -d "@$epoch" "$work/$(basename "$f")"
done
cp "$image/vmlinuz" "$work/vmlinuz"
cp "$image/initrd.img" "$work/initrd.img"
touch -d "@$epoch" "$work/vmlinuz" "$work/initrd.img"

stage=$(mktemp -d "$out/.disk.XXXXXX")
trap 'rm -rf "$work" "$stage"' EXIT
make_disk "$stage/disk.img" "$work/shimx64.efi.signed:/EFI/BOOT/BOOTX64.EFI" \
        "$work/grubx64.efi.signed:/EFI/BOOT/grubx64.efi" "$work/grub.cfg:/EFI/debian/grub.cfg" \
        "$work/vmlinuz:/vmlinuz" "$work/initrd.img:/initrd.img"
make_disk "$stage/disk-uki.img" "$work/uki.efi:/EFI/BOOT/BOOTX64.EFI"
for f in disk.img disk-uki.img; do
        chmod 0644 "$stage/$f"
        mv -f "$stage/$f" "$out/$f"
done
echo "$out/disk.img"
echo "$out/disk-uki.img"
