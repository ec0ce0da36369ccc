// Reads one D-Bus property with a bound on the whole exchange: see dbus_property.hpp for why the
// connection is driven here rather than by sd_bus_get_property_trivial.
#include "daemon/constraints/dbus_property.hpp"

#include <systemd/sd-bus.h>

#include <cerrno>
#include <memory>
#include <system_error>
#include <utility>

namespace bgsync::constraints {
namespace {

struct BusClose {
  // close_unref, not flush_close_unref: flushing could block on a peer that does not read.
  void operator()(sd_bus* bus) const noexcept { sd_bus_close_unref(bus); }
};
struct SlotUnref {
  void operator()(sd_bus_slot* slot) const noexcept { sd_bus_slot_unref(slot); }
};
using BusPtr = std::unique_ptr<sd_bus, BusClose>;
using SlotPtr = std::unique_ptr<sd_bus_slot, SlotUnref>;

std::string errno_text(int negative_errno) { return std::generic_category().message(-negative_errno); }

DbusFailure fail(std::string message) { return DbusFailure{std::move(message)}; }

struct Pending {
  char signature;
  bool done = false;
  DbusValue value = DbusFailure{};
};

// Unpacks the reply of Properties.Get: a variant holding `signature`, or an error message.
int on_reply(sd_bus_message* reply, void* userdata, sd_bus_error* /*ret_error*/) {
  auto& pending = *static_cast<Pending*>(userdata);
  pending.done = true;
  if (sd_bus_message_is_method_error(reply, nullptr) > 0) {
    const sd_bus_error* error = sd_bus_message_get_error(reply);
    pending.value = fail(std::string{error && error->name ? error->name : "unknown D-Bus error"} +
                         (error && error->message ? std::string{": "} + error->message : std::string{}));
    return 0;
  }
  const char contents[2] = {pending.signature, '\0'};
  if (int r = sd_bus_message_enter_container(reply, SD_BUS_TYPE_VARIANT, contents); r <= 0) {
    pending.value = fail(std::string{"the property is not of D-Bus type '"} + contents + "'");
    return 0;
  }
  int r = -EINVAL;
  if (pending.signature == SD_BUS_TYPE_BOOLEAN) {
    int b = 0;  // sd-bus reads a D-Bus boolean into an int
    r = sd_bus_message_read_basic(reply, SD_BUS_TYPE_BOOLEAN, &b);
    if (r > 0) pending.value = b != 0;
  } else if (pending.signature == SD_BUS_TYPE_UINT32) {
    std::uint32_t u = 0;
    r = sd_bus_message_read_basic(reply, SD_BUS_TYPE_UINT32, &u);
    if (r > 0) pending.value = u;
  }
  if (r <= 0) pending.value = fail("cannot read the property's value: " + (r < 0 ? errno_text(r) : "empty"));
  return 0;
}

// Opens a connection without waiting for it: connect() on a Unix socket returns at once, the
// handshake runs later inside sd_bus_process.
DbusValue open_bus(const DbusOptions& options, BusPtr& out) {
  sd_bus* raw = nullptr;
  if (options.bus_address.empty()) {
    if (int r = sd_bus_open_system(&raw); r < 0) return fail("cannot connect to the system bus: " + errno_text(r));
    out.reset(raw);
    return true;
  }
  if (int r = sd_bus_new(&raw); r < 0) return fail("cannot create a D-Bus connection: " + errno_text(r));
  out.reset(raw);
  if (int r = sd_bus_set_address(raw, options.bus_address.c_str()); r < 0)
    return fail("bad D-Bus address '" + options.bus_address + "': " + errno_text(r));
  sd_bus_set_bus_client(raw, 1);  // a message bus (send Hello), not a peer-to-peer connection
  if (int r = sd_bus_start(raw); r < 0)
    return fail("cannot connect to D-Bus at '" + options.bus_address + "': " + errno_text(r));
  return true;
}

}  // namespace

DbusValue get_property(const DbusTarget& target, char signature, const DbusOptions& options) {
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  if (signature != SD_BUS_TYPE_BOOLEAN && signature != SD_BUS_TYPE_UINT32)
    return fail(std::string{"unsupported D-Bus type '"} + signature + "'");

  BusPtr bus;  // declared before the slot: the slot holds a reference to the bus
  if (auto opened = open_bus(options, bus); std::holds_alternative<DbusFailure>(opened)) return opened;

  Pending pending{signature};
  sd_bus_slot* raw_slot = nullptr;
  if (int r = sd_bus_call_method_async(bus.get(), &raw_slot, target.service.c_str(), target.path.c_str(),
                                       "org.freedesktop.DBus.Properties", "Get", on_reply, &pending, "ss",
                                       target.interface.c_str(), target.property.c_str());
      r < 0)
    return fail("cannot send the D-Bus call: " + errno_text(r));
  const SlotPtr slot{raw_slot};

  while (!pending.done) {
    const int processed = sd_bus_process(bus.get(), nullptr);
    if (pending.done) break;
    if (processed < 0) return fail("the D-Bus connection failed: " + errno_text(processed));
    if (processed > 0) continue;  // more may be ready without waiting
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline)
      return fail("no answer from " + target.service + " within " + std::to_string(options.timeout.count()) + " ms");
    const auto left = std::chrono::ceil<std::chrono::microseconds>(deadline - now);
    if (int r = sd_bus_wait(bus.get(), static_cast<std::uint64_t>(left.count())); r < 0 && r != -EINTR)
      return fail("waiting on the D-Bus connection failed: " + errno_text(r));
  }
  return std::move(pending.value);
}

}  // namespace bgsync::constraints
