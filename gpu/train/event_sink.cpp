#include "gpu/train/event_sink.h"

#include "core/paths.h"

#include <chrono>
#include <filesystem>

namespace r1wb::gpu {

namespace {
std::string log_path_in(const std::string& run_dir) {
  std::filesystem::create_directories(run_dir);
  return (std::filesystem::path(run_dir) / "events.log").string();
}
}  // namespace

EventSink::EventSink(const std::string& run_dir, int mirror_fd, const std::string& store_path,
                     const std::string& config_json, const std::string& experiment_name)
    : writer_(log_path_in(run_dir), mirror_fd) {
  if (store_path.empty()) return;
  store_ = std::make_unique<Store>(store_path);
  const auto dir = absolute_path(run_dir);
  if (auto row = store_->run_of_log(writer_.run_uid(), dir, began_with_run_uid(writer_.existing()))) {
    run_id_ = row->id;
  } else {
    run_id_ =
        store_->create_run(store_->next_run_name(experiment_name), experiment_name, config_json, dir, host_name());
  }
  // Catch the store up with what the log already holds (a resume after a crash), over what
  // damage it reported lost.
  store_->ingest(run_id_, writer_.existing(), writer_.opened().lost_seqs());
}

void EventSink::emit(wire::Payload payload) {
  const uint64_t seq = writer_.append(payload);
  if (store_) pending_.push_back({seq, std::move(payload)});
}

void EventSink::log(wire::LogLevel level, const std::string& text) {
  emit(wire::Log{wall_clock_seconds(), level, text});
}

void EventSink::flush(bool durable) {
  writer_.flush(durable);
  if (store_ && !pending_.empty()) {
    store_->ingest(run_id_, pending_);
    pending_.clear();
  }
}

}  // namespace r1wb::gpu
