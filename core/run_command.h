// Runs a program on this machine and captures what it printed: how the node side talks to
// Slurm (r1wb-run follow's scontrol/scancel, the runner's requeue) and how the runner asks a
// local llama.cpp for its log-probs. argv is run as given (execvp, no shell), so job ids,
// paths and texts are data.
#pragma once
#include <string>
#include <vector>

namespace r1wb {

struct CommandResult {
  int exit_code = -1;  //!< 127 when the command is not installed; 124 when it ran past the limit
  std::string out, err;
};

//! Runs argv[0] (found on PATH) with the rest as its arguments; kills it after timeout_s.
CommandResult run_command(const std::vector<std::string>& argv, double timeout_s = 30);

}  // namespace r1wb
