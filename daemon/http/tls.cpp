// TLS context and per-connection verification for the HTTP client, on Asio's OpenSSL wrapper.
#include "daemon/http/tls.hpp"

#include <string>

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/ssl/host_name_verification.hpp>

#include "daemon/http/http_client.hpp"

namespace bgsync::http {

namespace ssl = boost::asio::ssl;

namespace {

// Asio's host_name_verification only answers yes or no; when it says no about a certificate that
// was otherwise fine, record why in the store context so that SSL_get_verify_result (and so the
// error message) reads "hostname mismatch" instead of an unspecified failure.
class PeerCheck {
 public:
  explicit PeerCheck(const Target& target) : check_(target.host), is_ip_(target.host_is_ip) {}

  bool operator()(bool preverified, ssl::verify_context& ctx) const {
    const bool ok = check_(preverified, ctx);
    if (!ok && preverified) {
      X509_STORE_CTX_set_error(ctx.native_handle(),
                               is_ip_ ? X509_V_ERR_IP_ADDRESS_MISMATCH : X509_V_ERR_HOSTNAME_MISMATCH);
    }
    return ok;
  }

 private:
  ssl::host_name_verification check_;
  bool is_ip_;
};

}  // namespace

ssl::context make_tls_context() {
  ssl::context ctx(ssl::context::tls_client);
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_compression);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  // A failure here (say SSL_CERT_FILE names a missing file) leaves the store empty; every
  // handshake then fails with "unable to get local issuer certificate", which says enough.
  boost::system::error_code ignored;
  ctx.set_default_verify_paths(ignored);
  ctx.set_verify_mode(ssl::verify_peer);
  return ctx;
}

proto::Result<void> prepare_tls(TlsStream& stream, const Target& target) {
  if (!target.host_is_ip && SSL_set_tlsext_host_name(stream.native_handle(), target.host.c_str()) != 1) {
    return proto::Error{make_error_code(errc::tls_failed),
                        "TLS handshake with " + target.authority + ": server name \"" + target.host + "\" refused by OpenSSL"};
  }
  stream.set_verify_callback(PeerCheck(target));
  return {};
}

proto::Error handshake_error(TlsStream& stream, const boost::system::error_code& ec, const Target& target) {
  const std::string stage = "TLS handshake with " + target.authority + ": ";
  const long verify = SSL_get_verify_result(stream.native_handle());
  if (verify != X509_V_OK) {
    return proto::Error{make_error_code(errc::certificate_invalid),
                        stage + "certificate rejected: " + X509_verify_cert_error_string(verify)};
  }
  return proto::Error{make_error_code(errc::tls_failed), stage + ec.message()};
}

}  // namespace bgsync::http
