/* bgsync.h — the C API of libbgsync: hand HTTP requests to bgsyncd, look at them, follow their events.
 * Plain C99 (opaque handles, plain structs, error codes, a callback), for C programs and for any
 * language with an FFI: Python ctypes, Rust, Go... Link with -lbgsync (pkg-config: bgsync).
 *
 * Conventions, true of every function below unless it says otherwise:
 *  - Functions return a bgsync_error: BGSYNC_OK (0) on success. On failure, output parameters are
 *    set to NULL (caller buffers are left untouched), and bgsync_last_error_message() says what went
 *    wrong in words a person can act on.
 *  - Strings are UTF-8 and NUL-terminated. Bodies are bytes with an explicit length (they may
 *    contain NUL); the library NUL-terminates its own copies too, for convenience.
 *  - Ownership: what the library returns through a pointer-to-pointer (bgsync_action **,
 *    bgsync_action_list **, bgsync_status **, bgsync_event **, bgsync_periodic **,
 *    bgsync_periodic_list **, bgsync_cached_response **, bgsync_wait_list **) belongs to the caller, who frees it
 *    with the matching *_free function (which accepts NULL); every string and array inside such a
 *    struct lives exactly as long as the struct. Strings returned directly are static, except
 *    bgsync_last_error_message's (see there). Nothing the caller passes in is kept after a call.
 *  - Optional arguments are NULL (strings, output pointers) or a documented default value.
 *  - Times are milliseconds since the Unix epoch (UTC); 0 means "none".
 *  - Thread safety: a bgsync_client or bgsync_subscription must be used by one thread at a time
 *    (a mutex around it, or one per thread: connections are cheap). Distinct handles are
 *    independent. The *_free and *_name functions may be called from any thread.
 *  - Calls that talk to bgsyncd block until it answers or the client's timeout passes.
 *  - The structs only ever grow at the end, and only the library allocates them.
 */
#ifndef BGSYNC_BGSYNC_H
#define BGSYNC_BGSYNC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- errors -------------------------------------------------------------------------------------- */

/* Values 1..99 are the daemon's error codes, with the numbers and names of the protocol
 * (bgsync-protocol(7), proto/PROTOCOL.md section 10); newer daemons may add codes in that range,
 * so treat an unknown value as a failure. Values from 100 are failures on the client's side. */
typedef enum bgsync_error {
  BGSYNC_OK = 0,
  BGSYNC_ERR_BAD_FRAME = 1,            /* the daemon could not read a request */
  BGSYNC_ERR_FRAME_TOO_LARGE = 2,      /* a request over 16 MiB (a huge body) */
  BGSYNC_ERR_MISSING_FIELD = 3,
  BGSYNC_ERR_BAD_FIELD = 4,            /* e.g. a list limit over 1000, a tag with control characters */
  BGSYNC_ERR_UNKNOWN_OP = 5,
  BGSYNC_ERR_UNSUPPORTED_VERSION = 6,  /* the daemon does not speak protocol version 1 */
  BGSYNC_ERR_BAD_URL = 7,              /* not an absolute http(s) URL */
  BGSYNC_ERR_BAD_METHOD = 8,           /* not an HTTP token */
  BGSYNC_ERR_BAD_HEADER = 9,           /* a bad name or value, or a header the daemon owns (Host...) */
  BGSYNC_ERR_NOT_FOUND = 10,           /* no such action */
  BGSYNC_ERR_BAD_STATE = 11,           /* the action's state does not allow this (retry of a sent one) */
  BGSYNC_ERR_STORAGE_FULL = 12,        /* the outbox is full; nothing was stored */
  BGSYNC_ERR_STORAGE_ERROR = 13,       /* the outbox failed; nothing was stored */
  BGSYNC_ERR_SHUTTING_DOWN = 14,       /* the daemon is stopping */
  BGSYNC_ERR_INTERNAL = 15,            /* a bug in the daemon or in libbgsync; the message says what */
  BGSYNC_ERR_BAD_CONFIG = 16,          /* the daemon's configuration file has an error */
  BGSYNC_ERR_AMBIGUOUS_ID = 17,        /* an id prefix matches more than one action: give more digits */

  BGSYNC_ERR_NOT_RUNNING = 100,        /* no socket at the path, or nothing listens on it */
  BGSYNC_ERR_PERMISSION_DENIED = 101,  /* the socket or its directory is not ours */
  BGSYNC_ERR_CONNECTION_LOST = 102,    /* the daemon closed the connection or it broke: connect again */
  BGSYNC_ERR_PROTOCOL_ERROR = 103,     /* the daemon sent something that is not valid protocol */
  BGSYNC_ERR_TIMEOUT = 104,            /* no answer in time (the request may still take effect), or no
                                          event within the time given to next_event or watch */
  BGSYNC_ERR_INVALID_ARGUMENT = 105,   /* a NULL that must not be, an id that is not a UUID... */
  BGSYNC_ERR_NO_MEMORY = 106,
  BGSYNC_ERR_SYSTEM = 107              /* another operating-system error, e.g. a socket path too long */
} bgsync_error;

