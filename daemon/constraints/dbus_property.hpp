// Reads one D-Bus property of a system service (UPower's OnBattery, NetworkManager's Metered) with a
// hard bound on the time it may block: the constraint sources ask when a registration is due.
//
// Blocking. Each call opens its own connection to the system bus, sends one
// org.freedesktop.DBus.Properties.Get and drives the connection itself until the reply, an error or
// the deadline — whichever comes first. The deadline covers everything (connect, the SASL handshake,
// Hello, the call), not just the reply: sd-bus's own method-call timeout does not start until the
// handshake is done, and its handshake timeout is 25 s, so a bus that accepts the connection and
// then says nothing would otherwise hang the caller. A missing bus (no socket) fails at once.
// A connection per call costs about a millisecond on a working bus; the sources call it once per
// due registration, which is rare enough that a long-lived connection (and its reconnect logic) is
// not worth having.
//
// Threading: no shared state; call from any thread, but it blocks that thread for up to `timeout`,
// so the daemon should call it from a worker (or accept a bounded stall of its loop).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <variant>

namespace bgsync::constraints {

struct DbusTarget {
  std::string service;    // "org.freedesktop.UPower"
  std::string path;       // "/org/freedesktop/UPower"
  std::string interface;  // "org.freedesktop.UPower"
  std::string property;   // "OnBattery"
};

struct DbusOptions {
  // Empty: the system bus, found as sd_bus_open_system does ($DBUS_SYSTEM_BUS_ADDRESS, else
  // unix:path=/run/dbus/system_bus_socket). Otherwise a D-Bus address ("unix:path=/tmp/x"), for tests.
  std::string bus_address;
  std::chrono::milliseconds timeout{100};  // for the whole exchange, see above
};

// What came back: the value, or why there is none. Only the D-Bus types the sources need.
struct DbusFailure {
  std::string message;  // says which step failed and why, e.g. "cannot connect to the system bus: No such file or directory"
};
using DbusValue = std::variant<DbusFailure, bool, std::uint32_t>;

// Gets the property, expecting D-Bus type `signature` ("b" or "u"); any other type is a failure.
// Never throws (std::bad_alloc aside); returns within `options.timeout` plus scheduling slack.
DbusValue get_property(const DbusTarget& target, char signature, const DbusOptions& options);

}  // namespace bgsync::constraints
