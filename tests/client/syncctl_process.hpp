// syncctl as a child process for the client tests: its exit status and captured output, with
// BGSYNC_SOCKET pointing nowhere so that no daemon of the developer's can answer.
#pragma once

#include "tests/support/test_util.hpp"

#include <sys/types.h>

#include <string>
#include <vector>

namespace bgsync::test {

struct Outcome {
  int status = -1;  // the exit status, or 128 + signal
  std::string out;
  std::string err;
};

// Runs syncctl with stdin from `input_file` (or /dev/null), stdout and stderr captured in files.
class Process {
public:
  explicit Process(const std::vector<std::string>& args, const std::string& input_file = "/dev/null");
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  void signal(int number) const;
  Outcome wait();
  std::string out_so_far() const;

private:
  TempDir dir_;
  pid_t pid_ = -1;
};

// Runs syncctl to the end.
Outcome syncctl(const std::vector<std::string>& args, const std::string& input_file = "/dev/null");

}  // namespace bgsync::test