/* The stable name of a code: "bad_url", "not_running", "ok"; "unknown" for a value not listed. */
const char *bgsync_error_name(int code);

/* A short generic description of a code, like strerror(3). The message of a particular failure
 * (bgsync_last_error_message) is more precise: show that one to people. */
const char *bgsync_strerror(int code);

/* libbgsync's version, e.g. "0.1.0". */
const char *bgsync_version(void);

/* ---- values ------------------------------------------------------------------------------------- */

/* The size of a buffer that holds an action id: 36 characters of UUID text and the NUL. */
#define BGSYNC_ID_SIZE 37

/* Where an action is (PROTOCOL.md section 8). */
typedef enum bgsync_state {
  BGSYNC_STATE_ANY = -1,  /* only as a bgsync_list filter: every state */
  BGSYNC_STATE_QUEUED = 0,
  BGSYNC_STATE_SENDING = 1,
  BGSYNC_STATE_SENT = 2,     /* a 2xx response: final */
  BGSYNC_STATE_FAILED = 3,   /* a final answer such as most 4xx; bgsync_retry sends it again */
  BGSYNC_STATE_CANCELLED = 4
} bgsync_state;

/* "queued", "sending", "sent", "failed", "cancelled" (the wire names); "any", or "unknown". */
const char *bgsync_state_name(int state);

typedef enum bgsync_event_type {
  BGSYNC_EVENT_QUEUED = 0,     /* enqueued, or put back by bgsync_retry */
  BGSYNC_EVENT_SENDING = 1,    /* an attempt starts */
  BGSYNC_EVENT_RETRY = 2,      /* an attempt failed in a way worth retrying; next_attempt_ms says when */
  BGSYNC_EVENT_SENT = 3,
  BGSYNC_EVENT_FAILED = 4,
  BGSYNC_EVENT_CANCELLED = 5,
  BGSYNC_EVENT_NETWORK = 6,    /* connectivity changed; no action (id is all zeros, tag "") */
  BGSYNC_EVENT_PERIODIC = 7,   /* a periodic registration ran (id is all zeros; tag and app name it):
                                  outcome, status, error and duration_ms say how */
  BGSYNC_EVENT_REJECTED = 8    /* a spool file was not taken in but moved to the spool's rejected/
                                  (see bgsync_enqueue_or_spool): error names it and says why; id is
                                  the action's when the file's name holds one, else all zeros */
} bgsync_event_type;

/* "queued", "sending", "retry", "sent", "failed", "cancelled", "network", "periodic", "rejected",
 * or "unknown". */
const char *bgsync_event_type_name(int type);

typedef struct bgsync_header {
  const char *name;
  const char *value;
} bgsync_header;

