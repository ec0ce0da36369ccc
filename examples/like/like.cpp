// like — the like button. The count goes up locally at once, whatever the network does; the like
// itself is handed to bgsyncd, which sends it when the network is back. Likes that could not even be
// handed over (bgsyncd not running) are remembered and handed over by the next `like`.
//
//   like [--server URL] [--file PATH] [--post ID]   like a post: prints the new count at once
//   like [--file PATH] [--post ID] --status          the count, and how many likes are still on their way

#include <bgsync/client.hpp>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

namespace json = boost::json;

namespace {

// How this tool shows up in bgsyncd's log; the socket is found the usual way ($BGSYNC_SOCKET...).
bgsync::ConnectOptions connect_options() {
  bgsync::ConnectOptions options;
  options.client_name = "like";
  return options;
}

struct Options {
  std::string server = "http://localhost:8080";
  std::string file;
  std::string post = "hello-world";
  bool status = false;
};

// {"hello-world": {"count": 4, "unqueued": 1}}: the count shown, and likes not yet handed to bgsyncd.
json::object load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return {};
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str()).as_object();
}

void save(const std::string& path, const json::object& likes) {
  const std::string temp = path + ".tmp";
  std::ofstream(temp) << json::serialize(likes) << "\n";
  std::rename(temp.c_str(), path.c_str());
}

std::int64_t number(const json::object& post, const char* key) {
  const auto* value = post.if_contains(key);
  return value ? value->to_number<std::int64_t>() : 0;
}

// How many likes of this post bgsyncd holds that have not reached the server yet.
bgsync::Result<std::uint64_t> on_their_way(bgsync::Client& client, const std::string& post) {
  std::uint64_t count = 0;
  for (const auto state : {bgsync::ActionState::queued, bgsync::ActionState::sending}) {
    bgsync::ListQuery query;
    query.app = "like";
    query.tag = "";  // likes are untagged: each goes on its own, in any order
    query.state = state;
    query.limit = 1000;
    for (;;) {
      auto page = client.list(query);
      if (!page) return page.error();
      for (const auto& action : page->actions) count += action.url.ends_with("/posts/" + post + "/likes");
      if (!page->next) break;
      query.after = page->next;
    }
  }
  return count;
}

int show_status(const Options& options, const json::object& post) {
  std::cout << options.post << ": " << number(post, "count") << " likes\n";
  auto client = bgsync::Client::connect(connect_options());
  if (!client) {
    std::cout << client.error().message << "\n";
    return 1;
  }
  auto pending = on_their_way(*client, options.post);
  auto status = client->status();
  if (!pending || !status) {
    std::cerr << "like: " << (!pending ? pending.error() : status.error()).message << "\n";
    return 1;
  }
  std::cout << *pending + number(post, "unqueued") << " not on the server yet";
  if (!status->online) std::cout << " (offline: " << status->network_reason << ")";
  if (status->paused) std::cout << " (sending is paused)";
  std::cout << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  const char* home = std::getenv("HOME");
  options.file = std::string(home ? home : ".") + "/.likes.json";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--status") {
      options.status = true;
    } else if ((arg == "--server" || arg == "--file" || arg == "--post") && i + 1 < argc) {
      (arg == "--server" ? options.server : arg == "--file" ? options.file : options.post) = argv[++i];
    } else {
      std::cerr << "usage: like [--server URL] [--file PATH] [--post ID] [--status]\n";
      return 2;
    }
  }

  json::object likes = load(options.file);
  json::value& slot = likes[options.post];
  if (!slot.is_object()) slot.emplace_object();
  json::object& post = slot.as_object();
  if (options.status) return show_status(options, post);

  // First the user sees the like: the count goes up now, not when a server answers.
  post["count"] = number(post, "count") + 1;
  post["unqueued"] = number(post, "unqueued") + 1;
  save(options.file, likes);
  std::cout << options.post << ": " << number(post, "count") << " likes\n" << std::flush;

  // Then the outbox takes it over, with any earlier like that could not be handed over.
  auto client = bgsync::Client::connect(connect_options());
  if (!client) {
    std::cerr << "like: kept locally, to be sent later: " << client.error().message << "\n";
    return 0;
  }
  bgsync::EnqueueRequest request;
  request.method = "POST";
  request.url = options.server + "/posts/" + options.post + "/likes";
  request.app = "like";
  while (number(post, "unqueued") > 0) {
    auto action = client->enqueue(request);
    if (!action) {
      std::cerr << "like: kept locally, to be sent later: " << action.error().message << "\n";
      break;
    }
    post["unqueued"] = number(post, "unqueued") - 1;
    save(options.file, likes);
  }
  return 0;
}
