// HostLearner: one Asio resolver lookup per name per network generation. Asio runs getaddrinfo
// on its private resolver thread, so a slow DNS server never blocks the event loop.
#include "daemon/net/host_learner.hpp"

#include <set>
#include <vector>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <spdlog/spdlog.h>

#include "daemon/net/host_cache.hpp"
#include "daemon/net/network_watcher.hpp"

namespace bgsync::net {

namespace asio = boost::asio;

bool is_host_name(const std::string& destination) {
  if (destination.empty()) return false;
  boost::system::error_code error;
  asio::ip::make_address(destination, error);
  if (!error) return false;
  const std::string name = normalize_host(destination);
  return name != "localhost" && !name.ends_with(".localhost");
}

struct HostLearner::Impl {
  Impl(asio::any_io_executor executor, NetworkWatcher& network) : resolver(executor), network(network) {}

  asio::ip::tcp::resolver resolver;
  NetworkWatcher& network;
  std::set<std::string> done;  // looked up (or being looked up) in this network generation
  std::size_t pending = 0;
  std::size_t lookups = 0;
  bool stopped = false;
};

HostLearner::HostLearner(asio::any_io_executor executor, NetworkWatcher& network)
    : impl_(std::make_shared<Impl>(std::move(executor), network)) {}

HostLearner::~HostLearner() { stop(); }

void HostLearner::learn(const std::string& host, std::function<void()> learned) {
  Impl& s = *impl_;
  if (s.stopped || !is_host_name(host) || s.pending >= max_pending) return;
  if (!s.done.insert(normalize_host(host)).second) return;
  ++s.pending;
  ++s.lookups;
  // The service does not matter for the addresses; "0" keeps getaddrinfo from consulting
  // /etc/services.
  s.resolver.async_resolve(
      host, "0", [self = impl_, host, learned = std::move(learned)](
                     const boost::system::error_code& error, const asio::ip::tcp::resolver::results_type& results) {
        --self->pending;
        if (self->stopped || error == asio::error::operation_aborted) return;
        if (error) {
          spdlog::debug("network: cannot resolve {} ({}); judging it by the default route", host, error.message());
          return;
        }
        std::vector<asio::ip::address> addresses;
        for (const auto& entry : results) addresses.push_back(entry.endpoint().address());
        spdlog::debug("network: {} resolves to {} address(es)", host, addresses.size());
        self->network.learn(host, std::move(addresses));
        if (learned) learned();
      });
}

void HostLearner::network_changed() { impl_->done.clear(); }

void HostLearner::stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  impl_->resolver.cancel();
}

std::size_t HostLearner::lookups() const noexcept { return impl_->lookups; }

}  // namespace bgsync::net
