// `syncctl cache get` and `syncctl watch`'s periodic events as processes against the scripted
// periodic daemon: cached bytes printed like curl (-i, -o, --json), nothing cached, event lines.

#include "tests/client/periodic_daemon.hpp"
#include "tests/client/syncctl_process.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>

namespace {

namespace json = boost::json;
using bgsync::test::op_of;
using bgsync::test::PeriodicDaemon;
using bgsync::test::push;
using bgsync::test::syncctl;

std::string slurp(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream content;
  content << file.rdbuf();
  return content.str();
}

}  // namespace

TEST_CASE("syncctl cache get prints the cached bytes like curl", "[syncctl][periodic]") {
  PeriodicDaemon daemon;
  const std::string body("\x89PNG\r\n\x1a\n\x00\xff", 10);
  daemon.set_cached({{"app", "syncctl"},
                   {"tag", "news"},
                   {"status", 200},
                   {"headers", json::array{json::array{"Content-Type", "image/png"}, json::array{"ETag", "\"v1\""}}},
                   {"body_base64", "iVBORw0KGgoA/w=="},
                   {"fetched", "2026-11-24T20:00:01.000Z"},
                   {"validated", "2026-11-24T21:00:01.000Z"}});
  SECTION("the body byte for byte; the request names tag and app") {
    auto outcome = syncctl({"cache", "get", "news", "--socket", daemon.path()});
    CHECK(outcome.status == 0);
    CHECK(outcome.out == body);
    CHECK(op_of(daemon.last()) == "cache_get");
    CHECK(daemon.last().at("tag").as_string() == "news");
    CHECK(daemon.last().at("app").as_string() == "syncctl");
    syncctl({"cache", "get", "--app", "reader", "news", "--socket", daemon.path()});
    CHECK(daemon.last().at("app").as_string() == "reader");
  }
  SECTION("-i: status line and headers first") {
    auto outcome = syncctl({"cache", "get", "news", "-i", "--socket", daemon.path()});
    CHECK(outcome.status == 0);
    CHECK(outcome.out == "HTTP/1.1 200\r\nContent-Type: image/png\r\nETag: \"v1\"\r\n\r\n" + body);
  }
  SECTION("-o FILE writes the file and prints nothing") {
    bgsync::test::TempDir dir;
    const std::string file = (dir / "news.png").string();
    auto outcome = syncctl({"cache", "get", "news", "-o", file, "--socket", daemon.path()});
    CHECK(outcome.status == 0);
    CHECK(outcome.out.empty());
    CHECK(slurp(file) == body);
    auto unwritable = syncctl({"cache", "get", "news", "-o", (dir / "no/such/dir").string(), "--socket", daemon.path()});
    CHECK(unwritable.status == 2);
    CHECK_THAT(unwritable.err, Catch::Contains("cannot write"));
  }
  SECTION("--json: the cache entry") {
    auto outcome = syncctl({"cache", "get", "news", "--json", "--socket", daemon.path()});
    CHECK(outcome.status == 0);
    auto document = json::parse(outcome.out);
    CHECK(document.at("body_base64").as_string() == "iVBORw0KGgoA/w==");
    CHECK(document.at("fetched").as_string() == "2026-11-24T20:00:01.000Z");
    CHECK(document.at("validated").as_string() == "2026-11-24T21:00:01.000Z");
    CHECK(document.at("status").to_number<int>() == 200);
  }
  SECTION("nothing cached: exit 1 with the daemon's message") {
    daemon.set_cached({});
    auto outcome = syncctl({"cache", "get", "news", "--socket", daemon.path()});
    CHECK(outcome.status == 1);
    CHECK_THAT(outcome.err, Catch::StartsWith("syncctl: nothing cached yet for \"news\""));
    CHECK(outcome.out.empty());
  }
}

TEST_CASE("syncctl watch prints periodic events readably", "[syncctl][periodic]") {
  PeriodicDaemon daemon;
  auto updated = bgsync::test::sample_periodic_event(3, "news");
  auto failed = bgsync::test::sample_periodic_event(4, "feed");
  failed["app"] = "";
  failed["outcome"] = "failed";
  failed["status"] = nullptr;
  failed["duration_ms"] = 30000;
  failed["error"] = "connection refused";
  daemon.set_after_subscribe(push(updated) + push(failed));

  bgsync::test::Process process({"watch", "--socket", daemon.path()});
  REQUIRE(bgsync::test::wait_until(
      [&] {
        const auto out = process.out_so_far();
        return std::count(out.begin(), out.end(), '\n') >= 2;
      },
      std::chrono::steady_clock::now() + std::chrono::seconds(5)));
  process.signal(SIGINT);
  auto outcome = process.wait();
  CHECK(outcome.status == 0);
  std::istringstream lines(outcome.out);
  std::string first, second;
  std::getline(lines, first);
  std::getline(lines, second);
  CHECK(first == "2026-11-24T20:12:00.000Z  #3  periodic   tag=news  app=test  updated  HTTP 200  took 152ms");
  CHECK(second == "2026-11-24T20:12:00.000Z  #4  periodic   tag=feed  app=\"\"  failed  took 30s  error: connection refused");
}
