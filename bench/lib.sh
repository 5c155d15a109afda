# Shared helpers for the benchmark scripts (sourced; $build, when set, is
# the build directory). Times are integers in microseconds, taken by
# $build/bench/bench_timer (bench_timer.c: fork, exec, wait4; nothing of the
# shell in the figure). Without it: wall time from `date +%s%N` around the
# command (which counts the start of date too, a few ms) and CPU time from
# GNU time (10 ms steps); GNU time's %e alone would be too coarse for
# commands of a few milliseconds.

_bench_tmp=$(mktemp)
_bench_timer=${build:-.}/bench/bench_timer
trap 'rm -f "$_bench_tmp"' EXIT

now_ns() { date +%s%N; }

# wall_us CMD...: the wall time of one run; exit 3 when CMD fails.
wall_us() {
        if [ -x "$_bench_timer" ]; then
                _r=$("$_bench_timer" 1 "$@") || return 3
                echo "${_r%% *}"
                return 0
        fi
        _t0=$(now_ns)
        "$@" >/dev/null 2>&1 || { echo "bench: failed: $*" >&2; return 3; }
        _t1=$(now_ns)
        echo $(((_t1 - _t0) / 1000))
}

# best_us N CMD...: the best wall time of N runs.
best_us() {
        if [ -x "$_bench_timer" ]; then
                _r=$("$_bench_timer" "$@") || return 3
                echo "${_r%% *}"
                return 0
        fi
        _n=$1
        shift
        _best=""
        _i=0
        while [ "$_i" -lt "$_n" ]; do
                _t=$(wall_us "$@") || return 3
                if [ -z "$_best" ] || [ "$_t" -lt "$_best" ]; then _best=$_t; fi
                _i=$((_i + 1))
        done
        echo "$_best"
}

# cpu_us N CMD...: the mean CPU time per run over N runs; empty without
# GNU time.
cpu_us() {
        if [ -x "$_bench_timer" ]; then
                _r=$("$_bench_timer" "$@") || return 3
                echo "${_r#* }"
                return 0
        fi
        [ -x /usr/bin/time ] || return 0
        /usr/bin/time -f '%U %S' -o "$_bench_tmp" sh -c '
                n=$1; shift; i=0
                while [ "$i" -lt "$n" ]; do "$@" >/dev/null 2>&1 || exit 3; i=$((i + 1)); done
        ' sh "$@" || { echo "bench: failed: $*" >&2; return 3; }
        awk -v n="$1" '{ printf "%d\n", ($1 + $2) * 1000000 / n }' "$_bench_tmp" | tail -n 1
}

# peak_rss_kib CMD...: the peak resident set of one run, in KiB.
peak_rss_kib() {
        /usr/bin/time -o "$_bench_tmp" -f '%M' "$@" >/dev/null 2>&1
        tail -n1 "$_bench_tmp"
}

# ratio A B: A / B with two decimals.
ratio() {
        awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.2f", a / b; else print "inf" }'
}

# fmt_ms US / fmt_s US: "12.345 ms" / "0.381 s".
fmt_ms() { awk -v u="$1" 'BEGIN { printf "%.3f ms", u / 1000 }'; }
fmt_s() { awk -v u="$1" 'BEGIN { printf "%.3f s", u / 1000000 }'; }

# boot_bench_setup: for the benchmarks that boot the minimal image. Checks
# $helper (the build's boot_helper) and the boot tools (exits 0 with a
# "skipped" line when one is missing), makes $work (removed on exit) and
# sets $image: BENCH_IMAGE when it is a built image, else one built here.
boot_bench_setup() {
        [ -x "$helper" ] || { echo "   no $helper: configure and build first" >&2; exit 2; }
        for _t in qemu-system-x86_64 swtpm swtpm_setup; do
                command -v "$_t" >/dev/null 2>&1 || { echo "   skipped: $_t is not installed"; exit 0; }
        done
        work=$(mktemp -d)
        trap 'rm -rf "$work" "$_bench_tmp"' EXIT INT TERM
        image=${BENCH_IMAGE:-}
        if [ -z "$image" ] || [ ! -f "$image/vmlinuz" ]; then
                image=$work/image
                "$src/images/minimal/build.sh" --out "$image" >/dev/null
        fi
}

# timed OUT CMD...: runs CMD (its output into OUT) and prints its wall time
# and its user+sys CPU time, children included, in seconds; returns CMD's
# exit status. For commands of seconds (boots), where GNU time's 10 ms
# steps do not matter.
timed() {
        _out=$1
        shift
        _rc=0
        /usr/bin/time -f '%e %U %S' -o "$_bench_tmp" "$@" >"$_out" 2>&1 || _rc=$?
        awk '{ printf "%s %.2f\n", $1, $2 + $3 }' "$_bench_tmp" | tail -n 1
        return $_rc
}

# min A B: the smaller number; B may be empty.
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (b == "" || a + 0 < b + 0) ? a : b }'; }
