// The operation table: the index a newcomer reads first. Sorted by name, one row per op.
#include "daemon/handlers/handlers.hpp"

#include <array>
#include <utility>

namespace bgsync::daemon {
namespace {

constexpr std::array<std::pair<proto::Op, Handler>, 18> table{{
    {proto::Op::cache_get, handle_cache_get},
    {proto::Op::cancel, handle_cancel},
    {proto::Op::config, handle_config},
    {proto::Op::enqueue, handle_enqueue},
    {proto::Op::get, handle_get},
    {proto::Op::hello, handle_hello},
    {proto::Op::list, handle_list},
    {proto::Op::pause, handle_pause},
    {proto::Op::periodic_list, handle_periodic_list},
    {proto::Op::periodic_register, handle_periodic_register},
    {proto::Op::periodic_run, handle_periodic_run},
    {proto::Op::periodic_unregister, handle_periodic_unregister},
    {proto::Op::reload, handle_reload},
    {proto::Op::resume, handle_resume},
    {proto::Op::retry, handle_retry},
    {proto::Op::status, handle_status},
    {proto::Op::subscribe, handle_subscribe},
    {proto::Op::unsubscribe, handle_unsubscribe},
}};

}  // namespace

Handler find_handler(proto::Op op) noexcept {
  for (const auto& [o, h] : table) {
    if (o == op) return h;
  }
  return nullptr;
}

}  // namespace bgsync::daemon
