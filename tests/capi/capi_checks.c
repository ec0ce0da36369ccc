/* The C API's checks, compiled as C99 and linked to libbgsync.so only, as a C app would be.
 * Usage: bgsync_capi_checks CHECK SOCKET URL — capi_test.cpp runs each CHECK against a real bgsyncd
 * on SOCKET (also in $BGSYNC_SOCKET) and a test HTTP server at URL, then looks at what the server got.
 * Prints what it enqueued on stdout ("id <uuid>"), the first failure on stderr, and exits 1 on one. */
#include <bgsync/bgsync.h>

#include <stdio.h>
#include <string.h>

#define CHECK(cond)                                                                 \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);      \
      return 1;                                                                     \
    }                                                                               \
  } while (0)

/* `call` must return `code`; prints the library's message when it does not. */
#define CHECK_CODE(call, code)                                                              \
  do {                                                                                      \
    const bgsync_error got_ = (call);                                                       \
    if (got_ != (code)) {                                                                   \
      fprintf(stderr, "%s:%d: %s returned %s, expected %s: %s\n", __FILE__, __LINE__, #call, \
              bgsync_error_name(got_), bgsync_error_name(code), bgsync_last_error_message(NULL)); \
      return 1;                                                                             \
    }                                                                                       \
  } while (0)
#define CHECK_OK(call) CHECK_CODE(call, BGSYNC_OK)

static int contains(const char *text, const char *part) { return text != NULL && strstr(text, part) != NULL; }

static int check_names(void) {
  static const int codes[] = {BGSYNC_ERR_BAD_FRAME, BGSYNC_ERR_FRAME_TOO_LARGE, BGSYNC_ERR_MISSING_FIELD,
                              BGSYNC_ERR_BAD_FIELD, BGSYNC_ERR_UNKNOWN_OP, BGSYNC_ERR_UNSUPPORTED_VERSION,
                              BGSYNC_ERR_BAD_URL, BGSYNC_ERR_BAD_METHOD, BGSYNC_ERR_BAD_HEADER,
                              BGSYNC_ERR_NOT_FOUND, BGSYNC_ERR_BAD_STATE, BGSYNC_ERR_STORAGE_FULL,
                              BGSYNC_ERR_STORAGE_ERROR, BGSYNC_ERR_SHUTTING_DOWN, BGSYNC_ERR_INTERNAL,
                              BGSYNC_ERR_BAD_CONFIG, BGSYNC_ERR_AMBIGUOUS_ID, BGSYNC_ERR_NOT_RUNNING, BGSYNC_ERR_PERMISSION_DENIED,
                              BGSYNC_ERR_CONNECTION_LOST, BGSYNC_ERR_PROTOCOL_ERROR, BGSYNC_ERR_TIMEOUT,
                              BGSYNC_ERR_INVALID_ARGUMENT, BGSYNC_ERR_NO_MEMORY, BGSYNC_ERR_SYSTEM};
  size_t i;
  for (i = 0; i < sizeof codes / sizeof codes[0]; ++i) {
    if (strcmp(bgsync_error_name(codes[i]), "unknown") == 0 || strcmp(bgsync_strerror(codes[i]), "unknown error") == 0) {
      fprintf(stderr, "error code %d has no name or description\n", codes[i]);
      return 1;
    }
  }
  CHECK(strcmp(bgsync_error_name(BGSYNC_OK), "ok") == 0);
  CHECK(strcmp(bgsync_error_name(BGSYNC_ERR_BAD_URL), "bad_url") == 0);
  CHECK(strcmp(bgsync_error_name(BGSYNC_ERR_NOT_RUNNING), "not_running") == 0);
  CHECK(strcmp(bgsync_error_name(99), "unknown") == 0);
  CHECK(strcmp(bgsync_strerror(12345), "unknown error") == 0);
  CHECK(contains(bgsync_strerror(BGSYNC_ERR_BAD_URL), "URL"));
  CHECK(strcmp(bgsync_state_name(BGSYNC_STATE_CANCELLED), "cancelled") == 0);
  CHECK(strcmp(bgsync_state_name(BGSYNC_STATE_ANY), "any") == 0);
  CHECK(strcmp(bgsync_state_name(7), "unknown") == 0);
  CHECK(strcmp(bgsync_event_type_name(BGSYNC_EVENT_RETRY), "retry") == 0);
  CHECK(strcmp(bgsync_event_type_name(BGSYNC_EVENT_NETWORK), "network") == 0);
  CHECK(strcmp(bgsync_event_type_name(BGSYNC_EVENT_PERIODIC), "periodic") == 0);
  CHECK(strcmp(bgsync_event_type_name(BGSYNC_EVENT_REJECTED), "rejected") == 0);
  CHECK(strcmp(bgsync_event_type_name(BGSYNC_EVENT_REJECTED + 1), "unknown") == 0);
  CHECK(strcmp(bgsync_network_name(BGSYNC_NETWORK_UNMETERED), "unmetered") == 0);
  CHECK(strcmp(bgsync_power_name(BGSYNC_POWER_NOT_ON_BATTERY), "not_on_battery") == 0);
  CHECK(strcmp(bgsync_outcome_name(BGSYNC_OUTCOME_FAILED), "failed") == 0);
  CHECK(strcmp(bgsync_event_type_name(-1), "unknown") == 0);
  CHECK(strlen(bgsync_version()) > 0);
  return 0;
}

