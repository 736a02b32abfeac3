// Drives one run for the GUI (or any client): creates the run row and run directory,
// writes config.json, starts `r1wb-run train` through a job from its JobFactory, and ingests
// the event stream into the store as it arrives. If the stream skipped records (a reconnect,
// a viewer that attached late, a run continued outside the store) the controller asks the
// runner, through the job's request direction, to resend everything after the last seq the
// store holds: no gap, no duplicate, and the same for a local and a remote runner. Only when
// the runner ended before it resent does the controller read the run's events.log, where
// this machine has it.
#pragma once
#include "core/jobs/job_factory.h"
#include "core/store/store.h"
#include "core/wire/event_protocol.h"

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace r1wb {

struct RunLaunch {
  std::string runner_path;  //!< the r1wb-run executable
  std::string runs_root;    //!< run directories are created under it
  std::string experiment_name;
  std::string config_json;  //!< resolved, validated experiment
  std::string target_host;  //!< a stored host to run on (its name); empty: this machine
  std::string remote_workdir;  //!< that host's working directory: the run goes to <it>/<run name>
};

class RunController {
 public:
  RunController(Store& store, JobFactory jobs) : store_(store), jobs_(std::move(jobs)) {}
  ~RunController();

  //! Creates a run without starting it: its row (status created), run directory and
  //! config.json. resume() starts it.
  static int64_t prepare(Store& store, const RunLaunch& launch);
  //! Starts a prepared run, or continues an existing one from its newest checkpoint: the
  //! runner on the run directory and its config.json. Throws when the run or its directory
  //! is gone, or the job cannot start (the run is then marked failed).
  void resume(int64_t run_id, const std::string& runner_path);
  //! Follows a run whose runner is running already (detached on a host: after the app or its
  //! connection went away), from the last seq the store holds. Throws as resume() does.
  void attach(int64_t run_id);
  //! Reads and ingests whatever has arrived; returns records applied. Finalises the run
  //! when the process has ended.
  size_t pump();
  //! Graceful stop: the runner checkpoints and exits.
  void stop();
  //! Ends the runner at once (SIGKILL to its process group, remotely through the follow).
  void kill();
  //! Asks the runner to probe routing and attention after its current step.
  void probe_now();
  //! The link of an unreachable remote run is tried again now, asking the host's questions.
  void reconnect_now();
  bool active() const { return job_ != nullptr && !finished_; }
  bool finished() const { return finished_; }
  //! The runner's exit code, once finished.
  std::optional<int> exit_code() const { return exit_code_; }
  int64_t run_id() const { return run_id_; }
  int stream_fd() const { return job_ ? job_->stream_fd() : -1; }
  //! The job running the run; null before resume() or attach().
  Job* job() const { return job_.get(); }
  //! Protocol or ingest problem seen on the stream, if any.
  const std::string& stream_error() const { return stream_error_; }
  //! What the stream's reader said once and went on (record kinds of a newer runner skipped).
  const std::string& stream_note() const { return stream_note_; }

 private:
  void start_job(int64_t run_id, const std::string& runner_path, std::optional<uint64_t> attach_after);
  void track_link();
  void track_place();
  void ingest_batch(std::vector<wire::Record>& batch);
  void finalise(int code);
  Store& store_;
  JobFactory jobs_;
  std::unique_ptr<Job> job_;
  wire::StreamDecoder decoder_;
  int64_t run_id_ = 0;
  std::string run_dir_;
  bool finished_ = false;
  bool reachable_ = true;
  std::chrono::steady_clock::time_point link_noted_{};  // when track_link last wrote the note
  bool fresh_start_ = false;  // started (not attached) and no record of this start arrived yet
  std::optional<PlaceLine> place_applied_;
  std::string scheduler_job_;  // the last one stored
  std::optional<int> exit_code_;
  uint64_t resend_asked_after_ = UINT64_MAX;  // the seq of the last ResendAfter sent
  uint64_t highest_seen_ = 0;                 // the highest seq the stream carried
  std::string stream_error_, stream_note_;
};

}  // namespace r1wb
