// bgsync::Client — the synchronous client: one blocking request/reply at a time over bgsyncd's
// Unix socket. What syncctl uses, and what an app uses to enqueue work from any thread of its own.
#pragma once

#include "bgsync/connect_options.hpp"
#include "bgsync/errors.hpp"
#include "bgsync/wait.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bgsync {

// A connection to bgsyncd. Each call sends one request and blocks until its reply arrives or
// ConnectOptions::timeout passes. No threads, no event loop: connect + enqueue take a few ms.
//
// Thread safety: not thread-safe. Use a Client from one thread at a time (a mutex around it, or
// one Client per thread; connections are cheap). Distinct Clients are independent.
//
// Movable, not copyable. A moved-from Client may only be destroyed or assigned to.
//
// Errors common to every call after connect():
//   client_errc::connection_lost  the daemon closed the connection or it broke; also every call
//                                 after a timeout or protocol_error (the connection is dropped then,
//                                 because a late reply would be taken for the next one's)
//   client_errc::timeout          no reply within the timeout
//   client_errc::protocol_error   the reply is not valid protocol
//   errc::shutting_down           the daemon is stopping
//   errc::internal                a bug in the daemon; the message says what failed
//   errc::frame_too_large         the request is larger than the daemon's max_frame (a huge body)
class Client {
public:
  // Connects to proto::resolve_socket_path(options.socket_path) and says hello (protocol version 1).
  // Errors:
  //   client_errc::not_running          no socket file there, or nothing listens on it
  //   client_errc::permission_denied    EACCES on the socket or its directory, or the daemon runs as
  //                                     another user (it only serves its own)
  //   client_errc::unsupported_version  the daemon does not speak protocol version 1
  //   client_errc::connection_lost, timeout, protocol_error
  //   a std::errc code (e.g. filename_too_long) for a path that cannot be a Unix socket address
  static Result<Client> connect(const ConnectOptions& options = {});

  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  ~Client();

  // Stores an HTTP request durably in the daemon's outbox; returns the action as stored (state
  // queued, with its id, and in queued_seq the seq of its `queued` event, for wait()). The
  // request is checked first with proto::validate_enqueue.
  // Errors: errc::bad_url, bad_method, bad_header, bad_field (tag/app), storage_full, storage_error,
  // plus the common ones above.
  Result<Action> enqueue(const EnqueueRequest& request);

  // The action with this id, bodies included. Here and in cancel() and retry(), an ActionRef is
  // a whole id (an ActionId converts) or a unique prefix of at least 8 hex digits
  // (ActionRef::parse("0190c3b2-8c1e")), which the daemon resolves.
  // Errors: errc::not_found, ambiguous_id (a prefix that matches more than one action), plus the
  // common ones.
  Result<Action> get(const ActionRef& id);

  // One page of actions matching the query, oldest first, without bodies. Follow page.next (as
  // query.after) for the next page. With query.count, page.remaining says how many more match.
  // Errors: errc::bad_field (limit outside 1..1000, unknown state), plus the common ones.
  Result<ListPage> list(const ListQuery& query = {});

  // Cancels one unfinished action. Returns the actions cancelled (empty if it had finished).
  // Errors: errc::not_found, ambiguous_id, bad_state, storage_error, plus the common ones.
  Result<std::vector<Action>> cancel(const ActionRef& id);

  // Cancels every unfinished action with this (non-empty) tag. Returns the actions cancelled.
  // Errors: errc::bad_field (empty tag), storage_error, plus the common ones.
  Result<std::vector<Action>> cancel_tag(std::string_view tag);

  // Queues a failed or cancelled action again, to be sent now. Returns it as updated.
  // Errors: errc::not_found, ambiguous_id, bad_state (it is queued, sending or sent), storage_error,
  // plus the common ones.
  Result<Action> retry(const ActionRef& id);

  // The daemon's version, whether it is online and paused, counts per state, the last event seq.
  // Errors: the common ones.
  Result<Status> status();

  // Holds (pause) or releases (resume) all sending; survives a daemon restart. Returns the new
  // paused state.
  // Errors: errc::storage_error, plus the common ones.
  Result<bool> pause();
  Result<bool> resume();

  // The daemon's configuration in effect: the config file it reads, the socket and state dir in
  // use, and every setting with its value, where that came from ("default", "command line",
  // "FILE:LINE") and whether a reload can change it.
  // Errors: the common ones.
  Result<ConfigInfo> config();

  // Makes the daemon read its config file again (command-line values still win) and apply what
  // can change without a restart. Returns the options changed and those that need a restart.
  // Errors: errc::bad_config (the file cannot be read or has an error: the message names the
  // file and line, and nothing was changed), plus the common ones.
  Result<ReloadResult> reload();

