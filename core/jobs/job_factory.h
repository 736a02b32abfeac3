// How the run controller gets a job for a run, without naming where it runs: the queue and
// the controller are handed a factory. The default starts a local child process; an SSH or
// Slurm job is one more factory, and a test drives the whole queue on a fake one.
#pragma once
#include "core/jobs/job.h"

#include <functional>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace r1wb {

//! What a job needs to start the runner on one run.
struct JobSpec {
  std::string runner_path;  //!< the r1wb-run executable (on the machine that runs it)
  std::string run_dir;      //!< holds config.json; events.log and checkpoints go there
  std::string config_path;  //!< run_dir/config.json
  std::string stderr_path;  //!< where the runner's stderr goes (run_dir/runner.log locally)
  std::string target_host;  //!< the stored host (HostRow) to run on; empty: this machine
  std::string remote_dir;   //!< the run directory on that host
  //! Set: the runner is running already (detached, on a host) and the job follows its stream
  //! after this seq instead of starting it.
  std::optional<uint64_t> attach_after;
  //! The last seq the store holds of the run (a resumed run's log has these already): a started
  //! remote job streams what comes after it, so what the place says is never older than the store.
  uint64_t stored_seq = 0;
};

//! Starts a job; throws std::runtime_error with the reason when it cannot.
using JobFactory = std::function<std::unique_ptr<Job>(const JobSpec&)>;

//! `r1wb-run train CONFIG --run-dir DIR` as a local child process (local_job.h). Refuses a spec
//! with a target host or one to attach to.
JobFactory local_job_factory();

}  // namespace r1wb