/* An action: one HTTP request in bgsyncd's outbox, and what became of it. */
typedef struct bgsync_action {
  const char *id;                  /* UUID text; also the request's Idempotency-Key */
  const char *app;                 /* "" when not given */
  const char *tag;                 /* "" for none */
  int state;                       /* a bgsync_state */
  const char *method;
  const char *url;
  const bgsync_header *headers;    /* as given at enqueue (the daemon's own are not listed) */
  size_t header_count;
  const char *body;                /* only from bgsync_get; elsewhere "" with body_len 0 */
  size_t body_len;
  uint32_t attempts;               /* HTTP attempts started so far */
  int64_t created_ms;
  int64_t updated_ms;              /* its last state change */
  int64_t next_attempt_ms;         /* when it is due, while queued; else 0 */
  const char *waiting;             /* while queued, what it waits for: "network", "backoff", "tag",
                                      "paused"; NULL when nothing holds it */
  const char *last_error;          /* why the last attempt did not succeed; NULL if none */
  int response_status;             /* of the last HTTP response; 0 before any */
  const bgsync_header *response_headers;
  size_t response_header_count;
  const char *response_body;       /* its first 64 KiB; only from bgsync_get, like body */
  size_t response_body_len;
} bgsync_action;

/* One page of bgsync_list, or the actions a cancel stopped. */
typedef struct bgsync_action_list {
  const bgsync_action *actions;
  size_t count;
  const char *next;  /* bgsync_list: pass as `after` for the next page; NULL when there are no more */
} bgsync_action_list;

typedef struct bgsync_status {
  const char *version;         /* the daemon's */
  int online;                  /* 1 when some destination beyond loopback is reachable */
  const char *network_reason;  /* why it is offline ("no default route"); NULL when online */
  int64_t network_since_ms;    /* since when `online` has had its value; 0 if unknown */
  int paused;                  /* 1 while sending is paused (bgsync_pause) */
  uint64_t queued, sending, sent, failed, cancelled;  /* actions per state */
  uint64_t last_seq;           /* the newest event's seq; 0 if none yet */
  int64_t next_attempt_ms;     /* when the earliest queued action is due; 0 if none */
} bgsync_status;

/* One state change of an action (or of the network), from the daemon's durable event log. */
typedef struct bgsync_event {
  uint64_t seq;                /* global, strictly increasing: remember the last one you handled */
  int type;                    /* a bgsync_event_type */
  const char *id;              /* the action's id */
  const char *tag;
  const char *app;
  int64_t time_ms;
  uint32_t attempt;            /* the action's attempt count at that moment */
  int status;                  /* HTTP status (sent, failed, retry after a response); else 0 */
  const char *error;           /* the reason (retry, failed); else NULL */
  int64_t next_attempt_ms;     /* retry: when the next attempt is due; else 0 */
  int online;                  /* network events: 1 online, 0 offline; else -1 */
  const char *reason;          /* network events going offline: why; else NULL */
  int outcome;                 /* periodic events: a bgsync_periodic_outcome; else BGSYNC_OUTCOME_NONE */
  int64_t duration_ms;         /* periodic events: how long the run took; else -1 */
} bgsync_event;

/* ---- periodic sync values ---------------------------------------------------------------------- */

/* When a periodic registration may run, as to the network (wire names "any", "unmetered"). */
typedef enum bgsync_network_constraint {
  BGSYNC_NETWORK_ANY = 0,
  BGSYNC_NETWORK_UNMETERED = 1        /* not on a metered connection (NetworkManager's Metered) */
} bgsync_network_constraint;

/* ... and as to power ("any", "not_on_battery", "not_low_battery"). */
typedef enum bgsync_power_constraint {
  BGSYNC_POWER_ANY = 0,
  BGSYNC_POWER_NOT_ON_BATTERY = 1,    /* on AC power */
  BGSYNC_POWER_NOT_LOW_BATTERY = 2    /* on AC power, or the battery is not low */
} bgsync_power_constraint;

