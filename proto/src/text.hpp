// Byte-level text helpers of the codec (internal): UTF-8 checks, base64, HTTP token characters and
// quoting user input inside error messages. Nothing here knows about JSON or the protocol's fields.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace bgsync::proto::detail {

// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
bool is_valid_utf8(std::string_view text) noexcept;
// The offset of the first byte that is not part of a valid sequence, or npos when there is none.
std::size_t first_invalid_utf8(std::string_view text) noexcept;

// `text` unchanged when it is valid UTF-8; otherwise every byte that is not part of a valid
// sequence becomes the code point of the same value (read as ISO-8859-1, as HTTP historically did
// for header values). JSON can only carry Unicode text, and a server may send any bytes.
std::string to_valid_utf8(std::string_view text);

// RFC 4648 base64 with the standard alphabet. Encoding pads with '='; decoding accepts input with
// or without padding and rejects anything else (whitespace included).
std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

// RFC 9110 tchar: the characters of methods and header names.
bool is_token_char(unsigned char c) noexcept;
bool is_token(std::string_view text) noexcept;

bool iequals(std::string_view a, std::string_view b) noexcept;

// `text` in double quotes for an error message: cut after about `max` bytes (at a character
// boundary, with "..." appended), control characters shown as \r, \n, \t or \xNN, and invalid
// UTF-8 bytes as \xNN, so that a message is always one printable line.
std::string quote(std::string_view text, std::size_t max = 80);

// The name of a control character for messages: "CR", "LF", "NUL", "TAB" or "control character 0x1b".
std::string control_name(unsigned char c);

}  // namespace bgsync::proto::detail
