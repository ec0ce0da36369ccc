// The spool's place and file format (PROTOCOL.md, "The spool"). The request part is what an
// enqueue request carries, written by make_enqueue and read by parse_enqueue, so a field the
// protocol adds to enqueue is spooled with no change here.
#include "bgsync/proto/spool.hpp"

#include <algorithm>
#include <cstdlib>
#include <iterator>

#include "fields.hpp"

namespace bgsync::proto {
namespace json = boost::json;

namespace {

constexpr std::string_view suffix = ".json";

// The fields a spool file has beyond an enqueue request's, and those of a request frame that a
// spool file has not.
constexpr std::string_view spool_fields[] = {"spool", "action_id", "created"};
constexpr std::string_view frame_fields[] = {"id", "op", "brief"};

}  // namespace

SpoolDir resolve_spool_dir(std::string_view explicit_dir, std::string_view state_dir) {
  if (!explicit_dir.empty()) return {std::string(explicit_dir), "--spool-dir"};
  if (const char* from_env = std::getenv("BGSYNC_SPOOL"); from_env != nullptr && *from_env != '\0') {
    return {from_env, "BGSYNC_SPOOL"};
  }
  while (state_dir.size() > 1 && state_dir.back() == '/') state_dir.remove_suffix(1);
  return {std::string(state_dir) + (state_dir == "/" ? "" : "/") + "spool", "state dir"};
}

std::string spool_file_name(const ActionId& id) { return id.to_string() + std::string(suffix); }

std::optional<ActionId> parse_spool_file_name(std::string_view name) {
  if (!name.ends_with(suffix)) return std::nullopt;
  name.remove_suffix(suffix.size());
  auto id = ActionId::parse(name);
  // One spelling per id, so that one action cannot be spooled under two names.
  if (!id || id->to_string() != name) return std::nullopt;
  return id;
}

json::object to_json(const SpoolEntry& entry) {
  json::object o;
  for (auto& field : make_enqueue(0, entry.request)) {
    // Copied rather than erased: json::object's erase moves its last field into the gap.
    if (std::find(std::begin(frame_fields), std::end(frame_fields), field.key()) == std::end(frame_fields)) {
      o.emplace(field.key(), std::move(field.value()));
    }
  }
  o["spool"] = spool_format_version;
  o["action_id"] = entry.id.to_string();
  o["created"] = detail::time_text(entry.created);
  return o;
}

Result<SpoolEntry> parse_spool_entry(const json::object& object) {
  SpoolEntry entry;
  auto version = detail::required_int(object, "spool");
  if (!version) return version.error();
  if (*version != spool_format_version) {
    return detail::bad_field("spool", "must be " + std::to_string(spool_format_version) + " (this bgsyncd's format)");
  }
  if (auto r = detail::required_action_id(object, "action_id")) entry.id = *r; else return r.error();
  if (auto r = detail::required_time(object, "created")) entry.created = *r; else return r.error();
  json::object request = object;
  for (const auto name : spool_fields) request.erase(name);
  for (const auto name : frame_fields) {
    if (request.contains(name)) return detail::bad_field(name, "is not a spool file's field");
  }
  auto parsed = parse_enqueue(request);
  if (!parsed) return parsed.error();
  entry.request = std::move(*parsed);
  return entry;
}

}  // namespace bgsync::proto
