// An HTTP/1.1 response parser that keeps what the outbox stores and nothing more: the status,
// the header fields exactly as received (order and duplicates kept, unlike beast::http::fields,
// which groups duplicates), and the first `body_keep` bytes of the body while counting the rest,
// so a response of any size is read in constant memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <boost/beast/http/basic_parser.hpp>

#include "bgsync/proto/types.hpp"

namespace bgsync::http {

class ResponseParser final : public boost::beast::http::basic_parser<false> {
 public:
  // No body limit (the body is not buffered); the header is limited to 64 KiB.
  explicit ResponseParser(std::size_t body_keep);

  int status() const noexcept { return status_; }
  proto::Headers& headers() noexcept { return headers_; }
  std::string& body() noexcept { return body_; }
  std::size_t body_size() const noexcept { return body_size_; }

 private:
  using error_code = boost::system::error_code;
  using string_view = boost::beast::string_view;

  void on_request_impl(boost::beast::http::verb, string_view, string_view, int, error_code&) override;
  void on_response_impl(int code, string_view reason, int version, error_code& ec) override;
  void on_field_impl(boost::beast::http::field, string_view name, string_view value, error_code&) override;
  void on_header_impl(error_code&) override;
  void on_body_init_impl(const boost::optional<std::uint64_t>& content_length, error_code&) override;
  std::size_t on_body_impl(string_view body, error_code&) override;
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code& ec) override;
  void on_finish_impl(error_code&) override {}

  std::size_t body_keep_;
  int status_ = 0;
  bool header_done_ = false;  // fields after the header are chunked trailers: not stored
  proto::Headers headers_;
  std::string body_;
  std::size_t body_size_ = 0;
};

}  // namespace bgsync::http
