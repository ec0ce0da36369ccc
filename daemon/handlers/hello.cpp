// hello: version negotiation. Optional for clients; if sent, the version must be one we speak.
#include "daemon/handlers/handlers.hpp"

namespace bgsync::daemon {

HandlerResult handle_hello(RequestContext&, const boost::json::object& message) {
  auto version = proto::parse_hello(message);
  if (!version) co_return version.error();
  if (*version != proto::protocol_version) {
    co_return proto::make_error(proto::errc::unsupported_version,
                                "this bgsyncd speaks protocol version " + std::to_string(proto::protocol_version) +
                                    ", not " + std::to_string(*version));
  }
  proto::HelloResult result{proto::protocol_version, std::string("bgsyncd/") + BGSYNC_VERSION, proto::max_frame_size,
                            {}};
  result.features.assign(proto::daemon_features.begin(), proto::daemon_features.end());
  co_return proto::to_json(result);
}

}  // namespace bgsync::daemon
