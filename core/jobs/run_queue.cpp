#include "core/jobs/run_queue.h"

#include "core/paths.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>

namespace r1wb {
RunQueue::RunQueue(Store& store, std::string runner_path, std::string runs_root, int max_concurrent, JobFactory jobs)
    : store_(store), runner_path_(std::move(runner_path)), runs_root_(std::move(runs_root)), jobs_(std::move(jobs)),
      max_concurrent_(std::max(1, max_concurrent)) {
  auto left = store_.find_runs(parse_run_query("status:queued").query);
  std::reverse(left.begin(), left.end());  // find_runs is newest first; the queue is oldest first
  for (const auto& r : left) queue_.push_back(r.id);
  attach_remote_runs();
}

void RunQueue::attach_remote_runs() {
  for (const auto& r : store_.list_runs()) {
    if (r.target_host.empty() || !is_live(r.status)) continue;
    auto controller = std::make_unique<RunController>(store_, jobs_);
    try {
      controller->attach(r.id);
    } catch (const std::exception& e) {
      attach_failures_.emplace_back(r.id, e.what());  // the run stays as it was: it may still be going
      continue;
    }
    active_[r.id].controller = std::move(controller);
    active_[r.id].target_host = r.target_host;
  }
}

RunQueue::~RunQueue() = default;

void RunQueue::set_max_concurrent(int n) { max_concurrent_ = std::max(1, n); }

int64_t RunQueue::enqueue(const std::string& experiment_name, const std::string& config_json,
                          const std::vector<std::string>& tags, const std::string& target_host) {
  RunLaunch launch;
  launch.runner_path = runner_path_;
  launch.runs_root = runs_root_;
  launch.experiment_name = experiment_name;
  launch.config_json = config_json;
  if (!target_host.empty()) {
    const auto host = store_.host(target_host);
    if (!host) throw std::runtime_error("no host " + target_host + " in the store");
    launch.target_host = host->name;
    launch.remote_workdir = host->workdir;
  }
  const int64_t id = RunController::prepare(store_, launch);
  if (!tags.empty()) store_.set_tags(id, tags);
  store_.set_status(id, RunStatus::Queued);
  queue_.push_back(id);
  return id;
}

std::vector<int64_t> RunQueue::enqueue_array(const std::vector<std::pair<std::string, std::string>>& experiments,
                                             const std::vector<std::string>& tags, const std::string& target_host) {
  if (!submit_array_) throw std::runtime_error("this queue submits no job arrays");
  const auto host = store_.host(target_host);
  if (!host || host->slurm.empty()) throw std::runtime_error(target_host + " is not a Slurm login node in the store");
  if (experiments.empty()) return {};
  auto [ids, runs] = prepare_array(store_, *host, runs_root_, runner_path_, experiments, tags);
  ArraySubmit work;
  try {
    work = submit_array_(host->name, experiments[0].first, std::move(runs));
  } catch (const std::exception& e) {
    for (int64_t id : ids) store_.set_status(id, RunStatus::Failed, std::string("could not submit: ") + e.what());
    throw;
  }
  for (int64_t id : ids)
    store_.set_status(id, RunStatus::Pending,
                      "submitting with " + std::to_string(ids.size() - 1) + " others as one Slurm job array");
  arrays_.push_back({ids, host->name, std::async(std::launch::async, std::move(work))});
  return ids;
}

void RunQueue::take_submitted_arrays(QueueEvents& ev) {
  for (auto it = arrays_.begin(); it != arrays_.end();) {
    if (it->tasks.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
      ++it;
      continue;
    }
    try {
      const auto tasks = it->tasks.get();
      for (size_t i = 0; i < it->ids.size(); ++i) {
        const int64_t id = it->ids[i];
        store_.set_scheduler_job(id, tasks.at(i));
        auto controller = std::make_unique<RunController>(store_, jobs_);
        try {
          controller->attach(id);
        } catch (const std::exception& e) {
          store_.set_status(id, RunStatus::Failed, std::string("could not follow: ") + e.what());
          ev.ended.push_back(id);
          continue;
        }
        active_[id].controller = std::move(controller);
        active_[id].target_host = it->target_host;
        ev.started.push_back(id);
      }
    } catch (const std::exception& e) {
      for (int64_t id : it->ids) {
        store_.set_status(id, RunStatus::Failed, std::string("the job array was not submitted: ") + e.what());
        ev.ended.push_back(id);
      }
    }
    it = arrays_.erase(it);
  }
}

void RunQueue::enqueue_resume(int64_t run_id) {
  if (is_active(run_id) || is_queued(run_id)) return;
  store_.set_status(run_id, RunStatus::Queued, "waiting to resume");
  queue_.push_back(run_id);
}

bool RunQueue::is_queued(int64_t run_id) const {
  return std::find(queue_.begin(), queue_.end(), run_id) != queue_.end();
}

std::vector<int64_t> RunQueue::active_runs() const {
  std::vector<int64_t> ids;
  for (const auto& [id, a] : active_) ids.push_back(id);
  return ids;
}

int RunQueue::stream_fd(int64_t run_id) const {
  auto it = active_.find(run_id);
  return it == active_.end() ? -1 : it->second.controller->stream_fd();
}

const ProgressEstimate* RunQueue::progress(int64_t run_id) const {
  auto it = active_.find(run_id);
  return it == active_.end() ? nullptr : &it->second.progress;
}

bool RunQueue::slot_free(const std::string& target_host) {
  int running = 0;
  for (const auto& [id, a] : active_) running += a.target_host == target_host;
  if (target_host.empty()) return running < max_concurrent_;
  const auto host = store_.host(target_host);
  return running < (host ? std::max(1, host->max_runs) : 1);
}

QueueEvents RunQueue::fill_slots() {
  QueueEvents ev;
  take_submitted_arrays(ev);
  for (auto it = queue_.begin(); !paused_ && it != queue_.end();) {
    const int64_t id = *it;
    const auto row = store_.run(id);
    const std::string target = row ? row->target_host : "";
    if (!slot_free(target)) {
      ++it;  // it waits for its place; runs behind it for other places go ahead
      continue;
    }
    it = queue_.erase(it);
    auto controller = std::make_unique<RunController>(store_, jobs_);
    try {
      // The run dir and config.json were written at enqueue; a host runs its own runner.
      const auto host = target.empty() ? std::nullopt : store_.host(target);
      controller->resume(id, host ? host->runner : runner_path_);
    } catch (const std::exception& e) {
      store_.set_status(id, RunStatus::Failed, std::string("could not start: ") + e.what());
      ev.ended.push_back(id);
      continue;
    }
    active_[id].controller = std::move(controller);
    active_[id].target_host = target;
    ev.started.push_back(id);
  }
  return ev;
}

void RunQueue::observe_progress(int64_t run_id, Active& a) {
  if (auto row = store_.run(run_id)) a.progress.observe(row->last_step, row->total_steps, wall_clock_seconds());
}

QueueEvents RunQueue::pump(int64_t run_id) {
  QueueEvents ev;
  for (auto it = active_.begin(); it != active_.end();) {
    if (run_id != 0 && it->first != run_id) {
      ++it;
      continue;
    }
    const size_t n = it->second.controller->pump();
    ev.applied += n;
    if (n > 0) observe_progress(it->first, it->second);
    if (it->second.controller->finished()) {
      ev.ended.push_back(it->first);
      it = active_.erase(it);
    } else {
      ++it;
    }
  }
  QueueEvents filled = fill_slots();
  ev.started = std::move(filled.started);
  ev.ended.insert(ev.ended.end(), filled.ended.begin(), filled.ended.end());
  return ev;
}

std::vector<int64_t> RunQueue::detach_remote() {
  std::vector<int64_t> ids;
  for (auto it = active_.begin(); it != active_.end();) {
    if (it->second.target_host.empty()) {
      ++it;
      continue;
    }
    ids.push_back(it->first);
    it = active_.erase(it);  // the controller and its job go; the runner on the host does not
  }
  return ids;
}

bool RunQueue::reconnect_now(int64_t run_id) {
  const auto it = active_.find(run_id);
  if (it == active_.end()) return false;
  it->second.controller->reconnect_now();
  return true;
}

bool RunQueue::stop(int64_t run_id) {
  if (auto it = active_.find(run_id); it != active_.end()) {
    it->second.controller->stop();
    return true;
  }
  if (auto it = std::find(queue_.begin(), queue_.end(), run_id); it != queue_.end()) {
    queue_.erase(it);
    store_.set_status(run_id, RunStatus::Stopped, "removed from the queue before it started");
    return true;
  }
  return false;
}

}  // namespace r1wb
