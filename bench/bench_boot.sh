#!/bin/sh
# `tdxh boot` beside a bare boot of the same image, in the same run: the bare
# boot replays the exact swtpm_setup, swtpm and QEMU command lines tdxh
# recorded in RUN/facts.json (fresh swtpm state, the same fw_cfg files), and
# powers the guest off through its agent (hello, then poweroff) with a
# minimal client, bench/boot_helper.c, as tdxh does at the end of its run.
# Wall time: the command's start to its end for tdxh; swtpm_setup's start to
# QEMU's and swtpm's exit for the bare boot. The rounds alternate (tdxh,
# bare, tdxh, bare ...) so that a load change hits both; best of each.
# Target: tdxh / bare <= 1.10. Also prints where tdxh's own time went.
#
# Usage: bench/bench_boot.sh BUILD_DIR
# Environment: BENCH_IMAGE (a built images/minimal; default: built here into
#   a temporary directory), BENCH_BOOT_ROUNDS (default 5).
set -eu

# Internal mode: one bare boot from RUN's recorded command lines.
# bench_boot.sh --replay HELPER RUN DIR, prints "setup_ms N" (swtpm_setup),
# "start_ms N" (swtpm_setup's start to QEMU's), then from QEMU's start
# "hello_ms N" and "exited_ms N".
if [ "${1:-}" = "--replay" ]; then
        helper=$2 run=$3 dir=$4
        facts=$run/facts.json
        qemu_pid="" swtpm_pid=""
        trap '[ -z "$qemu_pid$swtpm_pid" ] || kill -KILL $qemu_pid $swtpm_pid 2>/dev/null || :' EXIT
        for k in swtpm_setup swtpm qemu; do
                "$helper" get "$facts" "host.argv.$k" >"$dir/$k.recorded"
        done
        # tdxh's private runtime directory (sockets, TPM state) is gone:
        # the replay gets its own; console and swtpm logs go beside it.
        old_rt=$(sed -n 's|^type=unixio,path=\(.*\)/[^/]*$|\1|p' "$dir/swtpm.recorded")
        [ -n "$old_rt" ] || { echo "bench_boot: no swtpm --ctrl path in $facts" >&2; exit 2; }
        # A scenario keeps its TPM state elsewhere (the same across its
        # boots): that directory is replaced too.
        old_state=$(awk 'p { print; exit } $0 == "--tpmstate" { p = 1 }' "$dir/swtpm_setup.recorded")
        mkdir -p "$dir/rt"
        for k in swtpm_setup swtpm qemu; do
                awk -v a="$old_rt" -v b="$dir/rt" -v c="$run/console.log" -v d="$dir/console.log" \
                        -v e="$run/swtpm.log" -v f="$dir/swtpm.log" -v g="$old_state" \
                        -v h="$dir/tpm-state" '
                        function sub_all(s, from, to,   i, out) {
                                if (from == "")
                                        return s
                                out = ""
                                while ((i = index(s, from)) > 0) {
                                        out = out substr(s, 1, i - 1) to
                                        s = substr(s, i + length(from))
                                }
                                return out s
                        }
                        { print sub_all(sub_all(sub_all(sub_all($0, g, h), a, b), c, d), e, f) }' \
                        "$dir/$k.recorded" >"$dir/$k.argv"
        done
        # The per-run CA that signed a scenario's EK certificate went with
        # tdxh's runtime directory: the bare boot's TPM gets no EK
        # certificate (swtpm_setup is about 60 ms quicker without one).
        awk 'skip { skip = 0; next }
             $0 == "--config" || $0 == "--write-ek-cert-files" { skip = 1; next }
             $0 != "--create-ek-cert"' "$dir/swtpm_setup.argv" >"$dir/swtpm_setup.tmp"
        mv "$dir/swtpm_setup.tmp" "$dir/swtpm_setup.argv"
        ctrl=$(sed -n 's|^type=unixio,path=||p' "$dir/swtpm.argv")
        agent=$(sed -n 's|^socket,id=agent,path=\([^,]*\),.*|\1|p' "$dir/qemu.argv")
        [ -n "$agent" ] || { echo "bench_boot: no agent chardev in $facts" >&2; exit 2; }

        # ARGV_FILE: runs the command line of the file, one argument a line.
        run_argv() {
                f=$1
                set --
                while IFS= read -r a; do set -- "$@" "$a"; done <"$f"
                exec "$@"
        }
        # A fresh TPM state directory, as tdxh makes one for every run.
        state=$(awk 'p { print; exit } $0 == "--tpmstate" { p = 1 }' "$dir/swtpm_setup.argv")
        mkdir -m 0700 "$state"
        t0=$(date +%s%N)
        (run_argv "$dir/swtpm_setup.argv") >"$dir/swtpm.out" 2>&1 ||
                { cat "$dir/swtpm.out" >&2; exit 3; }
        echo "setup_ms $((($(date +%s%N) - t0) / 1000000))"
        run_argv "$dir/swtpm.argv" >>"$dir/swtpm.out" 2>&1 &
        swtpm_pid=$!
        i=0
        while [ ! -S "$ctrl" ]; do
                kill -0 "$swtpm_pid" 2>/dev/null || { cat "$dir/swtpm.out" >&2; exit 3; }
                [ "$i" -lt 1000 ] || { echo "bench_boot: no swtpm socket" >&2; exit 3; }
                sleep 0.01
                i=$((i + 1))
        done
        echo "start_ms $((($(date +%s%N) - t0) / 1000000))"
        run_argv "$dir/qemu.argv" >"$dir/qemu.log" 2>&1 &
        qemu_pid=$!
        "$helper" poweroff "$agent" 300 "$qemu_pid" "$swtpm_pid"
        wait "$qemu_pid" || { echo "bench_boot: QEMU failed, see $dir/qemu.log" >&2; exit 3; }
        wait "$swtpm_pid" || :
        qemu_pid="" swtpm_pid=""
        exit 0
