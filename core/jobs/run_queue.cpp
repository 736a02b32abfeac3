#include "core/jobs/run_queue.h"

#include "core/paths.h"

#include <algorithm>
#include <chrono>

namespace r1wb {
RunQueue::RunQueue(Store& store, std::string runner_path, std::string runs_root, int max_concurrent, JobFactory jobs)
    : store_(store), runner_path_(std::move(runner_path)), runs_root_(std::move(runs_root)), jobs_(std::move(jobs)),
      max_concurrent_(std::max(1, max_concurrent)) {
  auto left = store_.find_runs(parse_run_query("status:queued").query);
  std::reverse(left.begin(), left.end());  // find_runs is newest first; the queue is oldest first
  for (const auto& r : left) queue_.push_back(r.id);
}

RunQueue::~RunQueue() = default;

void RunQueue::set_max_concurrent(int n) { max_concurrent_ = std::max(1, n); }

int64_t RunQueue::enqueue(const std::string& experiment_name, const std::string& config_json,
                          const std::vector<std::string>& tags) {
  const int64_t id = RunController::prepare(store_, {runner_path_, runs_root_, experiment_name, config_json});
  if (!tags.empty()) store_.set_tags(id, tags);
  store_.set_status(id, RunStatus::Queued);
  queue_.push_back(id);
  return id;
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

QueueEvents RunQueue::fill_slots() {
  QueueEvents ev;
  while (!paused_ && !queue_.empty() && int(active_.size()) < max_concurrent_) {
    const int64_t id = queue_.front();
    queue_.pop_front();
    auto controller = std::make_unique<RunController>(store_, jobs_);
    try {
      controller->resume(id, runner_path_);  // the run dir and config.json were written at enqueue
    } catch (const std::exception& e) {
      store_.set_status(id, RunStatus::Failed, std::string("could not start: ") + e.what());
      ev.ended.push_back(id);
      continue;
    }
    active_[id].controller = std::move(controller);
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
