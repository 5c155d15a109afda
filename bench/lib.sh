# Shared helpers for the benchmark scripts (sourced).

_bench_tmp=$(mktemp)
trap 'rm -f "$_bench_tmp"' EXIT

# wall_time CMD...: the wall time of one run in seconds (GNU time).
wall_time() {
        /usr/bin/time -o "$_bench_tmp" -f '%e' "$@" >/dev/null 2>&1
        tail -n1 "$_bench_tmp"
}

# best_of N CMD...: runs CMD N times, prints the best wall time in seconds.
best_of() {
        n=$1
        shift
        best=""
        i=0
        while [ "$i" -lt "$n" ]; do
                t=$(wall_time "$@")
                if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN{exit !(a < b)}'; then
                        best=$t
                fi
                i=$((i + 1))
        done
        echo "$best"
}

# peak_rss_kib CMD...: the peak resident set of one run, in KiB.
peak_rss_kib() {
        /usr/bin/time -o "$_bench_tmp" -f '%M' "$@" >/dev/null 2>&1
        tail -n1 "$_bench_tmp"
}

ratio() {
        awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.2f", a / b; else print "inf" }'
}