static int check_errors(const char *socket_path, const char *url) {
  bgsync_client *client = (bgsync_client *)1;
  static const char *const forbidden_name[] = {"Host"};
  static const char *const forbidden_value[] = {"example.com"};
  bgsync_action *action = (bgsync_action *)1;
  bgsync_action_list *list = (bgsync_action_list *)1;

  if (check_names() != 0) return 1;

  CHECK_CODE(bgsync_connect("/nonexistent-bgsync-dir/bgsyncd.sock", NULL, 0, &client), BGSYNC_ERR_NOT_RUNNING);
  CHECK(client == NULL);
  CHECK(contains(bgsync_last_error_message(NULL), "/nonexistent-bgsync-dir/bgsyncd.sock"));
  CHECK_CODE(bgsync_connect(socket_path, NULL, 0, NULL), BGSYNC_ERR_INVALID_ARGUMENT);
  CHECK_CODE(bgsync_enqueue(NULL, NULL, url, NULL, NULL, 0, NULL, 0, NULL, NULL, NULL), BGSYNC_ERR_INVALID_ARGUMENT);
  CHECK_CODE(bgsync_pause(NULL, NULL), BGSYNC_ERR_INVALID_ARGUMENT);
  CHECK(strcmp(bgsync_last_error_message(NULL), "bgsync_pause: `client` is NULL") == 0);
  CHECK_CODE(bgsync_resume(NULL, NULL), BGSYNC_ERR_INVALID_ARGUMENT);
  CHECK(strcmp(bgsync_last_error_message(NULL), "bgsync_resume: `client` is NULL") == 0);

  /* NULL socket path: the default lookup, which honours $BGSYNC_SOCKET (set by the test). */
  CHECK_OK(bgsync_connect(NULL, "capi-checks/1", 5000, &client));
  CHECK(strcmp(bgsync_socket_path(client), socket_path) == 0);
  CHECK(strcmp(bgsync_last_error_message(client), "") == 0);

  CHECK_CODE(bgsync_enqueue(client, "POST", "ftp://example.com/x", NULL, NULL, 0, NULL, 0, NULL, NULL, NULL),
             BGSYNC_ERR_BAD_URL);
  CHECK(contains(bgsync_last_error_message(client), "ftp://example.com/x"));
  CHECK(strcmp(bgsync_last_error_message(client), bgsync_last_error_message(NULL)) == 0);
  CHECK_CODE(bgsync_enqueue(client, "BAD METHOD", url, NULL, NULL, 0, NULL, 0, NULL, NULL, NULL), BGSYNC_ERR_BAD_METHOD);
  CHECK_CODE(bgsync_enqueue(client, "POST", url, forbidden_name, forbidden_value, 1, NULL, 0, NULL, NULL, NULL),
             BGSYNC_ERR_BAD_HEADER);
  CHECK_CODE(bgsync_enqueue(client, "POST", url, NULL, NULL, 1, NULL, 0, NULL, NULL, NULL), BGSYNC_ERR_INVALID_ARGUMENT);
  CHECK_CODE(bgsync_enqueue(client, "POST", url, NULL, NULL, 0, NULL, 3, NULL, NULL, NULL), BGSYNC_ERR_INVALID_ARGUMENT);

  CHECK_CODE(bgsync_get(client, "not-an-id", &action), BGSYNC_ERR_INVALID_ARGUMENT);
  CHECK(action == NULL);
  CHECK(contains(bgsync_last_error_message(client), "not-an-id"));
  CHECK_CODE(bgsync_get(client, "01937a2e-5f00-7c3a-8d2b-0a1b2c3d4e5f", &action), BGSYNC_ERR_NOT_FOUND);
  CHECK_CODE(bgsync_get(client, NULL, &action), BGSYNC_ERR_INVALID_ARGUMENT);
  CHECK_CODE(bgsync_retry(client, "01937a2e-5f00-7c3a-8d2b-0a1b2c3d4e5f", NULL), BGSYNC_ERR_NOT_FOUND);
  CHECK_CODE(bgsync_cancel(client, "01937a2e-5f00-7c3a-8d2b-0a1b2c3d4e5f", &list), BGSYNC_ERR_NOT_FOUND);
  CHECK(list == NULL);
  CHECK_CODE(bgsync_cancel_tag(client, "", NULL), BGSYNC_ERR_BAD_FIELD);
  CHECK_CODE(bgsync_list(client, NULL, 42, NULL, 0, NULL, &list), BGSYNC_ERR_INVALID_ARGUMENT);
  CHECK_CODE(bgsync_list(client, NULL, BGSYNC_STATE_ANY, NULL, 5000, NULL, &list), BGSYNC_ERR_BAD_FIELD);
  CHECK_CODE(bgsync_list(client, NULL, BGSYNC_STATE_ANY, NULL, 0, "zzz", &list), BGSYNC_ERR_INVALID_ARGUMENT);
  CHECK_CODE(bgsync_watch(client, NULL, BGSYNC_SINCE_NOW, 10, NULL, NULL), BGSYNC_ERR_INVALID_ARGUMENT);

  /* Failed calls leave the connection usable. */
  CHECK_OK(bgsync_list(client, NULL, BGSYNC_STATE_ANY, NULL, 0, NULL, &list));
  CHECK(list->count == 0 && list->next == NULL);
  bgsync_action_list_free(list);

  bgsync_action_free(NULL);
  bgsync_action_list_free(NULL);
  bgsync_status_free(NULL);
  bgsync_event_free(NULL);
  bgsync_subscription_close(NULL);
  bgsync_close(client);
  bgsync_close(NULL);
  return 0;
}

