// The C API (bgsync.h) over the synchronous bgsync::Client: error codes and names, the client
// handle, and one function per request. Events (subscriptions, watch) are in c_api_events.cpp.
// Each entry point checks its pointers, converts C arguments to C++ values, makes the call, and
// hands back library-allocated structs (c_api_values.hpp) or the error through capi::fail.

#include "bgsync/bgsync.h"

#include "bgsync/proto/paths.hpp"
#include "client-lib/src/c_api_internal.hpp"
#include "client-lib/src/c_api_values.hpp"

#include <array>
#include <cstring>

namespace bgsync::capi {
namespace {

thread_local std::string thread_last_error;

struct CodeInfo {
  int code;
  const char* name;
  const char* description;
};

// The client side's codes; the protocol's come from proto::errc_name and the proto category.
constexpr std::array<CodeInfo, 9> client_codes{{
    {BGSYNC_OK, "ok", "success"},
    {BGSYNC_ERR_NOT_RUNNING, "not_running", "bgsyncd is not running"},
    {BGSYNC_ERR_PERMISSION_DENIED, "permission_denied", "permission denied on bgsyncd's socket"},
    {BGSYNC_ERR_CONNECTION_LOST, "connection_lost", "the connection to bgsyncd was lost"},
    {BGSYNC_ERR_PROTOCOL_ERROR, "protocol_error", "bgsyncd sent an invalid reply"},
    {BGSYNC_ERR_TIMEOUT, "timeout", "timed out"},
    {BGSYNC_ERR_INVALID_ARGUMENT, "invalid_argument", "invalid argument"},
    {BGSYNC_ERR_NO_MEMORY, "no_memory", "out of memory"},
    {BGSYNC_ERR_SYSTEM, "system", "operating system error"},
}};

// Whether `code` is one of the protocol's codes, which the C API numbers as proto::errc does (1..99).
bool is_protocol_code(int code) {
  if (code < 1 || code >= 100) return false;
  const auto e = static_cast<proto::errc>(code);
  return proto::errc_from_name(proto::errc_name(e)) == e;  // unknown values are named "internal"
}

const CodeInfo* find_client_code(int code) {
  for (const auto& info : client_codes) {
    if (info.code == code) return &info;
  }
  return nullptr;
}

// An action id from C, or the INVALID_ARGUMENT it is.
Result<ActionId> parse_id(const char* text) {
  if (text == nullptr) return Error{std::make_error_code(std::errc::invalid_argument), "the action id is NULL"};
  if (auto id = ActionId::parse(text)) return *id;
  return Error{std::make_error_code(std::errc::invalid_argument),
               "\"" + std::string(text) + "\" is not an action id (a UUID such as 01937a2e-5f00-7c3a-8d2b-0a1b2c3d4e5f)"};
}

// An action named from C: a whole id or a prefix of at least 8 hex digits, which the daemon resolves.
Result<ActionRef> parse_ref(const char* text) {
  if (text == nullptr) return Error{std::make_error_code(std::errc::invalid_argument), "the action id is NULL"};
  if (auto ref = ActionRef::parse(text)) return *ref;
  return Error{std::make_error_code(std::errc::invalid_argument),
               "\"" + std::string(text) + "\" is not an action id or a prefix of one (at least 8 hex digits)"};
}

// The action list a cancel returns, when the caller asked for it.
bgsync_error cancelled_out(bgsync_client* client, Result<std::vector<Action>> result, bgsync_action_list** out) {
  if (!result) return fail(client, result.error());
  if (out != nullptr) *out = release(make_action_list(*result, std::nullopt));
  return BGSYNC_OK;
}

// bgsync_pause and bgsync_resume: `call` on the client, and the new paused state into *paused.
bgsync_error set_paused(bgsync_client* client, std::string_view function, Result<bool> (Client::*call)(), int* paused) {
  return guarded(client, [&]() -> bgsync_error {
    if (client == nullptr) return invalid(nullptr, std::string(function) + ": `client` is NULL");
    auto result = (client->client.*call)();
    if (!result) return fail(client, result.error());
    if (paused != nullptr) *paused = *result ? 1 : 0;
    return BGSYNC_OK;
  });
}

}  // namespace

bgsync_error code_of(const std::error_code& code) noexcept {
  if (code.category() == proto::error_category()) {
    return is_protocol_code(code.value()) ? static_cast<bgsync_error>(code.value()) : BGSYNC_ERR_INTERNAL;
  }
  if (code.category() == client_category()) {
    switch (static_cast<client_errc>(code.value())) {
      case client_errc::not_running: return BGSYNC_ERR_NOT_RUNNING;
      case client_errc::permission_denied: return BGSYNC_ERR_PERMISSION_DENIED;
      case client_errc::connection_lost: return BGSYNC_ERR_CONNECTION_LOST;
      case client_errc::protocol_error: return BGSYNC_ERR_PROTOCOL_ERROR;
      case client_errc::timeout: return BGSYNC_ERR_TIMEOUT;
      case client_errc::unsupported_version: return BGSYNC_ERR_UNSUPPORTED_VERSION;
    }
    return BGSYNC_ERR_INTERNAL;
  }
  if (code == std::errc::invalid_argument) return BGSYNC_ERR_INVALID_ARGUMENT;
  if (code == std::errc::not_enough_memory) return BGSYNC_ERR_NO_MEMORY;
  if (code == std::errc::timed_out || code == std::errc::operation_canceled) return BGSYNC_ERR_TIMEOUT;
  return BGSYNC_ERR_SYSTEM;
}

bgsync_error fail(bgsync_client* client, bgsync_error code, std::string_view message, std::string_view detail) noexcept {
  try {
    thread_last_error.assign(message).append(detail);
    if (client != nullptr) client->last_error = thread_last_error;
  } catch (...) {  // out of memory: keep the code, lose the words
  }
  return code;
}

bgsync_error read_request_parts(bgsync_client* client, std::string_view function, const char* const* header_names,
                                const char* const* header_values, size_t header_count, const void* body,
                                size_t body_len, Headers& headers, std::string& body_out) {
  const std::string name(function);
  if (header_count > 0 && (header_names == nullptr || header_values == nullptr)) {
    return invalid(client, name + ": header_count > 0 but the header arrays are NULL");
  }
  if (body_len > 0 && body == nullptr) return invalid(client, name + ": body_len > 0 but `body` is NULL");
  for (size_t i = 0; i < header_count; ++i) {
    if (header_names[i] == nullptr || header_values[i] == nullptr) {
      return invalid(client, name + ": header " + std::to_string(i) + " has a NULL name or value");
    }
    headers.push_back({header_names[i], header_values[i]});
  }
  if (body_len > 0) body_out.assign(static_cast<const char*>(body), body_len);
  return BGSYNC_OK;
}

bgsync_error fail(bgsync_client* client, const Error& error) noexcept {
  if (!error.message.empty()) return fail(client, code_of(error.code), error.message);
  try {
    return fail(client, code_of(error.code), error.code.message());
  } catch (...) {
    return fail(client, code_of(error.code), {});
  }
}

bgsync_error read_enqueue_request(bgsync_client* client, std::string_view function, const EnqueueArgs& args,
                                  EnqueueRequest& request) {
  if (args.url == nullptr) return invalid(client, std::string(function) + ": `url` is NULL");
  if (auto read = read_request_parts(client, function, args.header_names, args.header_values, args.header_count,
                                     args.body, args.body_len, request.headers, request.body);
      read != BGSYNC_OK) {
    return read;
  }
  if (args.method != nullptr) request.method = args.method;
  request.url = args.url;
  request.tag = c_string(args.tag);
  request.app = c_string(args.app);
  return BGSYNC_OK;
}

void write_id(const ActionId& id, char* id_out) {
  if (id_out == nullptr) return;
  const std::string text = id.to_string();
  std::memcpy(id_out, text.c_str(), text.size() + 1);  // 36 characters and the NUL: BGSYNC_ID_SIZE
}

}  // namespace bgsync::capi

