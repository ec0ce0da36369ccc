// The learned-addresses cache: a plain map with a learn counter per entry. When it is full the
// oldest quarter goes in one pass, so eviction costs O(n) once per max_hosts/4 learns and the
// cache stays an ordinary copyable value (the watcher copies models, caches included).
#include "daemon/net/host_cache.hpp"

#include <algorithm>

namespace bgsync::net {

std::string normalize_host(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.size() > 1 && host.back() == '.') host.remove_suffix(1);
  std::string out(host);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
  return out;
}

void HostCache::learn(std::string_view host, std::vector<boost::asio::ip::address> addresses) {
  std::string key = normalize_host(host);
  if (key.empty()) return;
  if (addresses.empty()) {
    hosts_.erase(key);
    return;
  }
  if (addresses.size() > max_addresses) addresses.resize(max_addresses);
  if (!hosts_.contains(key) && hosts_.size() >= max_hosts) evict_oldest();
  hosts_[std::move(key)] = Entry{std::move(addresses), ++learn_clock_};
}

const std::vector<boost::asio::ip::address>* HostCache::find(const std::string& normalized_host) const {
  const auto it = hosts_.find(normalized_host);
  return it == hosts_.end() ? nullptr : &it->second.addresses;
}

void HostCache::evict_oldest() {
  std::vector<std::uint64_t> stamps;
  stamps.reserve(hosts_.size());
  for (const auto& [host, entry] : hosts_) stamps.push_back(entry.learned);
  const auto cut = stamps.begin() + static_cast<std::ptrdiff_t>(stamps.size() / 4);
  std::nth_element(stamps.begin(), cut, stamps.end());
  const std::uint64_t threshold = *cut;
  std::erase_if(hosts_, [threshold](const auto& item) { return item.second.learned <= threshold; });
}

}  // namespace bgsync::net
