// What a running daemon costs in memory, read from the outside (for tests and benchmarks): its pid, found through its Unix
// socket (SO_PEERCRED), and the resident-set lines of /proc/PID/status. Anonymous memory (heap,
// stacks) is what the daemon owns; file pages (LMDB's map) belong to the page cache.
#pragma once

#include <string>

#include <sys/types.h>

namespace bgsync::test {

// The pid of the process listening on the Unix socket `path` (the kernel's SO_PEERCRED of a fresh
// connection). Throws std::runtime_error if nothing listens there.
pid_t peer_pid(const std::string& path);

struct ProcessMemory {
  double rss_anon_mib = 0;  // RssAnon: heap, stacks, anonymous maps
  double rss_file_mib = 0;  // RssFile: resident file pages (LMDB's data file, the binary)
  double vm_hwm_mib = 0;    // VmHWM: the peak of the whole resident set
};

// Reads /proc/PID/status. Throws std::runtime_error if the process is gone or a line is missing.
ProcessMemory process_memory(pid_t pid);

}  // namespace bgsync::test
