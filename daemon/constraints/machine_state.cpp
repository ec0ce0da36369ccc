// Reading the machine state on a worker thread, and judging constraints against it.
#include "daemon/constraints/machine_state.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace bgsync::constraints {
namespace asio = boost::asio;

namespace {

proto::ConstraintState from(const ConstraintCheck& check) { return {check.satisfied, check.reason}; }

}  // namespace

proto::ConstraintState check(proto::NetworkConstraint constraint, const MachineState& state) {
  switch (constraint) {
    case proto::NetworkConstraint::any: return {true, "any network"};
    case proto::NetworkConstraint::unmetered: return from(check_network(NetworkRequirement::unmetered, state.metered));
  }
  return {true, ""};
}

proto::ConstraintState check(proto::PowerConstraint constraint, const MachineState& state) {
  switch (constraint) {
    case proto::PowerConstraint::any: return {true, "any power"};
    case proto::PowerConstraint::not_on_battery: return from(check_power(PowerRequirement::not_on_battery, state.power));
    case proto::PowerConstraint::not_low_battery: return from(check_power(PowerRequirement::not_low_battery, state.power));
  }
  return {true, ""};
}

MachineStateReader::MachineStateReader(PowerSourceOptions power, std::chrono::milliseconds max_age)
    : power_(std::move(power)), max_age_(max_age) {}

MachineStateReader::~MachineStateReader() { pool_.join(); }

asio::awaitable<MachineState> MachineStateReader::read() {
  const auto now = std::chrono::steady_clock::now();
  if (read_at_ && now - *read_at_ < max_age_) co_return state_;
  // Named, not a temporary inside co_await: g++ 12 destroys such lambdas twice.
  auto work = [power = power_]() -> asio::awaitable<MachineState> {
    co_return MachineState{read_power(power), read_metered(power.dbus)};
  };
  auto reading = asio::co_spawn(pool_, std::move(work), asio::use_awaitable);
  state_ = co_await std::move(reading);
  read_at_ = std::chrono::steady_clock::now();
  co_return state_;
}

}  // namespace bgsync::constraints
