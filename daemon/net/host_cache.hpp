// Addresses the daemon has resolved for host names, so that a name whose only way in is a VPN
// route can be judged by its addresses rather than by the default route. Bounded: the hosts
// learned longest ago are forgotten first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/asio/ip/address.hpp>

namespace bgsync::net {

// The host part of a URL as the cache keys it: brackets of an IPv6 literal removed, ASCII
// lower-cased, one trailing dot dropped ("[::1]" -> "::1", "Example.COM." -> "example.com").
std::string normalize_host(std::string_view host);

class HostCache {
 public:
  static constexpr std::size_t max_hosts = 4096;
  static constexpr std::size_t max_addresses = 16;  // per host; resolvers rarely return more

  // Replaces what is known about `host` (normalised); an empty list forgets it.
  void learn(std::string_view host, std::vector<boost::asio::ip::address> addresses);
  // The addresses learned for an already normalised host, or nullptr.
  const std::vector<boost::asio::ip::address>* find(const std::string& normalized_host) const;
  std::size_t size() const noexcept { return hosts_.size(); }

 private:
  struct Entry {
    std::vector<boost::asio::ip::address> addresses;
    std::uint64_t learned = 0;  // learn_clock_ at the last learn()
  };
  void evict_oldest();

  std::unordered_map<std::string, Entry> hosts_;
  std::uint64_t learn_clock_ = 0;
};

}  // namespace bgsync::net
