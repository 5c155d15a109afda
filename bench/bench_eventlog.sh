#!/bin/sh
# Event-log benchmark: builds a 10,000-event TPM log from a real one by
# repeating its events (nothing else is changed), then times `tdxh inspect`
# (text and --json: parse, decode, replay, print) beside tpm2_eventlog on the
# same file in the same run. Prints the figures; asserts nothing.
#
# Usage: bench/bench_eventlog.sh BUILD_DIR [LOG] [EVENTS] [ROUNDS]
set -eu

build=${1:?usage: bench_eventlog.sh BUILD_DIR [LOG] [EVENTS] [ROUNDS]}
here=$(cd "$(dirname "$0")/.." && pwd)
log=${2:-$here/harness/tests/data/fake-boot/binary_bios_measurements}
events=${3:-10000}
rounds=${4:-10}
tdxh=$build/harness/tdxh
[ -x "$tdxh" ] || { echo "bench_eventlog: no $tdxh (build first)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

# Event offsets and the end of the log, from tdxh's own JSON.
"$tdxh" inspect "$log" --format tpm --json >"$work/src.json"
sed -n 's/^ *"offset": \([0-9]*\),$/\1/p' "$work/src.json" >"$work/offsets"
log_len=$(sed -n 's/^ *"log_len": \([0-9]*\),$/\1/p' "$work/src.json")
n=$(wc -l <"$work/offsets")
[ "$n" -gt 0 ] || { echo "bench_eventlog: $log has no events" >&2; exit 2; }
first=$(head -n 1 "$work/offsets")

# spec ID header, then the records repeated, then a partial copy
big=$work/big.bin
head -c "$first" "$log" >"$big"
tail -c +"$((first + 1))" "$log" | head -c "$((log_len - first))" >"$work/records"
reps=$((events / n))
rem=$((events % n))
i=0
while [ "$i" -lt "$reps" ]; do
        cat "$work/records"
        i=$((i + 1))
done >>"$big"
if [ "$rem" -gt 0 ]; then
        cut_at=$(sed -n "$((rem + 1))p" "$work/offsets")
        head -c "$((cut_at - first))" "$work/records" >>"$big"
fi
got=$("$tdxh" inspect "$big" --format tpm --json | grep -c '"index":' || true)
size=$(wc -c <"$big")
echo "   log: $events events ($got parsed), $size bytes, from $log ($n events repeated)"

. "$here/bench/lib.sh"
trap 'rm -rf "$work" "$_bench_tmp"' EXIT INT TERM

# Instructions of one run under callgrind: steady on a busy machine, where
# wall and CPU time are not. Empty without valgrind.
instr() {
        command -v valgrind >/dev/null 2>&1 || return 0
        valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
                sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

# KEY LABEL COMMAND...: prints the figures and keeps them as wall_KEY,
# cpu_KEY, instr_KEY.
measure() {
        key=$1
        label=$2
        shift 2
        w=$(best_us "$rounds" "$@")
        c=$(cpu_us "$rounds" "$@")
        n=$(instr "$@")
        printf '   %-22s wall %s (best of %d)' "$label" "$(fmt_ms "$w")" "$rounds"
        if [ -n "$c" ]; then printf ', cpu %s per run' "$(fmt_ms "$c")"; fi
        if [ -n "$n" ]; then printf ', %s instructions' "$n"; fi
        printf '\n'
        eval "wall_$key=$w cpu_$key=${c:-0} instr_$key=${n:-0}"
}

measure text "tdxh inspect (text)" "$tdxh" inspect "$big" --format tpm
measure json "tdxh inspect --json" "$tdxh" inspect "$big" --format tpm --json
if ! command -v tpm2_eventlog >/dev/null 2>&1; then
        echo "   tpm2_eventlog: not installed (Debian tpm2-tools), no comparison"
        exit 0
fi
measure ref "tpm2_eventlog" tpm2_eventlog "$big"
echo "   speed-up over tpm2_eventlog, wall: text $(ratio "$wall_ref" "$wall_text")x," \
     "json $(ratio "$wall_ref" "$wall_json")x (target >= 10x)"
if [ "$cpu_text" -gt 0 ] && [ "$cpu_json" -gt 0 ]; then
        echo "   speed-up over tpm2_eventlog, cpu:  text $(ratio "$cpu_ref" "$cpu_text")x," \
             "json $(ratio "$cpu_ref" "$cpu_json")x"
fi
if [ "$instr_text" -gt 0 ] && [ "$instr_json" -gt 0 ]; then
        echo "   speed-up over tpm2_eventlog, instructions: text $(ratio "$instr_ref" "$instr_text")x," \
             "json $(ratio "$instr_ref" "$instr_json")x"
fi
