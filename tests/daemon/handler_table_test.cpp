// The daemon's op table (daemon/handlers/table.hpp): a handler for every proto::Op at its index,
// and the ops that read the outbox marked, since the connection takes the read barrier for those
// and no others. The table is checked at compile time, the lookup at run time.
#include "daemon/handlers/table.hpp"

#include <catch2/catch.hpp>

namespace {

using bgsync::daemon::find_handler;
using bgsync::daemon::handler_table;
using bgsync::daemon::Reads;
using bgsync::proto::Op;

constexpr Reads reads_of(Op op) { return handler_table[static_cast<std::size_t>(op)].reads; }

static_assert(handler_table.size() == bgsync::proto::op_count);
static_assert(bgsync::daemon::detail::every_op_has_its_handler());

// Ops that answer from the outbox as the request finds it.
static_assert(reads_of(Op::get) == Reads::outbox);
static_assert(reads_of(Op::list) == Reads::outbox);
static_assert(reads_of(Op::status) == Reads::outbox);
static_assert(reads_of(Op::subscribe) == Reads::outbox);
static_assert(reads_of(Op::periodic_list) == Reads::outbox);
static_assert(reads_of(Op::cache_get) == Reads::outbox);
// Ops that write first (periodic_register and periodic_run read after their write, behind a
// barrier of their own), or do not touch the outbox: a barrier before them would only delay them.
static_assert(reads_of(Op::hello) == Reads::nothing);
static_assert(reads_of(Op::enqueue) == Reads::nothing);
static_assert(reads_of(Op::cancel) == Reads::nothing);
static_assert(reads_of(Op::retry) == Reads::nothing);
static_assert(reads_of(Op::pause) == Reads::nothing);
static_assert(reads_of(Op::resume) == Reads::nothing);
static_assert(reads_of(Op::unsubscribe) == Reads::nothing);
static_assert(reads_of(Op::config) == Reads::nothing);
static_assert(reads_of(Op::reload) == Reads::nothing);
static_assert(reads_of(Op::periodic_register) == Reads::nothing);
static_assert(reads_of(Op::periodic_unregister) == Reads::nothing);
static_assert(reads_of(Op::periodic_run) == Reads::nothing);

TEST_CASE("find_handler gives every op its own row, and a value that is no op a handler too", "[handlers]") {
  for (std::size_t i = 0; i < bgsync::proto::op_count; ++i) {
    const auto op = static_cast<Op>(i);
    INFO(bgsync::proto::to_string(op));
    const auto& row = find_handler(op);
    CHECK(row.op == op);
    CHECK(row.handle != nullptr);
    CHECK(&row == &handler_table[i]);
  }
  for (const auto op : {Op::count_, static_cast<Op>(200)}) {
    const auto& row = find_handler(op);
    CHECK(row.handle != nullptr);
    CHECK(row.reads == Reads::nothing);
  }
}

}  // namespace
