// Validation of what an app asks bgsyncd to send: URL, method, headers, tag and app labels.
// Shared by the daemon (the authority) and syncctl (to say no before connecting).
#include "bgsync/proto/codec.hpp"

#include "fields.hpp"
#include "text.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <array>

namespace bgsync::proto {
namespace {

// Headers whose framing or routing meaning belongs to the HTTP client inside bgsyncd.
constexpr std::array<std::string_view, 9> daemon_owned_headers{
    "Host", "Content-Length", "Transfer-Encoding", "Connection", "Upgrade",
    "TE",   "Trailer",        "Keep-Alive",        "Proxy-Connection"};

std::string size_problem(std::string_view what, std::size_t size, std::size_t limit) {
  return std::string(what) + " is " + std::to_string(size) + " bytes; the limit is " + std::to_string(limit);
}

Error bad_url(std::string_view url, std::string_view problem) {
  return make_error(errc::bad_url, "bad URL " + detail::quote(url) + ": " + std::string(problem));
}

}  // namespace

Result<void> validate_url(std::string_view url) {
  // An app sends to the same few endpoints over and over, and whether a URL is valid never
  // changes: remember the last one that passed, per thread, instead of parsing it again (the
  // parse is a tenth of an enqueue's instructions on each side of the socket).
  thread_local std::string last_valid;
  if (!url.empty() && url == last_valid) return {};
  if (url.empty()) return make_error(errc::bad_url, "bad URL: it is empty");
  if (url.size() > max_url_size) return make_error(errc::bad_url, size_problem("URL", url.size(), max_url_size));
  for (const char ch : url) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == ' ') return bad_url(url, "contains a space; percent-encode it as %20");
    if (c < 0x20 || c == 0x7f) return bad_url(url, "contains a " + detail::control_name(c));
    if (c >= 0x80) return bad_url(url, "contains non-ASCII characters; percent-encode them");
  }
  const auto parsed = boost::urls::parse_uri(url);
  if (!parsed) {
    return bad_url(url, "not an absolute URL like \"https://example.com/path\" (" + parsed.error().message() + ")");
  }
  const boost::urls::url_view& view = *parsed;
  if (!detail::iequals(view.scheme(), "http") && !detail::iequals(view.scheme(), "https")) {
    return bad_url(url, "scheme must be http or https");
  }
  if (!view.has_authority() || view.encoded_host().empty()) return bad_url(url, "has no host");
  if (view.has_port() && !view.port().empty()) {
    const std::string_view port = view.port();
    unsigned long number = 0;
    for (const char c : port) {
      number = number * 10 + static_cast<unsigned long>(c - '0');
      if (number > 65535) break;
    }
    if (number == 0 || number > 65535) return bad_url(url, "port must be 1..65535");
  }
  if (view.has_fragment()) return bad_url(url, "has a fragment (#...), which HTTP never sends; remove it");
  last_valid.assign(url);
  return {};
}

Result<void> validate_method(std::string_view method) {
  if (method.empty()) return make_error(errc::bad_method, "bad method: it is empty");
  if (method.size() > max_method_size) {
    return make_error(errc::bad_method, "bad method " + detail::quote(method, 40) + ": " +
                                            size_problem("it", method.size(), max_method_size));
  }
  for (const char c : method) {
    if (!detail::is_token_char(static_cast<unsigned char>(c))) {
      return make_error(errc::bad_method, "bad method " + detail::quote(method) + ": " + detail::quote({&c, 1}) +
                                              " is not allowed (letters, digits and !#$%&'*+-.^_`|~ only)");
    }
  }
  return {};
}

Result<void> validate_header(std::string_view name, std::string_view value) {
  if (name.empty()) return make_error(errc::bad_header, "bad header: the name is empty");
  for (const char c : name) {
    if (!detail::is_token_char(static_cast<unsigned char>(c))) {
      return make_error(errc::bad_header, "bad header name " + detail::quote(name) + ": " + detail::quote({&c, 1}) +
                                              " is not allowed (letters, digits and !#$%&'*+-.^_`|~ only)");
    }
  }
  for (const std::string_view owned : daemon_owned_headers) {
    if (detail::iequals(name, owned)) {
      return make_error(errc::bad_header, "header " + detail::quote(name) + " is set by bgsyncd itself; remove it");
    }
  }
  for (const char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\t') || c == 0x7f) {
      return make_error(errc::bad_header, "header " + detail::quote(name) + ": the value contains a " +
                                              detail::control_name(c) + ", which HTTP does not allow");
    }
  }
  if (!detail::is_valid_utf8(value)) {
    return make_error(errc::bad_header, "header " + detail::quote(name) + ": the value is not valid UTF-8");
  }
  return {};
}

Result<void> validate_label(std::string_view field, std::string_view value) {
  const std::string label(field);
  if (value.size() > max_tag_size) return make_error(errc::bad_field, size_problem(label, value.size(), max_tag_size));
  for (const char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) {
      return make_error(errc::bad_field, label + " " + detail::quote(value) + " contains a " + detail::control_name(c));
    }
  }
  if (!detail::is_valid_utf8(value)) {
    return make_error(errc::bad_field, label + " " + detail::quote(value) + " is not valid UTF-8");
  }
  return {};
}

Result<void> validate_policy(const ActionPolicy& policy) {
  if (policy.max_attempts && (*policy.max_attempts < 1 || *policy.max_attempts > max_attempts_limit)) {
    return detail::bad_field("max_attempts", "must be an integer 1.." + std::to_string(max_attempts_limit));
  }
  if (const auto& b = policy.backoff) {
    if (b->initial.count() < 1 || b->initial > max_ttl) return detail::bad_field("backoff.initial_ms", "must be 1..315360000000");
    if (b->max < b->initial || b->max > max_ttl) {
      return detail::bad_field("backoff.max_ms", "must be at least initial_ms and at most 315360000000");
    }
  }
  return validate_label("collapse_key", policy.collapse_key);
}

Result<void> validate_enqueue(const EnqueueRequest& request) {
  if (auto r = validate_method(request.method); !r) return r;
  if (auto r = validate_url(request.url); !r) return r;
  if (auto r = detail::validate_headers(request.headers); !r) return r;
  if (auto r = validate_label("tag", request.tag); !r) return r;
  if (auto r = validate_label("app", request.app); !r) return r;
  if (request.ttl && (request.ttl->count() < 1 || *request.ttl > max_ttl)) {
    return detail::bad_field("ttl_ms", "must be 1..315360000000 (10 years)");
  }
  if (request.ttl && request.policy.expires_at) {
    return make_error(errc::bad_field, "give \"ttl_ms\" or \"expires_at\", not both");
  }
  return validate_policy(request.policy);
}

namespace detail {

Result<void> validate_headers(const Headers& headers) {
  if (headers.size() > max_header_count) {
    return make_error(errc::bad_header, std::to_string(headers.size()) + " headers; the limit is " +
                                            std::to_string(max_header_count));
  }
  std::size_t total = 0;
  for (const Header& header : headers) {
    if (auto r = validate_header(header.name, header.value); !r) return r;
    total += header.name.size() + header.value.size();
  }
  if (total > max_headers_size) {
    return make_error(errc::bad_header, size_problem("the headers (names and values)", total, max_headers_size));
  }
  return {};
}

}  // namespace detail
}  // namespace bgsync::proto
