// How `syncctl wait`, `enqueue --wait` and `watch --id` report the end of an action: one line (or
// JSON object) per action, and the exit status the outcomes deserve. Defined in wait.cpp.
#pragma once

#include "bgsync/wait.hpp"
#include "syncctl/commands/command.hpp"

#include <chrono>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace syncctl {

// exit_refused if any failed, expired or was cancelled (that answer is final); else exit_timeout if
// any is unfinished; else exit_ok (all sent).
int exit_for(const std::vector<bgsync::WaitResult>& results);

// ID  OUTCOME  [HTTP STATUS]  [error: TEXT]; for an unfinished one: ID  unfinished  STATE.
void print_outcome(std::ostream& out, const bgsync::WaitResult& result);

// Adds --timeout DURATION to `command`, read into `text`.
CLI::Option* add_timeout_option(CLI::App& command, std::string& text);
// The --timeout given (std::nullopt: none), or a usage error's message in `error`.
std::optional<std::chrono::milliseconds> read_timeout(const CLI::Option* option, const std::string& text,
                                                      std::string& error);

}  // namespace syncctl
