// The daemon's long-lived parts, handed by reference to connections and request handlers so
// each finds what it needs in one place. Owned by Daemon; all used on the io_context thread.
#pragma once

#include "daemon/options.hpp"

namespace bgsync::store {
class Outbox;
class CommitQueue;
}  // namespace bgsync::store

namespace bgsync::net {
class NetworkWatcher;
}  // namespace bgsync::net

namespace bgsync::proto {
class IdGenerator;
}  // namespace bgsync::proto

namespace bgsync::daemon {

class Scheduler;
class SendGate;
class PeriodicScheduler;
class EventHub;
class LiveConfig;

struct Services {
  store::Outbox& outbox;
  store::CommitQueue& commits;
  Scheduler& scheduler;
  SendGate& gate;  // paused, reachability, online/offline
  PeriodicScheduler& periodic;
  EventHub& hub;
  proto::IdGenerator& ids;
  net::NetworkWatcher& network;
  const DaemonOptions& options;  // the values in effect: config.options()
  LiveConfig& config;            // `config` and `reload`
};

}  // namespace bgsync::daemon
