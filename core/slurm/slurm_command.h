// Runs a Slurm client command (sbatch, squeue, scontrol, scancel) on this machine and captures
// what it printed: how the node side (r1wb-run follow, the runner's requeue) talks to the
// scheduler. argv is run as given (execvp, no shell), so job ids and paths are data.
#pragma once
#include <string>
#include <vector>

namespace r1wb::slurm {

struct CommandResult {
  int exit_code = -1;  //!< 127 when the command is not installed; 124 when it ran past the limit
  std::string out, err;
};

//! Runs argv[0] (found on PATH) with the rest as its arguments; kills it after timeout_s.
CommandResult run_command(const std::vector<std::string>& argv, double timeout_s = 30);

}  // namespace r1wb::slurm
