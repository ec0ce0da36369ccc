// `list` and action ids at scale, through a real daemon: paging through 25,000 actions misses and
// repeats nothing (the library's cursor, syncctl's streamed --json, --limit with --after, and the
// text view's "N more" line), and an action may be named by a unique prefix of its id.
#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <memory>

#include "bgsync/async_client.hpp"
#include "tests/e2e/daemon_process.hpp"
#include "tests/e2e/e2e_util.hpp"

using namespace bgsync;
using namespace bgsync::test;
namespace asio = boost::asio;

namespace {

ProcessResult run_syncctl(DaemonProcess& daemon, std::vector<std::string> args) {
  args.insert(args.begin(), BGSYNC_SYNCCTL_PATH);
  return run_process(args, {}, {{"BGSYNC_SOCKET", daemon.socket()}});
}

// `count` actions enqueued over one pipelined AsyncClient connection, `window` requests in flight
// at a time (the daemon handles up to 256 per connection): ids in creation order. Pipelined, the
// daemon commits them in large groups, so 25,000 take about a second rather than one fsync each.
std::vector<ActionId> enqueue_many(const std::string& socket, std::size_t count, std::size_t window = 200) {
  asio::io_context io;
  std::vector<ActionId> ids;
  std::string error;
  ConnectOptions options;
  options.socket_path = socket;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto client = co_await AsyncClient::connect(io.get_executor(), options);
        if (!client) {
          error = client.error().message;
          co_return;
        }
        auto shared = std::shared_ptr<AsyncClient>(std::move(*client));
        auto next = std::make_shared<std::size_t>(0);
        for (std::size_t w = 0; w < window; ++w) {
          asio::co_spawn(
              io,
              [&, shared, next]() -> asio::awaitable<void> {
                EnqueueRequest request;
                request.method = "POST";
                request.url = "http://127.0.0.1:9/paging";
                request.body = "x";
                while (*next < count && error.empty()) {
                  ++*next;
                  auto action = co_await shared->enqueue(request);
                  if (!action) error = action.error().message;
                  else ids.push_back(action->id);
                }
              },
              asio::detached);
        }
      },
      asio::detached);
  io.run();
  INFO(error);
  REQUIRE(error.empty());
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::vector<ActionId> ids_of(const boost::json::array& actions) {
  std::vector<ActionId> ids;
  ids.reserve(actions.size());
  for (const auto& a : actions) ids.push_back(ActionId::parse(a.at("id").as_string()).value());
  return ids;
}

}  // namespace

TEST_CASE("list pages through 25,000 actions with none missed or repeated", "[e2e][syncctl][list]") {
  constexpr std::size_t total = 25'000;
  DaemonProcess daemon;
  daemon.start();
  auto client = daemon.client();
  REQUIRE(client.pause());  // nothing is sent: every action stays queued and listed
  const auto ids = enqueue_many(daemon.socket(), total);
  REQUIRE(ids.size() == total);
  REQUIRE(std::adjacent_find(ids.begin(), ids.end()) == ids.end());

  // The library: pages of an odd size, so boundaries fall all over; each page counts what follows.
  ListQuery query;
  query.limit = 997;
  query.count = true;
  std::vector<ActionId> seen;
  for (;;) {
    auto page = client.list(query);
    REQUIRE(page);
    for (const auto& a : page->actions) seen.push_back(a.id);
    REQUIRE(page->remaining == total - seen.size());
    if (!page->next) break;
    REQUIRE(page->next == seen.back());
    query.after = page->next;
  }
  CHECK(seen == ids);

  // syncctl --json: every match in one array (streamed page by page), as before: no cursor object.
  auto all = run_syncctl(daemon, {"--json", "list"});
  REQUIRE(all.exit_code == 0);
  CHECK(ids_of(boost::json::parse(all.out).as_array()) == ids);

  // --json --limit: one page and the cursor; --after continues exactly after it.
  auto first = run_syncctl(daemon, {"--json", "list", "--limit", "1000"});
  REQUIRE(first.exit_code == 0);
  const auto p1 = boost::json::parse(first.out).as_object();
  REQUIRE(ids_of(p1.at("actions").as_array()) == std::vector<ActionId>(ids.begin(), ids.begin() + 1000));
  CHECK(p1.at("remaining").to_number<std::size_t>() == total - 1000);
  const std::string next(p1.at("next").as_string());
  CHECK(next == ids[999].to_string());
  auto second = run_syncctl(daemon, {"--json", "list", "--limit", "1000", "--after", next});
  REQUIRE(second.exit_code == 0);
  const auto p2 = boost::json::parse(second.out).as_object();
  CHECK(ids_of(p2.at("actions").as_array()) == std::vector<ActionId>(ids.begin() + 1000, ids.begin() + 2000));
  auto last = run_syncctl(daemon, {"--json", "list", "--limit", "1000", "--after", ids[total - 11].to_string()});
  const auto p3 = boost::json::parse(last.out).as_object();
  CHECK(p3.at("actions").as_array().size() == 10);
  CHECK(p3.at("next").is_null());
  CHECK(p3.at("remaining").to_number<std::size_t>() == 0);

  // The table: one page on stdout, and how many more on stderr; --all shows every one.
  auto text = run_syncctl(daemon, {"list", "--state", "queued"});
  REQUIRE(text.exit_code == 0);
  CHECK(std::count(text.out.begin(), text.out.end(), '\n') == 1 + 100 + 1);  // header, rows, "-- 100 actions"
  CHECK(text.err == std::to_string(total - 100) + " more; use --all\n");
  auto everything = run_syncctl(daemon, {"list", "--all"});
  REQUIRE(everything.exit_code == 0);
  CHECK(std::count(everything.out.begin(), everything.out.end(), '\n') == 1 + total + 1);
  CHECK(everything.err.empty());
  auto none = run_syncctl(daemon, {"list", "--tag", "nothing"});
  CHECK(none.out == "no actions\n");
  CHECK(none.err.empty());
}

