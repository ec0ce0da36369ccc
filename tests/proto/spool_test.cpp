// The spool file format (PROTOCOL.md section 14): what libbgsync writes reads back as the same
// request, id and time; names sort by id; anything else is refused with the field named.
#include "bgsync/proto/spool.hpp"

#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "bgsync/proto/id_generator.hpp"
#include "tests/support/catch_result.hpp"

using namespace bgsync::proto;
namespace json = boost::json;

namespace {

SpoolEntry sample() {
  SpoolEntry e;
  e.id = *ActionId::parse("0193a4f2-7b1c-7d3e-9f00-1c2d3e4f5a6b");
  e.created = *parse_time("2026-11-24T20:11:57.123Z");
  e.request.method = "PUT";
  e.request.url = "https://api.example.com/notes/7";
  e.request.headers = {{"Content-Type", "application/json"}};
  e.request.body = R"({"text":"hi"})";
  e.request.tag = "notes";
  e.request.app = "notes-app";
  return e;
}

}  // namespace

TEST_CASE("a spool entry is the enqueue request plus spool, action_id and created", "[proto][spool]") {
  const auto o = to_json(sample());
  CHECK(json::serialize(o) ==
        R"({"method":"PUT","url":"https://api.example.com/notes/7","headers":[["Content-Type","application/json"]],)"
        R"("body":"{\"text\":\"hi\"}","tag":"notes","app":"notes-app","spool":1,)"
        R"("action_id":"0193a4f2-7b1c-7d3e-9f00-1c2d3e4f5a6b","created":"2026-11-24T20:11:57.123Z"})");
  auto back = parse_spool_entry(o);
  REQUIRE(back);
  CHECK(back->id == sample().id);
  CHECK(back->created == sample().created);
  CHECK(back->request.url == sample().request.url);
  CHECK(back->request.headers == sample().request.headers);
  CHECK(back->request.body == sample().request.body);
  CHECK(back->request.tag == "notes");
}

TEST_CASE("a spool entry that is not one is refused, naming the field", "[proto][spool]") {
  const auto refused = [](const char* text) {
    auto r = parse_spool_entry(json::parse(text).as_object());
    REQUIRE_FALSE(r);
    return r.error().message;
  };
  const std::string good_tail = R"("action_id":"0193a4f2-7b1c-7d3e-9f00-1c2d3e4f5a6b","created":"2026-11-24T20:11:57.123Z")";
  CHECK_THAT(refused(R"({"url":"https://x.example/"})"), Catch::Contains("spool"));
  CHECK_THAT(refused((R"({"spool":2,"url":"https://x.example/",)" + good_tail + "}").c_str()), Catch::Contains("spool"));
  CHECK_THAT(refused(R"({"spool":1,"url":"https://x.example/","created":"2026-11-24T20:11:57.123Z"})"),
             Catch::Contains("action_id"));
  CHECK_THAT(refused((R"({"spool":1,"url":"ftp://x.example/",)" + good_tail + "}").c_str()), Catch::Contains("ftp"));
  CHECK_THAT(refused((R"({"spool":1,"op":"enqueue","url":"https://x.example/",)" + good_tail + "}").c_str()),
             Catch::Contains("op"));
}

TEST_CASE("spool file names: <id>.json in lowercase, nothing else", "[proto][spool]") {
  const ActionId id = sample().id;
  CHECK(spool_file_name(id) == "0193a4f2-7b1c-7d3e-9f00-1c2d3e4f5a6b.json");
  CHECK(parse_spool_file_name(spool_file_name(id)) == id);
  CHECK_FALSE(parse_spool_file_name("0193A4F2-7B1C-7D3E-9F00-1C2D3E4F5A6B.json"));
  CHECK_FALSE(parse_spool_file_name(".tmp-0193a4f2-7b1c-7d3e-9f00-1c2d3e4f5a6b"));
  CHECK_FALSE(parse_spool_file_name("0193a4f2-7b1c-7d3e-9f00-1c2d3e4f5a6b"));
  CHECK_FALSE(parse_spool_file_name("note.json"));
  IdGenerator ids;
  std::string last;
  for (int i = 0; i < 5000; ++i) {  // many per millisecond: still strictly increasing
    const std::string name = spool_file_name(ids.next());
    CHECK(name > last);
    last = name;
  }
}
