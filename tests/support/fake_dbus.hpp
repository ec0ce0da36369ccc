// A private D-Bus for tests: a real dbus-daemon on a socket in a temporary directory (FakeDbus),
// and a fake system service on it (FakeDbusService) — NetworkManager's Metered, UPower's OnBattery —
// whose property values, or misbehaviour, the test sets while clients read them.
//
// Nothing here touches the machine's own buses: the bus listens only on its own Unix socket, with
// a configuration written by FakeDbus (same-uid connections, everything allowed, no activation).
// A client reaches it through FakeDbus::address(): DbusOptions::bus_address, or
// DBUS_SYSTEM_BUS_ADDRESS for a bgsyncd the test starts.
#pragma once

#include "tests/support/test_util.hpp"

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <variant>

namespace bgsync::test {

class FakeDbus {
 public:
  // Starts /usr/bin/dbus-daemon (or $BGSYNC_TEST_DBUS_DAEMON) and waits until it listens. Returns
  // nullptr when it cannot (no binary, it exits, it says nothing within `timeout`) and puts the
  // reason in `why_not`: tests then skip with a warning rather than fail, since a machine without
  // dbus-daemon has nothing wrong with bgsync.
  static std::unique_ptr<FakeDbus> start(std::string* why_not,
                                         std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~FakeDbus();  // SIGTERM, then SIGKILL if it lingers; reaps the child
  FakeDbus(const FakeDbus&) = delete;
  FakeDbus& operator=(const FakeDbus&) = delete;

  // The bus's D-Bus address as dbus-daemon printed it ("unix:path=/tmp/...,guid=...").
  const std::string& address() const noexcept { return address_; }
  std::string log() const;  // what dbus-daemon wrote to stdout/stderr so far, for failure messages

 private:
  FakeDbus() = default;

  TempDir dir_{"bgsync-dbus"};
  pid_t pid_ = -1;
  std::string address_;
};

// One object of a fake service on a bus, answering org.freedesktop.DBus.Properties.Get for one
// interface from values the test sets. Runs its connection on a thread of its own; every public
// member is thread-safe.
class FakeDbusService {
 public:
  using Value = std::variant<bool, std::uint32_t>;  // D-Bus "b" and "u"

  enum class Mode {
    normal,      // answers Get with the property's value, or UnknownProperty / UnknownInterface
    silent,      // keeps the name, reads every call, answers none: the caller's deadline must hold
    wrong_type,  // answers every Get with a string variant, whatever the property
  };

  // Connects to `bus_address`, owns `service` and serves `path`/`interface`; returns once the name
  // is owned. Throws std::runtime_error saying which step failed.
  FakeDbusService(const std::string& bus_address, std::string service, std::string path, std::string interface);
  ~FakeDbusService();  // stops the thread, closing the connection (the name goes away)
  FakeDbusService(const FakeDbusService&) = delete;
  FakeDbusService& operator=(const FakeDbusService&) = delete;

  void set(const std::string& property, Value value);
  void remove(const std::string& property);
  void set_mode(Mode mode);
  // How many Properties.Get calls arrived (answered or not), to show that a reader asked or did not.
  std::size_t gets() const;

  struct Served;  // the thread's view of the service; public only for the sd-bus callback

 private:
  void serve(const std::string& bus_address);

  std::unique_ptr<Served> served_;
  std::thread thread_;
};

// NetworkManager's and UPower's coordinates, as daemon/constraints reads them.
struct FakeNetworkManager : FakeDbusService {
  explicit FakeNetworkManager(const std::string& bus_address)
      : FakeDbusService(bus_address, "org.freedesktop.NetworkManager", "/org/freedesktop/NetworkManager",
                        "org.freedesktop.NetworkManager") {}
  void set_metered(std::uint32_t nm_metered) { set("Metered", nm_metered); }
};

struct FakeUpower : FakeDbusService {
  explicit FakeUpower(const std::string& bus_address)
      : FakeDbusService(bus_address, "org.freedesktop.UPower", "/org/freedesktop/UPower", "org.freedesktop.UPower") {}
  void set_on_battery(bool on_battery) { set("OnBattery", on_battery); }
};

}  // namespace bgsync::test
