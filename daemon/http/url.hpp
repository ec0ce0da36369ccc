// Turns a request URL into what the client needs to reach it: where to connect, what to put in
// the request line and Host header, and how to name the peer in error messages.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "bgsync/proto/codec.hpp"

namespace bgsync::http {

struct Target {
  bool tls = false;         // https
  std::string host;         // DNS name, or an IP literal without brackets ("::1"): resolve, SNI, cert check
  bool host_is_ip = false;  // no SNI for IP literals (RFC 6066 §3)
  std::uint16_t port = 0;   // explicit, else 80 / 443
  std::string host_header;  // as in the URL's authority, without userinfo ("[::1]:8443", "example.com")
  std::string request_target;  // origin-form: path (at least "/") and "?query"; never the fragment
  std::string authority;    // "host:port" for messages, always with the port ("[::1]:443")
};

// Errors: errc::bad_url (not absolute http/https, no host, port 0 or out of range, IPvFuture).
proto::Result<Target> parse_target(std::string_view url);

}  // namespace bgsync::http
