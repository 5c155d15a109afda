#!/bin/sh
# `tdxh run scenarios/measure-extend-quote-seal.yaml` beside a bare boot of
# the same image, in the same run: the bare boot replays the swtpm_setup,
# swtpm and QEMU command lines the scenario's boot recorded
# (RUN/NAME/boot-1/facts.json) through bench_boot.sh --replay, and powers the
# guest off after its agent's hello. The scenario does one boot's worth of
# guest work (boot, measure, two extends, a quote through the vTPM and the
# fake quote service, a seal and an unseal through the key broker); the
# ratio is what the harness costs on top. Rounds alternate (tdxh, bare, ...);
# best of each. Target: tdxh / bare <= 1.10.
# Then scenarios per minute: the scenario four times at --jobs 1 and at
# --jobs 2 (one round each).
#
# Usage: bench/bench_run.sh BUILD_DIR
# Environment: BENCH_IMAGE (a built images/minimal; default: built here),
#   BENCH_RUN_ROUNDS (default 3).
set -eu
build=$(cd "${1:?usage: bench_run.sh BUILD_DIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
. "$here/lib.sh"
tdxh=$build/harness/tdxh
helper=$build/bench/boot_helper
rounds=${BENCH_RUN_ROUNDS:-3}
scenario=$src/scenarios/measure-extend-quote-seal.yaml
name=measure-extend-quote-seal
boot_bench_setup
if [ ! -f "$image/golden/fake.json" ]; then
        cp -R "$image" "$work/image-g"
        image=$work/image-g
        "$src/images/minimal/golden.sh" "$image" "$tdxh" "$image/golden" >/dev/null
fi

best_t="" best_b="" cpu_t="" cpu_b=""
i=1
while [ "$i" -le "$rounds" ]; do
        out=$work/run$i
        t=$(timed "$work/tdxh$i.out" "$tdxh" --quiet run "$scenario" --image "$image" --out "$out") || {
                echo "   tdxh run failed (round $i):"; sed 's/^/     /' "$work/tdxh$i.out"; exit 1; }
        set -- $t
        best_t=$(min "$1" "$best_t") cpu_t=$(min "$2" "$cpu_t")
        mkdir "$work/bare$i"
        t=$(timed "$work/bare$i.out" sh "$here/bench_boot.sh" --replay "$helper" "$out/$name/boot-1" \
                "$work/bare$i") || {
                echo "   bare boot failed (round $i):"; sed 's/^/     /' "$work/bare$i.out"; exit 1; }
        set -- $t
        best_b=$(min "$1" "$best_b") cpu_b=$(min "$2" "$cpu_b")
        i=$((i + 1))
done
printf '   tdxh run %s (fake platform, TCG): %ss wall, %ss cpu (best of %d)\n' "$name" "$best_t" \
        "$cpu_t" "$rounds"
printf '   bare swtpm_setup + swtpm + QEMU, same argv, hello + poweroff: %ss wall, %ss cpu (best of %d)\n' \
        "$best_b" "$cpu_b" "$rounds"
printf '   ratio %s wall, %s cpu (target <= 1.10)\n' "$(ratio "$best_t" "$best_b")" "$(ratio "$cpu_t" "$cpu_b")"

for jobs in 1 2; do
        t=$(timed "$work/jobs$jobs.out" "$tdxh" --quiet run "$scenario" "$scenario" "$scenario" "$scenario" \
                --jobs "$jobs" --image "$image" --out "$work/jobs$jobs") || {
                echo "   tdxh run --jobs $jobs failed:"; sed 's/^/     /' "$work/jobs$jobs.out"; exit 1; }
        set -- $t
        printf '   4 scenarios at --jobs %d: %ss wall, %.2f scenarios per minute\n' "$jobs" "$1" \
                "$(awk -v s="$1" 'BEGIN { print 4 * 60 / s }')"
done
