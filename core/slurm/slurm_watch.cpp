#include "core/slurm/slurm_watch.h"

#include "core/run_command.h"
#include "core/wire/event_log.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace r1wb::slurm {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

SlurmWatch::SlurmWatch(std::string run_dir) : run_dir_(std::move(run_dir)) {
  const auto path = (fs::path(run_dir_) / kJobFile).string();
  std::ifstream in(path);
  try {
    const auto j = nlohmann::json::parse(in);
    job_id_ = j.at("job_id").get<std::string>();
    stop_grace_s_ = j.value("stop_grace_s", 60);
  } catch (const std::exception& e) {
    throw std::runtime_error(path + " names no Slurm job: " + e.what());
  }
  last_.state = RunnerLook::State::Waiting;
}

RunnerLook SlurmWatch::ask() {
  const auto r = run_command({"scontrol", "show", "job", "-o", job_id_}, 20);
  RunnerLook l;
  if (r.exit_code == 0) {
    if (const auto info = parse_scontrol_line(r.out)) {
      RunStatus status = status_of(*info);
      Phase phase = phase_of(*info);
      // Requeueable and NODE_FAIL / PREEMPTED: Slurm queues it again at once, normally; should it
      // not (requeue disabled cluster-wide), the job has ended after all.
      if (!about_to_requeue(*info)) {
        requeue_seen_.reset();
      } else if (!requeue_seen_) {
        requeue_seen_ = Clock::now();
      } else if (Clock::now() - *requeue_seen_ > kRequeueWait) {
        phase = Phase::Ended, status = RunStatus::Failed;
      }
      l.status = status_name(status);
      switch (phase) {
        case Phase::Waiting: l.state = RunnerLook::State::Waiting; break;
        case Phase::Running: l.state = RunnerLook::State::Running; break;
        case Phase::Ended: l.state = RunnerLook::State::Ended, l.exit_code = exit_code_of(*info); break;
      }
      l.note = status == RunStatus::Running ? "Slurm job " + job_id_ + " running on " + info->nodes
               : phase == Phase::Ended && about_to_requeue(*info)
                   ? "Slurm job " + job_id_ + " ended as " + info->state + " and was not queued again"
                   : describe(*info);
      return l;
    }
  }
  if (r.err.find("Invalid job id") != std::string::npos) {
    // Purged after MinJobAge: the log's last status says how the runner ended, if it did.
    const auto log = read_event_log((fs::path(run_dir_) / "events.log").string());
    for (auto it = log.records.rbegin(); it != log.records.rend(); ++it) {
      const auto* s = std::get_if<wire::Status>(&it->payload);
      if (!s) continue;
      const auto state = parse_run_status(s->state);
      if (!state || !is_terminal(*state)) break;
      l.state = RunnerLook::State::Ended;
      l.exit_code = *state == RunStatus::Completed ? 0 : *state == RunStatus::Stopped ? 3 : 1;
      l.note = "Slurm job " + job_id_ + " is no longer listed; the run had ended " + s->state;
      return l;
    }
    l.state = RunnerLook::State::Vanished;
    l.note = "Slurm no longer knows job " + job_id_ + " and the run's log does not say it ended";
    return l;
  }
  // The controller did not answer (restarting, overloaded): the job is as it was.
  l = last_;
  l.note = "Slurm did not answer for job " + job_id_ + ": " + (r.err.empty() ? r.out : r.err);
  return l;
}

RunnerLook SlurmWatch::look() {
  if (Clock::now() < next_ask_) return last_;
  last_ = ask();
  next_ask_ = Clock::now() + std::chrono::seconds(1);
  const bool going = last_.state == RunnerLook::State::Running || last_.state == RunnerLook::State::Waiting;
  if (going && stop_sent_ && !cancelled_ && Clock::now() - *stop_sent_ > std::chrono::seconds(stop_grace_s_)) {
    run_command({"scancel", job_id_});
    cancelled_ = true;
  }
  return last_;
}

void SlurmWatch::stop() {
  last_ = ask();  // fresh: a pending job is cancelled, a running one signalled
  if (last_.state == RunnerLook::State::Waiting) {  // nothing to checkpoint yet
    run_command({"scancel", job_id_});
    cancelled_ = true;
  } else {
    run_command({"scancel", "--batch", "--signal=TERM", job_id_});
  }
  if (!stop_sent_) stop_sent_ = Clock::now();
  next_ask_ = {};
}

void SlurmWatch::probe() { run_command({"scancel", "--batch", "--signal=USR2", job_id_}); }

void SlurmWatch::kill() {
  run_command({"scancel", job_id_});
  cancelled_ = true;
  next_ask_ = {};
}

}  // namespace r1wb::slurm
