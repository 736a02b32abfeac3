// How the run controller gets a job for a run, without naming where it runs: the queue and
// the controller are handed a factory. The default starts a local child process; an SSH or
// Slurm job is one more factory, and a test drives the whole queue on a fake one.
#pragma once
#include "core/jobs/job.h"

#include <functional>
#include <memory>
#include <string>

namespace r1wb {

//! What a job needs to start the runner on one run.
struct JobSpec {
  std::string runner_path;  //!< the r1wb-run executable (on the machine that runs it)
  std::string run_dir;      //!< holds config.json; events.log and checkpoints go there
  std::string config_path;  //!< run_dir/config.json
  std::string stderr_path;  //!< where the runner's stderr goes (run_dir/runner.log locally)
};

//! Starts a job; throws std::runtime_error with the reason when it cannot.
using JobFactory = std::function<std::unique_ptr<Job>(const JobSpec&)>;

//! `r1wb-run train CONFIG --run-dir DIR` as a local child process (local_job.h).
JobFactory local_job_factory();

}  // namespace r1wb
