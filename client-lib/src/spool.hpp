// Writing one spool file (PROTOCOL.md, "The spool"): what bgsync::enqueue does when bgsyncd is not
// running. Internal; tests/client/spool_writer_test.cpp checks it directly.
#pragma once

#include "bgsync/errors.hpp"
#include "bgsync/proto/spool.hpp"

#include <string>

namespace bgsync::detail {

// Creates `dir` (and missing parents) with mode 0700, refusing a symlink or a directory of another
// user, then writes entry as "<id>.json": to ".tmp-<id>" first, fsynced, renamed, the directory
// fsynced. Durable when it returns. Errors: errc::frame_too_large (bgsyncd would refuse it), a
// std::errc code from the system (the message names the path).
Result<void> write_spool_file(const std::string& dir, const proto::SpoolEntry& entry);

// A new spool entry for `request`: a UUIDv7 made here (ordered within this process) and now.
proto::SpoolEntry new_spool_entry(EnqueueRequest request);

}  // namespace bgsync::detail