using bgsync::capi::fail;
using bgsync::capi::guarded;
using bgsync::capi::release;
namespace capi = bgsync::capi;
namespace proto = bgsync::proto;

extern "C" {

const char* bgsync_error_name(int code) {
  if (capi::is_protocol_code(code)) return proto::errc_name(static_cast<proto::errc>(code)).data();
  const auto* info = capi::find_client_code(code);
  return info ? info->name : "unknown";
}

const char* bgsync_strerror(int code) {
  // The proto category builds std::strings; C wants static text, so keep one per code.
  static const auto protocol_descriptions = [] {
    std::array<std::string, 100> texts;
    for (int c = 1; c < 100; ++c) {
      if (capi::is_protocol_code(c)) texts[c] = proto::make_error_code(static_cast<proto::errc>(c)).message();
    }
    return texts;
  }();
  if (code >= 1 && code < 100 && !protocol_descriptions[code].empty()) return protocol_descriptions[code].c_str();
  const auto* info = capi::find_client_code(code);
  return info ? info->description : "unknown error";
}

const char* bgsync_version(void) { return BGSYNC_VERSION; }

const char* bgsync_state_name(int state) {
  if (state == BGSYNC_STATE_ANY) return "any";
  if (state < 0 || state >= static_cast<int>(proto::action_state_count)) return "unknown";
  return to_string(static_cast<bgsync::ActionState>(state)).data();
}

const char* bgsync_event_type_name(int type) {
  if (type < BGSYNC_EVENT_QUEUED || type > BGSYNC_EVENT_REJECTED) return "unknown";
  return to_string(static_cast<bgsync::EventType>(type)).data();
}

void bgsync_action_free(bgsync_action* action) { capi::free_box(action); }
void bgsync_action_list_free(bgsync_action_list* list) { capi::free_box(list); }
void bgsync_status_free(bgsync_status* status) { capi::free_box(status); }
void bgsync_event_free(bgsync_event* event) { capi::free_box(event); }

bgsync_error bgsync_connect(const char* socket_path, const char* client_name, int timeout_ms, bgsync_client** out) {
  return guarded(nullptr, [&]() -> bgsync_error {
    if (out == nullptr) return capi::invalid(nullptr, "bgsync_connect: `out` is NULL");
    *out = nullptr;
    bgsync::ConnectOptions options;
    options.socket_path = proto::resolve_socket_path(capi::c_string(socket_path)).path;
    if (client_name != nullptr) options.client_name = client_name;
    if (timeout_ms > 0) options.timeout = std::chrono::milliseconds(timeout_ms);
    auto client = bgsync::Client::connect(options);
    if (!client) return fail(nullptr, client.error());
    *out = new bgsync_client(std::move(*client), std::move(options));
    return BGSYNC_OK;
  });
}

void bgsync_close(bgsync_client* client) { delete client; }

const char* bgsync_socket_path(const bgsync_client* client) {
  return client == nullptr ? "" : client->options.socket_path.c_str();
}

const char* bgsync_last_error_message(const bgsync_client* client) {
  return client == nullptr ? capi::thread_last_error.c_str() : client->last_error.c_str();
}

bgsync_error bgsync_enqueue(bgsync_client* client, const char* method, const char* url,
                            const char* const* header_names, const char* const* header_values,
                            size_t header_count, const void* body, size_t body_len, const char* tag,
                            const char* app, char* id_out) {
  return guarded(client, [&]() -> bgsync_error {
    if (client == nullptr) return capi::invalid(nullptr, "bgsync_enqueue: `client` is NULL");
    bgsync::EnqueueRequest request;
    if (auto read = capi::read_enqueue_request(client, "bgsync_enqueue", {method, url, header_names, header_values,
                                                                          header_count, body, body_len, tag, app},
                                               request);
        read != BGSYNC_OK) {
      return read;
    }
    auto action = client->client.enqueue(request);
    if (!action) return fail(client, action.error());
    capi::write_id(action->id, id_out);
    return BGSYNC_OK;
  });
}

bgsync_error bgsync_get(bgsync_client* client, const char* id, bgsync_action** out) {
  return guarded(client, [&]() -> bgsync_error {
    if (out != nullptr) *out = nullptr;
    if (client == nullptr || out == nullptr) return capi::invalid(client, "bgsync_get: `client` or `out` is NULL");
    auto action_id = capi::parse_ref(id);
    if (!action_id) return fail(client, action_id.error());
    auto action = client->client.get(*action_id);
    if (!action) return fail(client, action.error());
    *out = release(capi::make_action(*action));
    return BGSYNC_OK;
  });
}

bgsync_error bgsync_list(bgsync_client* client, const char* tag, int state, const char* app, unsigned limit,
                         const char* after, bgsync_action_list** out) {
  return guarded(client, [&]() -> bgsync_error {
    if (out != nullptr) *out = nullptr;
    if (client == nullptr || out == nullptr) return capi::invalid(client, "bgsync_list: `client` or `out` is NULL");
    bgsync::ListQuery query;
    if (tag != nullptr) query.tag = tag;
    if (app != nullptr) query.app = app;
    if (state != BGSYNC_STATE_ANY) {
      if (state < 0 || state >= static_cast<int>(proto::action_state_count)) {
        return capi::invalid(client, "bgsync_list: " + std::to_string(state) + " is not a bgsync_state");
      }
      query.state = static_cast<bgsync::ActionState>(state);
    }
    if (limit != 0) query.limit = limit;
    if (after != nullptr) {
      auto cursor = capi::parse_id(after);
      if (!cursor) return fail(client, cursor.error());
      query.after = *cursor;
    }
    auto page = client->client.list(query);
    if (!page) return fail(client, page.error());
    *out = release(capi::make_action_list(page->actions, page->next));
    return BGSYNC_OK;
  });
}

bgsync_error bgsync_cancel(bgsync_client* client, const char* id, bgsync_action_list** cancelled) {
  return guarded(client, [&]() -> bgsync_error {
    if (cancelled != nullptr) *cancelled = nullptr;
    if (client == nullptr) return capi::invalid(nullptr, "bgsync_cancel: `client` is NULL");
    auto action_id = capi::parse_ref(id);
    if (!action_id) return fail(client, action_id.error());
    return capi::cancelled_out(client, client->client.cancel(*action_id), cancelled);
  });
}

bgsync_error bgsync_cancel_tag(bgsync_client* client, const char* tag, bgsync_action_list** cancelled) {
  return guarded(client, [&]() -> bgsync_error {
    if (cancelled != nullptr) *cancelled = nullptr;
    if (client == nullptr || tag == nullptr) return capi::invalid(client, "bgsync_cancel_tag: `client` or `tag` is NULL");
    return capi::cancelled_out(client, client->client.cancel_tag(tag), cancelled);
  });
}

bgsync_error bgsync_retry(bgsync_client* client, const char* id, bgsync_action** out) {
  return guarded(client, [&]() -> bgsync_error {
    if (out != nullptr) *out = nullptr;
    if (client == nullptr) return capi::invalid(nullptr, "bgsync_retry: `client` is NULL");
    auto action_id = capi::parse_ref(id);
    if (!action_id) return fail(client, action_id.error());
    auto action = client->client.retry(*action_id);
    if (!action) return fail(client, action.error());
    if (out != nullptr) *out = release(capi::make_action(*action));
    return BGSYNC_OK;
  });
}

bgsync_error bgsync_get_status(bgsync_client* client, bgsync_status** out) {
  return guarded(client, [&]() -> bgsync_error {
    if (out != nullptr) *out = nullptr;
    if (client == nullptr || out == nullptr) return capi::invalid(client, "bgsync_get_status: `client` or `out` is NULL");
    auto status = client->client.status();
    if (!status) return fail(client, status.error());
    *out = release(capi::make_status(*status));
    return BGSYNC_OK;
  });
}

bgsync_error bgsync_pause(bgsync_client* client, int* paused) {
  return capi::set_paused(client, "bgsync_pause", &bgsync::Client::pause, paused);
}

bgsync_error bgsync_resume(bgsync_client* client, int* paused) {
  return capi::set_paused(client, "bgsync_resume", &bgsync::Client::resume, paused);
}

// bgsync_wait_outcome numbers WaitOutcome's values.
static_assert(static_cast<int>(bgsync::WaitOutcome::unfinished) == BGSYNC_WAIT_UNFINISHED &&
              static_cast<int>(bgsync::WaitOutcome::sent) == BGSYNC_WAIT_SENT &&
              static_cast<int>(bgsync::WaitOutcome::failed) == BGSYNC_WAIT_FAILED &&
              static_cast<int>(bgsync::WaitOutcome::expired) == BGSYNC_WAIT_EXPIRED &&
              static_cast<int>(bgsync::WaitOutcome::cancelled) == BGSYNC_WAIT_CANCELLED);

const char* bgsync_wait_outcome_name(int outcome) {
  if (outcome < BGSYNC_WAIT_UNFINISHED || outcome > BGSYNC_WAIT_CANCELLED) return "unknown";
  return to_string(static_cast<bgsync::WaitOutcome>(outcome)).data();
}

void bgsync_wait_list_free(bgsync_wait_list* list) { capi::free_box(list); }

bgsync_error bgsync_wait(bgsync_client* client, const char* const* ids, size_t count, int64_t timeout_ms,
                         bgsync_wait_list** out) {
  return guarded(client, [&]() -> bgsync_error {
    if (out != nullptr) *out = nullptr;
    if (client == nullptr || out == nullptr) return capi::invalid(client, "bgsync_wait: `client` or `out` is NULL");
    if (ids == nullptr && count > 0) return capi::invalid(client, "bgsync_wait: `ids` is NULL");
    std::vector<bgsync::WaitTarget> targets;
    targets.reserve(count);
    for (size_t i = 0; i < count; ++i) {
      auto action_id = capi::parse_id(ids[i]);
      if (!action_id) return fail(client, action_id.error());
      targets.emplace_back(*action_id);
    }
    std::optional<std::chrono::milliseconds> timeout;
    if (timeout_ms >= 0) timeout = std::chrono::milliseconds(timeout_ms);
    auto results = client->client.wait(targets, timeout);
    if (!results) return fail(client, results.error());
    *out = release(capi::make_wait_list(*results));
    return BGSYNC_OK;
  });
}

}  // extern "C"