struct sent_watch {
  const char *id;
  char types[16];  /* the first letter of each event type seen for `id`, in order */
  size_t count;
};

static int until_sent(const bgsync_event *event, void *userdata) {
  struct sent_watch *watch = userdata;
  if (strcmp(event->id, watch->id) != 0) return 0;
  if (watch->count + 1 < sizeof watch->types) watch->types[watch->count++] = bgsync_event_type_name(event->type)[0];
  return event->type == BGSYNC_EVENT_SENT || event->type == BGSYNC_EVENT_FAILED;
}

static int check_enqueue_get(const char *url) {
  static const char *const names[] = {"Content-Type", "X-Note"};
  static const char *const values[] = {"application/octet-stream", "first"};
  static const char body[] = {'a', '\0', 'b', '\n', (char)0xff};
  bgsync_client *client = NULL;
  bgsync_action *action = NULL;
  char id[BGSYNC_ID_SIZE];
  struct sent_watch watch;

  CHECK_OK(bgsync_connect(NULL, NULL, 0, &client));
  CHECK_OK(bgsync_enqueue(client, "POST", url, names, values, 2, body, sizeof body, "t1", "capi", id));
  CHECK(strlen(id) == 36);
  printf("id %s\n", id);

  CHECK_OK(bgsync_get(client, id, &action));
  CHECK(strcmp(action->id, id) == 0);
  CHECK(strcmp(action->method, "POST") == 0);
  CHECK(strcmp(action->url, url) == 0);
  CHECK(strcmp(action->tag, "t1") == 0 && strcmp(action->app, "capi") == 0);
  CHECK(action->header_count == 2);
  CHECK(strcmp(action->headers[1].name, "X-Note") == 0 && strcmp(action->headers[1].value, "first") == 0);
  CHECK(action->body_len == sizeof body && memcmp(action->body, body, sizeof body) == 0);
  CHECK(action->created_ms > 1600000000000 && action->updated_ms >= action->created_ms);
  bgsync_action_free(action);

  memset(&watch, 0, sizeof watch);
  watch.id = id;
  CHECK_OK(bgsync_watch(client, "t1", 0, 10000, until_sent, &watch));
  CHECK(strcmp(watch.types, "qss") == 0); /* queued, sending, sent */

  CHECK_OK(bgsync_get(client, id, &action));
  CHECK(action->state == BGSYNC_STATE_SENT);
  CHECK(action->attempts == 1);
  CHECK(action->response_status == 200);
  CHECK(action->response_body_len == 2 && strcmp(action->response_body, "ok") == 0);
  CHECK(action->response_header_count > 0);
  CHECK(action->last_error == NULL && action->next_attempt_ms == 0 && action->waiting == NULL);
  bgsync_action_free(action);
  bgsync_close(client);
  return 0;
}

