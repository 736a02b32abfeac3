// Follows a run's events.log while its runner appends to it (tail -f for records): each poll
// hands over the raw bytes of the records that became complete since the last, those with seq
// past `after` only, in order. A detached runner's stream is this (`r1wb-run follow`, read by
// an SSH job): the log is the one source, so a reader that reconnects asks for everything after
// the last seq it holds and gets no gap and no duplicate. A torn last record waits until it is
// complete; damage in the middle is skipped (resync) and said once in note(); a log that shrank
// (a resumed runner cut a torn tail) is read again from its start, skipping what was handed over.
#pragma once
#include "core/wire/record_splitter.h"

#include <cstdint>
#include <string>

namespace r1wb::wire {

class LogFollower {
 public:
  LogFollower(std::string path, uint64_t after_seq);
  //! The bytes of the records completed since the last call (seq > the last handed over).
  //! Empty when there are none yet, or the file does not exist yet.
  std::string poll();
  //! The last seq handed over (or `after_seq` when none was).
  uint64_t last_seq() const { return last_seq_; }
  //! What poll() skipped (damage, a shrunken file), said once each; take_note() hands it over.
  std::string take_note();
  //! Set when the log is of another major version: nothing is handed over.
  const std::string& error() const { return error_; }

 private:
  void restart();
  std::string path_;
  uint64_t last_seq_ = 0;
  uint64_t file_offset_ = 0;  // bytes of the file fed to the splitter
  RecordSplitter splitter_;
  std::string note_, error_;
};

}  // namespace r1wb::wire
