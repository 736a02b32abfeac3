// Where the engine's records go: the run's events.log (and, mirrored, stdout) and, when
// the runner was given --store, straight into the SQLite store after every flush.
#pragma once
#include "core/store/store.h"
#include "core/wire/event_log.h"

#include <memory>
#include <string>
#include <vector>

namespace r1wb::gpu {

class EventSink {
 public:
  //! `store_path` empty: no direct ingest. `mirror_fd` -1: no stdout stream.
  EventSink(const std::string& run_dir, int mirror_fd, const std::string& store_path, const std::string& config_json,
            const std::string& experiment_name);
  void emit(wire::Payload payload);
  void log(wire::LogLevel level, const std::string& text);
  //! Writes pending records (one write per batch) and ingests them into the store.
  void flush(bool durable = false);
  EventLogWriter& writer() { return writer_; }

 private:
  EventLogWriter writer_;
  std::unique_ptr<Store> store_;
  int64_t run_id_ = 0;
  std::vector<wire::Record> pending_;
};

}  // namespace r1wb::gpu
