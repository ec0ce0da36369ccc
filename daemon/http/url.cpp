// URL → connection target, on Boost.URL. Only http and https; the fragment never leaves the machine.
#include "daemon/http/url.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include "daemon/http/http_client.hpp"

namespace bgsync::http {

namespace urls = boost::urls;

namespace {

proto::Error bad_url(std::string_view url, std::string_view why) {
  return proto::Error{make_error_code(errc::bad_url), "bad URL \"" + std::string(url) + "\": " + std::string(why)};
}

}  // namespace

proto::Result<Target> parse_target(std::string_view url) {
  auto parsed = urls::parse_uri(url);  // absolute, fragment allowed (and dropped)
  if (!parsed) return bad_url(url, "not a valid absolute URL (" + parsed.error().message() + ")");
  const urls::url_view& u = *parsed;

  Target t;
  if (u.scheme_id() == urls::scheme::https) {
    t.tls = true;
  } else if (u.scheme_id() != urls::scheme::http) {
    return bad_url(url, "only http and https are supported");
  }

  switch (u.host_type()) {
    case urls::host_type::name:
      t.host = u.host_name();
      break;
    case urls::host_type::ipv4:
      t.host = u.host_ipv4_address().to_string();
      t.host_is_ip = true;
      break;
    case urls::host_type::ipv6:
      t.host = u.host_ipv6_address().to_string();
      t.host_is_ip = true;
      break;
    default:
      return bad_url(url, "unsupported host");
  }
  if (t.host.empty()) return bad_url(url, "no host");

  t.port = t.tls ? 443 : 80;
  if (u.has_port() && !u.port().empty()) {
    if (u.port_number() == 0) return bad_url(url, "port must be 1..65535");
    t.port = u.port_number();
  }

  t.host_header = u.encoded_host();
  if (u.has_port() && !u.port().empty()) {
    t.host_header += ':';
    t.host_header += u.port();
  }
  const std::string bracketed = u.host_type() == urls::host_type::ipv6 ? "[" + t.host + "]" : t.host;
  t.authority = bracketed + ":" + std::to_string(t.port);

  t.request_target = u.encoded_path().empty() ? "/" : std::string(u.encoded_path());
  if (u.has_query()) {
    t.request_target += '?';
    t.request_target += u.encoded_query();
  }
  return t;
}

}  // namespace bgsync::http