/* How a periodic run ended. */
typedef enum bgsync_periodic_outcome {
  BGSYNC_OUTCOME_NONE = -1,           /* no run yet, or not a periodic event */
  BGSYNC_OUTCOME_UPDATED = 0,         /* a 2xx: the cache holds the new body */
  BGSYNC_OUTCOME_NOT_MODIFIED = 1,    /* a 304: the cached body was confirmed */
  BGSYNC_OUTCOME_FAILED = 2           /* no usable response; retried within the period */
} bgsync_periodic_outcome;

/* The wire names: "any", "unmetered"; "any", "not_on_battery", "not_low_battery"; "updated",
 * "not_modified", "failed" ("none" for BGSYNC_OUTCOME_NONE); "unknown" for other values. */
const char *bgsync_network_name(int network);
const char *bgsync_power_name(int power);
const char *bgsync_outcome_name(int outcome);

/* A periodic registration: a request bgsyncd makes at a minimum interval when its constraints
 * hold, and what became of its runs. Named by (app, tag). */
typedef struct bgsync_periodic {
  const char *app;                 /* "" for the default app */
  const char *tag;
  int64_t min_interval_ms;         /* in effect: at least the daemon's floor */
  const char *method;
  const char *url;
  const bgsync_header *headers;
  size_t header_count;
  const char *body;
  size_t body_len;
  int network;                     /* a bgsync_network_constraint */
  int power;                       /* a bgsync_power_constraint */
  int64_t created_ms;
  int64_t updated_ms;              /* the latest (re-)registration */
  int64_t last_run_ms;             /* when the latest run finished; 0 before the first */
  int last_outcome;                /* a bgsync_periodic_outcome; BGSYNC_OUTCOME_NONE before the first */
  int last_status;                 /* HTTP status of the latest run; 0 if it got no response */
  const char *last_error;          /* why the latest run failed; NULL if it did not */
  uint32_t consecutive_failures;   /* failed runs since the last success */
  int64_t next_earliest_ms;        /* not before then (a retry within the period, or the next one) */
  const char *etag;                /* validators of the cached body; NULL when none */
  const char *last_modified;
  int64_t cached_ms;               /* when the cached body was fetched; 0: nothing cached */
  int running;                     /* 1 while a run is on the wire */
  int network_satisfied;           /* 1 when the network constraint holds on this machine now */
  const char *network_reason;      /* why, e.g. "not metered (NetworkManager)"; an unknown state holds
                                      and says "... treated as satisfied" */
  int power_satisfied;
  const char *power_reason;        /* e.g. "on battery (UPower)" */
  const char *waiting;             /* why a due registration does not run now; NULL when it would */
} bgsync_periodic;

typedef struct bgsync_periodic_list {
  const bgsync_periodic *registrations;  /* in (app, tag) order */
  size_t count;
} bgsync_periodic_list;

/* The response of a registration's latest successful run, as cached by bgsyncd. */
typedef struct bgsync_cached_response {
  const char *app;
  const char *tag;
  int status;                      /* the HTTP status of the response that brought the body */
  const bgsync_header *headers;
  size_t header_count;
  const char *body;                /* body_len bytes (may contain NUL); at most 4 MiB */
  size_t body_len;
  int64_t fetched_ms;              /* when this body arrived */
  int64_t validated_ms;            /* the latest 304 that confirmed it after that; 0 if none */
} bgsync_cached_response;

void bgsync_action_free(bgsync_action *action);
void bgsync_action_list_free(bgsync_action_list *list);
void bgsync_status_free(bgsync_status *status);
void bgsync_event_free(bgsync_event *event);
void bgsync_periodic_free(bgsync_periodic *registration);
void bgsync_periodic_list_free(bgsync_periodic_list *list);
void bgsync_cached_response_free(bgsync_cached_response *response);

/* ---- the client ----------------------------------------------------------------------------------- */

/* A connection to bgsyncd. Opaque. */
typedef struct bgsync_client bgsync_client;

