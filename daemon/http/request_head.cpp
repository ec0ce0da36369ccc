// Request validation and serialization for the HTTP client (see request_head.hpp for why by hand).
#include "daemon/http/request_head.hpp"

#include <algorithm>
#include <cctype>

namespace bgsync::http {

namespace {

bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), is_tchar); }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bool has_field(const proto::Headers& headers, std::string_view name) { return find_header(headers, name) != nullptr; }

proto::Error bad_request(std::string message) {
  return proto::Error{make_error_code(errc::bad_request), std::move(message)};
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append("\r\n");
}

}  // namespace

const std::string* find_header(const proto::Headers& headers, std::string_view name) {
  for (const auto& h : headers) {
    if (iequals(h.name, name)) return &h.value;
  }
  return nullptr;
}

proto::Result<void> check_request(const Request& request) {
  if (!is_token(request.method)) return bad_request("method \"" + request.method + "\" is not an HTTP token");
  for (const auto& h : request.headers) {
    if (!is_token(h.name)) return bad_request("header name \"" + h.name + "\" is not an HTTP token");
    if (h.value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos)
      return bad_request("header " + h.name + " contains CR, LF or NUL");
    if (iequals(h.name, "Content-Length") || iequals(h.name, "Transfer-Encoding"))
      return bad_request("header " + h.name + " is set by the HTTP client, not the caller");
  }
  return {};
}

std::string serialize_head(const Request& request, const Target& target, std::string_view user_agent) {
  std::string out;
  out.reserve(256);
  out.append(request.method).append(" ").append(target.request_target).append(" HTTP/1.1\r\n");
  if (!has_field(request.headers, "Host")) append_field(out, "Host", target.host_header);
  for (const auto& h : request.headers) append_field(out, h.name, h.value);
  if (!has_field(request.headers, "User-Agent") && !user_agent.empty()) append_field(out, "User-Agent", user_agent);
  // RFC 9110 §8.6: a POST/PUT/PATCH without a body still says so, or some servers wait for one.
  const bool body_expected = request.method == "POST" || request.method == "PUT" || request.method == "PATCH";
  if (!request.body.empty() || body_expected) append_field(out, "Content-Length", std::to_string(request.body.size()));
  out.append("\r\n");
  return out;
}

}  // namespace bgsync::http
