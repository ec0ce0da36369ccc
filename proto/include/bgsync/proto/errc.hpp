// Error codes of the bgsync protocol: the stable `code` strings on the wire and their std::error_code form.
// A reply's error carries one of these plus a human message; clients branch on the code, show the message.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include <boost/assert/source_location.hpp>

namespace bgsync::proto {

// Values are part of the protocol: never renumber or rename, only append.
enum class errc {
  bad_frame = 1,        // not a JSON object, not UTF-8, or not newline-terminated JSON
  frame_too_large,      // a frame longer than max_frame_size; the connection is closed after the reply
  missing_field,        // a required field is absent
  bad_field,            // a field has the wrong type or an invalid value
  unknown_op,           // "op" names no operation of this protocol version
  unsupported_version,  // hello asked for a protocol version the peer does not speak
  bad_url,              // not an absolute http(s) URL
  bad_method,           // not an HTTP token, or too long
  bad_header,           // bad name, CR/LF/NUL in a value, or a header the daemon owns (Host, Content-Length...)
  not_found,            // no such action or subscription
  bad_state,            // the action's state does not allow this (e.g. retry of a sent action)
  storage_full,         // the outbox is full (disk or map size); nothing was stored
  storage_error,        // the outbox failed otherwise; nothing was stored
  shutting_down,        // the daemon is stopping and takes no new work
  internal,             // a bug in the daemon; the message says what failed
  bad_config,           // reload: the config file cannot be read or has an error (the message names
                        // the file and line); nothing was changed
  ambiguous_id,         // an id prefix matches more than one action (the message lists some of them)
};

const std::error_category& error_category() noexcept;
std::error_code make_error_code(errc e) noexcept;

// The wire name of a code ("bad_url"), and back. Unknown names map to std::nullopt.
std::string_view errc_name(errc e) noexcept;
std::optional<errc> errc_from_name(std::string_view name) noexcept;

// An error as it travels: a code to branch on and a message a person can act on.
struct Error {
  std::error_code code;
  std::string message;
};

inline Error make_error(errc e, std::string message) { return Error{make_error_code(e), std::move(message)}; }

// Found by boost::system::result<T, Error>::value() through ADL: calling value() on an error is a
// bug in the caller, reported as a std::system_error carrying the code and the message.
[[noreturn]] void throw_exception_from_error(const Error& error, const boost::source_location& location);

}  // namespace bgsync::proto

template <>
struct std::is_error_code_enum<bgsync::proto::errc> : std::true_type {};
