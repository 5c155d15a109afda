#!/bin/sh
# Builds the tdxh minimal image from pinned Debian packages only: the Debian
# kernel (EFI-stub bzImage) and an initramfs with static busybox, /init, the
# agent (compiled here from this tree), the shared libraries it needs taken
# from the pinned packages, and the kernel modules /init loads.
# The result is the same bytes on every run and in every directory: files in
# a fixed order, owner 0:0, fixed modes, every time SOURCE_DATE_EPOCH,
# `cpio --reproducible`, `gzip -n`.
#
# Usage: images/minimal/build.sh [--out DIR] [--cmdline TEXT] [--add SRC:DEST]...
#   --out DIR       where vmlinuz, initrd.img, cmdline and manifest.json go
#                   (default out/image)
#   --cmdline TEXT  the kernel command line (default: images/minimal/cmdline)
#   --add SRC:DEST  also put file SRC at DEST (absolute) in the initramfs
# Environment: TDXH_CACHE (package cache, default ~/.cache/tdxh), CC,
#   SOURCE_DATE_EPOCH (default below), TMPDIR.
# Exit status: 0 built, 2 bad usage or a package that does not match its pin,
# 3 a tool failed.
set -eu

DEFAULT_EPOCH=1735689600 # 2025-01-01T00:00:00Z
BUSYBOX_APPLETS="sh mount umount mkdir insmod poweroff reboot sync cat ls echo sleep dmesg"

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
out=$src/out/image
cmdline=$(cat "$here/cmdline")
adds=""
while [ $# -gt 0 ]; do
        case $1 in
        --out) out=$2; shift 2 ;;
        --cmdline) cmdline=$2; shift 2 ;;
        --add) adds="$adds
$2"; shift 2 ;;
        -h|--help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "build.sh: unknown argument $1" >&2; exit 2 ;;
        esac
done
case $cmdline in
*'
'*|*'	'*|*'"'*|*'\'*)
        echo "build.sh: the command line must not hold newlines, tabs, quotes or backslashes" >&2
        exit 2 ;;
esac

# 1. The environment and the pinned packages, verified against the lock file.
work_name=tdxh-image
. "$src/scripts/image-recipe.sh"
kpkg=$(pkgdir linux-image-6.1.0-56-amd64)
kver=$(ls "$kpkg/lib/modules")

# 2. The agent, built with fixed flags whatever build the caller has.
cmake -S "$src" -B "$work/agent" -DCMAKE_BUILD_TYPE=Release -DTDXH_SANITIZE=OFF \
        -DTDXH_FUZZ=OFF -DTDXH_AGENT=ON >"$work/cmake.log" 2>&1 ||
        { cat "$work/cmake.log" >&2; fail "configuring the agent build failed"; }
cmake --build "$work/agent" --target tdxh-agent -j 2 >>"$work/cmake.log" 2>&1 ||
        { cat "$work/cmake.log" >&2; fail "building the agent failed"; }

# 3. The initramfs tree.
root=$work/root
mkdir -p "$root/bin" "$root/sbin" "$root/etc" "$root/dev" "$root/proc" "$root/sys" \
        "$root/tmp" "$root/run" "$root/lib/modules" "$root/lib/x86_64-linux-gnu" "$root/lib64"
install -m 0755 "$here/init" "$root/init"
install -m 0755 "$(pkgdir busybox-static)/bin/busybox" "$root/bin/busybox"
for a in $BUSYBOX_APPLETS; do
        ln -s busybox "$root/bin/$a"
done
strip --strip-all -o "$root/sbin/tdxh-agent" "$work/agent/harness/agent/tdxh-agent"
chmod 0755 "$root/sbin/tdxh-agent"
: >"$root/etc/tdxh-modules"
grep -v '^#' "$here/modules" | while read -r rel; do
        [ -n "$rel" ] || continue
        m=$(basename "$rel" .ko)
        install -m 0644 "$kpkg/lib/modules/$kver/$rel" "$root/lib/modules/$m.ko"
        echo "$m" >>"$root/etc/tdxh-modules"
done

# Shared libraries: every DT_NEEDED, transitively, found in the pinned
# packages only, never on the build machine.
libdirs=""
while read -r name version sha dir; do
        for d in lib/x86_64-linux-gnu usr/lib/x86_64-linux-gnu; do
                [ -d "$dir/$d" ] && libdirs="$libdirs $dir/$d"
        done
