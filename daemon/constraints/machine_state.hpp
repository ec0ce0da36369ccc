// The machine's state as periodic-sync constraints see it (power, metered network), read off the
// io thread — a D-Bus query may block for up to its 100 ms deadline — and kept for a moment so
// that a burst of due registrations or list requests costs one read.
#pragma once

#include <chrono>
#include <optional>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include "bgsync/proto/periodic.hpp"
#include "daemon/constraints/metered_source.hpp"
#include "daemon/constraints/power_source.hpp"

namespace bgsync::constraints {

struct MachineState {
  PowerState power;
  MeteredState metered;
};

// Whether `state` allows a registration's constraints, one answer per constraint.
proto::ConstraintState check(proto::NetworkConstraint constraint, const MachineState& state);
proto::ConstraintState check(proto::PowerConstraint constraint, const MachineState& state);

class MachineStateReader {
 public:
  // Reads run on a thread of their own (the D-Bus calls block), and their answers are used for
  // `max_age`. Use read() from the io thread only.
  explicit MachineStateReader(PowerSourceOptions power, std::chrono::milliseconds max_age = std::chrono::seconds(1));
  ~MachineStateReader();  // waits for a read in progress (at most the D-Bus deadline)
  MachineStateReader(const MachineStateReader&) = delete;
  MachineStateReader& operator=(const MachineStateReader&) = delete;

  // The state as of at most max_age ago; resumes on the caller's executor.
  boost::asio::awaitable<MachineState> read();
  // Forget the kept state (the network changed: it may be metered now).
  void invalidate() noexcept { read_at_.reset(); }

 private:
  PowerSourceOptions power_;
  std::chrono::milliseconds max_age_;
  boost::asio::thread_pool pool_{1};
  MachineState state_;
  std::optional<std::chrono::steady_clock::time_point> read_at_;
};

}  // namespace bgsync::constraints
