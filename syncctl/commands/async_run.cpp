// Runs one of syncctl's coroutine commands on its own io_context: the optional SIGINT/SIGTERM
// handling, and the mapping of an escaped exception to an exit status (see async_run.hpp).

#include "syncctl/commands/async_run.hpp"

#include "syncctl/commands/command.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/system/system_error.hpp>

#include <csignal>
#include <exception>
#include <optional>
#include <system_error>

namespace syncctl {
namespace asio = boost::asio;

int run_async(const AsyncCommand& command, OnSignal on_signal) {
  asio::io_context io;
  std::optional<asio::signal_set> signals;
  asio::cancellation_signal stop;
  bool interrupted = false;
  int status = exit_ok;

  if (on_signal == OnSignal::stop) {
    signals.emplace(io, SIGINT, SIGTERM);
    signals->async_wait([&](const boost::system::error_code& ec, int) {
      if (ec) return;
      interrupted = true;
      stop.emit(asio::cancellation_type::terminal);
    });
  }
  asio::co_spawn(io, command(interrupted),
                 asio::bind_cancellation_slot(stop.slot(), [&](std::exception_ptr error, int result) {
                   if (signals) signals->cancel();
                   if (!error) {
                     status = result;
                     return;
                   }
                   try {
                     std::rethrow_exception(error);
                   } catch (const boost::system::system_error& e) {
                     // Asio throws from a co_await once the coroutine has been cancelled.
                     status = interrupted ? exit_ok : fail({e.code(), e.what()});
                   } catch (const std::exception& e) {
                     status = fail({std::make_error_code(std::errc::io_error), e.what()});
                   }
                 }));
  io.run();
  return status;
}

}  // namespace syncctl
