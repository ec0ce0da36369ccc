// The test CA on OpenSSL 3's C API: keys, X.509 v3 certificates with the extensions a verifying
// client checks (basicConstraints, keyUsage, subjectAltName), PEM files. No openssl(1) needed.
#include "tests/support/test_ca.hpp"

#include <cstdio>
#include <memory>
#include <stdexcept>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace bgsync::test {

namespace {

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
  void operator()(std::FILE* p) const { std::fclose(p); }
};
using Key = std::unique_ptr<EVP_PKEY, Free>;
using Cert = std::unique_ptr<X509, Free>;

[[noreturn]] void fail(const std::string& what) {
  std::string reason = "no OpenSSL reason";
  if (const unsigned long code = ERR_get_error(); code != 0) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    reason = buffer;
  }
  ERR_clear_error();
  throw std::runtime_error("TestCa: " + what + ": " + reason);
}

Key make_key() {
  Key key(EVP_EC_gen("P-256"));
  if (!key) fail("EVP_EC_gen(P-256)");
  return key;
}

void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, Free> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) fail(std::string("extension ") + OBJ_nid2sn(nid) + "=" + value);
}

struct CertSpec {
  const char* common_name;
  const char* subject_alt_names;  // nullptr for none
  bool is_ca;
};

// Signs with `issuer_key` as `issuer`; both null means self-signed with `key`.
Cert make_cert(const CertSpec& spec, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key) {
  Cert cert(X509_new());
  if (!cert) fail("X509_new");
  X509* x = cert.get();
  if (X509_set_version(x, X509_VERSION_3) != 1) fail("X509_set_version");

  // Random serials: a client that caches (issuer, serial) must never see two certificates alike.
  std::unique_ptr<BIGNUM, Free> serial(BN_new());
  if (!serial || BN_rand(serial.get(), 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(x)) == nullptr)
    fail("serial number");

  if (X509_gmtime_adj(X509_getm_notBefore(x), -3600) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(x), 30L * 24 * 3600) == nullptr)
    fail("validity");
  if (X509_set_pubkey(x, key) != 1) fail("X509_set_pubkey");

  X509_NAME* name = X509_get_subject_name(x);
  if (X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("bgsync tests"), -1,
                                 -1, 0) != 1 ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(spec.common_name),
                                 -1, -1, 0) != 1)
    fail("subject name");
  X509* signer = issuer != nullptr ? issuer : x;
  if (X509_set_issuer_name(x, X509_get_subject_name(signer)) != 1) fail("issuer name");

  if (spec.is_ca) {
    add_extension(x, signer, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(x, signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_extension(x, signer, NID_basic_constraints, "critical,CA:FALSE");
    add_extension(x, signer, NID_key_usage, "critical,digitalSignature,keyEncipherment");
    add_extension(x, signer, NID_ext_key_usage, "serverAuth");
  }
  add_extension(x, signer, NID_subject_key_identifier, "hash");
  if (issuer != nullptr) add_extension(x, signer, NID_authority_key_identifier, "keyid:always");
  if (spec.subject_alt_names != nullptr) add_extension(x, signer, NID_subject_alt_name, spec.subject_alt_names);

  if (X509_sign(x, issuer_key != nullptr ? issuer_key : key, EVP_sha256()) <= 0) fail("X509_sign");
  return cert;
}

std::unique_ptr<std::FILE, Free> open_for_write(const std::string& path) {
  std::unique_ptr<std::FILE, Free> file(std::fopen(path.c_str(), "w"));
  if (!file) throw std::runtime_error("TestCa: cannot write " + path);
  return file;
}

void write_cert(const std::string& path, X509* cert) {
  auto file = open_for_write(path);
  if (PEM_write_X509(file.get(), cert) != 1) fail("PEM_write_X509 " + path);
}

void write_key(const std::string& path, EVP_PKEY* key) {
  auto file = open_for_write(path);
  if (PEM_write_PrivateKey(file.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    fail("PEM_write_PrivateKey " + path);
}

constexpr const char* server_names = "DNS:localhost,IP:127.0.0.1,IP:::1";

}  // namespace

TestCa::TestCa(const std::filesystem::path& dir)
    : ca_cert_(dir / "ca.pem"),
      ca_key_(dir / "ca-key.pem"),
      server_cert_(dir / "server.pem"),
      server_key_(dir / "server-key.pem"),
      mismatch_cert_(dir / "mismatch.pem"),
      mismatch_key_(dir / "mismatch-key.pem"),
      untrusted_cert_(dir / "untrusted.pem"),
      untrusted_key_(dir / "untrusted-key.pem") {
  const Key ca_key = make_key();
  const Cert ca = make_cert({"bgsync test CA", nullptr, true}, ca_key.get(), nullptr, nullptr);
  write_cert(ca_cert_, ca.get());
  write_key(ca_key_, ca_key.get());

  const Key server_key = make_key();
  const Cert server = make_cert({"localhost", server_names, false}, server_key.get(), ca.get(), ca_key.get());
  write_cert(server_cert_, server.get());
  write_key(server_key_, server_key.get());

  const Key mismatch_key = make_key();
  const Cert mismatch =
      make_cert({"wrong.invalid", "DNS:wrong.invalid", false}, mismatch_key.get(), ca.get(), ca_key.get());
  write_cert(mismatch_cert_, mismatch.get());
  write_key(mismatch_key_, mismatch_key.get());

  const Key untrusted_key = make_key();
  const Cert untrusted = make_cert({"localhost", server_names, false}, untrusted_key.get(), nullptr, nullptr);
  write_cert(untrusted_cert_, untrusted.get());
  write_key(untrusted_key_, untrusted_key.get());
}

}  // namespace bgsync::test
