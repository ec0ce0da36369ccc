// bgsync::AsyncClient's periodic-sync requests (register, list, unregister, run, cache_get): each runs
// its op descriptor (ops.hpp) through Impl::run, as the outbox requests do.

#include "bgsync/async_client.hpp"

#include "client-lib/src/async_impl.hpp"

namespace bgsync {
namespace asio = boost::asio;
namespace ops = detail::ops;

asio::awaitable<Result<PeriodicRegisterResult>> AsyncClient::register_periodic(PeriodicRegisterRequest request) {
  return Impl::run<ops::PeriodicRegister>(impl_, std::move(request));
}
asio::awaitable<Result<PeriodicList>> AsyncClient::list_periodic(PeriodicListQuery query) {
  return Impl::run<ops::ListPeriodic>(impl_, std::move(query));
}
asio::awaitable<Result<void>> AsyncClient::unregister_periodic(PeriodicRef ref) {
  return Impl::run<ops::Unregister>(impl_, std::move(ref));
}
asio::awaitable<Result<PeriodicRegistration>> AsyncClient::run_periodic(PeriodicRef ref) {
  return Impl::run<ops::RunPeriodic>(impl_, std::move(ref));
}
asio::awaitable<Result<CachedResponse>> AsyncClient::cache_get(PeriodicRef ref) {
  return Impl::run<ops::CacheGet>(impl_, std::move(ref));
}

}  // namespace bgsync
