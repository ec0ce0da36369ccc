// URL host extraction for reachability decisions.
#include "daemon/destination.hpp"

#include <algorithm>
#include <cctype>

#include <boost/asio/ip/address.hpp>
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

bool is_loopback(std::string_view destination) {
  boost::system::error_code error;
  const auto address = boost::asio::ip::make_address(destination, error);
  if (!error) {
    if (address.is_v6() && address.to_v6().is_v4_mapped()) {
      return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6()).is_loopback();
    }
    return address.is_loopback();
  }
  std::string_view name = destination;
  if (name.ends_with('.')) name.remove_suffix(1);
  return name == "localhost" || name.ends_with(".localhost");
}

}  // namespace bgsync::daemon
