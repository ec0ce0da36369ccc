// The bgsync protocol's error category: wire names and default messages for every proto::errc.
// The wire names are the stable part of the protocol; the messages only help people reading logs.
#include "bgsync/proto/errc.hpp"

#include <array>
#include <cstddef>

namespace bgsync::proto {
namespace {

struct ErrcInfo {
  errc code;
  std::string_view name;
  std::string_view message;
};

// Indexed by value - 1; errc values are dense and start at 1.
constexpr std::array<ErrcInfo, 17> errc_table{{
    {errc::bad_frame, "bad_frame", "malformed frame: not a UTF-8 JSON object on one line"},
    {errc::frame_too_large, "frame_too_large", "frame larger than the protocol allows"},
    {errc::missing_field, "missing_field", "a required field is missing"},
    {errc::bad_field, "bad_field", "a field has the wrong type or an invalid value"},
    {errc::unknown_op, "unknown_op", "unknown operation"},
    {errc::unsupported_version, "unsupported_version", "unsupported protocol version"},
    {errc::bad_url, "bad_url", "not an absolute http or https URL"},
    {errc::bad_method, "bad_method", "not a valid HTTP method"},
    {errc::bad_header, "bad_header", "invalid or forbidden HTTP header"},
    {errc::not_found, "not_found", "no such action or subscription"},
    {errc::bad_state, "bad_state", "the action's state does not allow this"},
    {errc::storage_full, "storage_full", "the outbox is full"},
    {errc::storage_error, "storage_error", "the outbox failed"},
    {errc::shutting_down, "shutting_down", "bgsyncd is shutting down"},
    {errc::internal, "internal", "internal error in bgsyncd"},
    {errc::bad_config, "bad_config", "the configuration file has an error; nothing was changed"},
    {errc::ambiguous_id, "ambiguous_id", "the id prefix matches more than one action"},
}};

const ErrcInfo* find_info(int value) noexcept {
  if (value < 1 || static_cast<std::size_t>(value) > errc_table.size()) return nullptr;
  return &errc_table[static_cast<std::size_t>(value - 1)];
}

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "bgsync.proto"; }
  std::string message(int value) const override {
    const ErrcInfo* info = find_info(value);
    return info ? std::string(info->message) : "unknown bgsync protocol error " + std::to_string(value);
  }
};

}  // namespace

const std::error_category& error_category() noexcept {
  static const Category category;
  return category;
}

std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), error_category()}; }

std::string_view errc_name(errc e) noexcept {
  const ErrcInfo* info = find_info(static_cast<int>(e));
  return info ? info->name : std::string_view("internal");
}

std::optional<errc> errc_from_name(std::string_view name) noexcept {
  for (const ErrcInfo& info : errc_table) {
    if (info.name == name) return info.code;
  }
  return std::nullopt;
}

void throw_exception_from_error(const Error& error, const boost::source_location& location) {
  throw std::system_error(error.code, error.message + " [" + location.to_string() + "]");
}

}  // namespace bgsync::proto