/* Connects to bgsyncd and says hello.
 * socket_path: NULL or "" for the default: $BGSYNC_SOCKET, else $XDG_RUNTIME_DIR/bgsync/bgsyncd.sock,
 *   else /tmp/bgsync-<uid>/bgsyncd.sock (as syncctl finds it).
 * client_name: how the daemon's log names this client ("myapp/1.0"); NULL: "libbgsync".
 * timeout_ms: the longest wait for any answer on this connection; <= 0: the default, 30000.
 * Errors: NOT_RUNNING (start bgsyncd, or `systemctl --user enable --now bgsyncd.socket`),
 * PERMISSION_DENIED, UNSUPPORTED_VERSION, CONNECTION_LOST, TIMEOUT, PROTOCOL_ERROR, SYSTEM.
 * On failure *out is NULL; bgsync_last_error_message(NULL) has the message. */
bgsync_error bgsync_connect(const char *socket_path, const char *client_name, int timeout_ms,
                            bgsync_client **out);

/* Closes the connection and frees the client. NULL is allowed. */
void bgsync_close(bgsync_client *client);

/* The socket path the client is connected to. Valid while the client is. */
const char *bgsync_socket_path(const bgsync_client *client);

/* What the last failed call on `client` said ("no action 0193...", "bad URL \"ftp://x\": ..."), or ""
 * when none failed yet. With client == NULL: the last failed call of the calling thread, whatever
 * the handle — how to learn why bgsync_connect or a subscription call failed. The string stays
 * valid until the next call on that client (NULL: until this thread's next failing call). */
const char *bgsync_last_error_message(const bgsync_client *client);

/* Every call below can also fail with the errors common to a connection: CONNECTION_LOST (also
 * every call after a TIMEOUT or PROTOCOL_ERROR: connect again), TIMEOUT, PROTOCOL_ERROR,
 * SHUTTING_DOWN, INTERNAL, NO_MEMORY; and INVALID_ARGUMENT for a NULL client. */

/* Stores an HTTP request durably in bgsyncd's outbox; it is sent when possible, retried with backoff.
 * method: NULL for "GET". url: absolute http or https.
 * header_names/header_values: header_count pairs, sent in order (NULL when header_count is 0).
 * body: body_len bytes (NULL when body_len is 0).
 * tag: requests with the same non-empty tag are sent one at a time, in enqueue order; NULL or "": none.
 * app: who enqueued it, for filtering (bgsync_list); NULL or "": none.
 * id_out: if not NULL, receives the new action's id (BGSYNC_ID_SIZE bytes, NUL-terminated).
 * Returns once the request is stored (fsync'd). Errors: BAD_URL, BAD_METHOD, BAD_HEADER, BAD_FIELD,
 * FRAME_TOO_LARGE, STORAGE_FULL, STORAGE_ERROR. */
bgsync_error bgsync_enqueue(bgsync_client *client, const char *method, const char *url,
                            const char *const *header_names, const char *const *header_values,
                            size_t header_count, const void *body, size_t body_len, const char *tag,
                            const char *app, char *id_out);

/* Enqueues whether or not bgsyncd runs, without a client of the caller's: connects, enqueues and
 * disconnects. When bgsyncd is not running (what bgsync_connect reports as NOT_RUNNING) and `spool`
 * is non-zero, it writes the request to the spool directory instead: one file, durable when this
 * returns, which the next bgsyncd to start takes into its outbox with this id, its creation time
 * and its place in its tag (bgsync-protocol(7), "The spool"). Other failures never spool.
 * socket_path, client_name, timeout_ms: as for bgsync_connect.
 * spool_dir: NULL or "": $BGSYNC_SPOOL, else $XDG_STATE_HOME/bgsync/spool (else
 *   ~/.local/state/bgsync/spool), where a bgsyncd started without options looks.
 * spool: non-zero to spool when bgsyncd is not running; 0 to fail with NOT_RUNNING instead.
 * method ... app, id_out: as for bgsync_enqueue.
 * spooled_out: if not NULL, receives 1 when the request was spooled, 0 when bgsyncd stored it.
 * Errors: those of bgsync_connect (NOT_RUNNING only when spool is 0) and of bgsync_enqueue; SYSTEM
 * when the spool cannot be written (the message names the path). */
