#!/bin/sh
# Builds tdxh in every CMake build type (Debug, Release, RelWithDebInfo,
# MinSizeRel) with gcc and with clang, warnings as errors (TDXH_WERROR=ON):
# each optimisation level finds warnings of its own (-O2's
# -Wmaybe-uninitialized, -Os's -Wnull-dereference). One build after the
# other, so that it never takes more than JOBS cores.
#
# The gcc RelWithDebInfo build is make test's BUILD directory, given as
# TEST_BUILD: it is built whole there (tests included), and here only
# brought up to date. The seven others build what a user installs -- the
# layer libraries, tdxh, tdxh-agent -- not the tests, into OUT/CC-TYPE.
#
# Usage: scripts/check-builds.sh OUT [JOBS] [TEST_BUILD]
# Exit status: 0 all built, 1 one failed (its log is printed), 2 usage.
set -eu
out=${1:?usage: check-builds.sh OUT [JOBS] [TEST_BUILD]}
jobs=${2:-$(nproc)}
test_build=${3:-}
src=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out"
status=0
start=$(date +%s)
for cc in gcc clang; do
        if ! command -v "$cc" >/dev/null 2>&1; then
                echo "check-builds: $cc is not installed (scripts/install-deps.sh)" >&2
                exit 1
        fi
        for type in Debug Release RelWithDebInfo MinSizeRel; do
                t0=$(date +%s)
                if [ "$cc" = gcc ] && [ "$type" = RelWithDebInfo ] && [ -n "$test_build" ] &&
                        [ -f "$test_build/CMakeCache.txt" ]; then
                        dir=$test_build
                        targets=""
                        cmake -S "$src" -B "$dir" -DTDXH_WERROR=ON >"$out/$cc-$type.log" 2>&1 || true
                else
                        dir=$out/$cc-$type
                        targets="--target tdxh tdxh-agent"
                        CC=$cc cmake -S "$src" -B "$dir" -DCMAKE_BUILD_TYPE=$type -DTDXH_WERROR=ON \
                                >"$out/$cc-$type.log" 2>&1 || true
                fi
                # shellcheck disable=SC2086
                if cmake --build "$dir" -j "$jobs" $targets >>"$out/$cc-$type.log" 2>&1; then
                        echo "check-builds: $cc $type: ok ($(($(date +%s) - t0)) s)"
                else
                        echo "check-builds: $cc $type: FAILED ($dir)"
                        grep -E 'warning:|error:' "$out/$cc-$type.log" | head -n 40
                        status=1
                fi
        done
done
if [ $status = 0 ]; then
        echo "check-builds: all 8 builds warning-free in $(($(date +%s) - start)) s"
else
        echo "check-builds: a build failed ($(($(date +%s) - start)) s)"
fi
exit $status
