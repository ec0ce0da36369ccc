// libbgsync's spool writer without a daemon: the file it leaves is complete, private, named by an
// id that sorts in creation order, and reads back as the request it was given.
#include <algorithm>
#include <fstream>
#include <sstream>

#include <sys/stat.h>

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include "bgsync/client.hpp"
#include "bgsync/proto/spool.hpp"
#include "client-lib/src/spool.hpp"
#include "tests/support/catch_result.hpp"
#include "tests/support/test_util.hpp"

using namespace bgsync;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

EnqueueRequest request(std::string body) {
  EnqueueRequest r;
  r.method = "PUT";
  r.url = "https://example.com/notes/7";
  r.headers = {{"Content-Type", "application/octet-stream"}};
  r.body = std::move(body);
  r.tag = "notes";
  r.app = "spool-test";
  return r;
}

}  // namespace

TEST_CASE("a spool file is written whole, in a private directory made for it", "[client][spool]") {
  test::TempDir tmp;
  const fs::path dir = tmp / "state/bgsync/spool";  // none of it exists yet
  const auto entry = detail::new_spool_entry(request(std::string("\x00\xff binary", 9)));
  REQUIRE(detail::write_spool_file(dir.string(), entry));

  struct stat st {};
  REQUIRE(::stat(dir.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  REQUIRE(::stat((tmp / "state").c_str(), &st) == 0);
  CHECK((st.st_mode & 0077) == 0);  // parents made here are private too
  // Only the final name is left: no temporary file.
  REQUIRE(names_in(dir) == std::vector<std::string>{entry.id.to_string() + ".json"});

  const auto value = boost::json::parse(read_file(dir / (entry.id.to_string() + ".json")));
  auto back = proto::parse_spool_entry(value.as_object());
  REQUIRE(back);
  CHECK(back->id == entry.id);
  CHECK(back->created == entry.created);
  CHECK(back->request.method == "PUT");
  CHECK(back->request.url == entry.request.url);
  CHECK(back->request.headers == entry.request.headers);
  CHECK(back->request.body == entry.request.body);  // not UTF-8: as body_base64
  CHECK(back->request.tag == "notes");
  CHECK(back->request.app == "spool-test");
  CHECK(value.as_object().at("spool").as_int64() == proto::spool_format_version);
}

TEST_CASE("spool file names sort in creation order", "[client][spool]") {
  test::TempDir tmp;
  std::vector<std::string> made;
  for (int i = 0; i < 200; ++i) {  // many within one millisecond: the counter keeps them in order
    const auto entry = detail::new_spool_entry(request(std::to_string(i)));
    REQUIRE(detail::write_spool_file(tmp.path().string(), entry));
    made.push_back(proto::spool_file_name(entry.id));
  }
  CHECK(names_in(tmp.path()) == made);
}

TEST_CASE("the spool writer refuses a symlinked directory and an oversized request", "[client][spool]") {
  test::TempDir tmp;
  fs::create_directory(tmp / "elsewhere");
  fs::create_directory_symlink(tmp / "elsewhere", tmp / "spool");
  auto written = detail::write_spool_file((tmp / "spool").string(), detail::new_spool_entry(request("x")));
  REQUIRE_FALSE(written);
  CHECK(written.error().message.find((tmp / "spool").string()) != std::string::npos);
  CHECK(fs::is_empty(tmp / "elsewhere"));

  auto big = detail::write_spool_file((tmp / "other").string(),
                                      detail::new_spool_entry(request(std::string(proto::max_frame_size, 'a'))));
  REQUIRE_FALSE(big);
  CHECK(big.error().code == errc::frame_too_large);
}

TEST_CASE("bgsync::spool checks the request and honours spool_dir", "[client][spool]") {
  test::TempDir tmp;
  ConnectOptions options;
  options.spool_dir = (tmp / "mine").string();
  auto bad = request("x");
  bad.url = "ftp://example.com/";
  auto refused = bgsync::spool(bad, options);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == errc::bad_url);
  CHECK_FALSE(fs::exists(tmp / "mine"));

  auto action = bgsync::spool(request("x"), options);
  REQUIRE(action);
  CHECK(action->state == ActionState::queued);
  CHECK(action->tag == "notes");
  CHECK(names_in(tmp / "mine") == std::vector<std::string>{action->id.to_string() + ".json"});
}

TEST_CASE("bgsync::enqueue spools only when no daemon runs, and not with spool = false", "[client][spool]") {
  test::TempDir tmp;
  ConnectOptions options;
  options.socket_path = (tmp / "no-daemon.sock").string();
  options.spool_dir = (tmp / "spool").string();
  auto outcome = bgsync::enqueue(request("x"), options);
  REQUIRE(outcome);
  CHECK(outcome->spooled);
  CHECK(fs::exists(tmp / "spool" / (outcome->action.id.to_string() + ".json")));

  options.spool = false;
  auto refused = bgsync::enqueue(request("y"), options);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == client_errc::not_running);
  CHECK(names_in(tmp / "spool").size() == 1);
}