static int check_manage(const char *url) {
  bgsync_client *client = NULL;
  bgsync_action_list *page = NULL;
  bgsync_action *action = NULL;
  bgsync_status *status = NULL;
  char ids[3][BGSYNC_ID_SIZE];
  char untagged[BGSYNC_ID_SIZE];
  char after[BGSYNC_ID_SIZE];
  int paused = -1;
  int i;

  CHECK_OK(bgsync_connect(NULL, NULL, 0, &client));
  CHECK_OK(bgsync_pause(client, &paused));
  CHECK(paused == 1);
  for (i = 0; i < 3; ++i) CHECK_OK(bgsync_enqueue(client, "PUT", url, NULL, NULL, 0, "x", 1, "q", "lister", ids[i]));
  CHECK_OK(bgsync_enqueue(client, NULL, url, NULL, NULL, 0, NULL, 0, NULL, "lister", untagged));
  printf("id %s\n", ids[1]);
  printf("id %s\n", untagged);

  /* Pages of a tag, in creation order, without bodies. */
  CHECK_OK(bgsync_list(client, "q", BGSYNC_STATE_ANY, NULL, 2, NULL, &page));
  CHECK(page->count == 2 && page->next != NULL);
  CHECK(strcmp(page->actions[0].id, ids[0]) == 0 && strcmp(page->actions[1].id, ids[1]) == 0);
  CHECK(page->actions[0].body_len == 0 && page->actions[0].state == BGSYNC_STATE_QUEUED);
  CHECK(page->actions[1].waiting != NULL && strcmp(page->actions[1].waiting, "paused") == 0);
  strcpy(after, page->next);
  bgsync_action_list_free(page);
  CHECK_OK(bgsync_list(client, "q", BGSYNC_STATE_ANY, NULL, 2, after, &page));
  CHECK(page->count == 1 && page->next == NULL && strcmp(page->actions[0].id, ids[2]) == 0);
  bgsync_action_list_free(page);
  CHECK_OK(bgsync_list(client, "", BGSYNC_STATE_ANY, NULL, 0, NULL, &page));
  CHECK(page->count == 1 && strcmp(page->actions[0].id, untagged) == 0);
  CHECK(strcmp(page->actions[0].method, "GET") == 0);
  bgsync_action_list_free(page);
  CHECK_OK(bgsync_list(client, NULL, BGSYNC_STATE_QUEUED, "lister", 0, NULL, &page));
  CHECK(page->count == 4);
  bgsync_action_list_free(page);

  /* Cancel one, retry it, cancel the tag, retry one of the tag. */
  CHECK_OK(bgsync_cancel(client, ids[0], &page));
  CHECK(page->count == 1 && page->actions[0].state == BGSYNC_STATE_CANCELLED);
  bgsync_action_list_free(page);
  CHECK_CODE(bgsync_cancel(client, ids[0], NULL), BGSYNC_ERR_BAD_STATE);
  CHECK_OK(bgsync_retry(client, ids[0], &action));
  CHECK(action->state == BGSYNC_STATE_QUEUED && strcmp(action->id, ids[0]) == 0);
  bgsync_action_free(action);
  CHECK_OK(bgsync_cancel_tag(client, "q", &page));
  CHECK(page->count == 3);
  bgsync_action_list_free(page);
  CHECK_OK(bgsync_retry(client, ids[1], NULL));

  CHECK_OK(bgsync_get_status(client, &status));
  CHECK(strlen(status->version) > 0);
  CHECK(status->paused == 1);
  CHECK(status->queued == 2 && status->cancelled == 2 && status->sending == 0 && status->sent == 0);
  CHECK(status->last_seq >= 9); /* 4 queued, 1 cancelled, 1 queued, 2 cancelled, 1 queued */
  CHECK(status->next_attempt_ms > 0);
  CHECK((status->online == 1) == (status->network_reason == NULL));
  bgsync_status_free(status);

  CHECK_OK(bgsync_resume(client, &paused));
  CHECK(paused == 0);
  CHECK_OK(bgsync_resume(client, NULL));
  bgsync_close(client);
  return 0;
}