TEST_CASE("syncctl names an action by a unique prefix of its id, and refuses ambiguous and short ones",
          "[e2e][syncctl][list]") {
  DaemonProcess daemon;
  daemon.start();
  auto client = daemon.client();
  REQUIRE(client.pause());
  auto enqueued = run_syncctl(daemon, {"enqueue", "http://127.0.0.1:9/one"});
  REQUIRE(enqueued.exit_code == 0);
  const std::string id = enqueued.out.substr(0, 36);
  REQUIRE(ActionId::parse(id));

  // The only action: its first 8 digits name it, and so do longer prefixes, with or without dashes.
  for (const std::string& prefix : {id.substr(0, 8), id.substr(0, 13), id.substr(0, 8) + id.substr(9, 4), id}) {
    INFO(prefix);
    auto shown = run_syncctl(daemon, {"show", prefix});
    CHECK(shown.exit_code == 0);
    CHECK_THAT(shown.out, Catch::Contains(id));
  }
  auto cancelled = run_syncctl(daemon, {"cancel", id.substr(0, 8)});
  CHECK(cancelled.exit_code == 0);
  CHECK(cancelled.out == "cancelled " + id + "\n");
  auto retried = run_syncctl(daemon, {"retry", id.substr(0, 8)});
  CHECK(retried.exit_code == 0);
  CHECK(retried.out == id + " queued\n");

  auto short_one = run_syncctl(daemon, {"show", id.substr(0, 7)});
  CHECK(short_one.exit_code == 2);
  CHECK_THAT(short_one.err, Catch::Contains("at least 8 hex digits"));
  const std::string absent = id[0] == 'f' ? "00000000" : "ffffffff";
  auto missing = run_syncctl(daemon, {"show", absent});
  CHECK(missing.exit_code == 1);
  CHECK_THAT(missing.err, Catch::Contains("no action has an id starting with " + absent));

  // Ids made in the same millisecond share their first 12 digits: a pipelined burst makes some.
  const auto ids = enqueue_many(daemon.socket(), 1000);
  std::string shared;
  for (std::size_t i = 1; i < ids.size() && shared.empty(); ++i) {
    const std::string a = ids[i - 1].to_string();
    if (a.substr(0, 13) == ids[i].to_string().substr(0, 13)) shared = a.substr(0, 13);
  }
  REQUIRE_FALSE(shared.empty());
  for (const char* command : {"show", "cancel", "retry"}) {
    INFO(command);
    auto ambiguous = run_syncctl(daemon, {command, shared});
    CHECK(ambiguous.exit_code == 1);
    CHECK_THAT(ambiguous.err, Catch::StartsWith("syncctl: the id prefix " + shared + " matches more than one action"));
  }
  auto by_library = client.get(ActionRef::parse(shared).value());
  REQUIRE(by_library.has_error());
  CHECK(by_library.error().code == errc::ambiguous_id);
}
