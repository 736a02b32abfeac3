// The lifecycle of a run, as the store, the queue, the job controller and the views see it.
// The event protocol carries a state as text (wire::Status::state, a stable vocabulary);
// everything above the wire holds this enum, parsed once, so no place can misspell a state.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace r1wb {

enum class RunStatus {
  Created,    //!< row, run directory and config.json exist; never started
  Queued,     //!< waiting in the run queue for a slot
  Pending,    //!< submitted to a Slurm cluster, waiting for its allocation
  Running,    //!< a runner reported RunStarted and has not ended
  Unreachable,  //!< running on a host whose link is down: never stopped for it, backfilled when back
  Preempted,  //!< checkpointed on Slurm's warning (preemption, time limit); requeued, resumes there
  Completed,  //!< reached train.steps
  Stopped,    //!< stopped on request (resumable)
  Failed,     //!< ended with an error, or the runner died without saying why
  Cancelled,  //!< cancelled by Slurm (scancel, after the stop's grace period) before it ended itself
  TimedOut,   //!< ended by Slurm's time limit without a requeue
};

//! The state's name on the wire and in the store: "created", "queued", ...
const char* status_name(RunStatus s);
//! The state of a name, or nullopt for a name this build does not know.
std::optional<RunStatus> parse_run_status(std::string_view name);
//! Completed, stopped, failed, cancelled or timed out: the run's runner is gone and will not report again.
bool is_terminal(RunStatus s);
//! Running, unreachable, pending or preempted: a runner is (or will be again) at work on the run.
bool is_live(RunStatus s);

}  // namespace r1wb
