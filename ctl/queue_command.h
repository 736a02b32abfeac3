// `r1wb-ctl queue [--host NAME]`: the user's jobs on each Slurm login node of the store (or the
// one named), from one `squeue --json` per cluster (core/slurm/slurm_queue.h): job, state,
// elapsed, nodes, reason, and the stored run each job runs. The round trip is printed.
#pragma once
#include <string>
#include <vector>

namespace r1wb::ctl {

int cmd_queue(const std::vector<std::string>& args);

}  // namespace r1wb::ctl
