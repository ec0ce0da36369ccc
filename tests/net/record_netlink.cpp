// bgsync_net_record: records real rtnetlink datagrams as test fixtures (see fixtures/record.sh).
//   bgsync_net_record dump OUT.bin               links, addresses and routes of this namespace
//   bgsync_net_record monitor OUT.bin CMD ARG..  the notifications caused by running CMD
#include <linux/netlink.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstring>
#include <exception>
#include <string_view>
#include <vector>

#include "daemon/net/rtnetlink.hpp"
#include "tests/net/fixture_file.hpp"

extern char** environ;

namespace {

using namespace bgsync::net;

int usage() {
  std::fprintf(stderr, "usage: bgsync_net_record dump OUT.bin\n"
                       "       bgsync_net_record monitor OUT.bin COMMAND [ARG...]\n");
  return 2;
}

int record_dump(const char* out) {
  auto dump = dump_state();
  if (!dump) {
    std::fprintf(stderr, "%s\n", dump.error().message.c_str());
    return 1;
  }
  test::save_fixture(out, *dump);
  std::printf("%zu datagrams -> %s\n", dump->size(), out);
  return 0;
}

// Subscribes first, then runs the command, then keeps what the kernel says until it has been
// quiet for 300 ms.
int record_monitor(const char* out, char** command) {
  auto fd = open_rtnetlink(watched_groups(), 4 << 20);
  if (!fd) {
    std::fprintf(stderr, "%s\n", fd.error().message.c_str());
    return 1;
  }
  pid_t child = 0;
  if (const int error = ::posix_spawnp(&child, command[0], nullptr, nullptr, command, environ); error != 0) {
    std::fprintf(stderr, "cannot run %s: %s\n", command[0], std::strerror(error));
    return 1;
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "%s failed\n", command[0]);
    return 1;
  }
  std::vector<nlmsghdr> storage(65536 / sizeof(nlmsghdr));
  const std::span<std::byte> buffer(reinterpret_cast<std::byte*>(storage.data()), 65536);
  std::vector<test::Bytes> datagrams;
  for (;;) {
    const ReadResult read = read_datagram(fd->get(), buffer);
    if (read.status == ReadStatus::datagram) {
      datagrams.emplace_back(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(read.size));
    } else if (read.status == ReadStatus::empty) {
      pollfd wait{fd->get(), POLLIN, 0};
      if (::poll(&wait, 1, 300) == 0) break;
    } else if (read.status != ReadStatus::foreign) {
      std::fprintf(stderr, "reading rtnetlink failed: %s\n", std::strerror(read.error));
      return 1;
    }
  }
  test::save_fixture(out, datagrams);
  std::printf("%zu datagrams -> %s\n", datagrams.size(), out);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc == 3 && std::string_view(argv[1]) == "dump") return record_dump(argv[2]);
    if (argc >= 4 && std::string_view(argv[1]) == "monitor") return record_monitor(argv[2], argv + 3);
    return usage();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
