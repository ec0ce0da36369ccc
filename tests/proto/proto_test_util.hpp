// Helpers shared by the proto unit tests: a JSON object from literal text, a message sent through
// the frame codec and back, and the code and message of a Result that must have failed.
#pragma once

#include "bgsync/proto/codec.hpp"

#include <catch2/catch.hpp>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>

#include <string>
#include <string_view>
#include <utility>

namespace bgsync::proto::test {

inline boost::json::object object_of(std::string_view text) { return boost::json::parse(text).as_object(); }

// What the other side reads after `object` was encoded as a frame and decoded again.
inline boost::json::object through_the_wire(const boost::json::object& object) {
  auto decoded = decode_frame(encode_frame(object));
  REQUIRE(decoded);
  return *decoded;
}

// The proto error a Result carries; fails the test if it succeeded or carries another category.
template <class T>
std::pair<errc, std::string> failure(const Result<T>& result) {
  REQUIRE_FALSE(result.has_value());
  REQUIRE(result.error().code.category() == error_category());
  return {static_cast<errc>(result.error().code.value()), result.error().message};
}

}  // namespace bgsync::proto::test
