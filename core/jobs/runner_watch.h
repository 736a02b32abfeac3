// What `r1wb-run follow` (run_follow.h) asks of the place a run's runner lives: is it waiting,
// running or ended (and with which exit code), and how to stop, probe or kill it. A detached
// runner answers from runner.pid / runner.exit (detached_runner.h); a Slurm job from the
// scheduler (core/slurm/slurm_watch.h), since a job can wait in the queue, be requeued and come
// back, or be cancelled without its runner ever writing a word. The run directory says which:
// a slurm.job file makes it a Slurm job.
#pragma once
#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace r1wb {

struct RunnerLook {
  enum class State { Waiting, Running, Ended, Vanished } state = State::Waiting;
  std::optional<int> exit_code;  //!< once Ended
  //! The run's state as the place sees it ("pending", "preempted", "cancelled", ...; a
  //! run_status name); empty where the runner's own records say it all.
  std::string status;
  std::string note;  //!< one line for the user ("Slurm job 12 pending (Resources)"); stable while nothing changes
};

class RunnerWatch {
 public:
  virtual ~RunnerWatch() = default;
  virtual RunnerLook look() = 0;
  virtual void stop() = 0;   //!< checkpoint and exit
  virtual void probe() = 0;  //!< probe routing and attention after this step
  virtual void kill() = 0;   //!< end it at once
  //! How long after the runner is seen ended its last records may still be on their way to
  //! this machine's view of the log: 0 where the runner writes on this machine; a Slurm job
  //! writes on a compute node, through a shared filesystem whose caches lag (NFS).
  virtual std::chrono::seconds end_linger() const { return std::chrono::seconds(0); }
};

//! The watch for run_dir's runner; nullptr when it never had one (no runner.pid, no slurm.job).
std::unique_ptr<RunnerWatch> watch_runner(const std::string& run_dir);

}  // namespace r1wb