static int check_events(const char *url) {
  bgsync_client *client = NULL;
  bgsync_subscription *subscription = NULL;
  bgsync_event *event = NULL;
  char id[BGSYNC_ID_SIZE];
  uint64_t before, queued_seq, sent_seq;
  struct sent_watch watch;

  CHECK_OK(bgsync_connect(NULL, NULL, 0, &client));
  CHECK_OK(bgsync_subscribe(client, "ev", BGSYNC_SINCE_NOW, &subscription));
  before = bgsync_subscription_last_seq(subscription); /* network events may have come first */
  CHECK(bgsync_subscription_first_seq(subscription) <= before);
  CHECK_CODE(bgsync_next_event(subscription, 0, &event), BGSYNC_ERR_TIMEOUT);
  CHECK(event == NULL);
  CHECK_CODE(bgsync_next_event(subscription, 50, &event), BGSYNC_ERR_TIMEOUT);

  CHECK_OK(bgsync_enqueue(client, "POST", url, NULL, NULL, 0, "{}", 2, "ev", "capi", id));
  printf("id %s\n", id);
  CHECK_OK(bgsync_next_event(subscription, 10000, &event));
  CHECK(event->type == BGSYNC_EVENT_QUEUED && strcmp(event->id, id) == 0);
  CHECK(strcmp(event->tag, "ev") == 0 && strcmp(event->app, "capi") == 0);
  CHECK(event->seq > before && event->attempt == 0 && event->status == 0 && event->error == NULL);
  CHECK(event->time_ms > 1600000000000 && event->online == -1 && event->reason == NULL);
  CHECK(event->outcome == BGSYNC_OUTCOME_NONE && event->duration_ms == -1);
  queued_seq = event->seq;
  bgsync_event_free(event);
  CHECK_OK(bgsync_next_event(subscription, 10000, &event));
  CHECK(event->type == BGSYNC_EVENT_SENDING && event->attempt == 1);
  bgsync_event_free(event);
  CHECK_OK(bgsync_next_event(subscription, -1, &event));
  CHECK(event->type == BGSYNC_EVENT_SENT && event->status == 200 && event->seq > queued_seq);
  sent_seq = event->seq;
  bgsync_event_free(event);
  bgsync_subscription_close(subscription);

  /* Replay: since 0 gives every retained event again; since the last one, nothing. */
  CHECK_OK(bgsync_subscribe(client, "ev", 0, &subscription));
  CHECK(bgsync_subscription_first_seq(subscription) <= queued_seq);
  CHECK(bgsync_subscription_last_seq(subscription) >= sent_seq);
  CHECK_OK(bgsync_next_event(subscription, 10000, &event));
  CHECK(event->seq == queued_seq && event->type == BGSYNC_EVENT_QUEUED);
  bgsync_event_free(event);
  bgsync_subscription_close(subscription);
  CHECK_OK(bgsync_subscribe(client, "ev", (int64_t)sent_seq, &subscription));
  CHECK_CODE(bgsync_next_event(subscription, 100, &event), BGSYNC_ERR_TIMEOUT);
  bgsync_subscription_close(subscription);

  /* watch: stops when the callback says so, or when the time is up. */
  memset(&watch, 0, sizeof watch);
  watch.id = id;
  CHECK_OK(bgsync_watch(client, NULL, 0, 10000, until_sent, &watch));
  CHECK(strcmp(watch.types, "qss") == 0);
  CHECK_CODE(bgsync_watch(client, "ev", (int64_t)sent_seq, 100, until_sent, &watch), BGSYNC_ERR_TIMEOUT);
  CHECK(contains(bgsync_last_error_message(client), "no event"));

  /* The subscription outlives the client it was made from. */
  CHECK_OK(bgsync_subscribe(client, "ev", 0, &subscription));
  bgsync_close(client);
  CHECK_OK(bgsync_next_event(subscription, 10000, &event));
  CHECK(event->seq == queued_seq);
  bgsync_event_free(event);
  bgsync_subscription_close(subscription);
  return 0;
}

