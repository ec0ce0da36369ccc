// Reading and writing the fixture format: little-endian lengths so the files mean the same on
// every machine (the datagrams themselves are in the recording host's byte order, as netlink is).
#include "tests/net/fixture_file.hpp"

#include <array>
#include <cstdint>
#include <fstream>
#include <stdexcept>
#include <string>

namespace bgsync::net::test {

std::vector<Bytes> load_fixture(std::string_view name) {
  const std::filesystem::path path = std::filesystem::path(BGSYNC_NET_FIXTURES) / name;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open fixture " + path.string());
  std::vector<Bytes> datagrams;
  for (;;) {
    std::array<unsigned char, 4> length{};
    if (!in.read(reinterpret_cast<char*>(length.data()), length.size())) break;
    const std::uint32_t size = length[0] | length[1] << 8 | length[2] << 16 | static_cast<std::uint32_t>(length[3]) << 24;
    if (size > (1u << 20)) throw std::runtime_error("fixture " + path.string() + " is malformed");
    Bytes datagram(size);
    if (!in.read(reinterpret_cast<char*>(datagram.data()), size))
      throw std::runtime_error("fixture " + path.string() + " is truncated");
    datagrams.push_back(std::move(datagram));
  }
  return datagrams;
}

void save_fixture(const std::filesystem::path& path, const std::vector<Bytes>& datagrams) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  for (const auto& datagram : datagrams) {
    const auto size = static_cast<std::uint32_t>(datagram.size());
    const std::array<unsigned char, 4> length{static_cast<unsigned char>(size), static_cast<unsigned char>(size >> 8),
                                              static_cast<unsigned char>(size >> 16), static_cast<unsigned char>(size >> 24)};
    out.write(reinterpret_cast<const char*>(length.data()), length.size());
    out.write(reinterpret_cast<const char*>(datagram.data()), static_cast<std::streamsize>(datagram.size()));
  }
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

}  // namespace bgsync::net::test
