# bash completion for syncctl, bgsync's command line: commands, their options, option values, and
# the ids of actions in the outbox (asked of the running daemon; nothing when it does not answer).
# Installed as share/bash-completion/completions/syncctl; needs nothing but bash (bash-completion's
# helpers are not used). tests/docs fails when a command or option of `syncctl --help` is missing.

_syncctl_commands="enqueue status list show cancel retry pause resume watch config reload paths periodic cache wait"
_syncctl_global_options="-h --help --version --socket --json"
# Options followed by a value (so the word after them is not a command or an argument).
_syncctl_value_options="--socket -X --request -H --header -d --data --data-binary --data-raw --tag --app
  --state --limit --since --after --id"
# ... and those of fewer commands (periodic's and cache's subcommands, wait, enqueue --wait).
_syncctl_subcommand_value_options="--every --network --power --timeout -o --output"

# The subcommands of a command that has them ("periodic register", "cache get").
_syncctl_subcommands() {
  case $1 in
    periodic) echo "register list unregister run" ;;
    cache) echo "get" ;;
  esac
}

# The options of a subcommand: $1 the command, $2 the subcommand.
_syncctl_subcommand_options() {
  case "$1 $2" in
    "periodic register")
      echo "-h --help --every --network --power -X --request -H --header -d --data --data-binary --data-raw --app" ;;
    "periodic list" | "periodic unregister") echo "-h --help --app" ;;
    "periodic run") echo "-h --help --app --wait --timeout" ;;
    "cache get") echo "-h --help --app -i --include -o --output" ;;
  esac
}

# The options of one command (without the global ones, which every command accepts too).
_syncctl_command_options() {
  case $1 in
    enqueue) echo "-h --help -X --request -H --header -d --data --data-binary --data-raw --tag --app --wait --timeout --no-spool" ;;
    list) echo "-h --help --tag --state --app --limit --after --all" ;;
    cancel) echo "-h --help --tag" ;;
    watch) echo "-h --help --tag --since --id" ;;
    wait) echo "-h --help --timeout" ;;
    status | show | retry | pause | resume | config | reload | paths | periodic | cache) echo "-h --help" ;;
  esac
}

# Asks the daemon for something: runs PROGRAM SOCKET-ARGS... --json ARGS..., silently, for at
# most 2 seconds, and prints its output (nothing when the daemon is not running).
_syncctl_ask() {
  local program=$1
  shift
  if command -v timeout >/dev/null 2>&1; then
    timeout 2 "$program" "$@" 2>/dev/null
  else
    "$program" "$@" 2>/dev/null
  fi
}

# The ids of the actions in the given states (all actions when none is given), one per line.
_syncctl_ids() {
  local program=$1 socket=$2
  shift 2
  local -a socket_args=()
  [[ -n $socket ]] && socket_args=(--socket "$socket")
  local state json
  for state in "${@:-}"; do
    if [[ -n $state ]]; then
      json=$(_syncctl_ask "$program" "${socket_args[@]}" --json list --all --state "$state")
    else
      json=$(_syncctl_ask "$program" "${socket_args[@]}" --json list --all)
    fi
    # Each action object is {"id":"...", ...}; ids are UUIDs, so this needs no JSON parser.
    grep -o '"id":"[0-9a-fA-F-]*"' <<<"$json" | cut -d'"' -f4
  done
}

# The tags of the periodic registrations of an app (syncctl's by default), one per line.
_syncctl_periodic_tags() {
  local program=$1 socket=$2 app=$3
  local -a socket_args=()
  [[ -n $socket ]] && socket_args=(--socket "$socket")
  _syncctl_ask "$program" "${socket_args[@]}" --json periodic list --app "$app" |
    grep -o '"tag":"[^"\\]*"' | cut -d'"' -f4
}

# The names `syncctl config NAME...` accepts: bgsyncd's long options, from the running daemon, else
# from bgsyncd --help when bgsyncd is installed.
_syncctl_setting_names() {
  local program=$1 socket=$2
  local -a socket_args=()
  [[ -n $socket ]] && socket_args=(--socket "$socket")
  local json
  json=$(_syncctl_ask "$program" "${socket_args[@]}" --json config)
  if [[ -n $json ]]; then
    grep -o '"name":"[a-z0-9-]*"' <<<"$json" | cut -d'"' -f4
  elif command -v bgsyncd >/dev/null 2>&1; then
    bgsyncd --help 2>/dev/null | sed -n 's/^  --\([a-z0-9-]*\) .*/\1/p' | grep -vx -e help -e version -e config
  fi
}

# Sets COMPREPLY to the files and directories starting with $2. With a prefix ("@" for
# --data-binary @FILE) each gets it, and directories end in "/" and take no space after them;
# without one, bash treats them as file names (quoting, "/" after directories).
_syncctl_files() {
  local prefix=$1 cur=$2 name
  COMPREPLY=()
  if [[ -z $prefix ]]; then
    compopt -o filenames 2>/dev/null
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
    return
  fi
  local -a names
  mapfile -t names < <(compgen -f -- "$cur")
  for name in "${names[@]}"; do
    if [[ -d $name ]]; then
      COMPREPLY+=("$prefix$name/")
      compopt -o nospace 2>/dev/null
    else
      COMPREPLY+=("$prefix$name")
    fi
  done
}

