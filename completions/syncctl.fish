# fish completion for syncctl, bgsync's command line: commands, options and their values, and the
# ids of actions in the outbox (asked of the running daemon; nothing when it does not answer).
# Installed as share/fish/vendor_completions.d/syncctl.fish. tests/docs checks that it names every
# command and option of `syncctl --help`.

set -l commands enqueue status list show cancel retry pause resume watch config reload paths periodic cache wait

# Ids of the actions in the given states (all actions without one), from `syncctl list --json`.
function __syncctl_ids
    set -l states $argv
    test (count $states) -eq 0; and set states all
    for state in $states
        set -l filter
        test $state != all; and set filter --state $state
        syncctl --json list --all $filter 2>/dev/null | string match -r -a -g '"id":"([0-9a-fA-F-]+)"'
    end
end

# Tags of the periodic registrations of the --app on the command line (syncctl's by default).
function __syncctl_periodic_tags
    set -l app syncctl
    set -l words (commandline -opc)
    for i in (seq (count $words))
        if test "$words[$i]" = --app; and test $i -lt (count $words)
            set app $words[(math $i + 1)]
        else if string match -q -- '--app=*' $words[$i]
            set app (string replace -- '--app=' '' $words[$i])
        end
    end
    syncctl --json periodic list --app $app 2>/dev/null | string match -r -a -g '"tag":"([^"\\]*)"'
end

# True when the command line has `syncctl COMMAND SUBCOMMAND` (e.g. periodic register).
function __syncctl_using
    set -l words (commandline -opc)
    contains -- $argv[1] $words; and contains -- $argv[2] $words
end

# Setting names for `syncctl config NAME...`, from the running daemon.
function __syncctl_settings
    syncctl --json config 2>/dev/null | string match -r -a -g '"name":"([a-z0-9-]+)"'
end

complete -c syncctl -f
complete -c syncctl -s h -l help -d 'Show help and exit'
complete -c syncctl -n "not __fish_seen_subcommand_from $commands" -l version -d "Print syncctl's version and exit"
complete -c syncctl -l socket -r -F -d "The daemon's Unix socket"
complete -c syncctl -l json -d 'Print one JSON document instead of text'

complete -c syncctl -n "not __fish_seen_subcommand_from $commands" -a enqueue -d 'Store an HTTP request for bgsyncd to send'
complete -c syncctl -n "not __fish_seen_subcommand_from $commands" -a status -d 'Show whether bgsyncd is online or paused'
complete -c syncctl -n "not __fish_seen_subcommand_from $commands" -a list -d 'List actions in the outbox'
complete -c syncctl -n "not __fish_seen_subcommand_from $commands" -a show -d 'Show every field of one action'
complete -c syncctl -n "not __fish_seen_subcommand_from $commands" -a cancel -d 'Cancel an unfinished action, or a tag'
complete -c syncctl -n "not __fish_seen_subcommand_from $commands" -a retry -d 'Queue a failed or cancelled action again'
complete -c syncctl -n "not __fish_seen_subcommand_from $commands" -a pause -d 'Hold all sending until resume'
complete -c syncctl -n "not __fish_seen_subcommand_from $commands" -a resume -d 'Release sending held by pause'
complete -c syncctl -n "not __fish_seen_subcommand_from $commands" -a watch -d 'Follow events as they happen'
complete -c syncctl -n "not __fish_seen_subcommand_from $commands" -a config -d "Show bgsyncd's settings and their sources"
complete -c syncctl -n "not __fish_seen_subcommand_from $commands" -a reload -d 'Make bgsyncd re-read its config file'
complete -c syncctl -n "not __fish_seen_subcommand_from $commands" -a paths -d 'Show the socket, state dir and config file'
complete -c syncctl -n "not __fish_seen_subcommand_from $commands" -a periodic -d 'Fetch URLs on a schedule into a cache'
complete -c syncctl -n "not __fish_seen_subcommand_from $commands" -a cache -d 'Read what periodic sync fetched'
complete -c syncctl -n "not __fish_seen_subcommand_from $commands" -a wait -d 'Wait until actions have been sent, or failed'

complete -c syncctl -n '__fish_seen_subcommand_from enqueue' -s X -l request -x -a 'GET POST PUT PATCH DELETE HEAD OPTIONS' -d 'HTTP method'
complete -c syncctl -n '__fish_seen_subcommand_from enqueue' -s H -l header -x -d "Add a header 'Name: value'"
complete -c syncctl -n '__fish_seen_subcommand_from enqueue' -s d -l data -r -F -d 'Body data; @FILE reads a file'
complete -c syncctl -n '__fish_seen_subcommand_from enqueue' -l data-binary -r -F -d 'Body data; @FILE is sent byte for byte'
complete -c syncctl -n '__fish_seen_subcommand_from enqueue' -l data-raw -x -d "Body data; '@' has no special meaning"
complete -c syncctl -n '__fish_seen_subcommand_from enqueue' -l tag -x -d 'Ordering tag'
complete -c syncctl -n '__fish_seen_subcommand_from enqueue' -l app -x -d 'Who enqueued it'
complete -c syncctl -n '__fish_seen_subcommand_from enqueue' -l wait -d 'Then wait until it has been sent, or failed'
complete -c syncctl -n '__fish_seen_subcommand_from enqueue' -l timeout -x -a '30s 1m 5m 15m 30m 1h' -d 'Give up waiting after this long'
complete -c syncctl -n '__fish_seen_subcommand_from enqueue' -l no-spool -d 'Fail when bgsyncd is not running, rather than spool'

