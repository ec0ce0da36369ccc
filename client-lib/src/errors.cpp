// The "bgsync.client" error category: names and messages for client_errc.
// The messages here are generic; the Error that carries a code says what exactly happened.

#include "bgsync/errors.hpp"

#include <string>

namespace bgsync {
namespace {

class ClientCategory final : public std::error_category {
public:
  const char* name() const noexcept override { return "bgsync.client"; }

  std::string message(int value) const override {
    switch (static_cast<client_errc>(value)) {
      case client_errc::not_running: return "bgsyncd is not running";
      case client_errc::permission_denied: return "permission denied on bgsyncd's socket";
      case client_errc::connection_lost: return "the connection to bgsyncd was lost";
      case client_errc::protocol_error: return "bgsyncd sent an invalid reply";
      case client_errc::timeout: return "bgsyncd did not answer in time";
      case client_errc::unsupported_version: return "bgsyncd does not speak this protocol version";
    }
    return "unknown bgsync.client error " + std::to_string(value);
  }
};

}  // namespace

const std::error_category& client_category() noexcept {
  static const ClientCategory category;
  return category;
}

std::error_code make_error_code(client_errc e) noexcept { return {static_cast<int>(e), client_category()}; }

bool is_unreachable(const std::error_code& code) noexcept {
  return code == client_errc::not_running || code == client_errc::permission_denied ||
         code == client_errc::connection_lost || code == client_errc::timeout;
}

}  // namespace bgsync
