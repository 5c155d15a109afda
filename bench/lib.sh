# Shared helpers for the benchmark scripts (sourced).

# best_of N CMD...: runs CMD N times, prints the best wall time in seconds.
best_of() {
        n=$1
        shift
        best=""
        i=0
        while [ "$i" -lt "$n" ]; do
                t=$( { /usr/bin/time -f '%e' "$@" >/dev/null 2>/dev/null; } 2>&1 | tail -n1)
                if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
                i=$((i + 1))
        done
        echo "$best"
}

# peak_rss_kib CMD...: the peak resident set of one run, in KiB.
peak_rss_kib() {
        { /usr/bin/time -f '%M' "$@" >/dev/null 2>/dev/null; } 2>&1 | tail -n1
}

ratio() {
        awk "BEGIN{ if ($2 > 0) printf \"%.2f\", $1 / $2; else print \"inf\" }"
}
