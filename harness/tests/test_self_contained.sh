#!/bin/sh
# A clone alone builds and tests: no file of the tree (sources, tests,
# benchmarks, fuzz seeds, scripts, docs) refers to a sibling folder of the
# checkout, in particular the shared fixtures folder that the real TDX data
# used to be read from; that data lives in harness/tests/data/real. The
# search itself is checked on a planted file first, so that a broken pattern
# cannot pass.
# Usage: test_self_contained.sh SOURCE_ROOT
set -eu
root=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# The patterns are written so that this file does not match them itself.
pattern='\.\./shared\|shared/fixture[s]'

# Files of the tree: git's tracked and untracked-but-not-ignored files where
# there is git, else everything outside build and output folders.
list_files() {
        if command -v git >/dev/null 2>&1 && git -C "$1" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
                git -C "$1" ls-files -z --cached --others --exclude-standard
        else
                (cd "$1" && find . \( -name .git -o -name 'build' -o -name 'build-*' -o -name out \) \
                        -prune -o -type f -print0 | sed -z 's|^\./||')
        fi
}

offenders() {
        (cd "$1" && list_files . | xargs -0 -r grep -I -l -e "$pattern" -- 2>/dev/null || true)
}

# 1. The search finds a planted reference.
mkdir -p "$tmp/t/scripts"
printf 'f=$here/../../%s/fixtures/x\n' shared >"$tmp/t/scripts/planted.sh"
printf 'nothing here\n' >"$tmp/t/README.md"
[ "$(offenders "$tmp/t")" = "scripts/planted.sh" ] || fail "the search misses a planted reference"

# 2. The tree has none.
found=$(offenders "$root")
if [ -n "$found" ]; then
        echo "$found" | while read -r f; do
                grep -n -e "$pattern" "$root/$f" | sed "s|^|$f:|"
        done
        fail "files above read outside the checkout"
fi
echo "PASS: no file refers outside the checkout"
