// Cuts an event stream into whole records without re-encoding them: fed bytes as they come (a
// file being appended, an SSH channel), it hands over the raw bytes of each complete record, the
// stream header left out. What a reader passes on must end on a record boundary: a stream cut
// mid-record and continued from another source (a reconnect, a restarted follow) then joins
// seamlessly. Used by the log follower and the SSH job.
#pragma once
#include "core/wire/event_protocol.h"

#include <cstdint>
#include <optional>
#include <string>

namespace r1wb::wire {

class RecordSplitter {
 public:
  void feed(const char* data, size_t n);
  //! The bytes of the complete records fed so far with seq > `last_seq`, in order; `last_seq`
  //! becomes the last one's seq. Stops at damage (status() Corrupt or VersionMismatch).
  std::string take(uint64_t& last_seq);
  DecodeStatus status() const { return decoder_.status(); }
  const std::string& error() const { return decoder_.error(); }
  //! Skips damage to the next intact record (StreamDecoder::resync): the bytes skipped, or
  //! nullopt when none is buffered yet.
  std::optional<uint64_t> resync() { return decoder_.resync(); }

 private:
  StreamDecoder decoder_;
  std::string buffered_;  // fed bytes from stream offset buffered_start_ on
  uint64_t buffered_start_ = 0;
};

}  // namespace r1wb::wire
