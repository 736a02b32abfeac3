// The run's append-only event log (<run-dir>/events.log) and its reader.
//
// The writer buffers records and writes them per batch with one write(2), to the file and,
// optionally, the same bytes to a mirror descriptor (the runner's stdout). A reader that
// missed records asks for them again (wire/requests.h: ResendAfter); resend_after() writes
// them to the mirror from the file, between two flushes, so the mirror stays in order.
//
// Damage: the reader skips a stretch that does not decode, finds the next intact record
// (StreamDecoder::resync) and reads on, reporting each stretch with its bytes and the seqs it
// cost. Reopening a damaged log never deletes what is intact: damage in the middle stays in
// place (readers skip it), and a damaged or torn tail is copied to events.log.cut-at-<byte>
// before the file is cut there, so that appending continues from an intact record.
#pragma once
#include "core/wire/event_protocol.h"

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace r1wb {

//! A stretch of a log that does not decode.
struct LogDamage {
  enum class Kind {
    Torn,     //!< an incomplete record ends the file: the writer stopped mid-write (a crash)
    Corrupt,  //!< bytes that are not an intact record (flipped, overwritten, cut short)
    Version,  //!< the stream says it is another major version: nothing after it is read
  };
  Kind kind = Kind::Corrupt;
  uint64_t offset = 0, bytes = 0;
  uint64_t after_seq = 0;       //!< the last intact record before it; 0: none
  uint64_t resumes_at_seq = 0;  //!< the first intact record after it; 0: it runs to the end
  std::string why;              //!< the decoder's words about the first bad byte
  //! The seqs known lost (between two intact records); empty when it runs to the end.
  std::optional<wire::SeqRange> lost() const;
  //! "bytes 120..180 (60 bytes) do not decode (...); records 4..5 are lost"
  std::string describe() const;
};

//! Everything readable from a log, and every stretch that was not.
struct EventLogContents {
  std::vector<wire::Record> records;
  uint64_t valid_bytes = 0;  //!< where appending may continue: past the last intact record
  uint64_t file_bytes = 0;
  std::vector<LogDamage> damage;
  std::string error;  //!< every damage described, "; "-joined; empty when the file is clean
  bool clean() const { return damage.empty(); }
  //! Damage other than a torn tail: records (or a stretch of them) were lost.
  bool lost_records() const;
  std::vector<wire::SeqRange> lost_seqs() const;
};

//! Reads a whole event log; never throws for bad content (only for an unreadable file).
EventLogContents read_event_log(const std::string& path);
//! The run id of the first RunStarted that has one; empty when none does.
std::string run_uid_of(const std::vector<wire::Record>& records);
//! Whether a log began with a run id (its seq 1 is a RunStarted that has one), as every log this
//! build starts does; an empty log will.
bool began_with_run_uid(const std::vector<wire::Record>& records);

class EventLogWriter {
 public:
  //! Opens or creates `path`. An existing log is read; a damaged or torn tail is copied
  //! aside and cut (see above). Throws when nothing in an existing file decodes or it is of
  //! another major version. `mirror_fd` (>= 0) receives a stream header and then every record.
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
  //! What was damaged when the log was opened (and where a cut tail was kept).
  const std::vector<LogDamage>& damage() const { return opened_.damage; }
  const std::string& cut_tail_copy() const { return cut_tail_copy_; }
  //! Records that were in the log when it was opened (for resume bookkeeping).
  const std::vector<wire::Record>& existing() const { return opened_.records; }
  const EventLogContents& opened() const { return opened_; }
  //! This log's run id: the one its records carry, or a new one for a new log.
  const std::string& run_uid() const { return run_uid_; }

 private:
  void write_all(int fd, const std::string& bytes, bool is_mirror);
  std::string path_;
  mutable std::mutex pending_mutex_;  // pending_ and next_seq_: append never waits on a resend
  std::mutex io_mutex_;               // one writer of the file and the mirror at a time (flush, resend)
  int fd_ = -1;
  int mirror_fd_ = -1;
  uint64_t next_seq_ = 1;
  std::string pending_;
  EventLogContents opened_;
  std::string cut_tail_copy_;
  std::string run_uid_;
};

}  // namespace r1wb
