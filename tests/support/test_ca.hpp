// A throw-away certificate authority for HTTPS tests: a CA, a server certificate it signed for
// localhost / 127.0.0.1, one it signed for another name, and a self-signed certificate nobody trusts.
// Point the client at ca_cert_path() with SSL_CERT_FILE (before creating the Client).
#pragma once

#include <filesystem>
#include <string>

namespace bgsync::test {

class TestCa {
 public:
  // Creates fresh keys (EC P-256) and certificates (valid from an hour ago for 30 days) as PEM
  // files in `dir`, which must exist:
  //   ca.pem, ca-key.pem                      the CA (basicConstraints CA:TRUE, keyCertSign)
  //   server.pem, server-key.pem              CN=localhost, SAN DNS:localhost, IP:127.0.0.1, IP:::1;
  //                                           signed by the CA
  //   mismatch.pem, mismatch-key.pem          SAN DNS:wrong.invalid only; signed by the CA
  //   untrusted.pem, untrusted-key.pem        self-signed, SAN as the server's; trusted by no one
  // Throws std::runtime_error (with OpenSSL's reason) on failure.
  explicit TestCa(const std::filesystem::path& dir);

  const std::string& ca_cert_path() const noexcept { return ca_cert_; }
  const std::string& ca_key_path() const noexcept { return ca_key_; }
  const std::string& server_cert_path() const noexcept { return server_cert_; }
  const std::string& server_key_path() const noexcept { return server_key_; }
  const std::string& mismatch_cert_path() const noexcept { return mismatch_cert_; }
  const std::string& mismatch_key_path() const noexcept { return mismatch_key_; }
  const std::string& untrusted_cert_path() const noexcept { return untrusted_cert_; }
  const std::string& untrusted_key_path() const noexcept { return untrusted_key_; }

 private:
  std::string ca_cert_, ca_key_, server_cert_, server_key_, mismatch_cert_, mismatch_key_, untrusted_cert_, untrusted_key_;
};

}  // namespace bgsync::test
