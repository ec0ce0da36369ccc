// Event fan-out to subscribed connections.
#include "daemon/event_hub.hpp"

#include "daemon/connection.hpp"

namespace bgsync::daemon {

void EventHub::publish(const std::vector<proto::Event>& events) {
  if (events.empty()) return;
  for (auto* connection : connections_) connection->on_events(events);
}

}  // namespace bgsync::daemon
