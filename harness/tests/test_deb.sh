#!/bin/sh
# The Debian package as a user gets it: cpack -G DEB builds it from this
# build directory (into a scratch directory), its Depends come from the
# programs' libraries and its Recommends name what boot and run start, and,
# unpacked into a scratch root (dpkg -x), it holds the programs, the man
# pages, the completion and the data directory, and the tdxh in it runs:
# `tdxh version` names the data directory of that root (not this source
# tree), `tdxh golden profiles` lists the profiles. The agent is a package of
# its own, tdxh-agent, for images: the program, its systemd unit (which
# systemd-analyze accepts), udev rule and initramfs-tools scripts.
# Usage: test_deb.sh BUILD_DIR SOURCE_ROOT
set -eu
build=$1 src=$2
for tool in cpack dpkg-deb dpkg-shlibdeps; do
        command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: no $tool (dpkg-dev)"; exit 77; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
fail() { echo "FAIL: $*"; status=1; }

if ! cpack -G DEB --config "$build/CPackConfig.cmake" -B "$tmp/pkg" >"$tmp/cpack.log" 2>&1; then
        cat "$tmp/cpack.log"
        echo "FAIL: cpack -G DEB"
        exit 1
fi
deb=$(ls "$tmp"/pkg/tdxh_*.deb)
echo "package: $(basename "$deb")"

# Dependencies: every library a packaged program needs comes from a package
# that Depends names (the packages that own them on this machine), and what
# boot starts is recommended.
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
for lib in libc6 libssl3 libjson-c; do
        echo "$depends" | grep -q "$lib" || fail "Depends lacks $lib"
done
recommends=$(dpkg-deb -f "$deb" Recommends)
for pkg in qemu-system-x86 ovmf swtpm; do
        echo "$recommends" | grep -q "$pkg" || fail "Recommends lacks $pkg"
done
[ "$(dpkg-deb -f "$deb" Package)" = tdxh ] || fail "the package is not named tdxh"

root=$tmp/root
dpkg -x "$deb" "$root"
root=$(cd "$root" && pwd -P)
if command -v readelf >/dev/null 2>&1; then
        for prog in "$root"/usr/bin/* "$root"/usr/sbin/* "$root"/usr/libexec/tdxh/*; do
                [ -f "$prog" ] || continue
                readelf -d "$prog" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'
        done | sort -u >"$tmp/needed"
        [ -s "$tmp/needed" ] || fail "no program of the package needs a library?"
        while read -r lib; do
                owner=$(dpkg -S "*/$lib" 2>/dev/null | grep -v '^diversion' | head -n 1 | cut -d: -f1)
                [ -n "$owner" ] || continue # not from a package: nothing to depend on
                echo "$depends" | grep -q "\(^\|, \)$owner\( \|,\|$\)" ||
                        fail "$lib comes from $owner, which Depends does not name"
        done <"$tmp/needed"
fi
for f in usr/bin/tdxh usr/share/man/man1/tdxh.1 \
        usr/share/bash-completion/completions/tdxh \
        usr/share/tdxh/images/minimal/golden/fake.json; do
        [ -f "$root/$f" ] || fail "the package has no /$f"
done
for page in "$src"/man/*.1; do
        [ -f "$root/usr/share/man/man1/$(basename "$page")" ] || fail "no man page $(basename "$page")"
done
for s in "$src"/scenarios/*.yaml; do
        [ -e "$s" ] || continue
        [ -f "$root/usr/share/tdxh/scenarios/$(basename "$s")" ] || fail "no scenario $(basename "$s")"
done
if [ -f "$build/fakes/tdxh-fake-qgs" ]; then
        ls "$root"/usr/libexec/tdxh/tdxh-fake-qgs >/dev/null 2>&1 ||
                fail "the build has tdxh-fake-qgs, the package does not"
fi

# The agent's package, when the build has the agent: what an image needs
# and nothing of the harness.
if [ -f "$build/harness/agent/tdxh-agent" ]; then
        agent_deb=$(ls "$tmp"/pkg/tdxh-agent_*.deb 2>/dev/null) || agent_deb=
        if [ -z "$agent_deb" ]; then
                fail "the build has tdxh-agent, cpack made no tdxh-agent package"
        else
                [ "$(dpkg-deb -f "$agent_deb" Package)" = tdxh-agent ] || fail "agent package misnamed"
                dpkg-deb -f "$agent_deb" Depends | grep -q libtss2-esys || fail "tdxh-agent: Depends lacks libtss2-esys"
                aroot=$tmp/agent-root
                dpkg -x "$agent_deb" "$aroot"
                for f in usr/sbin/tdxh-agent usr/lib/systemd/system/tdxh-agent.service \
                        usr/lib/udev/rules.d/60-tdxh-agent.rules usr/share/doc/tdxh-agent/agent.md; do
                        [ -f "$aroot/$f" ] || fail "tdxh-agent has no /$f"
                done
                for f in hooks/tdxh-agent scripts/init-premount/tdxh-agent; do
                        [ -x "$aroot/usr/share/initramfs-tools/$f" ] || fail "tdxh-agent: $f is not executable"
                        sh -n "$aroot/usr/share/initramfs-tools/$f" || fail "tdxh-agent: $f is not valid sh"
                done
                [ -e "$root/usr/sbin/tdxh-agent" ] && fail "the tdxh package carries the agent too"
                grep -q 'ATTR{name}=="org.tdxh.agent.0"' "$aroot/usr/lib/udev/rules.d/60-tdxh-agent.rules" ||
                        fail "the udev rule does not match the agent's port"
                # systemd reads the unit without a complaint (ExecStart given
                # the unpacked program, as systemd would find it installed).
                if command -v systemd-analyze >/dev/null 2>&1; then
                        sed "s|^ExecStart=tdxh-agent |ExecStart=$aroot/usr/sbin/tdxh-agent |" \
                                "$aroot/usr/lib/systemd/system/tdxh-agent.service" >"$tmp/tdxh-agent.service"
                        systemd-analyze verify "$tmp/tdxh-agent.service" >"$tmp/verify" 2>&1 || true
                        grep -v 'sysinit.target' "$tmp/verify" >"$tmp/verify.left" || true
                        if [ -s "$tmp/verify.left" ]; then
                                cat "$tmp/verify.left"
                                fail "systemd-analyze verify complains about tdxh-agent.service"
                        fi
                fi
        fi
fi

# The unpacked tdxh runs, and finds its data directory in that root.
unset TDXH_DATADIR
if "$root/usr/bin/tdxh" version >"$tmp/version" 2>&1; then
        cat "$tmp/version"
        head -n 1 "$tmp/version" | grep -q '^tdxh [0-9]' || fail "tdxh version: no version line"
        grep -qx "data: $root/usr/share/tdxh" "$tmp/version" ||
                fail "tdxh version: the data directory is not $root/usr/share/tdxh"
else
        cat "$tmp/version"
        fail "tdxh version failed"
fi
if "$root/usr/bin/tdxh" golden profiles >"$tmp/profiles" 2>&1; then
        grep -qx fake "$tmp/profiles" || fail "tdxh golden profiles does not list fake"
        grep -q '^tdx-edk2-' "$tmp/profiles" || fail "tdxh golden profiles lists no TDX profile"
else
        cat "$tmp/profiles"
        fail "tdxh golden profiles failed"
fi
[ $status = 0 ] && echo "PASS: the package installs and runs"
exit $status
