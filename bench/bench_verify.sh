#!/bin/sh
# Quote verification time on the three real quotes of harness/tests/data/real
# (v4 from Google COS, v5 sample, dstack's v4 in JSON): `tdxh verify --quote`
# per command (best of N wall, mean CPU), and, in process, the time of one
# quote_parse() + verify_quote() against a context built once
# (bench/verify_loop.c, 1000 rounds): the quote signature, the QE report
# binding and signature, the PCK chain to the pinned Intel root. Certificate
# validity is checked at 2026-06-01, as the tests do. Figures only.
#
# Usage: bench/bench_verify.sh BUILD_DIR [FIXTURES_DIR]
set -eu
build=$(cd "${1:?usage: bench_verify.sh BUILD_DIR [FIXTURES_DIR]}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
fixtures=${2:-$here/../harness/tests/data/real}
tdxh=$build/harness/tdxh
loop=$build/bench/verify_loop
rounds=10
at=2026-06-01T00:00:00Z
at_s=1780272000
if [ ! -d "$fixtures" ]; then
        echo "   skipped: no fixtures at $fixtures"
        exit 0
fi
for q in go-tdx-guest/ccel/cos-113-tdx-quote.dat go-tdx-guest/quote_v5_sample.dat \
        dstack/tdx-lite-getquote.json; do
        f=$fixtures/$q
        "$tdxh" verify --quote "$f" --at "$at" >/dev/null || {
                echo "   $q: does not verify"; exit 1; }
        w=$(best_us $rounds "$tdxh" verify --quote "$f" --at "$at")
        c=$(cpu_us $rounds "$tdxh" verify --quote "$f" --at "$at")
        printf '   %-40s tdxh verify: wall %s (best of %d)' "$q" "$(fmt_ms "$w")" $rounds
        [ -z "$c" ] || printf ', cpu %s' "$(fmt_ms "$c")"
        if [ -x "$loop" ]; then
                set -- $("$loop" "$f" "$at_s" 1000)
                printf '; in process: %s us cpu, %s us wall per verification' "$1" "$2"
        fi
        printf '\n'
done
