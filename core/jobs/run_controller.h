// Drives one run for the GUI (or any client): creates the run row and run directory,
// writes config.json, starts `r1wb-run train` through a Job, and ingests the event stream
// into the store as it arrives. If the stream skipped records (a reconnect, a viewer that
// attached late) the missing ones are backfilled from the run's events.log: no gap, no
// duplicate.
#pragma once
#include "core/wire/event_protocol.h"
#include "core/jobs/job.h"
#include "core/store/store.h"

#include <memory>
#include <optional>
#include <string>

namespace r1wb {

struct RunLaunch {
  std::string runner_path;      //!< the r1wb-run executable
  std::string runs_root;        //!< run directories are created under it
  std::string experiment_name;
  std::string config_json;      //!< resolved, validated experiment
};

class RunController {
 public:
  explicit RunController(Store& store) : store_(store) {}
  ~RunController();

  //! Creates a run without starting it: its row (status "created"), run directory and
  //! config.json. resume() starts it.
  static int64_t prepare(Store& store, const RunLaunch& launch);
  //! Starts a prepared run, or continues an existing one from its newest checkpoint: the
  //! runner on the run directory and its config.json. Throws when the run or its directory
  //! is gone.
  void resume(int64_t run_id, const std::string& runner_path);
  //! Reads and ingests whatever has arrived; returns records applied. Finalises the run
  //! when the process has ended.
  size_t pump();
  //! Graceful stop: the runner checkpoints and exits.
  void stop();
  bool active() const { return job_ != nullptr && !finished_; }
  bool finished() const { return finished_; }
  int64_t run_id() const { return run_id_; }
  int stream_fd() const { return job_ ? job_->stream_fd() : -1; }
  std::optional<int> exit_code() const { return exit_code_; }
  //! Protocol or ingest problem seen on the stream, if any.
  const std::string& stream_error() const { return stream_error_; }

 private:
  //! Starts the runner on run_dir_ (its config.json); marks the run failed if it cannot.
  void launch(const std::string& runner_path);
  void ingest_batch(std::vector<wire::Record>& batch);
  void finalise(int code);
  Store& store_;
  std::unique_ptr<Job> job_;
  wire::StreamDecoder decoder_;
  int64_t run_id_ = 0;
  std::string run_dir_;
  bool finished_ = false;
  std::optional<int> exit_code_;
  std::string stream_error_;
};

}  // namespace r1wb
