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
rounds=${4:-5}
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
echo "log: $events events ($got parsed), $size bytes, from $log ($n events repeated)"

now_ns() { date +%s%N; }

# Best of $rounds wall-clock runs, in microseconds.
best_us() {
        best=
        r=0
        while [ "$r" -lt "$rounds" ]; do
                t0=$(now_ns)
                "$@" >/dev/null 2>&1 || { echo "bench_eventlog: failed: $*" >&2; exit 3; }
                t1=$(now_ns)
                us=$(((t1 - t0) / 1000))
                if [ -z "$best" ] || [ "$us" -lt "$best" ]; then best=$us; fi
                r=$((r + 1))
        done
        echo "$best"
}

# CPU time (user + system) per run in microseconds, over $rounds runs, from
# GNU time; steadier than wall time on a shared machine. Empty without it.
cpu_us() {
        [ -x /usr/bin/time ] || return 0
        /usr/bin/time -f '%U %S' -o "$work/cpu" sh -c '
                n=$1; shift; i=0
                while [ "$i" -lt "$n" ]; do "$@" >/dev/null 2>&1 || exit 3; i=$((i + 1)); done
        ' sh "$rounds" "$@" || { echo "bench_eventlog: failed: $*" >&2; exit 3; }
        awk -v n="$rounds" '{ printf "%d\n", ($1 + $2) * 1000000 / n }' "$work/cpu"
}

fmt_us() { printf '%d.%03d ms' $(($1 / 1000)) $(($1 % 1000)); }
ratio() { printf '%d.%01d' $(($1 / $2)) $((($1 * 10 / $2) % 10)); }

# KEY LABEL COMMAND...: prints the figures and keeps them as wall_KEY, cpu_KEY.
measure() {
        key=$1
        label=$2
        shift 2
        w=$(best_us "$@")
        c=$(cpu_us "$@")
        printf '%-22s wall %s (best of %d)' "$label" "$(fmt_us "$w")" "$rounds"
        if [ -n "$c" ]; then printf ', cpu %s per run' "$(fmt_us "$c")"; fi
        printf '\n'
        eval "wall_$key=$w cpu_$key=${c:-0}"
}

measure text "tdxh inspect (text)" "$tdxh" inspect "$big" --format tpm
measure json "tdxh inspect --json" "$tdxh" inspect "$big" --format tpm --json
if ! command -v tpm2_eventlog >/dev/null 2>&1; then
        echo "tpm2_eventlog: not installed (Debian tpm2-tools), no comparison"
        exit 0
fi
measure ref "tpm2_eventlog" tpm2_eventlog "$big"
echo "speed-up over tpm2_eventlog, wall: text $(ratio "$wall_ref" "$wall_text")x," \
     "json $(ratio "$wall_ref" "$wall_json")x"
if [ "$cpu_text" -gt 0 ] && [ "$cpu_json" -gt 0 ]; then
        echo "speed-up over tpm2_eventlog, cpu:  text $(ratio "$cpu_ref" "$cpu_text")x," \
             "json $(ratio "$cpu_ref" "$cpu_json")x"
fi
