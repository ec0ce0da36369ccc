// A scripted bgsyncd for the syncctl periodic and cache tests: answers the periodic operations as
// PERIODIC.md says (tag "gone" does not exist), records every request, and sends the frames a test
// sets after some replies (events). Built on FakeServer.
#pragma once

#include "tests/client/fake_server.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

namespace bgsync::test {

// A time `offset` from now on the wire, for relative columns ("3m ago", "in 14m").
std::string wire_time(std::chrono::seconds offset);

// An event push frame of subscription 1.
std::string push(const boost::json::object& event);

class PeriodicDaemon {
public:
  PeriodicDaemon();

  // What periodic_list returns; frames sent after the replies to periodic_run and subscribe (events);
  // what cache_get returns (empty: nothing cached).
  void set_registrations(boost::json::array registrations);
  void set_after_run(std::string frames);
  void set_after_subscribe(std::string frames);
  void set_cached(boost::json::object cached);

  const std::string& path() const { return server_.path(); }
  int connections() const { return server_.connections(); }
  std::vector<boost::json::object> requests() const;
  boost::json::object last() const;  // fails the test when there was none

private:
  Answer answer(const boost::json::object& request);  // with mutex_ held

  mutable std::mutex mutex_;
  std::vector<boost::json::object> requests_;
  boost::json::array registrations_;
  std::string after_run_;
  std::string after_subscribe_;
  boost::json::object cached_;
  FakeServer server_;  // last: its thread stops before the members it uses go
};

}  // namespace bgsync::test