done <"$work/packages"
needed() {
        objdump -p "$1" | awk '$1 == "NEEDED" { print $2 }'
}
todo=$(needed "$root/sbin/tdxh-agent")
while [ -n "$todo" ]; do
        next=""
        for so in $todo; do
                [ -e "$root/lib/x86_64-linux-gnu/$so" ] && continue
                found=""
                for d in $libdirs; do
                        if [ -e "$d/$so" ]; then found=$d/$so; break; fi
                done
                [ -n "$found" ] || { echo "build.sh: $so is in no pinned package" >&2; exit 2; }
                install -m 0644 "$found" "$root/lib/x86_64-linux-gnu/$so"
                next="$next $(needed "$found")"
        done
        todo=$next
done
# The program interpreter the agent names.
interp=$(readelf -l "$root/sbin/tdxh-agent" | sed -n 's/.*interpreter: \(.*\)]/\1/p')
[ "$interp" = /lib64/ld-linux-x86-64.so.2 ] || fail "unexpected program interpreter $interp"
install -m 0755 "$(pkgdir libc6)/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" \
        "$root/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
ln -s ../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$root/lib64/ld-linux-x86-64.so.2"

printf '%s\n' "$adds" | while IFS= read -r spec; do
        [ -n "$spec" ] || continue
        from=${spec%%:*}
        to=${spec#*:}
        case $to in /*) ;; *) echo "build.sh: --add $spec: DEST must be absolute" >&2; exit 2 ;; esac
        mkdir -p "$root$(dirname "$to")"
        install -m 0644 "$from" "$root$to"
done

# Normalise: directory modes, then every time stamp.
find "$root" -type d -exec chmod 0755 {} +
chmod 1777 "$root/tmp"
find "$root" -exec touch -h -d "@$epoch" {} +

# 4. The outputs, written beside their final names and renamed at the end.
stage=$(mktemp -d "$out/.build.XXXXXX")
trap 'rm -rf "$work" "$stage"' EXIT
(cd "$root" && find . -mindepth 1 | sed 's|^\./||' | sort |
        cpio -o -H newc --reproducible -R 0:0 --quiet) | gzip -n -9 >"$stage/initrd.img" ||
        fail "packing the initramfs failed"
install -m 0644 "$kpkg/boot/vmlinuz-$kver" "$stage/vmlinuz"
printf '%s' "$cmdline" >"$stage/cmdline"

sha() {
        sha256sum "$1" | cut -d' ' -f1
}
size() {
        wc -c <"$1" | tr -d ' '
}
{
        printf '{\n  "schema": "tdxh-image-manifest/1",\n  "image": "minimal",\n'
        printf '  "source_date_epoch": %s,\n  "cmdline": "%s",\n' "$epoch" "$cmdline"
        printf '  "kernel_release": "%s",\n  "packages": [\n' "$kver"
        sep=""
        while read -r name version sha256 dir; do
                printf '%s    {"name": "%s", "version": "%s", "sha256": "%s"}' \
                        "$sep" "$name" "$version" "$sha256"
                sep=",
"
        done <"$work/packages"
        printf '\n  ],\n  "agent": {"path": "sbin/tdxh-agent", "sha256": "%s", "compiler": "%s"},\n' \
                "$(sha "$root/sbin/tdxh-agent")" "$(${CC:-cc} --version | head -n1 | tr -d '"\\')"
        printf '  "initrd_contents": [\n'
        sep=""
        (cd "$root" && find . -mindepth 1 | sed 's|^\./||' | sort) | while read -r p; do
                if [ -L "$root/$p" ]; then
                        printf '%s    {"path": "%s", "type": "symlink", "target": "%s"}' \
                                "$sep" "$p" "$(readlink "$root/$p")"
                elif [ -d "$root/$p" ]; then
                        printf '%s    {"path": "%s", "type": "dir", "mode": "%s"}' \
                                "$sep" "$p" "$(stat -c %04a "$root/$p")"
                else
                        printf '%s    {"path": "%s", "type": "file", "mode": "%s", "sha256": "%s"}' \
                                "$sep" "$p" "$(stat -c %04a "$root/$p")" "$(sha "$root/$p")"
                fi
                sep=",
"
        done
        printf '\n  ],\n  "outputs": {\n'
        printf '    "kernel": {"file": "vmlinuz", "size": %s, "sha256": "%s"},\n' \
                "$(size "$stage/vmlinuz")" "$(sha "$stage/vmlinuz")"
        printf '    "initrd": {"file": "initrd.img", "size": %s, "sha256": "%s"},\n' \
                "$(size "$stage/initrd.img")" "$(sha "$stage/initrd.img")"
        printf '    "cmdline": {"file": "cmdline", "size": %s, "sha256": "%s"}\n  }\n}\n' \
                "$(size "$stage/cmdline")" "$(sha "$stage/cmdline")"
} >"$stage/manifest.json"

for f in vmlinuz initrd.img cmdline manifest.json; do
        chmod 0644 "$stage/$f"
        mv -f "$stage/$f" "$out/$f"
done
echo "$out"