fi

build=$(cd "${1:?usage: bench_boot.sh BUILD_DIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
. "$here/lib.sh"
tdxh=$build/harness/tdxh
helper=$build/bench/boot_helper
rounds=${BENCH_BOOT_ROUNDS:-5}
boot_bench_setup
"$src/images/minimal/golden.sh" "$image" "$tdxh" "$work/golden"

best_t="" best_b="" cpu_t="" cpu_b="" best_run="" best_bare=""
i=1
while [ "$i" -le "$rounds" ]; do
        run=$work/run$i
        t=$(timed "$work/tdxh$i.out" "$tdxh" --quiet boot --image "$image" \
                --golden "$work/golden/fake.json" --out "$run") || {
                echo "   tdxh boot failed (round $i):"; sed 's/^/     /' "$work/tdxh$i.out"; exit 1; }
        set -- $t
        [ "$(min "$1" "$best_t")" = "$1" ] && best_run=$run
        best_t=$(min "$1" "$best_t") cpu_t=$(min "$2" "$cpu_t")
        mkdir "$work/bare$i"
        t=$(timed "$work/bare$i.out" sh "$0" --replay "$helper" "$run" "$work/bare$i") || {
                echo "   bare boot failed (round $i):"; sed 's/^/     /' "$work/bare$i.out"; exit 1; }
        set -- $t
        [ "$(min "$1" "$best_b")" = "$1" ] && best_bare=$work/bare$i.out
        best_b=$(min "$1" "$best_b") cpu_b=$(min "$2" "$cpu_b")
        i=$((i + 1))
done

printf '   tdxh boot --image (minimal image, fake platform, TCG): %ss wall, %ss cpu (best of %d)\n' \
        "$best_t" "$cpu_t" "$rounds"
printf '   bare swtpm_setup + swtpm + QEMU, same argv, hello + poweroff: %ss wall, %ss cpu (best of %d)\n' \
        "$best_b" "$cpu_b" "$rounds"
printf '   ratio %s wall, %s cpu (target <= 1.10)\n' "$(ratio "$best_t" "$best_b")" "$(ratio "$cpu_t" "$cpu_b")"
# The best runs' own accounts: tdxh's facts.json (steps one after the other,
# except those named *_while_booting, inside boot_to_hello; "rest" is the
# wall time they leave out: process start, writing facts.json) and the
# replay's timestamps.
"$helper" get "$best_run/facts.json" harness_timings_ms >"$work/h"
"$helper" get "$best_run/facts.json" boot.timings_ms >"$work/b"
awk -v wall="$best_t" -v bare="$best_b" '
        FNR == 1 { file++ }
        file == 1 { h[$1] = $2; order[++n] = $1; if ($1 !~ /while_booting/) sum += $2 }
        file == 2 { b[$1] = $2 }
        file == 3 { r[$1] = $2 }
        END {
                printf "   bare boot (ms): swtpm_setup %d, swtpm start %d, QEMU start to hello %d, to exit %d\n",
                        r["setup_ms"], r["start_ms"] - r["setup_ms"], r["hello_ms"], r["exited_ms"]
                printf "   tdxh, where the time went (ms):"
                for (i = 1; i <= n; i++) printf " %s %d,", order[i], h[order[i]]
                printf " rest %d\n", wall * 1000 - sum
                printf "     boot_to_hello: host facts %d, swtpm_setup %d, swtpm ready %d, QEMU ready %d, QEMU start to hello %d\n",
                        b["facts"], b["swtpm_setup"], b["swtpm_ready"], b["qemu_ready"], b["agent_ready"]
                printf "     stop: poweroff %d of %d\n", b["poweroff"], b["stop"]
                # What each side spends outside the guest (QEMU start to
                # hello, and the poweroff): the guest under TCG varies by a
                # second from boot to boot on a shared machine.
                own_t = wall * 1000 - b["agent_ready"] - b["poweroff"]
                own_b = bare * 1000 - r["exited_ms"]
                printf "   outside the guest (ms): tdxh %d, bare %d; ratio with the bare run'"'"'s guest time for both: %.2f\n",
                        own_t, own_b, (r["exited_ms"] + own_t) / (r["exited_ms"] + own_b)
        }' "$work/h" "$work/b" "$best_bare"
