// bgsync::AsyncClient's periodic-sync requests (register, list, unregister, run, cache_get): each
// builds its request, awaits the reply through Impl::call and decodes it, as the outbox requests do.

#include "bgsync/async_client.hpp"

#include "client-lib/src/async_impl.hpp"
#include "client-lib/src/replies.hpp"

namespace bgsync {
namespace asio = boost::asio;

asio::awaitable<Result<PeriodicRegisterResult>> AsyncClient::register_periodic(PeriodicRegisterRequest request) {
  if (auto valid = proto::validate_periodic_register(request); !valid) co_return valid.error();
  auto impl = impl_;  // keeps the state alive should the client be destroyed while we wait
  const auto id = impl->next_id++;
  auto reply = co_await impl->call(proto::make_periodic_register(id, request), id);
  if (!reply) co_return reply.error();
  co_return detail::decode_periodic_register(*reply);
}

asio::awaitable<Result<PeriodicList>> AsyncClient::list_periodic(PeriodicListQuery query) {
  auto impl = impl_;
  const auto id = impl->next_id++;
  auto reply = co_await impl->call(proto::make_periodic_list(id, query), id);
  if (!reply) co_return reply.error();
  co_return detail::decode_periodic_list(*reply);
}

asio::awaitable<Result<void>> AsyncClient::unregister_periodic(PeriodicRef ref) {
  auto impl = impl_;
  const auto id = impl->next_id++;
  auto reply = co_await impl->call(proto::make_periodic_ref(id, proto::Op::periodic_unregister, ref), id);
  co_return detail::decode_empty(reply);
}

asio::awaitable<Result<PeriodicRegistration>> AsyncClient::run_periodic(PeriodicRef ref) {
  auto impl = impl_;
  const auto id = impl->next_id++;
  auto reply = co_await impl->call(proto::make_periodic_ref(id, proto::Op::periodic_run, ref), id);
  if (!reply) co_return reply.error();
  co_return detail::decode_registration(*reply, "periodic_run");
}

asio::awaitable<Result<CachedResponse>> AsyncClient::cache_get(PeriodicRef ref) {
  auto impl = impl_;
  const auto id = impl->next_id++;
  auto reply = co_await impl->call(proto::make_periodic_ref(id, proto::Op::cache_get, ref), id);
  if (!reply) co_return reply.error();
  co_return detail::decode_cached(*reply);
}

}  // namespace bgsync