_syncctl() {
  local cur=${COMP_WORDS[COMP_CWORD]}
  local prev=${COMP_WORDS[COMP_CWORD - 1]}
  # bash splits "--state=queued" at "=": complete the value of the option before it.
  if [[ $cur == "=" ]]; then
    prev=${COMP_WORDS[COMP_CWORD - 1]}
    cur=""
  elif [[ $prev == "=" && $COMP_CWORD -ge 2 ]]; then
    prev=${COMP_WORDS[COMP_CWORD - 2]}
  fi
  COMPREPLY=()

  # The program as typed, when it is a path (a syncctl in a build tree), else syncctl from PATH.
  local program=${COMP_WORDS[0]}
  [[ $program == */* && -x $program ]] || program=syncctl

  # Find the command (and the subcommand of periodic and cache), the --socket and --app in effect
  # and how many arguments the (sub)command has so far.
  local i word command="" subcommand="" socket="" app=syncctl arguments=0
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=${COMP_WORDS[i]}
    if [[ ${COMP_WORDS[i + 1]} == "=" ]]; then
      [[ $word == --socket ]] && socket=${COMP_WORDS[i + 2]}
      [[ $word == --app ]] && app=${COMP_WORDS[i + 2]}
      ((i += 2))
      continue
    fi
    if [[ " $_syncctl_value_options $_syncctl_subcommand_value_options " == *[[:space:]]"$word"[[:space:]]* ]]; then
      [[ $word == --socket ]] && socket=${COMP_WORDS[i + 1]}
      [[ $word == --app ]] && app=${COMP_WORDS[i + 1]}
      ((i++))
      continue
    fi
    case $word in
      # "--app=reader" as one word, where COMP_WORDBREAKS has no "=".
      --socket=*) socket=${word#--socket=} ;;
      --app=*) app=${word#--app=} ;;
      -*) ;;
      *)
        if [[ -z $command ]]; then
          command=$word
        elif [[ -z $subcommand && -n $(_syncctl_subcommands "$command") ]]; then
          subcommand=$word
        else
          ((arguments++))
        fi
        ;;
    esac
  done

  case $prev in
    --socket)
      _syncctl_files "" "$cur"
      return 0
      ;;
    --state)
      mapfile -t COMPREPLY < <(compgen -W "queued sending sent failed cancelled" -- "$cur")
      return 0
      ;;
    -X | --request)
      mapfile -t COMPREPLY < <(compgen -W "GET POST PUT PATCH DELETE HEAD OPTIONS" -- "$cur")
      return 0
      ;;
    -d | --data | --data-binary)
      # @FILE reads a file, @- standard input; anything else is the data itself.
      if [[ $cur == @* ]]; then
        _syncctl_files "@" "${cur#@}"
        [[ "@-" == "$cur"* ]] && COMPREPLY+=("@-")
      fi
      return 0
      ;;
    --network)
      mapfile -t COMPREPLY < <(compgen -W "any unmetered" -- "$cur")
      return 0
      ;;
    --power)
      mapfile -t COMPREPLY < <(compgen -W "any not_on_battery not_low_battery" -- "$cur")
      return 0
      ;;
    --every | --timeout)
      mapfile -t COMPREPLY < <(compgen -W "30s 1m 5m 15m 30m 1h 6h 12h 1d" -- "$cur")
      return 0
      ;;
    -o | --output)
      _syncctl_files "" "$cur"
      return 0
      ;;
    -H | --header | --data-raw | --tag | --app | --limit | --since | --after)
      return 0
      ;;
    --id)
      [[ $command == watch ]] && mapfile -t COMPREPLY < <(compgen -W "$(_syncctl_ids "$program" "$socket")" -- "$cur")
      return 0
      ;;
  esac

  if [[ -z $command ]]; then
    if [[ $cur == -* ]]; then
      mapfile -t COMPREPLY < <(compgen -W "$_syncctl_global_options" -- "$cur")
    else
      mapfile -t COMPREPLY < <(compgen -W "$_syncctl_commands" -- "$cur")
    fi
    return 0
  fi

  local subcommands
  subcommands=$(_syncctl_subcommands "$command")
  if [[ -n $subcommands && -z $subcommand ]]; then
    if [[ $cur == -* ]]; then
      mapfile -t COMPREPLY < <(compgen -W "$(_syncctl_command_options "$command") --socket --json" -- "$cur")
    else
      mapfile -t COMPREPLY < <(compgen -W "$subcommands" -- "$cur")
    fi
    return 0
  fi

  if [[ $cur == -* ]]; then
    local options
    if [[ -n $subcommand ]]; then
      options=$(_syncctl_subcommand_options "$command" "$subcommand")
    else
      options=$(_syncctl_command_options "$command")
    fi
    mapfile -t COMPREPLY < <(compgen -W "$options --socket --json" -- "$cur")
    return 0
  fi

  local -a candidates=()
  case $command in
    show) ((arguments == 0)) && mapfile -t candidates < <(_syncctl_ids "$program" "$socket") ;;
    cancel) ((arguments == 0)) && mapfile -t candidates < <(_syncctl_ids "$program" "$socket" queued sending) ;;
    retry) ((arguments == 0)) && mapfile -t candidates < <(_syncctl_ids "$program" "$socket" failed cancelled) ;;
    wait) mapfile -t candidates < <(_syncctl_ids "$program" "$socket") ;;
    config) mapfile -t candidates < <(_syncctl_setting_names "$program" "$socket") ;;
    periodic | cache)
      # The TAG of unregister, run and cache get: the registrations of --app (syncctl's by default).
      if [[ $subcommand != register && $subcommand != list ]] && ((arguments == 0)); then
        mapfile -t candidates < <(_syncctl_periodic_tags "$program" "$socket" "$app")
      fi
      ;;
  esac
  if [[ ${#candidates[@]} -gt 0 ]]; then
    mapfile -t COMPREPLY < <(compgen -W "${candidates[*]}" -- "$cur")
  fi
  return 0
}

complete -F _syncctl syncctl
