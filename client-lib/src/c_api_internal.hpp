// What the C API's two halves share: the bgsync_client handle, and turning C++ failures (an Error,
// an exception) into a bgsync_error plus the message bgsync_last_error_message returns. Nothing
// thrown may cross into C, so every entry point runs its body through guarded().
#pragma once

#include "bgsync/bgsync.h"
#include "bgsync/client.hpp"

#include <new>
#include <string>
#include <string_view>
#include <utility>

// The handle behind bgsync_client*: a synchronous Client, and what a subscription needs to open a
// connection of its own the same way.
struct bgsync_client {
  bgsync_client(bgsync::Client client_, bgsync::ConnectOptions options_)
      : client(std::move(client_)), options(std::move(options_)) {}

  bgsync::Client client;
  bgsync::ConnectOptions options;  // socket_path resolved: the one `client` is connected to
  std::string last_error;          // the message of the last failed call on this client
};

namespace bgsync::capi {

// The C code of an error: protocol codes keep their numbers, client_errc values map to 100+.
bgsync_error code_of(const std::error_code& code) noexcept;

// Records `message` + `detail` as the last error of `client` (when not NULL) and of the calling
// thread, and returns `code`. Never throws: a message that cannot be stored is dropped.
bgsync_error fail(bgsync_client* client, bgsync_error code, std::string_view message,
                  std::string_view detail = {}) noexcept;
bgsync_error fail(bgsync_client* client, const Error& error) noexcept;

// The text of an optional C string: "" for NULL.
inline std::string_view c_string(const char* text) {
  return text == nullptr ? std::string_view() : std::string_view(text);
}

// An INVALID_ARGUMENT failure saying `what`.
inline bgsync_error invalid(bgsync_client* client, std::string_view what) noexcept {
  return fail(client, BGSYNC_ERR_INVALID_ARGUMENT, what);
}

// Copies the C header arrays and body of `function` (enqueue, periodic_register) into `headers` and
// `body`, or fails with INVALID_ARGUMENT naming what is NULL.
bgsync_error read_request_parts(bgsync_client* client, std::string_view function, const char* const* header_names,
                                const char* const* header_values, size_t header_count, const void* body,
                                size_t body_len, Headers& headers, std::string& body_out);

// The C arguments of an enqueue (bgsync_enqueue, bgsync_enqueue_or_spool), as bgsync.h documents them.
struct EnqueueArgs {
  const char* method;
  const char* url;
  const char* const* header_names;
  const char* const* header_values;
  size_t header_count;
  const void* body;
  size_t body_len;
  const char* tag;
  const char* app;
};
// Fills `request` from them, or fails with INVALID_ARGUMENT naming what is NULL.
bgsync_error read_enqueue_request(bgsync_client* client, std::string_view function, const EnqueueArgs& args,
                                  EnqueueRequest& request);
// Copies the id's text and its NUL into id_out (BGSYNC_ID_SIZE bytes), unless it is NULL.
void write_id(const ActionId& id, char* id_out);

// Runs `body` (returning bgsync_error) and turns any exception into NO_MEMORY or INTERNAL.
template <class Body>
bgsync_error guarded(bgsync_client* client, Body&& body) noexcept {
  try {
    return std::forward<Body>(body)();
  } catch (const std::bad_alloc&) {
    return fail(client, BGSYNC_ERR_NO_MEMORY, "out of memory");
  } catch (const std::exception& e) {
    return fail(client, BGSYNC_ERR_INTERNAL, "libbgsync: unexpected exception: ", e.what());
  } catch (...) {
    return fail(client, BGSYNC_ERR_INTERNAL, "libbgsync: unexpected exception");
  }
}

}  // namespace bgsync::capi