  // Blocks until each target has finished (sent, failed, expired, cancelled) or `timeout` passes
  // (nullopt: no limit; zero: only what is known at once), and returns one result per target, in
  // order: its outcome, or WaitOutcome::unfinished with its state at the timeout. A timeout is not
  // an error. Pass enqueue results (`wait({action})`): their queued_seq lets the wait replay the
  // action's events from its `queued` one, so an outcome reached before the call is never missed.
  // Ids alone work too: the wait subscribes first, then reads each action with `get`.
  // How: on this connection, inside the call. It subscribes, reads the events the daemon pushes
  // (and the replies to its `get`s) until every target has finished, then unsubscribes; events
  // pushed after that are skipped by later calls, as always. ConnectOptions::timeout still bounds
  // each request the wait makes, but not the wait for events.
  // Errors: errc::not_found (an id names no action), plus the common ones.
  Result<std::vector<WaitResult>> wait(const std::vector<WaitTarget>& targets,
                                       std::optional<std::chrono::milliseconds> timeout = std::nullopt);

  // ---- periodic sync: fetch a URL at a minimum interval, under constraints, into a cache --------
  // A registration is named by (app, tag); app "" is the default app, as for enqueue.

  // Registers a periodic fetch, or replaces the registration of the same (app, tag) (the browser's
  // periodicSync.register). The request is checked first with proto::validate_periodic_register.
  // The daemon raises min_interval to its floor (default 1 minute): compare the result's
  // requested_interval with registration.min_interval. result.replaced says whether one existed.
  // Errors: errc::bad_url, bad_method, bad_header, bad_field (empty tag, bad app, interval not > 0),
  // storage_full, storage_error, plus the common ones.
  Result<PeriodicRegisterResult> register_periodic(const PeriodicRegisterRequest& request);

  // Every registration, or those of query.app, in (app, tag) order, each with its last run, next
  // earliest run and the state of its constraints on this machine now (the browser's getTags).
  // Errors: errc::bad_field (a bad app), storage_error, plus the common ones.
  Result<PeriodicList> list_periodic(const PeriodicListQuery& query = {});

  // Removes a registration: it runs no more (the browser's periodicSync.unregister).
  // Errors: errc::not_found (no such registration), bad_field (empty tag), storage_error, plus the
  // common ones.
  Result<void> unregister_periodic(const PeriodicRef& ref);

  // Starts a run now, ignoring the interval and the constraints (for testing). Returns the
  // registration as the run starts; the outcome arrives as an EventType::periodic event (subscribe
  // with an AsyncClient first to see it).
  // Errors: errc::not_found, bad_state (sending is paused: `resume` first), bad_field, plus the
  // common ones.
  Result<PeriodicRegistration> run_periodic(const PeriodicRef& ref);

  // The response of the registration's latest successful run (status, headers, body, when it was
  // fetched and last confirmed by a 304), kept across daemon restarts: what an app shows when it
  // starts offline.
  // Errors: errc::not_found (no such registration, or nothing cached yet: the message says which),
  // bad_field, storage_error, plus the common ones.
  Result<CachedResponse> cache_get(const PeriodicRef& ref);

  // The socket this client is connected to.
  const std::string& socket_path() const;
  // What the daemon said in hello: its name and version ("bgsyncd 0.1.0").
  const std::string& server() const;

private:
  struct Impl;
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// ---- enqueueing when bgsyncd may be down: the spool ----------------------------------------------
// An app that must not lose a request because bgsyncd is not running (not installed as a service,
// stopped, not started yet) enqueues with bgsync::enqueue below: it connects, enqueues and closes;
// when no bgsyncd is running it writes the request to the spool directory instead (one file, made
// durable before the call returns), and the next bgsyncd to start takes it into its outbox and
// sends it, keeping its id, its creation time and its order within its tag (PROTOCOL.md, "The
// spool"). Only client_errc::not_running spools: a permission error, a timeout or an error reply
// is returned as it is, since a daemon is there. AsyncClient never spools: it needs a live daemon.
//
// An app that keeps a Client and sees client_errc::not_running from Client::connect can call
// bgsync::spool itself. Spooled actions cannot be looked at (get, list, events) before bgsyncd
// has taken them in.

// What bgsync::enqueue did with a request.
struct EnqueueOutcome {
  Action action;         // as Client::enqueue returns it; when spooled: queued, with the id and
                         // creation time made here, which the daemon keeps
  bool spooled = false;  // true: bgsyncd was not running, and the request waits in the spool
};

// Enqueues `request` on the daemon at options.socket_path, or, when none is running and
// options.spool is true (the default), spools it (see above).
// Errors: those of Client::connect (not_running only with options.spool = false), of
// Client::enqueue, and of bgsync::spool.
Result<EnqueueOutcome> enqueue(const EnqueueRequest& request, const ConnectOptions& options = {});

// Writes `request` to the spool (options.spool_dir, else $BGSYNC_SPOOL, else the default) without
// trying the daemon; returns the action as it will be stored. The request is checked first with
// proto::validate_enqueue.
// Errors: errc::bad_url, bad_method, bad_header, bad_field, frame_too_large; a std::errc code when
// the spool directory cannot be made or written (the message names the path).
Result<Action> spool(const EnqueueRequest& request, const ConnectOptions& options = {});

}  // namespace bgsync
