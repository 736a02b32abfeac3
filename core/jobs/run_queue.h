// Runs waiting for a slot and runs in progress, for the GUI's queue panel and ablations.
//
// A queued run exists before it starts: its row (status "queued"), run directory and
// config.json are written at enqueue, so the browser lists it, a crash of the workbench
// loses nothing, and a later session adopts the queue it left (oldest first). At most
// max_concurrent runs execute at once on this machine, and a stored host's max_runs on it (a
// queued run waits for a slot where it is to run, and the ones behind it for other places go
// ahead); pump() ingests every active run's stream, finalises the ones that ended and starts
// queued runs in the freed slots. It never blocks. Runs start through the JobFactory it is
// given (local processes by default; host_jobs.h for hosts too), so the queue works the same
// over SSH or Slurm, and a test can drive it on a fake job. Remote runs still going on their
// hosts when the queue is made (the app was closed or crashed) are attached again, so restarting
// the app loses nothing: each backfills what it missed.
#pragma once
#include "core/jobs/host_jobs.h"
#include "core/jobs/job_factory.h"
#include "core/jobs/progress_estimate.h"
#include "core/jobs/run_controller.h"
#include "core/store/store.h"

#include <deque>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace r1wb {

struct QueueEvents {
  size_t applied = 0;            //!< records ingested
  std::vector<int64_t> started;  //!< runs that left the queue and launched
  std::vector<int64_t> ended;    //!< runs that finished (completed, stopped or failed)
};

class RunQueue {
 public:
  //! Adopts the store's runs left queued by an earlier session.
  RunQueue(Store& store, std::string runner_path, std::string runs_root, int max_concurrent = 1,
           JobFactory jobs = local_job_factory());
  ~RunQueue();

  void set_max_concurrent(int n);
  //! While paused no queued run starts (a closing window stops its active runs and leaves
  //! the waiting ones queued for the next session).
  void set_paused(bool paused) { paused_ = paused; }

  //! Creates a queued run of a resolved, validated experiment, to run on `target_host` (a stored
  //! host's name; empty: this machine); returns its id. Throws for a host not in the store.
  int64_t enqueue(const std::string& experiment_name, const std::string& config_json,
                  const std::vector<std::string>& tags = {}, const std::string& target_host = "");
  //! Experiments (name, resolved config) for a Slurm host as one job array: created now (pending,
  //! outside the host's run limit: Slurm queues them), submitted on a worker through the
  //! submitter (set_array_submitter), and followed once the cluster answered; each is failed,
  //! naming why, when the submission was not. Throws when no submitter is set or the host is
  //! not a Slurm login node.
  std::vector<int64_t> enqueue_array(const std::vector<std::pair<std::string, std::string>>& experiments,
                                     const std::vector<std::string>& tags, const std::string& target_host);
  void set_array_submitter(ArraySubmitter s) { submit_array_ = std::move(s); }
  //! Queues an existing stopped or failed run to continue from its checkpoint.
  void enqueue_resume(int64_t run_id);
  //! Starts queued runs while slots are free; returns the ids started. A run that cannot
  //! launch is marked failed and reported in `ended`.
  QueueEvents fill_slots();
  //! Ingests the streams of all active runs (or only `run_id`), finalises those that ended,
  //! then fills the freed slots.
  QueueEvents pump(int64_t run_id = 0);
  //! An active run: graceful stop (checkpoint, exit). A queued run: removed from the queue
  //! and marked stopped. Returns false when the run is neither.
  bool stop(int64_t run_id);
  //! An active run whose link is down: tries it again now, asking the host's questions (a
  //! one-time code). False when the run is not active.
  bool reconnect_now(int64_t run_id);
  //! Lets go of the active remote runs without stopping them (the app closes: they go on on
  //! their hosts, and the next queue attaches them again); returns their ids.
  std::vector<int64_t> detach_remote();

  bool is_active(int64_t run_id) const { return active_.count(run_id) > 0; }
  bool is_queued(int64_t run_id) const;
  std::vector<int64_t> active_runs() const;
  //! Remote runs attached at construction that could not be (their host is gone): id and why.
  const std::vector<std::pair<int64_t, std::string>>& attach_failures() const { return attach_failures_; }
  const std::deque<int64_t>& queued_runs() const { return queue_; }
  bool busy() const { return !active_.empty() || !queue_.empty() || !arrays_.empty(); }
  //! The stream descriptor of an active run, or -1.
  int stream_fd(int64_t run_id) const;
  //! Progress of an active run as measured since its launch.
  const ProgressEstimate* progress(int64_t run_id) const;

 private:
  struct Active {
    std::unique_ptr<RunController> controller;
    ProgressEstimate progress;
    std::string target_host;
  };
  void observe_progress(int64_t run_id, Active& a);
  //! Whether the place `target_host` names has a free slot now.
  bool slot_free(const std::string& target_host);
  void attach_remote_runs();
  Store& store_;
  std::string runner_path_, runs_root_;
  JobFactory jobs_;
  ArraySubmitter submit_array_;
  struct ArrayInFlight {
    std::vector<int64_t> ids;
    std::string target_host;
    std::future<std::vector<std::string>> tasks;
  };
  std::vector<ArrayInFlight> arrays_;
  void take_submitted_arrays(QueueEvents& ev);
  int max_concurrent_;
  bool paused_ = false;
  std::deque<int64_t> queue_;
  std::map<int64_t, Active> active_;
  std::vector<std::pair<int64_t, std::string>> attach_failures_;
};

}  // namespace r1wb
