// One job interface for every place a runner can execute (a local child process now; SSH
// and Slurm implement the same), so the GUI has a single code path (RenderDoc's
// IRemoteServer idea). A job carries the runner's event stream out (a readable descriptor)
// and requests in (wire/requests.h); jobs are made by a JobFactory (job_factory.h), so the
// run queue and the controller never name a concrete kind.
#pragma once
#include "core/wire/requests.h"

#include <cstdint>
#include <optional>
#include <string>

namespace r1wb {

//! What the place a run lives says of it beyond the runner's records: a Slurm job pending,
//! requeued, cancelled (run_follow.h's place lines carry it from the node).
struct PlaceLine {
  uint64_t seq = 0;    //!< the last record written before the place said it: older records may follow, no newer
  std::string status;  //!< a run status name ("pending", "preempted", "cancelled", ...)
  std::string note;
};

class Job {
 public:
  virtual ~Job() = default;
  //! Descriptor that becomes readable when stream bytes arrive (for poll/QSocketNotifier).
  virtual int stream_fd() const = 0;
  //! Everything readable now without blocking; empty when nothing is there.
  virtual std::string read_available() = 0;
  //! True once the stream reached end of file.
  virtual bool stream_closed() const = 0;
  //! Sends a request to the runner; false when it can no longer be reached.
  virtual bool send(const wire::Request& request) = 0;
  //! Asks the runner to checkpoint and stop (a Stop request; a signal where that fails).
  virtual void request_stop() = 0;
  //! Ends the runner at once.
  virtual void kill() = 0;
  //! The exit code once the process ended (128+signal if killed by a signal).
  virtual std::optional<int> poll_exit() = 0;
  //! Where the runner's stderr goes, for failure messages.
  virtual std::string stderr_path() const = 0;
  //! False while the link to a remote runner is down: the runner goes on, the job reconnects and
  //! backfills; the run shows "unreachable", never failed or stopped for it.
  virtual bool reachable() const { return true; }
  //! Why it is unreachable and when the next try is; empty while reachable.
  virtual std::string link_note() const { return {}; }
  //! The user asks to reconnect now: try at once, and ask the host's questions (a one-time code)
  //! again, which an automatic reconnect never does. Nothing for a job without a link.
  virtual void reconnect_now() {}
  //! The place's latest word on the run; nullopt while it said nothing (a local or detached runner).
  virtual std::optional<PlaceLine> place() const { return std::nullopt; }
  //! The scheduler's job id once this job submitted one ("12"); empty otherwise.
  virtual std::string scheduler_job() const { return {}; }
};

}  // namespace r1wb