bgsync_error bgsync_enqueue_or_spool(const char *socket_path, const char *client_name, int timeout_ms,
                                     const char *spool_dir, int spool, const char *method, const char *url,
                                     const char *const *header_names, const char *const *header_values,
                                     size_t header_count, const void *body, size_t body_len, const char *tag,
                                     const char *app, char *id_out, int *spooled_out);

/* The action with this id, bodies included. Free *out with bgsync_action_free. Here and in
 * bgsync_cancel and bgsync_retry, `id` may also be a unique prefix of an id with at least 8 hex
 * digits ("0190c3b2-8c1e"), which the daemon resolves.
 * Errors: NOT_FOUND, AMBIGUOUS_ID (a prefix of more than one action's id), INVALID_ARGUMENT (not a
 * UUID or a prefix of one), STORAGE_ERROR. */
bgsync_error bgsync_get(bgsync_client *client, const char *id, bgsync_action **out);

/* One page of actions, oldest first, without bodies. Free *out with bgsync_action_list_free.
 * tag: NULL for every tag, "" for untagged actions only. state: a bgsync_state or BGSYNC_STATE_ANY.
 * app: NULL for every app. limit: 1..1000, 0 for 100. after: NULL for the first page, else the
 * `next` of the previous page. Errors: BAD_FIELD, INVALID_ARGUMENT (bad state or after). */
bgsync_error bgsync_list(bgsync_client *client, const char *tag, int state, const char *app,
                         unsigned limit, const char *after, bgsync_action_list **out);

/* Cancels one unfinished (queued or sending) action. cancelled: if not NULL, receives the actions
 * cancelled (none if it had just finished). Errors: NOT_FOUND, AMBIGUOUS_ID, BAD_STATE (it had
 * finished), INVALID_ARGUMENT, STORAGE_ERROR. */
bgsync_error bgsync_cancel(bgsync_client *client, const char *id, bgsync_action_list **cancelled);

/* Cancels every unfinished action of a non-empty tag. Errors: BAD_FIELD (empty tag), STORAGE_ERROR. */
bgsync_error bgsync_cancel_tag(bgsync_client *client, const char *tag, bgsync_action_list **cancelled);

/* Queues a failed or cancelled action again (at the tail of its tag), or makes a queued one due now.
 * out: if not NULL, receives the action as updated. Errors: NOT_FOUND, AMBIGUOUS_ID, BAD_STATE
 * (sent or sending), INVALID_ARGUMENT, STORAGE_ERROR. */
bgsync_error bgsync_retry(bgsync_client *client, const char *id, bgsync_action **out);

/* The daemon's state: online, paused, counts, last event seq. Free *out with bgsync_status_free. */
bgsync_error bgsync_get_status(bgsync_client *client, bgsync_status **out);

/* Holds (pause) or releases (resume) all sending, durably. paused: if not NULL, receives the new
 * state (1 paused, 0 not). Errors: STORAGE_ERROR. */
bgsync_error bgsync_pause(bgsync_client *client, int *paused);
bgsync_error bgsync_resume(bgsync_client *client, int *paused);

/* ---- periodic sync --------------------------------------------------------------------------------
 * Registrations that fetch a URL at a minimum interval when their constraints hold, and the cache of
 * their latest successful response (the browser's Periodic Background Sync). A registration is named
 * by (app, tag); app NULL or "" is the default app. */

