# fish completion for syncctl, bgsync's command line: commands, options and their values, and the
# ids of actions in the outbox (asked of the running daemon; nothing when it does not answer).
# Installed as share/fish/vendor_completions.d/syncctl.fish. tests/docs checks that it names every
# command and option of `syncctl --help`.

set -l commands enqueue status list show cancel retry pause resume watch config reload paths

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

complete -c syncctl -n '__fish_seen_subcommand_from enqueue' -s X -l request -x -a 'GET POST PUT PATCH DELETE HEAD OPTIONS' -d 'HTTP method'
complete -c syncctl -n '__fish_seen_subcommand_from enqueue' -s H -l header -x -d "Add a header 'Name: value'"
complete -c syncctl -n '__fish_seen_subcommand_from enqueue' -s d -l data -r -F -d 'Body data; @FILE reads a file'
complete -c syncctl -n '__fish_seen_subcommand_from enqueue' -l data-binary -r -F -d 'Body data; @FILE is sent byte for byte'
complete -c syncctl -n '__fish_seen_subcommand_from enqueue' -l data-raw -x -d "Body data; '@' has no special meaning"
complete -c syncctl -n '__fish_seen_subcommand_from enqueue' -l tag -x -d 'Ordering tag'
complete -c syncctl -n '__fish_seen_subcommand_from enqueue' -l app -x -d 'Who enqueued it'

complete -c syncctl -n '__fish_seen_subcommand_from list' -l tag -x -d 'Only actions with this tag'
complete -c syncctl -n '__fish_seen_subcommand_from list' -l state -x -a 'queued sending sent failed cancelled' -d 'Only actions in this state'
complete -c syncctl -n '__fish_seen_subcommand_from list' -l app -x -d 'Only actions enqueued by this app'
complete -c syncctl -n '__fish_seen_subcommand_from list' -l limit -x -d 'At most N actions per page (1..1000)'
complete -c syncctl -n '__fish_seen_subcommand_from list' -l all -d 'Follow every page'

complete -c syncctl -n '__fish_seen_subcommand_from show' -a '(__syncctl_ids)' -d 'Action'
complete -c syncctl -n '__fish_seen_subcommand_from cancel' -a '(__syncctl_ids queued sending)' -d 'Unfinished action'
complete -c syncctl -n '__fish_seen_subcommand_from cancel' -l tag -x -d 'Cancel every unfinished action with this tag'
complete -c syncctl -n '__fish_seen_subcommand_from retry' -a '(__syncctl_ids failed cancelled)' -d 'Failed or cancelled action'

complete -c syncctl -n '__fish_seen_subcommand_from watch' -l tag -x -d 'Only events of actions with this tag'
complete -c syncctl -n '__fish_seen_subcommand_from watch' -l since -x -d 'First replay the retained events after this seq'

complete -c syncctl -n '__fish_seen_subcommand_from config' -a '(__syncctl_settings)' -d 'Setting'
