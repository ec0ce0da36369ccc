// The `config` and `reload` operations on the wire: their names, the result objects' round trips
// (null vs absent values, the optional `pending`), the bad_config error code, and malformed results.
#include "bgsync/proto/codec.hpp"
#include "tests/proto/proto_test_util.hpp"
#include "tests/support/catch_result.hpp"

#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace json = boost::json;
using namespace bgsync::proto;
using namespace bgsync::proto::test;

TEST_CASE("config and reload are operations with stable names", "[config]") {
  CHECK(to_string(Op::config) == "config");
  CHECK(to_string(Op::reload) == "reload");
  CHECK(parse_op("config") == Op::config);
  CHECK(parse_op("reload") == Op::reload);
  CHECK(json::serialize(make_request(4, Op::reload)) == R"({"id":4,"op":"reload"})");
  // Appended, never renumbered: older ops keep their values.
  CHECK(static_cast<int>(Op::unsubscribe) == 10);
  CHECK(errc_name(errc::bad_config) == "bad_config");
  CHECK(errc_from_name("bad_config") == errc::bad_config);
  CHECK(static_cast<int>(errc::bad_config) == static_cast<int>(errc::internal) + 1);
}

TEST_CASE("a config result round-trips, unset values as null, pending only when set", "[config]") {
  ConfigInfo info;
  info.config_file = "/home/ann/.config/bgsync/bgsyncd.toml";
  info.config_file_found = true;
  info.socket = "/run/user/1000/bgsync/bgsyncd.sock";
  info.state_dir = "/home/ann/.local/state/bgsync";
  info.settings = {
      {"retry-base", "30s", "/home/ann/.config/bgsync/bgsyncd.toml:2", true, std::nullopt},
      {"probe-url", std::nullopt, "default", false, std::string("http://x/")},
      {"probe-body", "", "command line", true, std::nullopt},
  };
  const json::object wire = through_the_wire(to_json(info));
  const auto& settings = wire.at("settings").as_array();
  CHECK(settings[1].as_object().at("value").is_null());
  CHECK_FALSE(settings[0].as_object().contains("pending"));
  CHECK(settings[1].as_object().at("pending") == "http://x/");

  auto back = config_info_from_json(wire);
  REQUIRE(back);
  CHECK(back->config_file == info.config_file);
  CHECK(back->config_file_found);
  CHECK(back->socket == info.socket);
  CHECK(back->state_dir == info.state_dir);
  REQUIRE(back->settings.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(back->settings[i].name == info.settings[i].name);
    CHECK(back->settings[i].value == info.settings[i].value);
    CHECK(back->settings[i].source == info.settings[i].source);
    CHECK(back->settings[i].reloadable == info.settings[i].reloadable);
    CHECK(back->settings[i].pending == info.settings[i].pending);
  }

  info.config_file.reset();
  CHECK(to_json(info).at("config_file").is_null());
  CHECK_FALSE(config_info_from_json(to_json(info))->config_file);
}

TEST_CASE("a reload result round-trips", "[config]") {
  const ReloadResult result{{"retry-base", "parallel"}, {"max-size"}};
  const json::object wire = through_the_wire(to_json(result));
  CHECK(json::serialize(wire) == R"({"changed":["retry-base","parallel"],"restart_needed":["max-size"]})");
  auto back = reload_result_from_json(wire);
  REQUIRE(back);
  CHECK(back->changed == result.changed);
  CHECK(back->restart_needed == result.restart_needed);
}

TEST_CASE("malformed config and reload results are rejected with the field's name", "[config]") {
  CHECK(reload_result_from_json(object_of(R"({"changed":[]})")).error().message == R"(missing field "restart_needed")");
  CHECK(reload_result_from_json(object_of(R"({"changed":[1],"restart_needed":[]})")).error().code == errc::bad_field);
  CHECK(config_info_from_json(object_of(R"({"socket":"/s","state_dir":"/d"})")).error().message ==
        R"(missing field "settings")");
  CHECK(config_info_from_json(object_of(R"({"socket":"/s","state_dir":"/d","settings":[{"value":"1"}]})"))
            .error()
            .message == R"(missing field "name")");
  // Unknown fields of a newer daemon are ignored.
  auto newer = config_info_from_json(
      object_of(R"({"socket":"/s","state_dir":"/d","settings":[{"name":"x","value":"1","colour":"red"}],"extra":1})"));
  REQUIRE(newer);
  CHECK(newer->settings[0].source == "default");
}
