// notes — an offline-first notes tool. Notes live in a local file and change at once, online or
// not; each change becomes a request that bgsyncd sends when it can: POST to create, PUT to update,
// DELETE to delete. The requests of one note share a tag ("note-<id>"), so they reach the server in
// the order they were made even across retries. `notes list` shows each note's sync state from
// bgsyncd's actions.
//
//   notes [--server URL] [--file PATH] create TEXT | update ID TEXT | delete ID | list

#include <bgsync/client.hpp>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace json = boost::json;

namespace {

// How this tool shows up in bgsyncd's log; the socket is found the usual way ($BGSYNC_SOCKET...).
bgsync::ConnectOptions connect_options() {
  bgsync::ConnectOptions options;
  options.client_name = "notes";
  return options;
}

struct Options {
  std::string server = "http://localhost:8080/notes";  // the collection; a note is <server>/<id>
  std::string file;
  std::vector<std::string> args;  // the command and its arguments
};

std::string default_file() {
  const char* data = std::getenv("XDG_DATA_HOME");
  const char* home = std::getenv("HOME");
  std::string dir = data && *data ? data : std::string(home ? home : ".") + "/.local/share";
  return dir + "/bgsync-notes.json";
}

// The local notes: {"next_id": 3, "notes": {"1": "buy milk", "2": "call Ana"}}.
json::object load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return {{"next_id", 1}, {"notes", json::object()}};
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str()).as_object();
}

void save(const std::string& path, const json::object& notes) {
  const std::string temp = path + ".tmp";
  std::ofstream(temp) << json::serialize(notes) << "\n";
  std::rename(temp.c_str(), path.c_str());  // all or nothing
}

// Hands one change of a note to bgsyncd. Returns false (and says why) if it could not.
bool sync(bgsync::Client& client, const Options& options, const std::string& method, const std::string& id,
          const std::string& text) {
  bgsync::EnqueueRequest request;
  request.method = method;
  request.url = method == "POST" ? options.server : options.server + "/" + id;
  if (method != "DELETE") {
    request.headers = {{"Content-Type", "application/json"}};
    request.body = json::serialize(json::object{{"id", id}, {"text", text}});
  }
  request.tag = "note-" + id;  // one note's changes go one at a time, in order
  request.app = "notes";
  auto action = client.enqueue(request);
  if (!action) std::cerr << "notes: " << action.error().message << "\n";
  return static_cast<bool>(action);
}

// Why a change has not gone yet, in words.
std::string describe(bgsync::proto::WaitReason reason) {
  switch (reason) {
    case bgsync::proto::WaitReason::network: return "offline";
    case bgsync::proto::WaitReason::backoff: return "will retry";
    case bgsync::proto::WaitReason::tag: return "behind an earlier change";
    case bgsync::proto::WaitReason::paused: return "sending is paused";
    case bgsync::proto::WaitReason::held: return "held by the operator";
    case bgsync::proto::WaitReason::blocked: return "blocked by a change that failed";
    case bgsync::proto::WaitReason::not_before: return "scheduled for later";
    case bgsync::proto::WaitReason::none: break;
  }
  return "";
}

// "synced", "pending (2 changes; offline)" or "failed: HTTP 404 Not Found", per note id, from the
// daemon's record of every request this tool made.
std::map<std::string, std::string> sync_states(bgsync::Client& client) {
  struct Summary {
    int pending = 0;
    std::string waiting;
    std::string failed;
  };
  std::map<std::string, Summary> by_note;
  bgsync::ListQuery query;
  query.app = "notes";
  query.limit = 1000;
  for (;;) {
    auto page = client.list(query);
    if (!page) throw std::runtime_error(page.error().message);
    for (const auto& action : page->actions) {
      auto& summary = by_note[action.tag.substr(5)];  // "note-<id>"
      if (action.state == bgsync::ActionState::queued || action.state == bgsync::ActionState::sending) {
        ++summary.pending;
        if (summary.waiting.empty()) summary.waiting = describe(action.waiting);  // the oldest change's reason
      } else if (action.state == bgsync::ActionState::failed) {
        summary.failed = action.last_error;
      } else if (action.state == bgsync::ActionState::sent) {
        summary.failed.clear();  // a later change went through
      }
    }
    if (!page->next) break;
    query.after = page->next;
  }
  std::map<std::string, std::string> states;
  for (const auto& [id, summary] : by_note) {
    if (!summary.failed.empty()) {
      states[id] = "failed: " + summary.failed;
    } else if (summary.pending > 0) {
      states[id] = "pending (" + std::to_string(summary.pending) + (summary.pending == 1 ? " change" : " changes") +
                   (summary.waiting.empty() ? "" : "; " + summary.waiting) + ")";
    } else {
      states[id] = "synced";
    }
  }
  return states;
}

int usage() {
  std::cerr << "usage: notes [--server URL] [--file PATH] create TEXT | update ID TEXT | delete ID | list\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  options.file = default_file();
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if ((arg == "--server" || arg == "--file") && i + 1 < argc) {
      (arg == "--server" ? options.server : options.file) = argv[++i];
    } else {
      options.args.push_back(arg);
    }
  }
  if (options.args.empty()) return usage();
  const std::string command = options.args[0];

  json::object notes = load(options.file);
  json::object& texts = notes["notes"].as_object();
  auto client = bgsync::Client::connect(connect_options());
  if (!client) {
    // Change nothing then: a local change whose request cannot be queued would never reach the server.
    std::cerr << "notes: " << client.error().message << "\n";
    return 1;
  }

  if (command == "create" && options.args.size() == 2) {
    const std::string id = std::to_string(notes["next_id"].to_number<std::int64_t>());
    notes["next_id"] = notes["next_id"].to_number<std::int64_t>() + 1;
    texts[id] = options.args[1];
    save(options.file, notes);
    if (!sync(*client, options, "POST", id, options.args[1])) return 1;
    std::cout << "created note " << id << "\n";
  } else if ((command == "update" && options.args.size() == 3) || (command == "delete" && options.args.size() == 2)) {
    const std::string& id = options.args[1];
    if (!texts.contains(id)) {
      std::cerr << "notes: there is no note " << id << " (see `notes list`)\n";
      return 1;
    }
    const bool update = command == "update";
    if (update) {
      texts[id] = options.args[2];
    } else {
      texts.erase(id);
    }
    save(options.file, notes);
    if (!sync(*client, options, update ? "PUT" : "DELETE", id, update ? options.args[2] : "")) return 1;
    std::cout << (update ? "updated note " : "deleted note ") << id << "\n";
  } else if (command == "list" && options.args.size() == 1) {
    auto states = sync_states(*client);
    for (const auto& [id, text] : texts) {
      const std::string state = states.count(id) ? states[id] : "local only";
      std::cout << id << "\t" << state << "\t" << text.as_string().c_str() << "\n";
      states.erase(id);
    }
    for (const auto& [id, state] : states) {
      if (state != "synced") std::cout << id << "\t" << state << "\t(deleted)\n";  // a deletion on its way
    }
  } else {
    return usage();
  }
  return 0;
}
