// Fans committed events out to the connections that subscribed. The commit queue calls publish()
// on the io thread after each durable commit, in seq order; a connection filters and buffers.
#pragma once

#include <unordered_set>
#include <vector>

#include "bgsync/proto/types.hpp"

namespace bgsync::daemon {

class Connection;

class EventHub {
 public:
  void add(Connection* connection) { connections_.insert(connection); }
  void remove(Connection* connection) { connections_.erase(connection); }
  void publish(const std::vector<proto::Event>& events);

 private:
  std::unordered_set<Connection*> connections_;  // those with at least one subscription
};

}  // namespace bgsync::daemon
