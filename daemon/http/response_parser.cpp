// The capped response parser: Beast does the HTTP grammar, this keeps the parts we store.
#include "daemon/http/response_parser.hpp"

#include <algorithm>

namespace bgsync::http {

ResponseParser::ResponseParser(std::size_t body_keep) : body_keep_(body_keep) {
  header_limit(64 * 1024);
  body_limit(boost::none);
}

void ResponseParser::on_request_impl(boost::beast::http::verb, string_view, string_view, int, error_code&) {
  // basic_parser<false> never calls this; it exists only because the base class declares it.
}

void ResponseParser::on_response_impl(int code, string_view, int, error_code&) { status_ = code; }

void ResponseParser::on_field_impl(boost::beast::http::field, string_view name, string_view value, error_code&) {
  if (!header_done_) headers_.push_back(proto::Header{std::string(name), std::string(value)});
}

void ResponseParser::on_header_impl(error_code&) { header_done_ = true; }

void ResponseParser::on_body_init_impl(const boost::optional<std::uint64_t>& content_length, error_code&) {
  if (content_length) body_.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(*content_length, body_keep_)));
}

std::size_t ResponseParser::on_body_impl(string_view body, error_code&) {
  if (body_.size() < body_keep_) body_.append(body.substr(0, body_keep_ - body_.size()));
  body_size_ += body.size();
  return body.size();
}

std::size_t ResponseParser::on_chunk_body_impl(std::uint64_t, string_view body, error_code& ec) {
  return on_body_impl(body, ec);
}

}  // namespace bgsync::http