/* bgsync_wait: an outcome that came before the call, a timeout with the state then, a cancel, and
 * the errors of bad ids. */
static int check_wait(const char *url) {
  bgsync_client *client = NULL;
  bgsync_wait_list *list = NULL;
  char sent_id[BGSYNC_ID_SIZE], held_id[BGSYNC_ID_SIZE];
  const char *ids[2];
  const char *bad[1];

  CHECK(strcmp(bgsync_wait_outcome_name(BGSYNC_WAIT_EXPIRED), "expired") == 0);
  CHECK(strcmp(bgsync_wait_outcome_name(BGSYNC_WAIT_UNFINISHED), "unfinished") == 0);
  CHECK(strcmp(bgsync_wait_outcome_name(9), "unknown") == 0);
  CHECK_OK(bgsync_connect(NULL, NULL, 0, &client));
  CHECK_OK(bgsync_enqueue(client, "POST", url, NULL, NULL, 0, "x", 1, NULL, "capi", sent_id));
  printf("id %s\n", sent_id);
  ids[0] = sent_id;
  CHECK_OK(bgsync_wait(client, ids, 1, 10000, &list));
  CHECK(list->count == 1);
  CHECK(strcmp(list->results[0].id, sent_id) == 0);
  CHECK(list->results[0].outcome == BGSYNC_WAIT_SENT && list->results[0].state == BGSYNC_STATE_SENT);
  CHECK(list->results[0].status == 200 && list->results[0].error == NULL);
  bgsync_wait_list_free(list);

  CHECK_OK(bgsync_pause(client, NULL));
  CHECK_OK(bgsync_enqueue(client, "POST", url, NULL, NULL, 0, "y", 1, NULL, "capi", held_id));
  printf("id %s\n", held_id);
  ids[1] = held_id;
  CHECK_OK(bgsync_wait(client, ids + 1, 1, 100, &list)); /* held by the pause: the time runs out */
  CHECK(list->count == 1 && list->results[0].outcome == BGSYNC_WAIT_UNFINISHED);
  CHECK(list->results[0].state == BGSYNC_STATE_QUEUED);
  bgsync_wait_list_free(list);

  CHECK_OK(bgsync_cancel(client, held_id, NULL));
  CHECK_OK(bgsync_wait(client, ids, 2, 0, &list)); /* both finished: known at once */
  CHECK(list->count == 2);
  CHECK(list->results[0].outcome == BGSYNC_WAIT_SENT);
  CHECK(list->results[1].outcome == BGSYNC_WAIT_CANCELLED && list->results[1].state == BGSYNC_STATE_CANCELLED);
  bgsync_wait_list_free(list);
  CHECK_OK(bgsync_resume(client, NULL));

  bad[0] = "not-an-id";
  CHECK_CODE(bgsync_wait(client, bad, 1, 0, &list), BGSYNC_ERR_INVALID_ARGUMENT);
  CHECK(list == NULL);
  bad[0] = "0190c3b2-8c1e-7d43-9a1f-3b2c1d0e9f8a";
  CHECK_CODE(bgsync_wait(client, bad, 1, 0, &list), BGSYNC_ERR_NOT_FOUND);
  CHECK_CODE(bgsync_wait(client, NULL, 1, 0, &list), BGSYNC_ERR_INVALID_ARGUMENT);
  bgsync_close(client);
  return 0;
}

