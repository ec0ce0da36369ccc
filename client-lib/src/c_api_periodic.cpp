// The C API's periodic sync (bgsync.h, "periodic sync"): register, list, unregister, run and the
// cache, over the synchronous bgsync::Client, with the conventions of c_api.cpp (checked pointers,
// library-allocated results, errors through capi::fail).

#include "bgsync/bgsync.h"

#include "client-lib/src/c_api_internal.hpp"
#include "client-lib/src/c_api_values.hpp"

#include <string>

using bgsync::capi::fail;
using bgsync::capi::guarded;
using bgsync::capi::release;
namespace capi = bgsync::capi;
namespace proto = bgsync::proto;

namespace {

// The registration (app, tag) a C caller names; tag must not be NULL (the daemon judges "").
bgsync::PeriodicRef ref_of(const char* app, const char* tag) {
  return bgsync::PeriodicRef{std::string(capi::c_string(app)), std::string(capi::c_string(tag))};
}

}  // namespace

extern "C" {

const char* bgsync_network_name(int network) {
  if (network < BGSYNC_NETWORK_ANY || network > BGSYNC_NETWORK_UNMETERED) return "unknown";
  return to_string(static_cast<proto::NetworkConstraint>(network)).data();
}

const char* bgsync_power_name(int power) {
  if (power < BGSYNC_POWER_ANY || power > BGSYNC_POWER_NOT_LOW_BATTERY) return "unknown";
  return to_string(static_cast<proto::PowerConstraint>(power)).data();
}

const char* bgsync_outcome_name(int outcome) {
  if (outcome == BGSYNC_OUTCOME_NONE) return "none";
  if (outcome < BGSYNC_OUTCOME_UPDATED || outcome > BGSYNC_OUTCOME_FAILED) return "unknown";
  return to_string(static_cast<proto::PeriodicOutcome>(outcome)).data();
}

void bgsync_periodic_free(bgsync_periodic* registration) { capi::free_box(registration); }
void bgsync_periodic_list_free(bgsync_periodic_list* list) { capi::free_box(list); }
void bgsync_cached_response_free(bgsync_cached_response* response) { capi::free_box(response); }

bgsync_error bgsync_periodic_register(bgsync_client* client, const char* app, const char* tag, int64_t min_interval_ms,
                                      const char* method, const char* url, const char* const* header_names,
                                      const char* const* header_values, size_t header_count, const void* body,
                                      size_t body_len, int network, int power, int* replaced, bgsync_periodic** out) {
  return guarded(client, [&]() -> bgsync_error {
    if (out != nullptr) *out = nullptr;
    if (client == nullptr) return capi::invalid(nullptr, "bgsync_periodic_register: `client` is NULL");
    if (tag == nullptr || url == nullptr) {
      return capi::invalid(client, "bgsync_periodic_register: `tag` or `url` is NULL");
    }
    if (network < BGSYNC_NETWORK_ANY || network > BGSYNC_NETWORK_UNMETERED) {
      return capi::invalid(client, "bgsync_periodic_register: " + std::to_string(network) +
                                       " is not a bgsync_network_constraint");
    }
    if (power < BGSYNC_POWER_ANY || power > BGSYNC_POWER_NOT_LOW_BATTERY) {
      return capi::invalid(client, "bgsync_periodic_register: " + std::to_string(power) +
                                       " is not a bgsync_power_constraint");
    }
    bgsync::PeriodicRegisterRequest request;
    if (auto read = capi::read_request_parts(client, "bgsync_periodic_register", header_names, header_values,
                                             header_count, body, body_len, request.headers, request.body);
        read != BGSYNC_OK) {
      return read;
    }
    request.app = capi::c_string(app);
    request.tag = tag;
    request.min_interval = std::chrono::milliseconds(min_interval_ms);
    if (method != nullptr) request.method = method;
    request.url = url;
    request.network = static_cast<proto::NetworkConstraint>(network);
    request.power = static_cast<proto::PowerConstraint>(power);

    auto result = client->client.register_periodic(request);
    if (!result) return fail(client, result.error());
    if (replaced != nullptr) *replaced = result->replaced ? 1 : 0;
    if (out != nullptr) *out = release(capi::make_periodic(result->registration));
    return BGSYNC_OK;
  });
}

bgsync_error bgsync_list_periodic(bgsync_client* client, const char* app, bgsync_periodic_list** out) {
  return guarded(client, [&]() -> bgsync_error {
    if (out != nullptr) *out = nullptr;
    if (client == nullptr || out == nullptr) {
      return capi::invalid(client, "bgsync_list_periodic: `client` or `out` is NULL");
    }
    bgsync::PeriodicListQuery query;
    if (app != nullptr) query.app = app;
    auto list = client->client.list_periodic(query);
    if (!list) return fail(client, list.error());
    *out = release(capi::make_periodic_list(list->registrations));
    return BGSYNC_OK;
  });
}

bgsync_error bgsync_periodic_unregister(bgsync_client* client, const char* app, const char* tag) {
  return guarded(client, [&]() -> bgsync_error {
    if (client == nullptr || tag == nullptr) {
      return capi::invalid(client, "bgsync_periodic_unregister: `client` or `tag` is NULL");
    }
    auto result = client->client.unregister_periodic(ref_of(app, tag));
    if (!result) return fail(client, result.error());
    return BGSYNC_OK;
  });
}

bgsync_error bgsync_periodic_run(bgsync_client* client, const char* app, const char* tag, bgsync_periodic** out) {
  return guarded(client, [&]() -> bgsync_error {
    if (out != nullptr) *out = nullptr;
    if (client == nullptr || tag == nullptr) return capi::invalid(client, "bgsync_periodic_run: `client` or `tag` is NULL");
    auto registration = client->client.run_periodic(ref_of(app, tag));
    if (!registration) return fail(client, registration.error());
    if (out != nullptr) *out = release(capi::make_periodic(*registration));
    return BGSYNC_OK;
  });
}

bgsync_error bgsync_cache_get(bgsync_client* client, const char* app, const char* tag, bgsync_cached_response** out) {
  return guarded(client, [&]() -> bgsync_error {
    if (out != nullptr) *out = nullptr;
    if (client == nullptr || tag == nullptr || out == nullptr) {
      return capi::invalid(client, "bgsync_cache_get: `client`, `tag` or `out` is NULL");
    }
    auto cached = client->client.cache_get(ref_of(app, tag));
    if (!cached) return fail(client, cached.error());
    *out = release(capi::make_cached_response(*cached));
    return BGSYNC_OK;
  });
}

}  // extern "C"
