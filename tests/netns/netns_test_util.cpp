// The netns tests' shared steps and delivery checks.
#include "tests/netns/netns_test_util.hpp"

#include <map>
#include <set>
#include <sstream>

#include <catch2/catch.hpp>

#include "tests/support/catch_result.hpp"
#include "tests/support/skip.hpp"
#include "tests/support/test_util.hpp"

namespace bgsync::test {

namespace {

std::string log_tail(const std::string& log, std::size_t lines) {
  std::size_t start = log.size();
  for (std::size_t n = 0; n <= lines; ++n) {
    if (start == 0) return log;
    start = log.rfind('\n', start - 1);
    if (start == std::string::npos) return log;
  }
  return log.substr(start + 1);
}

}  // namespace

std::unique_ptr<NetnsTopology> topology_or_skip() {
  try {
    return std::make_unique<NetnsTopology>();
  } catch (const NetnsUnavailable& e) {
    BGSYNC_WARN_SKIPPED("cannot create network namespaces here: " << e.what()
                                                            << " (these tests need root and iproute2; CI runs them as root)");
    return nullptr;
  }
}

void require_within(const NetnsDaemon& daemon, const std::string& what, std::chrono::milliseconds timeout,
                    const std::function<bool()>& pred) {
  if (wait_until(pred, timeout, std::chrono::milliseconds(5))) return;
  FAIL("timed out after " << timeout.count() << " ms waiting until " << what << "\nbgsyncd log (tail):\n"
                          << log_tail(daemon.log(), 60));
}

Status status_ok(Client& client) {
  auto status = client.status();
  REQUIRE(status);
  return *status;
}


EnqueueRequest numbered(const HttpServer& server, const std::string& prefix, const std::string& tag, int seq) {
  EnqueueRequest r;
  r.method = "POST";
  r.url = server.url("/" + prefix + "/" + tag + "/" + std::to_string(seq));
  r.body = tag + ":" + std::to_string(seq);
  r.tag = tag;
  r.app = "netns";
  return r;
}

std::string DeliveryReport::summary() const {
  std::ostringstream out;
  out << received << " requests received, " << duplicates << " duplicates, " << missing.size() << " missing, "
      << unknown.size() << " unknown, " << out_of_order.size() << " out of order";
  const auto list = [&](const char* what, const std::vector<std::string>& items) {
    for (std::size_t i = 0; i < items.size() && i < 10; ++i) out << "\n  " << what << ": " << items[i];
  };
  list("missing", missing);
  list("unknown", unknown);
  list("out of order", out_of_order);
  return out.str();
}

DeliveryReport check_delivery(const std::vector<RecordedRequest>& requests, const std::vector<Sent>& sent) {
  std::map<std::string, const Sent*> by_key;
  for (const auto& s : sent) by_key[s.id.to_string()] = &s;
  DeliveryReport report;
  report.received = requests.size();
  std::set<std::string> seen;
  std::map<std::string, int> last_seq;  // tag -> seq of its latest first arrival
  for (const auto& request : requests) {
    const std::string key = request.header("Idempotency-Key").value_or("(none)");
    if (!seen.insert(key).second) {
      ++report.duplicates;
      continue;
    }
    const auto it = by_key.find(key);
    if (it == by_key.end()) {
      report.unknown.push_back(key + " " + request.target);
      continue;
    }
    const Sent& s = *it->second;
    const auto last = last_seq.find(s.tag);
    if (last != last_seq.end() && last->second > s.seq) {
      report.out_of_order.push_back("tag " + s.tag + ": #" + std::to_string(s.seq) + " arrived after #" +
                                    std::to_string(last->second));
    }
    last_seq[s.tag] = std::max(s.seq, last == last_seq.end() ? s.seq : last->second);
  }
  for (const auto& s : sent) {
    if (!seen.contains(s.id.to_string())) report.missing.push_back(s.id.to_string() + " (" + s.tag + " #" + std::to_string(s.seq) + ")");
  }
  return report;
}

std::vector<std::string> attempts_while_offline(const std::vector<Event>& events) {
  std::vector<std::string> found;
  bool offline = false;
  std::uint64_t offline_seq = 0;
  for (const auto& e : events) {
    if (e.type == EventType::network) {
      offline = !e.online.value_or(true);
      offline_seq = e.seq;
    } else if (offline && e.type == EventType::sending) {
      found.push_back("action " + e.id.to_string() + " (tag " + e.tag + ") attempt " + std::to_string(e.attempt) +
                      " started at event #" + std::to_string(e.seq) + ", after the offline event #" +
                      std::to_string(offline_seq));
    }
  }
  return found;
}

std::vector<std::string> network_changes(const std::vector<Event>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) {
    if (e.type != EventType::network) continue;
    out.push_back(e.online.value_or(true) ? "online" : "offline (" + e.reason + ")");
  }
  return out;
}

}  // namespace bgsync::test
