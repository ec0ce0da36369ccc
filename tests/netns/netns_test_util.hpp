// Shared steps of the netns tests: build the topology or skip, wait on the daemon with its log in
// the failure message, enqueue numbered actions per tag, and check what the server received
// against what was acknowledged (missing, duplicated, out of order per tag).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bgsync/client.hpp"
#include "tests/netns/netns_daemon.hpp"
#include "tests/netns/netns_topology.hpp"
#include "tests/support/test_http_server.hpp"

namespace bgsync::test {

// Short debounces so a test sees the daemon act on a change within a few hundred ms.
inline const std::vector<std::string> fast_network_args{"--online-debounce", "10ms", "--offline-debounce", "200ms"};

// The topology, or nullptr after a Catch2 WARN saying why the test is skipped (no root, no
// namespaces, no iproute2). Any other failure fails the test.
std::unique_ptr<NetnsTopology> topology_or_skip();

// Waits until `pred` holds; on the deadline, FAILs with `what` and the tail of the daemon's log.
void require_within(const NetnsDaemon& daemon, const std::string& what, std::chrono::milliseconds timeout,
                    const std::function<bool()>& pred);

Status status_ok(Client& client);

// An acknowledged enqueue: the action's id and its place in its tag's order.
struct Sent {
  ActionId id;
  std::string tag;
  int seq = 0;  // 0, 1, 2, ... within the tag, in enqueue order
};

// POST <server>/<prefix>/<tag>/<seq>, tagged `tag`.
EnqueueRequest numbered(const HttpServer& server, const std::string& prefix, const std::string& tag, int seq);

// What the server received, compared with what was acknowledged. Order is checked on first
// arrivals: a duplicate (a retry after a lost response) may legitimately arrive late.
struct DeliveryReport {
  std::size_t received = 0;
  std::size_t duplicates = 0;             // requests whose Idempotency-Key had been seen before
  std::vector<std::string> missing;       // acknowledged ids the server never got
  std::vector<std::string> unknown;       // Idempotency-Keys of no acknowledged action
  std::vector<std::string> out_of_order;  // "tag t1: #5 arrived after #6"
  std::string summary() const;
};
DeliveryReport check_delivery(const std::vector<RecordedRequest>& requests, const std::vector<Sent>& sent);

// `sending` events (attempts started) recorded while the daemon said it was offline, i.e. between
// a `network` online=false event and the next online=true: each described for a failure message.
std::vector<std::string> attempts_while_offline(const std::vector<Event>& events);

// The network events, as "offline (reason)" / "online", in order.
std::vector<std::string> network_changes(const std::vector<Event>& events);

}  // namespace bgsync::test
