// The op table (codec.hpp): one row per Op in Op order, names unique and set, so that to_string()
// and parse_op() agree for every op; and the wire names, which no refactor may change.
#include "bgsync/proto/codec.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <string_view>

using namespace bgsync::proto;

// The header checks these at compile time too; here they are named, so that a failure says which.
static_assert(op_table.size() == op_count);
static_assert(op_table.front().op == Op::hello && op_table.back().op == Op::cache_get);
static_assert(detail::op_rows_in_order());
static_assert(detail::op_names_unique_and_set());

TEST_CASE("every op's name parses back to it, and nothing else does", "[codec][ops]") {
  std::set<std::string_view> names;
  for (std::size_t i = 0; i < op_count; ++i) {
    const auto op = static_cast<Op>(i);
    const auto name = to_string(op);
    INFO(name);
    CHECK(name == op_table[i].name);
    CHECK(parse_op(name) == op);
    CHECK(names.insert(name).second);
  }
  CHECK(names.size() == op_count);
  CHECK(to_string(Op::count_) == "unknown");
  CHECK_FALSE(parse_op("unknown"));
  CHECK_FALSE(parse_op(""));
  CHECK_FALSE(parse_op("GET"));
}

TEST_CASE("the wire names are those of protocol version 1", "[codec][ops]") {
  // PROTOCOL.md's names, in Op order: a client speaks them, so they never change.
  const std::string_view wire[] = {"hello", "enqueue", "get", "list", "cancel", "retry", "status", "pause", "resume",
                                   "subscribe", "unsubscribe", "config", "reload", "periodic_register",
                                   "periodic_list", "periodic_unregister", "periodic_run", "cache_get"};
  REQUIRE(std::size(wire) == op_count);
  for (std::size_t i = 0; i < op_count; ++i) CHECK(to_string(static_cast<Op>(i)) == wire[i]);
}
