// Lets Catch2 print a proto::Result in a failed assertion ("error: connect to ...: refused"):
// boost::system::result's own operator<< would need operator<< for every T and for proto::Error.
// Header-only; include it in test files that REQUIRE/CHECK on a Result directly.
#pragma once

#include <string>

#include <catch2/catch.hpp>

#include "bgsync/proto/codec.hpp"

namespace Catch {

template <class T>
struct StringMaker<boost::system::result<T, bgsync::proto::Error>> {
  static std::string convert(const boost::system::result<T, bgsync::proto::Error>& r) {
    if (r) return "{ok}";
    return "{error " + r.error().code.message() + ": " + r.error().message + "}";
  }
};

}  // namespace Catch
