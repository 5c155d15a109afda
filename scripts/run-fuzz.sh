#!/bin/sh
# Runs every libFuzzer target built in BUILD_DIR/fuzz for SECONDS each, one
# after the other, and prints each target's executions and final stats.
#
#   scripts/run-fuzz.sh BUILD_DIR SECONDS [TARGET...]
#
# With TARGET names, only those targets run.
#
# Each target starts from a corpus directory BUILD_DIR/fuzz/corpus/TARGET,
# seeded from the fixtures that fuzz/seeds.txt lists for it ("TARGET FIXTURE"
# per line, FIXTURE relative to the fixtures directory). The corpus stays in
# the build directory and grows from run to run; nothing is written into the
# source tree. Crash reproducers land in BUILD_DIR/fuzz/artifacts/TARGET/,
# full logs in BUILD_DIR/fuzz/logs/TARGET.log.
#
# The seeds are the real TDX data of the tree, harness/tests/data/real
# (PROVENANCE.md there), or $TDXH_FIXTURES_DIR when it is set.
#
# Exit status: 0 when no target found anything, 1 when one did, 2 for usage.
set -eu

usage() {
	echo "usage: $0 BUILD_DIR SECONDS [TARGET...]" >&2
	exit 2
}

[ $# -ge 2 ] || usage
build=$1
seconds=$2
shift 2
case $seconds in
'' | *[!0-9]*) usage ;;
esac

src=$(cd "$(dirname "$0")/.." && pwd)
fuzzdir=$build/fuzz
seeds=$src/fuzz/seeds.txt

fixtures=${TDXH_FIXTURES_DIR:-$src/harness/tests/data/real}

targets=$(find "$fuzzdir" -maxdepth 1 -type f -name 'fuzz_*' -perm -u+x 2>/dev/null | sort)
if [ -z "$targets" ]; then
	echo "run-fuzz: no fuzz targets in $fuzzdir (configure with -DTDXH_FUZZ=ON, CC=clang)" >&2
	exit 2
fi

# Copies the seeds of target $1 into corpus directory $2.
seed_corpus() {
	[ -f "$seeds" ] || return 0
	while read -r target fixture rest; do
		case $target in "" | "#"*) continue ;; esac
		[ "$target" = "$1" ] || continue
		if [ -f "$fixtures/$fixture" ]; then
			seed=$2/seed-$(echo "$fixture" | tr '/' '_')
			cp -f "$fixtures/$fixture" "$seed"
			chmod u+w "$seed"
		else
			echo "run-fuzz: $1: seed $fixtures/$fixture is missing" >&2
		fi
	done <"$seeds"
}

# Prints "stat::NAME" from log $1, or "?".
stat_of() {
	v=$(sed -n "s/^stat::$2: *//p" "$1" | tail -n 1)
	echo "${v:-?}"
}

found=0
for bin in $targets; do
	name=$(basename "$bin")
	if [ $# -gt 0 ]; then
		case " $* " in *" $name "*) ;; *) continue ;; esac
	fi
	corpus=$fuzzdir/corpus/$name
	artifacts=$fuzzdir/artifacts/$name
	log=$fuzzdir/logs/$name.log
	mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
	seed_corpus "$name" "$corpus"
	echo "== $name: ${seconds}s, corpus $(find "$corpus" -type f | wc -l) files"
	status=0
	"$bin" -max_total_time="$seconds" -print_final_stats=1 -timeout=25 \
		-artifact_prefix="$artifacts/" "$corpus" >"$log" 2>&1 || status=$?
	echo "   executions $(stat_of "$log" number_of_executed_units)," \
		"$(stat_of "$log" average_exec_per_sec) exec/s," \
		"new units $(stat_of "$log" new_units_added)," \
		"peak RSS $(stat_of "$log" peak_rss_mb) MB," \
		"corpus now $(find "$corpus" -type f | wc -l) files"
	if [ "$status" -ne 0 ]; then
		found=1
		echo "   FOUND a problem (exit $status); see $log" >&2
		grep -m 3 -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | sed 's/^/   /' >&2 || true
		find "$artifacts" -type f | sed 's/^/   artifact: /' >&2
	else
		echo "   nothing found"
	fi
done
exit $found