/* With no daemon at socket_path: spooled into $BGSYNC_SPOOL (spool_dir NULL), and NOT_RUNNING with
 * spool 0. The caller starts the daemon afterwards and sees the spooled request sent. */
static int check_spool(const char *socket_path, const char *url) {
  static const char *const names[] = {"X-Note"};
  static const char *const values[] = {"spooled"};
  char id[BGSYNC_ID_SIZE];
  int spooled = -1;

  CHECK_OK(bgsync_enqueue_or_spool(socket_path, "capi-checks", 0, NULL, 1, "PUT", url, names, values, 1, "s", 1,
                                   "t", "capi", id, &spooled));
  CHECK(spooled == 1);
  CHECK(strlen(id) == 36);
  printf("id %s\n", id);
  spooled = -1;
  CHECK(bgsync_enqueue_or_spool(socket_path, NULL, 0, NULL, 0, NULL, url, NULL, NULL, 0, NULL, 0, NULL, NULL, NULL,
                                &spooled) == BGSYNC_ERR_NOT_RUNNING);
  CHECK(spooled == 0);
  CHECK(contains(bgsync_last_error_message(NULL), "not running"));
  CHECK(bgsync_enqueue_or_spool(socket_path, NULL, 0, NULL, 1, NULL, "ftp://x/", NULL, NULL, 0, NULL, 0, NULL, NULL,
                                NULL, NULL) == BGSYNC_ERR_BAD_URL);
  return 0;
}

int main(int argc, char **argv) {
  const char *check, *socket_path, *url;
  if (argc != 4) {
    fprintf(stderr, "usage: %s errors|enqueue_get|manage|events|wait|spool SOCKET URL\n", argv[0]);
    return 2;
  }
  check = argv[1];
  socket_path = argv[2];
  url = argv[3];
  if (strcmp(check, "errors") == 0) return check_errors(socket_path, url);
  if (strcmp(check, "enqueue_get") == 0) return check_enqueue_get(url);
  if (strcmp(check, "manage") == 0) return check_manage(url);
  if (strcmp(check, "events") == 0) return check_events(url);
  if (strcmp(check, "wait") == 0) return check_wait(url);
  if (strcmp(check, "spool") == 0) return check_spool(socket_path, url);
  fprintf(stderr, "unknown check %s\n", check);
  return 2;
}
