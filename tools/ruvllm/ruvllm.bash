# bash completion for ruvllm, installed as share/bash-completion/completions/ruvllm.
# It asks the program being completed: the verbs from `ruvllm --help`, a verb's flags and the
# choices of a flag ("--labels TEXT:{categories,agents}") from `ruvllm VERB --help` (CLI11's
# layout), so it never falls behind the binary. Everything else completes as a file name.

# The verbs and their aliases listed under "Subcommands:" in `"$1" --help`.
_ruvllm_verbs() {
    "$1" --help 2>/dev/null | awk '
        /^Subcommands:/ { s = 1; next }
        s && /^  [a-z]/ { alias = ($1 ~ /,$/); sub(/,$/, "", $1); print $1; if (alias) print $2 }'
}

# One line per flag of `"$@" --help`: "NAME TAKES_VALUE CHOICE...", TAKES_VALUE 1 or 0.
_ruvllm_flags() {
    "$@" --help 2>/dev/null | awk '
        /^  -/ {
            value = ($2 ~ /^[A-Z]/) ? 1 : 0
            choices = ""
            if (match($2, /:[{][^}]*[}]/)) {
                choices = substr($2, RSTART + 2, RLENGTH - 3)
                gsub(/,/, " ", choices)
            }
            n = split($1, names, ",")
            for (k = 1; k <= n; k++) print names[k], value, choices
        }'
}

_ruvllm() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    local bin=${COMP_WORDS[0]} verb='' i
    [[ $bin == \~/* ]] && bin=$HOME/${bin:2}  # "~/.local/bin/ruvllm" as typed
    COMPREPLY=()
    # The verb: the first word after the program that is not a flag (the program's own flags,
    # --help and --version, take no value).
    for ((i = 1; i < COMP_CWORD; i++)); do
        if [[ ${COMP_WORDS[i]} != -* ]]; then
            verb=${COMP_WORDS[i]}
            break
        fi
    done
    local -a cmd=("$bin")
    if [[ -z $verb ]]; then
        if [[ $cur != -* ]]; then
            mapfile -t COMPREPLY < <(compgen -W "$(_ruvllm_verbs "$bin")" -- "$cur")
            return
        fi
    else
        cmd+=("$verb")
    fi
    local flags
    flags=$(_ruvllm_flags "${cmd[@]}")
    if [[ $prev == -* ]]; then
        local name value choices
        while read -r name value choices; do
            [[ $name == "$prev" && $value == 1 ]] || continue
            # A value: one of its choices, else a file name (complete -o default).
            [[ -n $choices ]] && mapfile -t COMPREPLY < <(compgen -W "$choices" -- "$cur")
            return
        done <<<"$flags"
    fi
    if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$(cut -d' ' -f1 <<<"$flags")" -- "$cur")
    fi
}

complete -o default -F _ruvllm ruvllm