/* Registers a periodic fetch, or replaces the registration of the same (app, tag).
 * tag: non-empty. min_interval_ms: > 0; the daemon raises it to its floor (1 minute by default):
 *   see (*out)->min_interval_ms. method: NULL for "GET". url: absolute http or https.
 * header_names/header_values/header_count and body/body_len: as for bgsync_enqueue.
 * network: a bgsync_network_constraint; power: a bgsync_power_constraint.
 * replaced: if not NULL, receives 1 when a registration of (app, tag) was replaced, else 0.
 * out: if not NULL, receives the registration as stored; free it with bgsync_periodic_free.
 * Errors: BAD_URL, BAD_METHOD, BAD_HEADER, BAD_FIELD (empty tag, interval <= 0), INVALID_ARGUMENT
 * (a NULL that must not be, a constraint value not listed), FRAME_TOO_LARGE, STORAGE_FULL,
 * STORAGE_ERROR. */
bgsync_error bgsync_periodic_register(bgsync_client *client, const char *app, const char *tag,
                                      int64_t min_interval_ms, const char *method, const char *url,
                                      const char *const *header_names, const char *const *header_values,
                                      size_t header_count, const void *body, size_t body_len, int network,
                                      int power, int *replaced, bgsync_periodic **out);

/* Every registration (app NULL), or one app's ("" the default app's), with the last run, the next
 * earliest run and the state of the constraints now. Free *out with bgsync_periodic_list_free.
 * Errors: BAD_FIELD, STORAGE_ERROR. */
bgsync_error bgsync_list_periodic(bgsync_client *client, const char *app, bgsync_periodic_list **out);

/* Removes the registration (app, tag). Errors: NOT_FOUND, BAD_FIELD, INVALID_ARGUMENT (tag NULL),
 * STORAGE_ERROR. */
bgsync_error bgsync_periodic_unregister(bgsync_client *client, const char *app, const char *tag);

/* Starts a run of (app, tag) now, ignoring its interval and constraints. Its outcome arrives as a
 * BGSYNC_EVENT_PERIODIC event (subscribe first to see it). out: if not NULL, receives the
 * registration as the run starts. Errors: NOT_FOUND, BAD_STATE (sending is paused), BAD_FIELD,
 * INVALID_ARGUMENT (tag NULL). */
bgsync_error bgsync_periodic_run(bgsync_client *client, const char *app, const char *tag, bgsync_periodic **out);

/* The cached response of (app, tag)'s latest successful run; kept across daemon restarts, so an
 * app that starts offline can show it at once. Free *out with bgsync_cached_response_free.
 * Errors: NOT_FOUND (no such registration, or nothing cached yet: the message says which),
 * BAD_FIELD, INVALID_ARGUMENT, STORAGE_ERROR. */
bgsync_error bgsync_cache_get(bgsync_client *client, const char *app, const char *tag,
                              bgsync_cached_response **out);

/* ---- events ------------------------------------------------------------------------------------- */

/* For `since` below: no replay, live events only. */
#define BGSYNC_SINCE_NOW (-1)

/* A subscription to events, on a connection of its own. Opaque. */
typedef struct bgsync_subscription bgsync_subscription;

/* Subscribes to events, on a new connection made with the client's socket, name and timeout (the
 * client stays free for requests, and may be closed before the subscription).
 * tag: only events of this tag ("" untagged only); NULL: every event.
 * since: first replay every retained event with seq > since (0: all retained), then live ones, with
 *   no gap and no duplicate; BGSYNC_SINCE_NOW (any negative value): live events only. To resume
 *   after a restart, pass the seq of the last event you handled.
 * Free with bgsync_subscription_close. Errors: those of bgsync_connect, BAD_FIELD, STORAGE_ERROR;
 * the message is in bgsync_last_error_message(NULL). */
bgsync_error bgsync_subscribe(bgsync_client *client, const char *tag, int64_t since,
                              bgsync_subscription **out);

/* The newest event's seq when the subscription was made (0: none ever), and the oldest retained
 * one's (0: the log was empty). When since + 1 < first_seq, events between were pruned by
 * retention: resynchronise with bgsync_list/bgsync_get. */
