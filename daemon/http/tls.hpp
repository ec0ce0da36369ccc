// TLS for the HTTP client: the one client context (always verifying), per-connection setup (SNI and
// the host name check), and turning a failed handshake into an error a person can act on.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/system/error_code.hpp>

#include "bgsync/proto/codec.hpp"
#include "daemon/http/url.hpp"

namespace bgsync::http {

using TlsStream = boost::asio::ssl::stream<boost::beast::tcp_stream>;

// TLS 1.2 or later, peer verification on, trust anchors from OpenSSL's default paths read now
// (so SSL_CERT_FILE / SSL_CERT_DIR set before this call are honoured). There is deliberately no
// way to turn verification off.
boost::asio::ssl::context make_tls_context();

// SNI (DNS names only, as RFC 6066 requires) and the check that the leaf certificate matches the
// host: a DNS name against SAN dNSName, an IP literal against SAN iPAddress.
// Errors: errc::tls_failed when OpenSSL refuses the server name.
proto::Result<void> prepare_tls(TlsStream& stream, const Target& target);

// After a failed handshake: errc::certificate_invalid with OpenSSL's verification reason
// ("self-signed certificate", "hostname mismatch") when the certificate was the problem, else
// errc::tls_failed with the handshake error.
proto::Error handshake_error(TlsStream& stream, const boost::system::error_code& ec, const Target& target);

}  // namespace bgsync::http
