#!/bin/sh
# The manual pages (man/) say what the commands do: tdxh(1) and one page
# tdxh-COMMAND(1) for every command `tdxh --help` lists, each page's options
# the same set as the command's --help (for golden, its subcommands'
# together), and every page formats without a groff warning.
# Usage: test_man.sh SOURCE_ROOT TDXH
set -eu
root=$1 tdxh=$2
man=$root/man
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
fail() { echo "FAIL: $*"; status=1; }

# Options of --help text on stdin: the option column of lines that start
# with blanks and a dash ("  -o, --output FILE   what it does").
help_options() {
        sed -n 's/^  *\(-[^ ].*\)$/\1/p' | sed 's/   .*//' | tr ',' ' ' | tr ' ' '\n' |
                grep -E '^--?[A-Za-z][-A-Za-z0-9]*$' | grep -vxE -- '-h|--help' | sort -u
}

# Options of a page: the tags of its .TP paragraphs.
man_options() {
        awk 'tag { print; tag = 0 } /^\.TP/ { tag = 1 }' "$1" | sed 's/\\-/-/g' |
                tr ' "' '\n\n' | grep -E '^--?[A-Za-z][-A-Za-z0-9]*$' | grep -vxE -- '-h|--help' |
                sort -u
}

compare() { # NAME HELP_OPTIONS_FILE PAGE
        man_options "$3" >"$tmp/man"
        if ! diff -u "$2" "$tmp/man" >"$tmp/diff"; then
                fail "$1: the options of $(basename "$3") (+) differ from --help (-):"
                sed -n '3,$p' "$tmp/diff"
        fi
}

"$tdxh" --help >"$tmp/top"
commands=$(sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p' "$tmp/top")
[ -n "$commands" ] || fail "tdxh --help lists no commands"

# tdxh(1): the global options, and a line for every command.
[ -f "$man/tdxh.1" ] || fail "man/tdxh.1 is missing"
help_options <"$tmp/top" >"$tmp/help"
[ ! -f "$man/tdxh.1" ] || compare tdxh "$tmp/help" "$man/tdxh.1"

for cmd in $commands; do
        page=$man/tdxh-$cmd.1
        if [ ! -f "$page" ]; then
                fail "tdxh $cmd has no page man/tdxh-$cmd.1"
                continue
        fi
        # groff spells every hyphen of the page's name \- (tdxh\-host\-check).
        ref=$(printf '%s' "$cmd" | sed 's/-/\\\\-/g')
        grep -q "^\.BR tdxh\\\\-$ref (1)" "$man/tdxh.1" || fail "tdxh.1 does not refer to tdxh-$cmd(1)"
        "$tdxh" "$cmd" --help >"$tmp/h-$cmd" || fail "tdxh $cmd --help failed"
        # Subcommands (tdxh golden compute|record|profiles): their options too.
        subs=$(sed -n "s/^\(Usage:\)\{0,1\} *tdxh $cmd \([a-z][a-z-]*\)\( .*\)\{0,1\}$/\2/p" "$tmp/h-$cmd")
        for sub in $subs; do
                "$tdxh" "$cmd" "$sub" --help >>"$tmp/h-$cmd" || fail "tdxh $cmd $sub --help failed"
        done
        help_options <"$tmp/h-$cmd" >"$tmp/help"
        compare "tdxh $cmd" "$tmp/help" "$page"
done

# No page for a command that does not exist.
for page in "$man"/tdxh-*.1; do
        cmd=$(basename "$page" .1 | sed 's/^tdxh-//')
        echo "$commands" | grep -qx "$cmd" || fail "man/$(basename "$page"): tdxh has no command $cmd"
done

# Every page formats cleanly.
if command -v groff >/dev/null 2>&1; then
        for page in "$man"/*.1; do
                out=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
                [ -z "$out" ] || fail "$(basename "$page"): groff: $out"
        done
fi
[ $status = 0 ] && echo "PASS: $(echo "$commands" | wc -l) commands, each with its page and options"
exit $status
