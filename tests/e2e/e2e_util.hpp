// Shared steps of the end-to-end tests: enqueue through libbgsync, wait for an action's state.
#pragma once

#include <chrono>
#include <string>

#include <catch2/catch.hpp>

#include "bgsync/client.hpp"
#include "tests/support/catch_result.hpp"
#include "tests/support/test_util.hpp"

namespace bgsync::test {

inline Action enqueue_ok(Client& client, EnqueueRequest request) {
  auto action = client.enqueue(request);
  INFO((action ? std::string() : action.error().message));
  REQUIRE(action);
  return *action;
}

inline EnqueueRequest post(std::string url, std::string body, std::string tag = {}) {
  EnqueueRequest r;
  r.method = "POST";
  r.url = std::move(url);
  r.body = std::move(body);
  r.tag = std::move(tag);
  r.app = "e2e";
  return r;
}

// Polls `get` until the action reaches `state` (true) or the deadline passes (false).
inline bool wait_for_state(Client& client, const ActionId& id, ActionState state,
                           std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  return wait_until(
      [&] {
        auto a = client.get(id);
        return a && a->state == state;
      },
      timeout, std::chrono::milliseconds(10));
}

inline Action get_ok(Client& client, const ActionId& id) {
  auto a = client.get(id);
  INFO((a ? std::string() : a.error().message));
  REQUIRE(a);
  return *a;
}

}  // namespace bgsync::test
