// `r1wb-run train --nproc N`: the launching process becomes rank 0 and starts ranks 1..N-1 as
// copies of itself (`train DIR/config.json --run-dir DIR --rank R --world N`), their stdout
// discarded and their stderr in DIR/ranks/rank-R.log. They meet through DIR/.rendezvous.
#pragma once
#include <string>
#include <sys/types.h>
#include <vector>

namespace r1wb::gpu {

//! The rendezvous file of a run directory.
std::string rendezvous_path(const std::string& run_dir);
//! Starts ranks 1..world-1; throws with the reason when one cannot be started.
std::vector<pid_t> start_ranks(const std::string& run_dir, int world);
//! Waits for the ranks; returns "" when all exited 0, else which failed and where its log is.
std::string wait_ranks(const std::vector<pid_t>& pids, const std::string& run_dir);

}  // namespace r1wb::gpu
