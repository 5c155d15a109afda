#!/bin/sh
# Checks every #include of the library, the agent and fakes/ against the
# arrows of harness/src/layers.txt: a file of layer L may include its own
# headers and those of the layers L uses, directly or through another layer;
# the agent may include core/ and evidence/ only (it links tdxh_guest_support).
# Also refuses a table that names an unknown layer, an arrow to a later
# layer (the only way a circle can form), and a folder of harness/src that
# the table does not list. Prints one line per violation, exits 1 on any.
# Usage: check_layers.sh SOURCE_ROOT
set -eu
root=${1:?usage: check_layers.sh SOURCE_ROOT}
table=$root/harness/src/layers.txt
[ -r "$table" ] || { echo "check_layers: $table: cannot read" >&2; exit 2; }

# layer<TAB>folder<TAB>allowed layers (transitive, itself included)
closure=$(awk '
        /^[ \t]*(#|$)/ { next }
        {
                n++; name[n] = $1; pos[$1] = n
                for (i = 2; i <= NF; i++) {
                        if (!($i in pos)) {
                                printf "%s:%d: layer %s uses %s, which is not listed before it\n", FILENAME, FNR, $1, $i
                                bad = 1; continue
                        }
                        dep[$1] = dep[$1] " " $i
                }
        }
        END {
                if (bad) exit 1
                for (k = 1; k <= n; k++) {
                        l = name[k]; split("", seen); todo = l; seen[l] = 1; out = l
                        while (todo != "") {
                                split(todo, q, " "); todo = ""
                                for (j in q) {
                                        m = split(dep[q[j]], d, " ")
                                        for (x = 1; x <= m; x++)
                                                if (!(d[x] in seen)) { seen[d[x]] = 1; out = out " " d[x]; todo = todo " " d[x] }
                                }
                        }
                        dir = (l == "fakes") ? "fakes" : "harness/src/" l
                        printf "%s\t%s\t%s\n", l, dir, out
                }
        }' "$table") || { printf '%s\n' "$closure"; exit 1; }

status=0
layers=$(printf '%s\n' "$closure" | cut -f1 | tr '\n' ' ')
for d in "$root"/harness/src/*/; do
        l=$(basename "$d")
        case " $layers " in
        *" $l "*) ;;
        *) echo "harness/src/$l: a folder that $table does not list"; status=1 ;;
        esac
done

# check_dir DIR ALLOWED: every '#include "X/..."' with X a layer not in ALLOWED.
check_dir() {
        for f in "$root/$1"/*.c "$root/$1"/*.h; do
                [ -e "$f" ] || continue
                awk -v allowed=" $2 " -v layers=" $layers " -v rel="${f#"$root"/}" '
                        /^[ \t]*#[ \t]*include[ \t]*"[a-z_]+\// {
                                s = $0; sub(/^[^"]*"/, "", s); l = s; sub(/\/.*/, "", l)
                                if (index(layers, " " l " ") && !index(allowed, " " l " ")) {
                                        sub(/".*/, "", s)
                                        printf "%s:%d: includes %s: %s may not use %s\n", rel, FNR, s, who, l
                                        bad = 1
                                }
                        }
                        END { exit bad }' who="$3" "$f" || status=1
        done
}

while IFS="$(printf '\t')" read -r l dir allowed; do
        check_dir "$dir" "$allowed" "layer $l"
done <<END
$closure
END
check_dir harness/agent "core evidence" "the agent"
exit $status
