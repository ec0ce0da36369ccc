// The operation table: the index a newcomer reads first. One row per proto::Op, in Op order (so
// indexed by op), with its handler and whether it reads the outbox; checked at compile time.
#pragma once

#include <array>
#include <cstddef>

#include "daemon/handlers/handlers.hpp"

namespace bgsync::daemon {

// Whether a handler reads the outbox. For `outbox` the connection takes the read barrier
// (CommitQueue::visible()) before calling it and hands it the view (RequestContext::reads()).
// A handler that reads after its own write takes a barrier of its own after the write.
enum class Reads : bool { nothing, outbox };

struct OpHandler {
  proto::Op op;
  Handler handle;
  Reads reads;
};

inline constexpr std::array<OpHandler, proto::op_count> handler_table{{
    {proto::Op::hello, handle_hello, Reads::nothing},
    {proto::Op::enqueue, handle_enqueue, Reads::nothing},
    {proto::Op::get, handle_get, Reads::outbox},
    {proto::Op::list, handle_list, Reads::outbox},
    {proto::Op::cancel, handle_cancel, Reads::nothing},
    {proto::Op::retry, handle_retry, Reads::nothing},
    {proto::Op::status, handle_status, Reads::outbox},
    {proto::Op::pause, handle_pause, Reads::nothing},
    {proto::Op::resume, handle_resume, Reads::nothing},
    {proto::Op::subscribe, handle_subscribe, Reads::outbox},
    {proto::Op::unsubscribe, handle_unsubscribe, Reads::nothing},
    {proto::Op::config, handle_config, Reads::nothing},
    {proto::Op::reload, handle_reload, Reads::nothing},
    {proto::Op::periodic_register, handle_periodic_register, Reads::nothing},  // reads after its write
    {proto::Op::periodic_list, handle_periodic_list, Reads::outbox},
    {proto::Op::periodic_unregister, handle_periodic_unregister, Reads::nothing},
    {proto::Op::periodic_run, handle_periodic_run, Reads::nothing},  // reads after its write
    {proto::Op::cache_get, handle_cache_get, Reads::outbox},
}};

namespace detail {
// A missing row leaves a value-initialised one ({hello, nullptr}) at the end, which fails this.
consteval bool every_op_has_its_handler() {
  for (std::size_t i = 0; i < handler_table.size(); ++i) {
    if (handler_table[i].op != static_cast<proto::Op>(i) || handler_table[i].handle == nullptr) return false;
  }
  return true;
}
}  // namespace detail
static_assert(detail::every_op_has_its_handler(), "handler_table: row i must hold Op i and its handler");

// The row of `op`, never null: a value that is no Op (a programming error) gets a row whose
// handler answers unknown_op.
const OpHandler& find_handler(proto::Op op) noexcept;

}  // namespace bgsync::daemon
