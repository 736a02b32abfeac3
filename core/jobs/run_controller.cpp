#include "core/jobs/run_controller.h"

#include "core/paths.h"
#include "core/wire/event_log.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace fs = std::filesystem;

namespace r1wb {

RunController::~RunController() = default;

int64_t RunController::prepare(Store& store, const RunLaunch& l) {
  const std::string name = store.next_run_name(l.experiment_name);
  const std::string run_dir = absolute_path((fs::path(l.runs_root) / name).string());
  fs::create_directories(run_dir);
  const std::string config_path = (fs::path(run_dir) / "config.json").string();
  {
    std::ofstream out(config_path);
    out << l.config_json << "\n";
    if (!out.flush()) throw std::runtime_error("cannot write " + config_path);
  }
  const int64_t id = store.create_run(name, l.experiment_name, l.config_json, run_dir, host_name());
  if (!l.target_host.empty())
    store.set_remote(id, l.target_host, (fs::path(l.remote_workdir.empty() ? "." : l.remote_workdir) / name).string());
  return id;
}

void RunController::resume(int64_t run_id, const std::string& runner_path) {
  start_job(run_id, runner_path, std::nullopt);
}

void RunController::attach(int64_t run_id) {
  const auto row = store_.run(run_id);
  if (!row) throw std::runtime_error("run " + std::to_string(run_id) + " is not in the store");
  start_job(run_id, "", row->last_seq);
}

void RunController::start_job(int64_t run_id, const std::string& runner_path, std::optional<uint64_t> attach_after) {
  const auto row = store_.run(run_id);
  if (!row) throw std::runtime_error("run " + std::to_string(run_id) + " is not in the store");
  if (!fs::exists(fs::path(row->run_dir) / "config.json"))
    throw std::runtime_error("the run directory " + row->run_dir + " (or its config.json) is gone");
  run_id_ = run_id;
  run_dir_ = row->run_dir;
  JobSpec spec;
  spec.runner_path = runner_path;
  spec.run_dir = run_dir_;
  spec.config_path = (fs::path(run_dir_) / "config.json").string();
  spec.stderr_path = (fs::path(run_dir_) / "runner.log").string();
  spec.target_host = row->target_host;
  spec.remote_dir = row->remote_dir;
  spec.attach_after = attach_after;
  spec.stored_seq = row->last_seq;
  fresh_start_ = !attach_after;
  try {
    job_ = jobs_(spec);
  } catch (const std::exception& e) {
    store_.set_status(run_id_, RunStatus::Failed, e.what());
    finished_ = true;
    throw;
  }
}

void RunController::ingest_batch(std::vector<wire::Record>& batch) {
  if (batch.empty()) return;
  fresh_start_ = false;
  highest_seen_ = std::max(highest_seen_, batch.back().seq);
  const auto res = store_.ingest(run_id_, batch);
  batch.clear();
  if (res.foreign) {  // the directory was emptied and trained again: its records are not this run's
    if (stream_error_.empty())
      stream_error_ =
          "the runner's log in " + run_dir_ + " belongs to another run (another run id); none of it was stored here";
    job_->request_stop();
    return;
  }
  // The stream is ahead of the store: ask for what lies between, once per position. Records
  // after the gap are dropped here; the resend carries them again, in order.
  if (res.gap && resend_asked_after_ != res.last_seq && job_->send({wire::RequestKind::ResendAfter, res.last_seq}))
    resend_asked_after_ = res.last_seq;
}

size_t RunController::pump() {
  if (!job_ || finished_) return 0;
  size_t applied = 0;
  track_link();
  std::string bytes = job_->read_available();
  if (!bytes.empty()) {
    decoder_.feed(bytes.data(), bytes.size());
    std::vector<wire::Record> batch;
    while (auto r = decoder_.next()) batch.push_back(std::move(*r));
    applied = batch.size();
    ingest_batch(batch);
    track_place();
    if (auto note = decoder_.take_note(); !note.empty() && stream_note_.empty()) stream_note_ = note;
    if (decoder_.status() == wire::DecodeStatus::Corrupt || decoder_.status() == wire::DecodeStatus::VersionMismatch)
      stream_error_ = decoder_.error();
  }
  else
    track_place();
  if (job_->stream_closed()) {
    if (auto code = job_->poll_exit()) finalise(*code);
  }
  return applied;
}

void RunController::track_place() {
  if (const auto job = job_->scheduler_job(); !job.empty() && job != scheduler_job_) {
    scheduler_job_ = job;
    store_.set_scheduler_job(run_id_, job);
  }
  const auto p = job_->place();
  if (!p || (place_applied_ && place_applied_->seq == p->seq && place_applied_->status == p->status &&
             place_applied_->note == p->note))
    return;
  place_applied_ = p;
  const auto status = parse_run_status(p->status);
  const auto row = store_.run(run_id_);
  if (!status || !row || row->last_seq > p->seq) return;  // stale: the runner has said more since
  if (*status == RunStatus::Pending || *status == RunStatus::Preempted) {
    // Over an ended run only for the start just made (a resubmitted run is pending again), or
    // over a stopped one that Slurm itself requeued (preemption, `scontrol requeue`: the runner
    // checkpointed on TERM and the job will run again).
    if (!is_terminal(row->status) || fresh_start_ || row->status == RunStatus::Stopped)
      store_.set_status(run_id_, *status, p->note);
  } else if (*status == RunStatus::Running) {
    if (row->status == RunStatus::Pending || row->status == RunStatus::Preempted)
      store_.set_status(run_id_, RunStatus::Running, p->note);
  }
}

void RunController::track_link() {
  const bool reachable = job_->reachable();
  // While the link is down its note (for how long, why the last try failed, when the next
  // is) is rewritten every 2 s, so the run browser says why now, not why at the first break.
  const auto now = std::chrono::steady_clock::now();
  if (reachable == reachable_ && (reachable || now - link_noted_ < std::chrono::seconds(2))) return;
  reachable_ = reachable;
  link_noted_ = now;
  const auto row = store_.run(run_id_);
  if (!row || is_terminal(row->status)) return;
  if (!reachable && (row->status != RunStatus::Unreachable || row->message != job_->link_note()))
    store_.set_status(run_id_, RunStatus::Unreachable, job_->link_note());
  else if (reachable && row->status == RunStatus::Unreachable)
    store_.set_status(run_id_, RunStatus::Running);
}

void RunController::stop() {
  if (job_ && !finished_) job_->request_stop();
}

void RunController::kill() {
  if (job_ && !finished_) job_->kill();
}

void RunController::reconnect_now() {
  if (job_ && !finished_) job_->reconnect_now();
}

void RunController::probe_now() {
  if (job_ && !finished_) job_->send({wire::RequestKind::ProbeNow, 0});
}

void RunController::finalise(int code) {
  finished_ = true;
  exit_code_ = code;
  auto row = store_.run(run_id_);
  if (!row) return;
  const auto log = fs::path(run_dir_) / "events.log";
  if (row->last_seq < highest_seen_ && fs::exists(log)) {
    // The runner ended before it could resend (it failed early, or it does not listen): its
    // log, where this machine can read it, still holds every record.
    const auto contents = read_event_log(log.string());
    store_.ingest(run_id_, contents.records, contents.lost_seqs());
    row = store_.run(run_id_);
  }
  if (stream_error_.empty() && row->last_seq < highest_seen_)
    stream_error_ = "records " + std::to_string(row->last_seq + 1) + ".." + std::to_string(highest_seen_) +
                    " never arrived in order (the runner did not resend them)";
  // The place's verdict where the runner had none of its own: Slurm cancelled it or its time ran out.
  if (const auto p = job_->place(); p && stream_error_.empty() && row->status != RunStatus::Completed) {
    const auto verdict = parse_run_status(p->status);
    if (verdict == RunStatus::Cancelled || verdict == RunStatus::TimedOut) {
      store_.set_status(run_id_, *verdict, p->note);
      return;
    }
    if (verdict == RunStatus::Failed && !is_terminal(row->status)) {
      const std::string tail = tail_lines(job_->stderr_path(), 8);
      store_.set_status(run_id_, RunStatus::Failed, p->note + (tail.empty() ? "" : "\n" + tail));
      return;
    }
  }
  if (!is_terminal(row->status) || !stream_error_.empty()) {
    // The runner died without saying why (crash, OOM kill): keep its last words.
    std::string why = "runner exited with code " + std::to_string(code);
    if (!stream_error_.empty()) why += "; stream: " + stream_error_;
    const std::string tail = tail_lines(job_->stderr_path(), 8);
    if (!tail.empty()) why += "\n" + tail;
    store_.set_status(run_id_, RunStatus::Failed, why);
  }
}

}  // namespace r1wb
