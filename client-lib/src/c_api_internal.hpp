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
