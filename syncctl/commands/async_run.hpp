// Runs one of syncctl's coroutine commands (watch, periodic run --wait) on its own io_context and
// turns how it ended into an exit status, so each command holds only its conversation with bgsyncd.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <functional>

namespace syncctl {

// What SIGINT and SIGTERM do while the coroutine runs.
enum class OnSignal {
  default_action,  // left alone: they end the process as usual
  stop,            // caught: they cancel the coroutine, set `interrupted`, and the command exits 0
};

// Makes the coroutine to run; `interrupted` (owned by run_async) is true once a signal stopped it,
// so the coroutine can tell an error it caused itself from a real one.
using AsyncCommand = std::function<boost::asio::awaitable<int>(const bool& interrupted)>;

// Runs the coroutine to its end on a fresh io_context and returns its exit status. An exception
// escaping it is reported through fail(): a boost::system::system_error with its own code, anything
// else as an I/O error; with OnSignal::stop, one thrown because a signal cancelled it gives exit_ok.
int run_async(const AsyncCommand& command, OnSignal on_signal);

}  // namespace syncctl
