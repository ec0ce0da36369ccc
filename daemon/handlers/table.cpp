// The operation table's lookup (the table itself is in table.hpp, where tests can check it at
// compile time), and the one piece of request context every handler shares.
#include "daemon/handlers/table.hpp"

#include <stdexcept>

namespace bgsync::daemon {
namespace {

HandlerResult handle_no_op(RequestContext&, const boost::json::object&) {
  co_return proto::make_error(proto::errc::unknown_op, "unknown op");
}

constexpr OpHandler no_op{proto::Op::count_, handle_no_op, Reads::nothing};

}  // namespace

const OpHandler& find_handler(proto::Op op) noexcept {
  const auto index = static_cast<std::size_t>(op);
  return index < handler_table.size() ? handler_table[index] : no_op;
}

const store::ReadView& RequestContext::reads() const {
  if (!view) throw std::logic_error("a handler read the outbox, but its row in handlers/table.hpp does not say so");
  return *view;
}

}  // namespace bgsync::daemon
