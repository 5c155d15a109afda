#!/bin/sh
# The layering holds and is enforced twice: check_layers.sh passes on the
# tree and refuses an upward include, an agent include outside its helpers
# and a table with an arrow back up; and the compiler, given one layer's
# include directories as the build gives them, cannot find a header of a
# layer above it.
# Usage: test_layers.sh SOURCE_ROOT LAYER_INCLUDE_DIR CC
set -eu
root=$1 inc=$2 cc=$3
check=$root/harness/tests/check_layers.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# 1. The tree as it is.
"$check" "$root" >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "the tree breaks its layers"; }

# 2. A copy with an upward include in measure/ and a forbidden one in the agent.
mkdir -p "$tmp/t/harness"
cp -R "$root/harness/src" "$root/harness/agent" "$tmp/t/harness/"
cp -R "$root/fakes" "$tmp/t/"
sed -i '1a #include "report/model.h"' "$tmp/t/harness/src/measure/mrtd.c"
sed -i '1a #include "run/child.h"' "$tmp/t/harness/agent/agent.c"
if "$check" "$tmp/t" >"$tmp/out" 2>&1; then fail "an upward include passed"; fi
grep -qx 'harness/src/measure/mrtd.c:2: includes report/model.h: layer measure may not use report' \
        "$tmp/out" || { cat "$tmp/out"; fail "the upward include is not named"; }
grep -qx 'harness/agent/agent.c:2: includes run/child.h: the agent may not use run' \
        "$tmp/out" || { cat "$tmp/out"; fail "the agent's include is not named"; }

# 3. A table whose arrow runs back up (and so could close a circle).
sed -i 's/^measure .*/measure   core golden/' "$tmp/t/harness/src/layers.txt"
if "$check" "$tmp/t" >"$tmp/out" 2>&1; then fail "an arrow back up passed"; fi
grep -q 'layer measure uses golden, which is not listed before it' "$tmp/out" ||
        { cat "$tmp/out"; fail "the arrow back up is not named"; }

# 4. The compiler: measure/ sees its own headers and core's, not golden's.
printf '#include "measure/mrtd.h"\n' >"$tmp/ok.c"
"$cc" -fsyntax-only -D_GNU_SOURCE -I"$inc/measure" -I"$inc/core" "$tmp/ok.c" ||
        fail "measure/mrtd.h does not compile with measure's include directories"
printf '#include "golden/golden.h"\n' >"$tmp/up.c"
if "$cc" -fsyntax-only -D_GNU_SOURCE -I"$inc/measure" -I"$inc/core" "$tmp/up.c" \
        >"$tmp/out" 2>&1; then
        fail "measure's include directories reach golden/"
fi
grep -q 'golden/golden.h: No such file' "$tmp/out" || { cat "$tmp/out"; fail "unexpected compiler error"; }
echo "layers: 4 checks passed"