uint64_t bgsync_subscription_last_seq(const bgsync_subscription *subscription);
uint64_t bgsync_subscription_first_seq(const bgsync_subscription *subscription);

/* The next event, waiting at most timeout_ms (< 0: forever, 0: only one already received). Free
 * *out with bgsync_event_free. Errors: TIMEOUT (no event in time; the subscription is still good),
 * CONNECTION_LOST (the daemon went away: subscribe again, with `since`), PROTOCOL_ERROR; the message
 * is in bgsync_last_error_message(NULL). */
bgsync_error bgsync_next_event(bgsync_subscription *subscription, int timeout_ms, bgsync_event **out);

/* Ends the subscription, closes its connection and frees it. NULL is allowed. */
void bgsync_subscription_close(bgsync_subscription *subscription);

/* Called with each event; `event` and its strings are valid only during the call (copy what you
 * keep). Return 0 to go on, nonzero to stop watching. */
typedef int (*bgsync_event_callback)(const bgsync_event *event, void *userdata);

/* Subscribes as bgsync_subscribe does, calls `callback` with each event, in order, until it returns
 * nonzero (then BGSYNC_OK) or timeout_ms passes in total (then BGSYNC_ERR_TIMEOUT; < 0: no limit),
 * then unsubscribes. Blocks the calling thread meanwhile; the callback runs on it. Errors: those
 * of bgsync_subscribe and bgsync_next_event; the message is in bgsync_last_error_message(NULL). */
bgsync_error bgsync_watch(bgsync_client *client, const char *tag, int64_t since, int timeout_ms,
                          bgsync_event_callback callback, void *userdata);

/* ---- waiting for actions ---------------------------------------------------------------------- */

/* How an action ended, as bgsync_wait saw it. */
typedef enum bgsync_wait_outcome {
  BGSYNC_WAIT_UNFINISHED = 0,  /* still queued or sending when the time was up */
  BGSYNC_WAIT_SENT = 1,        /* a 2xx response */
  BGSYNC_WAIT_FAILED = 2,      /* a final answer (most 4xx), or out of attempts */
  BGSYNC_WAIT_EXPIRED = 3,     /* failed with the error "expired": its ttl passed before it was sent */
  BGSYNC_WAIT_CANCELLED = 4
} bgsync_wait_outcome;

/* "unfinished", "sent", "failed", "expired", "cancelled", or "unknown". */
const char *bgsync_wait_outcome_name(int outcome);

/* One waited-for action. */
typedef struct bgsync_wait_result {
  const char *id;
  int outcome;                 /* a bgsync_wait_outcome */
  int state;                   /* its bgsync_state then (queued or sending when unfinished) */
  int status;                  /* the HTTP status of its final response; 0 if none */
  const char *error;           /* failed, expired: why; else NULL */
  uint64_t seq;                /* the event that ended it; 0 when it was learned by reading the action */
} bgsync_wait_result;

typedef struct bgsync_wait_list {
  const bgsync_wait_result *results;  /* one per id given, in the same order */
  size_t count;
} bgsync_wait_list;

void bgsync_wait_list_free(bgsync_wait_list *list);

/* Blocks until each of the `count` actions in `ids` has finished (sent, failed, expired or
 * cancelled) or timeout_ms passes (< 0: no limit; 0: only what is known at once), and returns
 * each one's outcome in *out (free it with bgsync_wait_list_free). A timeout is not an error: the
 * actions not finished by then are BGSYNC_WAIT_UNFINISHED. No outcome is missed, however early it
 * came: the call subscribes to events on the client's connection, then reads each action.
 * Errors: NOT_FOUND (an id names no action), INVALID_ARGUMENT (ids or out NULL, an id not a UUID). */
bgsync_error bgsync_wait(bgsync_client *client, const char *const *ids, size_t count, int64_t timeout_ms,
                         bgsync_wait_list **out);

#ifdef __cplusplus
}
#endif

#endif /* BGSYNC_BGSYNC_H */
