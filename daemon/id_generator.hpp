// The daemon's name for proto's UUIDv7 generator (bgsync/proto/id_generator.hpp), which libbgsync
// shares to make the ids of spooled actions.
#pragma once

#include "bgsync/proto/id_generator.hpp"

namespace bgsync::daemon {
using proto::IdGenerator;
}  // namespace bgsync::daemon
