// The destination of an action, as network reachability and parking see it: the URL's host,
// lower-cased, IPv6 without brackets ("example.com", "192.0.2.1", "::1").
#pragma once

#include <string>
#include <string_view>

namespace bgsync::daemon {

// Empty when the URL cannot be parsed (validated URLs always can).
std::string destination_of(std::string_view url);

// A destination on this machine whatever the network does: a loopback address or localhost
// (RFC 6761: *.localhost is loopback too).
bool is_loopback(std::string_view destination);

}  // namespace bgsync::daemon
