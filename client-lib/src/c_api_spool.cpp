// The C API's enqueue that spools when bgsyncd is not running (bgsync.h): bgsync::enqueue with
// the connection's and the spool's options taken from C arguments.
#include "client-lib/src/c_api_internal.hpp"

using bgsync::capi::fail;
using bgsync::capi::guarded;

extern "C" {

bgsync_error bgsync_enqueue_or_spool(const char* socket_path, const char* client_name, int timeout_ms,
                                     const char* spool_dir, int spool, const char* method, const char* url,
                                     const char* const* header_names, const char* const* header_values,
                                     size_t header_count, const void* body, size_t body_len, const char* tag,
                                     const char* app, char* id_out, int* spooled_out) {
  return guarded(nullptr, [&]() -> bgsync_error {
    if (spooled_out != nullptr) *spooled_out = 0;
    bgsync::EnqueueRequest request;
    if (auto read = bgsync::capi::read_enqueue_request(nullptr, "bgsync_enqueue_or_spool",
                                                       {method, url, header_names, header_values, header_count, body,
                                                        body_len, tag, app},
                                                       request);
        read != BGSYNC_OK) {
      return read;
    }
    bgsync::ConnectOptions options;
    options.socket_path = bgsync::capi::c_string(socket_path);
    if (client_name != nullptr) options.client_name = client_name;
    if (timeout_ms > 0) options.timeout = std::chrono::milliseconds(timeout_ms);
    options.spool_dir = bgsync::capi::c_string(spool_dir);
    options.spool = spool != 0;
    auto outcome = bgsync::enqueue(request, options);
    if (!outcome) return fail(nullptr, outcome.error());
    bgsync::capi::write_id(outcome->action.id, id_out);
    if (spooled_out != nullptr) *spooled_out = outcome->spooled ? 1 : 0;
    return BGSYNC_OK;
  });
}

}  // extern "C"
