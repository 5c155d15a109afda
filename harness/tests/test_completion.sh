#!/bin/sh
# The bash completion (completions/tdxh.bash) completes commands, golden's
# subcommands, each command's options (read from its --help) and the values
# of --profile and --format. bash-completion's helpers are stubbed: what is
# tested is this file's logic against the real tdxh.
# Usage: test_completion.sh SOURCE_ROOT TDXH
set -eu
root=$1 tdxh=$2
command -v bash >/dev/null 2>&1 || { echo "SKIP: no bash"; exit 77; }
exec bash -s "$root/completions/tdxh.bash" "$tdxh" <<'BASH'
set -u
source "$1"
tdxh=$2
status=0
_init_completion() {
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
        cur=${words[cword]}
        prev=${words[cword - 1]:-}
}
_filedir() { COMPREPLY=(FILE); }

# complete LINE... : the words of a command line, the last one being completed
complete_words() {
        COMP_WORDS=("$tdxh" "$@")
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        COMPREPLY=()
        _tdxh
        printf '%s\n' "${COMPREPLY[@]}"
}
expect() { # WANTED-WORD -- LINE...
        local want=$1
        shift 2
        if ! complete_words "$@" | grep -qx -- "$want"; then
                echo "FAIL: 'tdxh $*' does not offer $want: $(complete_words "$@" | tr '\n' ' ')"
                status=1
        fi
}
expect_not() {
        local unwanted=$1
        shift 2
        if complete_words "$@" | grep -qx -- "$unwanted"; then
                echo "FAIL: 'tdxh $*' offers $unwanted"
                status=1
        fi
}

expect boot -- ""
expect golden -- ""
expect version -- "ver"
expect_not boot -- "ver"
expect --verbose -- "--"
expect compute -- golden ""
expect profiles -- golden "pro"
expect --profile -- golden compute "--pro"
expect --page-add -- golden compute "--"
expect --output -- golden record "--"
expect search -- golden "se"
expect verify-published -- golden "ver"
expect --golden -- golden search "--g"
expect --jobs -- golden search "--"
expect --json -- inspect "--"
expect --ccel-table -- inspect "--"
expect --report-data -- verify "--"
expect --connect -- run "--con"
expect --alternative -- explain "--"
expect_not --alternative -- diff "--"
expect fake -- golden compute --profile ""
expect tdx-edk2-202411-qemu-10.1 -- golden compute --profile "tdx-edk2-2024"
expect_not measures: -- golden compute --profile ""
expect tpm -- inspect --format ""
expect FILE -- inspect ""
[ $status = 0 ] && echo "PASS: commands, options and values complete"
exit $status
BASH
