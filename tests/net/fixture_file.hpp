// The format of the recorded rtnetlink fixtures (tests/net/fixtures/*.bin): for each datagram as
// the kernel sent it, a 4-byte little-endian length and then the bytes. Written by
// bgsync_net_record (record_netlink.cpp), read by the model tests.
#pragma once

#include <filesystem>
#include <string_view>
#include <vector>

#include "tests/net/netlink_builder.hpp"

namespace bgsync::net::test {

// Reads tests/net/fixtures/<name>; throws std::runtime_error if it is missing or malformed.
std::vector<Bytes> load_fixture(std::string_view name);
// Writes `datagrams` to `path`; throws std::runtime_error on failure.
void save_fixture(const std::filesystem::path& path, const std::vector<Bytes>& datagrams);

}  // namespace bgsync::net::test
