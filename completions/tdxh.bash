# bash completion for tdxh. The commands and each command's options are read
# from tdxh's own --help when completing, so this file never falls out of
# step with the program. Installed as
# share/bash-completion/completions/tdxh (cmake/Install.cmake).

_tdxh_help_options()
{
        # the option column of "  -o, --output FILE   text" lines
        "$@" --help 2>/dev/null | sed -n 's/^  *\(-[^ ].*\)$/\1/p' | sed 's/   .*//' |
                tr ', ' '\n\n' | grep -E '^--?[A-Za-z][-A-Za-z0-9]*$'
}

_tdxh()
{
        local cur prev words cword
        _init_completion || return

        local tdxh=${words[0]} i cmd="" sub=""
        for ((i = 1; i < cword; i++)); do
                case ${words[i]} in
                -*) ;;
                *)
                        if [[ -z $cmd ]]; then
                                cmd=${words[i]}
                        elif [[ ($cmd == golden || $cmd == report) && -z $sub ]]; then
                                sub=${words[i]}
                        fi
                        ;;
                esac
        done

        if [[ -z $cmd ]]; then
                if [[ $cur == -* ]]; then
                        COMPREPLY=($(compgen -W "$(_tdxh_help_options "$tdxh")" -- "$cur"))
                else
                        local cmds
                        cmds=$("$tdxh" --help 2>/dev/null |
                                sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p')
                        COMPREPLY=($(compgen -W "$cmds" -- "$cur"))
                fi
                return
        fi
        if [[ $cmd == golden && -z $sub ]]; then
                COMPREPLY=($(compgen -W "compute record search profiles publish verify-published" -- "$cur"))
                return
        fi
        if [[ $cmd == report && -z $sub ]]; then
                COMPREPLY=($(compgen -W "merge compare" -- "$cur"))
                return
        fi

        case $prev in
        --format | -f)
                COMPREPLY=($(compgen -W "ccel tpm json" -- "$cur"))
                return
                ;;
        --page-add)
                COMPREPLY=($(compgen -W "per-page two-pass" -- "$cur"))
                return
                ;;
        --backend)
                COMPREPLY=($(compgen -W "fake qemu-tdx libvirt" -- "$cur"))
                return
                ;;
        --platform)
                COMPREPLY=($(compgen -W "tdx fake" -- "$cur"))
                return
                ;;
        --profile)
                # the names: the lines of `tdxh golden profiles` that are not indented
                COMPREPLY=($(compgen -W "$("$tdxh" golden profiles 2>/dev/null | grep -v '^ ')" -- "$cur"))
                return
                ;;
        --image | --out | --report-dir | --acpi-dir | --acpi-dump)
                _filedir -d
                return
                ;;
        --memory | --vcpus | --timeout | --jobs | --shard | --retries | --cmdline | --report-data | \
                --rtmrs | --at | --accept-tcb | --mrconfigid | --mrowner | --mrownerconfig | --connect)
                return
                ;;
        esac

        if [[ $cur == -* ]]; then
                COMPREPLY=($(compgen -W "$(_tdxh_help_options "$tdxh" $cmd $sub)" -- "$cur"))
        else
                _filedir
        fi
}
complete -F _tdxh tdxh
