#include "core/jobs/run_controller.h"

#include "core/wire/event_log.h"
#include "core/jobs/local_job.h"
#include "core/paths.h"

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
  return store.create_run(name, l.experiment_name, l.config_json, run_dir, host_name());
}

void RunController::resume(int64_t run_id, const std::string& runner_path) {
  const auto row = store_.run(run_id);
  if (!row) throw std::runtime_error("run " + std::to_string(run_id) + " is not in the store");
  if (!fs::exists(fs::path(row->run_dir) / "config.json"))
    throw std::runtime_error("the run directory " + row->run_dir + " (or its config.json) is gone");
  run_id_ = run_id;
  run_dir_ = row->run_dir;
  launch(runner_path);
}

void RunController::launch(const std::string& runner_path) {
  const std::string config_path = (fs::path(run_dir_) / "config.json").string();
  try {
    job_ = std::make_unique<LocalJob>(std::vector<std::string>{runner_path, "train", config_path, "--run-dir", run_dir_},
                                      (fs::path(run_dir_) / "runner.log").string());
  } catch (const std::exception& e) {
    store_.set_status(run_id_, "failed", e.what());
    finished_ = true;
    throw;
  }
}

void RunController::ingest_batch(std::vector<wire::Record>& batch) {
  if (batch.empty()) return;
  auto res = store_.ingest(run_id_, batch);
  if (res.gap) {
    // The stream started past what the store holds: fill in from the log on disk.
    const auto log = (fs::path(run_dir_) / "events.log").string();
    if (fs::exists(log)) store_.ingest(run_id_, read_event_log(log).records);
    res = store_.ingest(run_id_, batch);
    if (res.gap) stream_error_ = "records missing before seq " + std::to_string(batch.front().seq);
  }
  batch.clear();
}

size_t RunController::pump() {
  if (!job_ || finished_) return 0;
  size_t applied = 0;
  std::string bytes = job_->read_available();
  if (!bytes.empty()) {
    decoder_.feed(bytes.data(), bytes.size());
    std::vector<wire::Record> batch;
    while (auto r = decoder_.next()) batch.push_back(std::move(*r));
    applied = batch.size();
    ingest_batch(batch);
    if (decoder_.status() == wire::DecodeStatus::Corrupt || decoder_.status() == wire::DecodeStatus::VersionMismatch)
      stream_error_ = decoder_.error();
  }
  if (job_->stream_closed()) {
    if (auto code = job_->poll_exit()) finalise(*code);
  }
  return applied;
}

void RunController::stop() {
  if (job_ && !finished_) job_->request_stop();
}

void RunController::finalise(int code) {
  finished_ = true;
  exit_code_ = code;
  auto row = store_.run(run_id_);
  if (!row) return;
  const bool terminal = row->status == "completed" || row->status == "stopped" || row->status == "failed";
  if (!terminal || !stream_error_.empty()) {
    // The runner died without saying why (crash, OOM kill): keep its last words.
    std::string why = "runner exited with code " + std::to_string(code);
    if (!stream_error_.empty()) why += "; stream: " + stream_error_;
    const std::string tail = tail_lines(job_->stderr_path(), 8);
    if (!tail.empty()) why += "\n" + tail;
    store_.set_status(run_id_, "failed", why);
  }
}

}  // namespace r1wb
