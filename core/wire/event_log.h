// The run's append-only event log (<run-dir>/events.log) and its reader.
//
// The writer buffers records and writes them per batch with one write(2), to the file and,
// optionally, the same bytes to a mirror descriptor (the runner's stdout). Reopening a log
// after a crash drops a torn or corrupt tail and continues the sequence numbers. A reader
// that missed records asks for them again (wire/requests.h: ResendAfter); resend_after()
// writes them to the mirror from the file, between two flushes, so the mirror stays in order.
#pragma once
#include "core/wire/event_protocol.h"

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace r1wb {

//! Everything readable from a log, and where and why reading stopped early.
struct EventLogContents {
  std::vector<wire::Record> records;
  uint64_t valid_bytes = 0;  //!< offset just past the last good record
  uint64_t file_bytes = 0;
  std::string error;  //!< empty when the whole file was read cleanly
  bool clean() const { return error.empty(); }
};

//! Reads a whole event log; never throws for bad content (only for an unreadable file).
EventLogContents read_event_log(const std::string& path);

class EventLogWriter {
 public:
  //! Opens or creates `path`. An existing log is validated; a torn tail is truncated.
  //! `mirror_fd` (>= 0) receives a stream header and then every record written.
  explicit EventLogWriter(const std::string& path, int mirror_fd = -1);
  ~EventLogWriter();
  EventLogWriter(const EventLogWriter&) = delete;
  EventLogWriter& operator=(const EventLogWriter&) = delete;

  //! Queues a record with the next sequence number; returns that number.
  uint64_t append(wire::Payload payload);
  //! Writes queued records to the file (and mirror). `durable` also fsyncs the file.
  void flush(bool durable = false);
  //! Writes every flushed record with seq > `seq` to the mirror again; returns how many.
  //! Safe to call from another thread than the one appending.
  size_t resend_after(uint64_t seq);

  uint64_t last_seq() const {
    std::lock_guard lock(pending_mutex_);
    return next_seq_ - 1;
  }
  //! Bytes dropped from a torn tail when the log was opened, with the reader's reason.
  uint64_t dropped_bytes() const { return dropped_bytes_; }
  const std::string& recovery_note() const { return recovery_note_; }
  //! Records that were in the log when it was opened (for resume bookkeeping).
  const std::vector<wire::Record>& existing() const { return existing_; }

 private:
  void write_all(int fd, const std::string& bytes, bool is_mirror);
  std::string path_;
  mutable std::mutex pending_mutex_;  // pending_ and next_seq_: append never waits on a resend
  std::mutex io_mutex_;               // one writer of the file and the mirror at a time (flush, resend)
  int fd_ = -1;
  int mirror_fd_ = -1;
  uint64_t next_seq_ = 1;
  uint64_t dropped_bytes_ = 0;
  std::string recovery_note_;
  std::string pending_;
  std::vector<wire::Record> existing_;
};

}  // namespace r1wb
