// A dump of every named database of an LMDB environment, read with the raw C API alone so that it
// does not depend on the outbox's code: the replay tests compare the state a journal replay made
// with the state a published twin holds, and keep recorded expectations as text in this format.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace bgsync::store::test {

// One line per database ("db") and one per entry ("db\tkey-hex\tvalue-hex", lower-case hex),
// sorted, so two dumps compare line by line and a difference names its database and key.
using Dump = std::vector<std::string>;

// Dumps the environment in `dir`. The environment must not be open in this process (LMDB's
// locks do not survive a second open of one file), so close the Outbox first. Fails the current
// test (Catch2 FAIL) when LMDB does.
Dump dump_lmdb(const std::filesystem::path& dir);

// dump_lmdb without meta's "journal" key: the seq of the last journal record the state holds,
// which a replayed outbox and its published twin legitimately disagree on.
Dump dump_outbox(const std::filesystem::path& dir);

std::string hex(std::string_view bytes);

// The dump as a text file's contents (one line each, '\n'-terminated), and back.
std::string to_text(const Dump& dump);
Dump from_text(std::string_view text);

// Empty when equal; else the lines only in `expected` ("- ") and only in `actual` ("+ "), at most
// `max_lines` of them, for a failure message.
std::string dump_diff(Dump expected, Dump actual, std::size_t max_lines = 40);

}  // namespace bgsync::store::test
