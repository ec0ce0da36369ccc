// The spool: where clients leave enqueue requests while bgsyncd is not running, one JSON file per
// action (PROTOCOL.md, "The spool"). Its place and its file format, shared by libbgsync (which
// writes) and bgsyncd (which takes the files in). No I/O here.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "bgsync/proto/codec.hpp"

namespace bgsync::proto {

inline constexpr int spool_format_version = 1;  // the file's "spool" field

struct SpoolDir {
  std::string path;
  std::string source;  // "--spool-dir", "BGSYNC_SPOOL" or "state dir": for messages
};

// explicit_dir when non-empty, else $BGSYNC_SPOOL when set and non-empty, else state_dir/spool.
// Clients pass default_state_dir(); bgsyncd passes the state dir it uses.
SpoolDir resolve_spool_dir(std::string_view explicit_dir, std::string_view state_dir);

// One spooled action: the enqueue request, with the id and the time the client gave it.
struct SpoolEntry {
  ActionId id;
  TimePoint created{};
  EnqueueRequest request;
};

// "<id>.json": ids are UUIDv7, so the names sort in creation order.
std::string spool_file_name(const ActionId& id);
// The id a spool file's name carries; nullopt for any other name (".tmp-...", "x.json").
std::optional<ActionId> parse_spool_file_name(std::string_view name);

// The file's object: the enqueue request's fields as make_enqueue writes them, plus "spool",
// "action_id" and "created".
boost::json::object to_json(const SpoolEntry& entry);
// Validated as an enqueue request is (parse_enqueue); errors name the bad field. Errors: bad_field
// (also an unknown "spool" version), missing_field, and parse_enqueue's.
Result<SpoolEntry> parse_spool_entry(const boost::json::object& object);

}  // namespace bgsync::proto
