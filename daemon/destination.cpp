// URL host extraction for reachability decisions.
#include "daemon/destination.hpp"

#include <algorithm>
#include <cctype>

#include <boost/url/parse.hpp>

namespace bgsync::daemon {

std::string destination_of(std::string_view url) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return {};
  switch (parsed->host_type()) {
    case boost::urls::host_type::ipv4: return parsed->host_ipv4_address().to_string();
    case boost::urls::host_type::ipv6: return parsed->host_ipv6_address().to_string();
    default: break;
  }
  std::string host = parsed->host();
  std::transform(host.begin(), host.end(), host.begin(), [](unsigned char c) { return std::tolower(c); });
  return host;
}

}  // namespace bgsync::daemon
