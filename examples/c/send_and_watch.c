/* send-and-watch — libbgsync from C: hand a POST to bgsyncd, then follow its events until it is
 * sent or has failed (or 30 seconds pass: it stays in the outbox and goes later anyway).
 *
 *   send-and-watch URL [BODY]
 */
#include <bgsync/bgsync.h>

#include <stdio.h>
#include <string.h>

/* Prints the events of one action; stops watching at its final state. */
static int on_event(const bgsync_event *event, void *userdata) {
  const char *id = userdata;
  if (strcmp(event->id, id) != 0) return 0;
  printf("%s", bgsync_event_type_name(event->type));
  if (event->status != 0) printf(" (HTTP %d)", event->status);
  if (event->error != NULL) printf(": %s", event->error);
  printf("\n");
  fflush(stdout);
  return event->type == BGSYNC_EVENT_SENT || event->type == BGSYNC_EVENT_FAILED;
}

int main(int argc, char **argv) {
  static const char *const names[] = {"Content-Type"};
  static const char *const values[] = {"text/plain; charset=utf-8"};
  const char *body = argc > 2 ? argv[2] : "hello from C";
  bgsync_client *client = NULL;
  bgsync_status *status = NULL;
  int64_t since;
  char id[BGSYNC_ID_SIZE];
  bgsync_error error;

  if (argc < 2) {
    fprintf(stderr, "usage: %s URL [BODY]\n", argv[0]);
    return 2;
  }
  /* NULL: the default socket ($BGSYNC_SOCKET, else $XDG_RUNTIME_DIR/bgsync/bgsyncd.sock). */
  error = bgsync_connect(NULL, "send-and-watch", 0, &client);
  if (error != BGSYNC_OK) {
    fprintf(stderr, "send-and-watch: %s\n", bgsync_last_error_message(NULL));
    return 1;
  }
  /* Events after this seq are the ones to watch: our action's come after it. */
  error = bgsync_get_status(client, &status);
  if (error != BGSYNC_OK) {
    fprintf(stderr, "send-and-watch: %s\n", bgsync_last_error_message(client));
    bgsync_close(client);
    return 1;
  }
  since = (int64_t)status->last_seq;
  bgsync_status_free(status);

  error = bgsync_enqueue(client, "POST", argv[1], names, values, 1, body, strlen(body), NULL, "send-and-watch", id);
  if (error != BGSYNC_OK) {
    fprintf(stderr, "send-and-watch: %s (%s)\n", bgsync_last_error_message(client), bgsync_error_name(error));
    bgsync_close(client);
    return 1;
  }
  printf("queued %s\n", id);

  error = bgsync_watch(client, NULL, since, 30000, on_event, id);
  if (error == BGSYNC_ERR_TIMEOUT) {
    printf("not sent yet; bgsyncd keeps it and will send it later\n");
  } else if (error != BGSYNC_OK) {
    fprintf(stderr, "send-and-watch: %s\n", bgsync_last_error_message(client));
  }
  bgsync_close(client);
  return error == BGSYNC_OK || error == BGSYNC_ERR_TIMEOUT ? 0 : 1;
}
