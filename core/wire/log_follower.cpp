#include "core/wire/log_follower.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace r1wb::wire {

LogFollower::LogFollower(std::string path, uint64_t after_seq) : path_(std::move(path)), last_seq_(after_seq) {}

void LogFollower::restart() {
  splitter_ = RecordSplitter();
  file_offset_ = 0;
}

std::string LogFollower::take_note() { return std::exchange(note_, std::string()); }

std::string LogFollower::poll() {
  if (!error_.empty()) return {};
  const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  struct stat st{};
  if (::fstat(fd, &st) == 0 && uint64_t(st.st_size) < file_offset_) {
    note_ += path_ + " shrank from " + std::to_string(file_offset_) + " to " + std::to_string(st.st_size) +
             " bytes (a resumed runner cut a torn tail); read again from its start after seq " +
             std::to_string(last_seq_) + ". ";
    restart();
  }
  char buf[1 << 16];
  for (ssize_t n; (n = ::pread(fd, buf, sizeof buf, off_t(file_offset_))) > 0;) {
    splitter_.feed(buf, size_t(n));
    file_offset_ += uint64_t(n);
  }
  ::close(fd);

  std::string out;
  for (;;) {
    out += splitter_.take(last_seq_);
    if (splitter_.status() == DecodeStatus::VersionMismatch) {
      error_ = path_ + ": " + splitter_.error();
      break;
    }
    if (splitter_.status() != DecodeStatus::Corrupt) break;  // NeedMore: a record still being written
    // Skip to the next intact record if one is here; otherwise wait for more bytes.
    const std::string why = splitter_.error();
    const auto skipped = splitter_.resync();
    if (!skipped) break;
    note_ += path_ + ": " + std::to_string(*skipped) + " bytes skipped (" + why + "). ";
  }
  return out;
}

}  // namespace r1wb::wire
