// The destination of an action, as network reachability and parking see it: the URL's host,
// lower-cased, IPv6 without brackets ("example.com", "192.0.2.1", "::1").
#pragma once

#include <string>
#include <string_view>

namespace bgsync::daemon {

// Empty when the URL cannot be parsed (validated URLs always can).
std::string destination_of(std::string_view url);

}  // namespace bgsync::daemon
