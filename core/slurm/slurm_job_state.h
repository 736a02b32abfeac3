// What Slurm says about a job, read from `scontrol show job -o ID` (one job, for the follow on
// the login node) or `squeue --json` (all of a user's jobs in one call, for the cluster queue
// view), and what that means for the run: pending, running, preempted (requeued after a
// checkpoint), or ended as completed, failed, cancelled or timed out. `sacct` is never needed.
#pragma once
#include "core/store/run_status.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace r1wb::slurm {

struct JobInfo {
  std::string id;  //!< "123", or "120_3" for task 3 of array 120
  std::string name, user, state, reason, nodes, partition, work_dir;
  int exit_code = 0;    //!< the batch shell's (the runner's) exit code
  int exit_signal = 0;  //!< the signal that ended it, 0 if none
  int restarts = 0;     //!< times requeued
  bool requeue = false;  //!< requeueable (scontrol's Requeue=1): a node failure or preemption queues it again
  int64_t elapsed_s = 0;
  int64_t time_limit_s = -1;  //!< -1: none
};

//! One line of `scontrol show job -o`; nullopt when it holds no JobId.
std::optional<JobInfo> parse_scontrol_line(const std::string& line);
//! Every job of `squeue --json` (Slurm 22.05's layout, and 23.02+'s where states are lists and
//! numbers are {"set","number"}); `now` (Unix seconds) is for elapsed times. Throws
//! std::runtime_error naming what is wrong when the text is not squeue's JSON.
std::vector<JobInfo> parse_squeue_json(const std::string& text, int64_t now);

enum class Phase { Waiting, Running, Ended };
//! A requeueable job seen as NODE_FAIL or PREEMPTED is waiting: Slurm is about to queue it
//! again (SlurmWatch gives up on that after a grace period, should it not).
Phase phase_of(const JobInfo& j);
//! NODE_FAIL or PREEMPTED on a requeueable job: the moment before Slurm queues it again.
bool about_to_requeue(const JobInfo& j);
//! The run's state for the job's: PENDING is pending (preempted once it was requeued), RUNNING
//! running, COMPLETED completed, CANCELLED cancelled, TIMEOUT timed out, the rest failed.
RunStatus status_of(const JobInfo& j);
//! The runner's exit code for an ended job: 128 + signal when a signal ended it.
int exit_code_of(const JobInfo& j);
//! "pending (Resources)", "running on node7, 00:12:31", "timed out after 02:00:00" ...
std::string describe(const JobInfo& j);
//! Seconds as Slurm prints them: "12:31", "1:02:03", "2-00:00:00".
std::string format_duration(int64_t s);

}  // namespace r1wb::slurm