complete -c syncctl -n '__fish_seen_subcommand_from list; and not __fish_seen_subcommand_from periodic' -l tag -x -d 'Only actions with this tag'
complete -c syncctl -n '__fish_seen_subcommand_from list; and not __fish_seen_subcommand_from periodic' -l state -x -a 'queued sending sent failed cancelled' -d 'Only actions in this state'
complete -c syncctl -n '__fish_seen_subcommand_from list; and not __fish_seen_subcommand_from periodic' -l app -x -d 'Only actions enqueued by this app'
complete -c syncctl -n '__fish_seen_subcommand_from list; and not __fish_seen_subcommand_from periodic' -l limit -x -d 'At most N actions per page (1..1000)'
complete -c syncctl -n '__fish_seen_subcommand_from list; and not __fish_seen_subcommand_from periodic' -l after -x -d 'Start after this action id (the next of the previous page)'
complete -c syncctl -n '__fish_seen_subcommand_from list; and not __fish_seen_subcommand_from periodic' -l all -d 'Show every match, page after page'

complete -c syncctl -n '__fish_seen_subcommand_from show' -a '(__syncctl_ids)' -d 'Action'
complete -c syncctl -n '__fish_seen_subcommand_from cancel' -a '(__syncctl_ids queued sending)' -d 'Unfinished action'
complete -c syncctl -n '__fish_seen_subcommand_from cancel' -l tag -x -d 'Cancel every unfinished action with this tag'
complete -c syncctl -n '__fish_seen_subcommand_from retry' -a '(__syncctl_ids failed cancelled)' -d 'Failed or cancelled action'

complete -c syncctl -n '__fish_seen_subcommand_from watch' -l tag -x -d 'Only events of actions with this tag'
complete -c syncctl -n '__fish_seen_subcommand_from watch' -l since -x -d 'First replay the retained events after this seq'
complete -c syncctl -n '__fish_seen_subcommand_from watch' -l id -x -a '(__syncctl_ids)' -d 'Follow one action until it has finished'

complete -c syncctl -n '__fish_seen_subcommand_from wait' -a '(__syncctl_ids)' -d 'Action'
complete -c syncctl -n '__fish_seen_subcommand_from wait' -l timeout -x -a '30s 1m 5m 15m 30m 1h' -d 'Give up waiting after this long'

complete -c syncctl -n '__fish_seen_subcommand_from config' -a '(__syncctl_settings)' -d 'Setting'

set -l periodic_commands register list unregister run
complete -c syncctl -n "__fish_seen_subcommand_from periodic; and not __fish_seen_subcommand_from $periodic_commands" -a register -d 'Register a URL to fetch periodically'
complete -c syncctl -n "__fish_seen_subcommand_from periodic; and not __fish_seen_subcommand_from $periodic_commands" -a list -d 'List periodic registrations'
complete -c syncctl -n "__fish_seen_subcommand_from periodic; and not __fish_seen_subcommand_from $periodic_commands" -a unregister -d 'Remove a periodic registration'
complete -c syncctl -n "__fish_seen_subcommand_from periodic; and not __fish_seen_subcommand_from $periodic_commands" -a run -d 'Run a periodic registration now'
complete -c syncctl -n '__syncctl_using periodic register' -l every -x -a '30s 1m 5m 15m 30m 1h 6h 12h 1d' -d 'Minimum interval between runs'
complete -c syncctl -n '__syncctl_using periodic register' -l network -x -a 'any unmetered' -d 'Run only on this kind of network'
complete -c syncctl -n '__syncctl_using periodic register' -l power -x -a 'any not_on_battery not_low_battery' -d 'Run only on this power'
complete -c syncctl -n '__syncctl_using periodic register' -s X -l request -x -a 'GET POST PUT PATCH DELETE HEAD OPTIONS' -d 'HTTP method'
complete -c syncctl -n '__syncctl_using periodic register' -s H -l header -x -d "Add a header 'Name: value'"
complete -c syncctl -n '__syncctl_using periodic register' -s d -l data -r -F -d 'Body data; @FILE reads a file'
complete -c syncctl -n '__syncctl_using periodic register' -l data-binary -r -F -d 'Body data; @FILE is sent byte for byte'
complete -c syncctl -n '__syncctl_using periodic register' -l data-raw -x -d "Body data; '@' has no special meaning"
complete -c syncctl -n '__syncctl_using periodic register; or __syncctl_using periodic unregister; or __syncctl_using periodic run' -l app -x -d 'The app the registration belongs to'
complete -c syncctl -n '__syncctl_using periodic list' -l app -x -d 'Only the registrations of this app'
complete -c syncctl -n '__syncctl_using periodic unregister; or __syncctl_using periodic run' -a '(__syncctl_periodic_tags)' -d 'Registration'
complete -c syncctl -n '__syncctl_using periodic run' -l wait -d 'Wait for the outcome and print it'
complete -c syncctl -n '__syncctl_using periodic run' -l timeout -x -d 'With --wait: give up after this long'

complete -c syncctl -n "__fish_seen_subcommand_from cache; and not __fish_seen_subcommand_from get" -a get -d 'Print the cached response of a registration'
complete -c syncctl -n '__syncctl_using cache get' -a '(__syncctl_periodic_tags)' -d 'Registration'
complete -c syncctl -n '__syncctl_using cache get' -l app -x -d 'The app the registration belongs to'
complete -c syncctl -n '__syncctl_using cache get' -s i -l include -d 'Print the status line and headers first'
complete -c syncctl -n '__syncctl_using cache get' -s o -l output -r -F -d 'Write to FILE instead of standard output'
