// LMDB return codes -> the protocol's storage errors, worded so a person knows what to do.
// (Named-database handles need no wrapper: they live as long as the environment, which frees them.)
#include "daemon/store/lmdb.hpp"

#include <cerrno>

namespace bgsync::store::lmdb {

proto::Error to_error(int rc, std::string_view what, std::size_t map_size) {
  std::string reason = std::string(what) + ": " + mdb_strerror(rc);
  if (rc == MDB_MAP_FULL || rc == ENOSPC) {
    return proto::make_error(proto::errc::storage_full,
                             "the outbox is full (map size " + std::to_string(map_size >> 20) +
                                 " MiB or disk): " + reason);
  }
  return proto::make_error(proto::errc::storage_error, "outbox storage failed: " + reason);
}

}  // namespace bgsync::store::lmdb
