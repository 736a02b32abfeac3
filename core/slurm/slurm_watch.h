// A run's runner as a Slurm job, watched from the login node (r1wb-run follow): the job id and
// the stop grace come from <run-dir>/slurm.job (written at submission), the state from
// `scontrol show job -o` at most once a second. Stop is TERM to the batch shell (the runner:
// it checkpoints and exits 3) with `scancel --batch --signal=TERM`, a plain TERM would not
// reach it; Slurm's cancel follows when the job still runs after the grace period. A pending
// job is cancelled at once. Probe is USR2 the same way; kill is Slurm's cancel. A job Slurm no
// longer knows (purged after MinJobAge) has ended as its log's last status says.
#pragma once
#include "core/jobs/runner_watch.h"
#include "core/slurm/slurm_job_state.h"

#include <chrono>
#include <optional>
#include <string>

namespace r1wb::slurm {

inline constexpr const char* kJobFile = "slurm.job";  //!< {"job_id": "12", "stop_grace_s": 60}

class SlurmWatch : public RunnerWatch {
 public:
  //! Throws std::runtime_error when run_dir/slurm.job cannot be read.
  explicit SlurmWatch(std::string run_dir);
  RunnerLook look() override;
  void stop() override;
  void probe() override;
  void kill() override;
  //! The job's node writes the log through a shared filesystem: its last records may reach the
  //! login node's view up to this long after Slurm says the job ended.
  std::chrono::seconds end_linger() const override { return std::chrono::seconds(30); }

 private:
  RunnerLook ask();
  std::string run_dir_, job_id_;
  int stop_grace_s_ = 60;
  std::optional<std::chrono::steady_clock::time_point> stop_sent_;
  //! When the job was first seen requeueable in NODE_FAIL / PREEMPTED (about_to_requeue).
  std::optional<std::chrono::steady_clock::time_point> requeue_seen_;
  static constexpr std::chrono::seconds kRequeueWait{120};
  bool cancelled_ = false;
  RunnerLook last_;
  std::chrono::steady_clock::time_point next_ask_{};
};

}  // namespace r1wb::slurm
