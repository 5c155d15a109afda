#!/bin/sh
# Runs every benchmark (bench/bench_*.sh) against a build directory and prints
# their figures. Benchmarks report; they never fail on a slow machine.
# Usage: bench/run.sh BUILD_DIR
set -eu
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
status=0
for b in "$here"/bench_*.sh; do
        [ -e "$b" ] || continue
        echo "== $(basename "$b" .sh)"
        if ! sh "$b" "$build"; then
                echo "   (benchmark failed to run)"
                status=1
        fi
done
exit $status
