// The bytes of a request head, written by hand rather than through beast::http::fields, which
// would regroup duplicate fields: the daemon promises to send an app's headers exactly in order.
#pragma once

#include <string>
#include <string_view>

#include "bgsync/proto/codec.hpp"
#include "daemon/http/http_client.hpp"
#include "daemon/http/url.hpp"

namespace bgsync::http {

// Refuses what would corrupt the request: a method or field name that is not an RFC 9110 token, a
// field value with CR, LF or NUL, or a Content-Length / Transfer-Encoding from the caller (the
// client frames the body itself). Errors: errc::bad_request.
proto::Result<void> check_request(const Request& request);

// "METHOD target HTTP/1.1", then Host (unless given), the caller's fields in order, User-Agent
// (unless given), Content-Length (when there is a body, and always for POST, PUT and PATCH) and
// Connection: close (unless given), then the blank line. The request must have passed check_request.
std::string serialize_head(const Request& request, const Target& target, std::string_view user_agent);

}  // namespace bgsync::http
