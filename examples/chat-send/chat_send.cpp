// chat-send — a reliable chat sender. Each message gets an id of its own, sent as its
// Idempotency-Key so the server can drop duplicates, and goes through bgsyncd under the tag "chat",
// so messages arrive in the order they were written. The tool shows each message go
// queued -> sending -> sent from bgsyncd's events, and remembers in a state file the seq of the last
// event it saw: after a restart (or `chat-send --status` the next day) it replays the events it
// missed and every message's status is up to date.
//
//   chat-send [--server URL] [--state FILE] [--wait SECONDS] TEXT   send a message, watch it go
//   chat-send [--state FILE] --status                                catch up, list every message

#include <bgsync/async_client.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>

namespace asio = boost::asio;
namespace json = boost::json;
using namespace asio::experimental::awaitable_operators;

namespace {

// How this tool shows up in bgsyncd's log; the socket is found the usual way ($BGSYNC_SOCKET...).
bgsync::ConnectOptions connect_options() {
  bgsync::ConnectOptions options;
  options.client_name = "chat-send";
  return options;
}

struct Options {
  std::string server = "http://localhost:8080/messages";
  std::string state_file;
  std::chrono::seconds wait{10};
  bool status = false;
  std::string text;
};

// What the tool remembers: {"since": 42, "messages": {"<action id>": {"id": "msg-...",
// "text": "...", "status": "sent"}}}.
struct State {
  std::uint64_t since = 0;  // the last event seq seen; 0: never subscribed
  json::object messages;
};

State load(const std::string& path) {
  State state;
  std::ifstream in(path);
  if (!in) return state;
  std::stringstream text;
  text << in.rdbuf();
  auto doc = json::parse(text.str()).as_object();
  state.since = doc["since"].to_number<std::uint64_t>();
  state.messages = doc["messages"].as_object();
  return state;
}

void save(const std::string& path, const State& state) {
  const std::string temp = path + ".tmp";
  std::ofstream(temp) << json::serialize(json::object{{"since", state.since}, {"messages", state.messages}}) << "\n";
  std::rename(temp.c_str(), path.c_str());
}

// 128 random bits: unique enough to be a message's identity on the server, and its Idempotency-Key.
std::string new_message_id() {
  std::random_device random;
  char text[40];
  std::snprintf(text, sizeof text, "msg-%08x%08x%08x%08x", random(), random(), random(), random());
  return text;
}

// Records what `event` says about one of our messages; prints the change when `verbose`.
// Returns true when it is a final state (sent or failed) of message `watched`.
bool apply(State& state, const bgsync::Event& event, bool verbose, const std::string& watched = {}) {
  state.since = event.seq;
  const std::string action = event.id.to_string();
  auto* message = state.messages.if_contains(action);
  if (message == nullptr) return false;  // another app's action, or a network event
  std::string status(to_string(event.type));
  if (event.type == bgsync::EventType::retry) {
    status = "queued";  // back in the queue after a failed attempt
  } else if (event.type == bgsync::EventType::sent || event.type == bgsync::EventType::failed) {
    status += " (HTTP " + std::to_string(event.status.value_or(0)) + ")";
  }
  auto& previous = message->as_object()["status"];
  const bool changed = previous != json::value(status);
  previous = status;
  if (verbose && changed) {
    std::cout << message->at("id").as_string().c_str() << " " << status;
    if (!event.error.empty()) std::cout << ": " << event.error;
    std::cout << "\n";
  }
  return action == watched && (event.type == bgsync::EventType::sent || event.type == bgsync::EventType::failed);
}

// The next event, or nothing once `timer` expires.
asio::awaitable<std::optional<bgsync::Event>> next_event(bgsync::AsyncClient& client, asio::steady_timer& timer) {
  auto next = co_await (client.next_event() || timer.async_wait(asio::use_awaitable));
  if (next.index() == 1) co_return std::nullopt;
  auto& event = std::get<0>(next);
  if (!event) throw std::runtime_error(event.error().message);
  co_return std::move(*event);
}

asio::awaitable<int> run(const Options& options, State& state) {
  auto executor = co_await asio::this_coro::executor;
  auto connected = co_await bgsync::AsyncClient::connect(executor, connect_options());
  if (!connected) {
    std::cerr << "chat-send: " << connected.error().message << "\n";
    co_return 1;
  }
  auto& client = **connected;

  // Every event since the last one we saw (or, the first time, from now on): no tag filter, so the
  // replay ends exactly at the subscription's last_seq.
  bgsync::SubscribeArgs args;
  if (state.since > 0) args.since = state.since;
  auto subscribed = co_await client.subscribe(args);
  if (!subscribed) throw std::runtime_error(subscribed.error().message);
  if (state.since > 0 && state.since + 1 < subscribed->first_seq) {
    std::cerr << "chat-send: some events are older than bgsyncd keeps; statuses may be stale\n";
  }
  if (state.since == 0) state.since = subscribed->last_seq;

  asio::steady_timer timer(executor);
  if (options.status) {
    timer.expires_after(std::chrono::seconds(5));
    while (state.since < subscribed->last_seq) {  // the replay
      auto event = co_await next_event(client, timer);
      if (!event) break;
      apply(state, *event, false);
    }
    for (const auto& [action, message] : state.messages) {
      std::cout << message.at("id").as_string().c_str() << "\t" << message.at("status").as_string().c_str() << "\t"
                << message.at("text").as_string().c_str() << "\n";
    }
    co_return 0;
  }

  const std::string id = new_message_id();
  bgsync::EnqueueRequest request;
  request.method = "POST";
  request.url = options.server;
  request.headers = {{"Content-Type", "application/json"}, {"Idempotency-Key", id}};
  request.body = json::serialize(json::object{{"id", id}, {"text", options.text}});
  request.tag = "chat";
  request.app = "chat-send";
  auto action = co_await client.enqueue(request);
  if (!action) {
    std::cerr << "chat-send: " << action.error().message << "\n";
    co_return 1;
  }
  const std::string action_id = action->id.to_string();
  state.messages[action_id] = json::object{{"id", id}, {"text", options.text}, {"status", "queued"}};
  std::cout << id << " queued\n";

  timer.expires_after(options.wait);
  for (;;) {
    auto event = co_await next_event(client, timer);
    if (!event) {
      std::cout << id << " is still " << state.messages[action_id].at("status").as_string().c_str()
                << "; bgsyncd will send it. `chat-send --status` shows where it is.\n";
      break;
    }
    if (apply(state, *event, true, action_id)) break;
  }
  co_return 0;
}

int usage() {
  std::cerr << "usage: chat-send [--server URL] [--state FILE] [--wait SECONDS] TEXT\n"
               "       chat-send [--state FILE] --status\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  const char* home = std::getenv("HOME");
  options.state_file = std::string(home ? home : ".") + "/.chat-send.json";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--status") {
      options.status = true;
    } else if ((arg == "--server" || arg == "--state" || arg == "--wait") && i + 1 < argc) {
      const std::string value = argv[++i];
      if (arg == "--server") options.server = value;
      if (arg == "--state") options.state_file = value;
      if (arg == "--wait") options.wait = std::chrono::seconds(std::stoi(value));
    } else if (options.text.empty() && arg.rfind("--", 0) != 0) {
      options.text = arg;
    } else {
      return usage();
    }
  }
  if (options.status == !options.text.empty()) return usage();

  State state = load(options.state_file);
  asio::io_context io;
  int exit_code = 1;
  asio::co_spawn(io, run(options, state), [&](std::exception_ptr error, int code) {
    if (error) {
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& e) {
        std::cerr << "chat-send: " << e.what() << "\n";
      }
    }
    exit_code = error ? 1 : code;
  });
  io.run();
  save(options.state_file, state);
  return exit_code;
}
