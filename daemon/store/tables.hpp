// Private to daemon/store: the one table of the outbox's LMDB databases. To add a database, add a
// Db enumerator and a row with a journal number never used before; Store::open creates it, and
// journal records name it by that number, so no other list needs to change.
//
// The databases (see record.hpp for the key formats):
//   actions   id (16 bytes, UUIDv7 so id order is creation order) -> action record
//   tagq      tag NUL order -> id: every unfinished (queued or sending) action with a tag;
//             the first key of a tag is its head
//   due       next_attempt order -> id: exactly the queued actions that may go (untagged ones
//             and queued tag heads) and are not parked; the scheduler reads its first entries
//   parked    destination NUL order -> id: queued actions that may go but wait for the network
//             to their destination (which the action's record names too)
//   netwait   id -> empty: queued actions whose last attempt failed without an HTTP response,
//             whose backoff is cut short when the network comes back
//   inflight  id -> empty: the actions in `sending`, re-queued by open() without a scan
//   events    seq -> event record
//   meta      schema, next_seq, next_order, paused, counts (per state), journal (the seq of the
//             last journal record this state includes, see journal.hpp): all u64 big-endian
//   periodic, pdue, pcache: periodic sync's registrations, their schedule and response cache
//             (periodic.hpp)
//
// Schema history: 1 had no parked/netwait; 2 added them (and action/event record format 2, see
// record.hpp); 3 added periodic/pdue/pcache and event format 3 (`periodic` events); 4 writes action
// format 3 (an action's policy, held flag and event seqs), which an older bgsyncd cannot read. Store::open
// upgrades an older outbox in place by creating the missing, empty databases; an older bgsyncd
// then refuses it rather than stranding what it cannot see.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace bgsync::store::detail {

// The layout version this code writes (history above); Store::open refuses an outbox with a
// larger one. Adding a table is a new version.
inline constexpr std::uint64_t schema_version = 4;

// Indexes Store::dbi; the order is only this code's (tables below must follow it), never on disk.
enum class Db : std::uint8_t { actions, tagq, due, parked, netwait, inflight, events, meta, periodic, pdue, pcache };

struct Table {
  Db db;
  std::string_view name;           // LMDB's name for it: on disk, never change it
  std::uint8_t journal_number;     // how journal records name it: on disk, never change or reuse it
};

// The journal numbers are the positions the tables had in the first journaled layout.
inline constexpr std::array tables{
    Table{Db::actions, "actions", 0}, Table{Db::tagq, "tagq", 1},         Table{Db::due, "due", 2},
    Table{Db::parked, "parked", 3},   Table{Db::netwait, "netwait", 4},   Table{Db::inflight, "inflight", 5},
    Table{Db::events, "events", 6},   Table{Db::meta, "meta", 7},         Table{Db::periodic, "periodic", 8},
    Table{Db::pdue, "pdue", 9},       Table{Db::pcache, "pcache", 10},
};
inline constexpr std::size_t table_count = tables.size();

constexpr const Table& table(Db db) noexcept { return tables[static_cast<std::size_t>(db)]; }

// The table a journal record's number names, if any.
constexpr std::optional<Db> db_of_journal_number(std::uint8_t number) noexcept {
  for (const Table& t : tables) {
    if (t.journal_number == number) return t.db;
  }
  return std::nullopt;
}

namespace table_checks {
constexpr bool rows_follow_enum() {
  for (std::size_t i = 0; i < table_count; ++i) {
    if (static_cast<std::size_t>(tables[i].db) != i) return false;
  }
  return true;
}
constexpr bool unique_names_and_numbers() {
  for (std::size_t i = 0; i < table_count; ++i) {
    for (std::size_t j = i + 1; j < table_count; ++j) {
      if (tables[i].name == tables[j].name || tables[i].journal_number == tables[j].journal_number) return false;
    }
  }
  return true;
}
}  // namespace table_checks

static_assert(table_checks::rows_follow_enum(), "tables: one row per Db, in the enum's order");
static_assert(table_checks::unique_names_and_numbers(), "tables: names and journal numbers must be unique");

}  // namespace bgsync::store::detail
