#!/bin/sh
# Boots the reference kernel on the fake platform (QEMU q35 under TCG, Debian's
# OVMF.fd, swtpm with SHA-256 and SHA-384 banks) with a tiny busybox initramfs
# that prints the TPM event log and the SHA-384 PCRs to the serial console, and
# saves what it printed. This is the recipe behind harness/tests/data/fake-boot/
# and the figures test_it_fake_boot_log checks.
#
# Usage: scripts/capture-fake-log.sh OUT_DIR [MEMORY]   (MEMORY as for -m, default 1G)
# Writes into OUT_DIR: initrd.img (deterministic: fixed mtimes, owner 0, gzip -n),
# console.log, binary_bios_measurements, pcr-sha384.txt and manifest.txt (inputs,
# their sha256/sha384 and sizes, tool versions and the exact QEMU command line).
set -eu

out=$1
mem=${2:-1G}
cmdline="console=ttyS0 quiet panic=-1"
here=$(cd "$(dirname "$0")" && pwd)
ovmf=/usr/share/ovmf/OVMF.fd
busybox=/bin/busybox
kernel=$("$here/reference-kernel.sh")

mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d /tmp/tdxh-capture.XXXXXX)
swtpm_pid=""
cleanup() {
        if [ -n "$swtpm_pid" ]; then
                kill "$swtpm_pid" 2>/dev/null || true
                wait "$swtpm_pid" 2>/dev/null || true
        fi
        rm -rf "$work"
}
trap cleanup EXIT INT TERM

# The initramfs: busybox and an /init that prints the evidence between markers.
root=$work/root
mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys"
cp "$busybox" "$root/bin/busybox"
cat > "$root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox mount -t devtmpfs devtmpfs /dev
exec >/dev/ttyS0 2>&1
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t securityfs securityfs /sys/kernel/security
echo TDXH-EVENTLOG-BEGIN
/bin/busybox base64 /sys/kernel/security/tpm0/binary_bios_measurements
echo TDXH-EVENTLOG-END
echo TDXH-PCRS-BEGIN
for i in 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do
        echo "$i $(/bin/busybox cat /sys/class/tpm/tpm0/pcr-sha384/$i)"
done
echo TDXH-PCRS-END
/bin/busybox poweroff -f
EOF
chmod 755 "$root/init"
find "$root" -exec touch -h -d @0 {} +
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --reproducible --owner=0:0 --quiet) |
        gzip -n -9 > "$out/initrd.img"

# swtpm in the foreground as our child; absolute state path (see TDX-REFERENCE §12).
mkdir -p "$work/tpm"
swtpm_setup --tpm2 --tpmstate "$work/tpm" --pcr-banks sha256,sha384 --overwrite \
        > "$work/swtpm_setup.log" 2>&1
sock=$work/tpm/swtpm-sock
swtpm socket --tpm2 --tpmstate dir="$work/tpm" --ctrl type=unixio,path="$sock" \
        --log file="$work/tpm/log",level=1 --terminate &
swtpm_pid=$!
i=0
while [ ! -S "$sock" ]; do
        i=$((i + 1))
        if [ "$i" -gt 100 ] || ! kill -0 "$swtpm_pid" 2>/dev/null; then
                echo "capture-fake-log: swtpm did not create $sock" >&2
                exit 3
        fi
        sleep 0.1
done

set -- qemu-system-x86_64 -machine q35 -accel tcg -m "$mem" -bios "$ovmf" \
        -chardev socket,id=chrtpm,path="$sock" -tpmdev emulator,id=tpm0,chardev=chrtpm \
        -device tpm-crb,tpmdev=tpm0 \
        -kernel "$kernel" -initrd "$out/initrd.img" -append "$cmdline" \
        -nodefaults -nographic -monitor none -net none -serial file:"$out/console.log" -no-reboot
timeout 300 "$@"

# Extract the evidence.
tr -d '\r' < "$out/console.log" |
        sed -n '/^TDXH-EVENTLOG-BEGIN$/,/^TDXH-EVENTLOG-END$/p' |
        grep -E '^[A-Za-z0-9+/=]+$' | base64 -d > "$out/binary_bios_measurements"
tr -d '\r' < "$out/console.log" |
        sed -n '/^TDXH-PCRS-BEGIN$/,/^TDXH-PCRS-END$/p' | grep -E '^[0-9]+ ' > "$out/pcr-sha384.txt"

{
        echo "kernel $(basename "$kernel") sha256 $(sha256sum < "$kernel" | cut -d' ' -f1) size $(stat -c %s "$kernel")"
        echo "initrd initrd.img sha256 $(sha256sum < "$out/initrd.img" | cut -d' ' -f1) sha384 $(openssl dgst -sha384 -r < "$out/initrd.img" | cut -d' ' -f1) size $(stat -c %s "$out/initrd.img")"
        echo "firmware $ovmf sha256 $(sha256sum < "$ovmf" | cut -d' ' -f1)"
        echo "busybox $(dpkg-query -W -f='${Version}' busybox-static) sha256 $(sha256sum < "$busybox" | cut -d' ' -f1)"
        echo "qemu $(dpkg-query -W -f='${Version}' qemu-system-x86)"
        echo "ovmf $(dpkg-query -W -f='${Version}' ovmf)"
        echo "swtpm $(dpkg-query -W -f='${Version}' swtpm)"
        echo "memory $mem"
        echo "cmdline $cmdline"
        echo "command qemu-system-x86_64 -machine q35 -accel tcg -m $mem -bios $ovmf" \
                "-chardev socket,id=chrtpm,path=\$STATE/swtpm-sock -tpmdev emulator,id=tpm0,chardev=chrtpm" \
                "-device tpm-crb,tpmdev=tpm0 -kernel $(basename "$kernel") -initrd initrd.img" \
                "-append '$cmdline' -nodefaults -nographic -monitor none -net none" \
                "-serial file:console.log -no-reboot"
        echo "swtpm swtpm_setup --tpm2 --tpmstate \$STATE --pcr-banks sha256,sha384 --overwrite;" \
                "swtpm socket --tpm2 --tpmstate dir=\$STATE --ctrl type=unixio,path=\$STATE/swtpm-sock" \
                "(\$STATE an absolute path)"
} > "$out/manifest.txt"
echo "capture-fake-log: $(stat -c %s "$out/binary_bios_measurements") bytes of event log in $out" >&2
