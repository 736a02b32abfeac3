#include "core/wire/event_log.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace r1wb {

EventLogContents read_event_log(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open event log '" + path + "': " + std::strerror(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string bytes = ss.str();

  EventLogContents out;
  out.file_bytes = bytes.size();
  wire::StreamDecoder dec;
  dec.feed(bytes.data(), bytes.size());
  while (auto r = dec.next()) out.records.push_back(std::move(*r));
  out.valid_bytes = dec.good_offset();
  if (dec.status() == wire::DecodeStatus::NeedMore && out.valid_bytes < out.file_bytes)
    out.error = "torn record at byte " + std::to_string(out.valid_bytes) + " (" +
                std::to_string(out.file_bytes - out.valid_bytes) + " trailing bytes)";
  else if (dec.status() == wire::DecodeStatus::Corrupt || dec.status() == wire::DecodeStatus::VersionMismatch)
    out.error = dec.error();
  return out;
}

EventLogWriter::EventLogWriter(const std::string& path, int mirror_fd) : path_(path), mirror_fd_(mirror_fd) {
  struct stat st {};
  const bool exists = ::stat(path.c_str(), &st) == 0 && st.st_size > 0;
  uint64_t keep = 0;
  if (exists) {
    auto contents = read_event_log(path);
    if (!contents.clean()) {
      if (contents.valid_bytes == 0)
        throw std::runtime_error("event log '" + path + "' is not readable: " + contents.error);
      dropped_bytes_ = contents.file_bytes - contents.valid_bytes;
      recovery_note_ = contents.error;
    }
    keep = contents.valid_bytes;
    if (!contents.records.empty()) next_seq_ = contents.records.back().seq + 1;
    existing_ = std::move(contents.records);
  }
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw std::runtime_error("cannot open event log '" + path + "' for writing: " + std::strerror(errno));
  if (exists && ::ftruncate(fd_, static_cast<off_t>(keep)) != 0)
    throw std::runtime_error("cannot truncate torn tail of '" + path + "': " + std::strerror(errno));
  if (::lseek(fd_, 0, SEEK_END) < 0) throw std::runtime_error("cannot seek in '" + path + "'");
  if (!exists) write_all(fd_, wire::encode_stream_header(), false);
  // A log reopened by a newer build gets its header's minor raised: the records appended from
  // now on have this build's layout, and readers decide on trailing bytes by that number.
  if (exists && keep >= sizeof(wire::StreamHeader)) {
    unsigned char b[4];
    const bool read = ::pread(fd_, b, 4, 12) == 4;
    const uint32_t minor = uint32_t(b[0]) | uint32_t(b[1]) << 8 | uint32_t(b[2]) << 16 | uint32_t(b[3]) << 24;
    if (read && minor < wire::kProtocolMinor) {
      const std::string header = wire::encode_stream_header();
      if (::pwrite(fd_, header.data() + 12, 4, 12) != 4)
        throw std::runtime_error("cannot update the header of '" + path + "': " + std::strerror(errno));
    }
  }
  if (mirror_fd_ >= 0) write_all(mirror_fd_, wire::encode_stream_header(), true);
}

EventLogWriter::~EventLogWriter() {
  try {
    flush(true);
  } catch (...) {}
  if (fd_ >= 0) ::close(fd_);
}

uint64_t EventLogWriter::append(wire::Payload payload) {
  std::lock_guard lock(pending_mutex_);
  wire::Record r{next_seq_++, std::move(payload)};
  pending_ += wire::encode_record(r);
  return r.seq;
}

size_t EventLogWriter::resend_after(uint64_t seq) {
  std::lock_guard lock(io_mutex_);  // no flush in between: the mirror stays in seq order
  if (mirror_fd_ < 0) return 0;
  const auto contents = read_event_log(path_);  // everything flushed; pending_ is not in it yet
  std::string bytes;
  size_t n = 0;
  for (const auto& r : contents.records)
    if (r.seq > seq && !std::holds_alternative<wire::Unknown>(r.payload)) bytes += wire::encode_record(r), ++n;
  write_all(mirror_fd_, bytes, true);
  return n;
}

void EventLogWriter::flush(bool durable) {
  std::lock_guard io(io_mutex_);
  std::string bytes;
  {
    std::lock_guard lock(pending_mutex_);
    bytes.swap(pending_);
  }
  if (!bytes.empty()) {
    write_all(fd_, bytes, false);
    if (mirror_fd_ >= 0) write_all(mirror_fd_, bytes, true);
  }
  if (durable && fd_ >= 0) ::fdatasync(fd_);
}

void EventLogWriter::write_all(int fd, const std::string& bytes, bool is_mirror) {
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + off, bytes.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      // A reader that went away (GUI closed) must not stop training: the file is the truth.
      if (is_mirror) {
        mirror_fd_ = -1;
        return;
      }
      throw std::runtime_error(std::string("event log write failed: ") + std::strerror(errno));
    }
    off += static_cast<size_t>(n);
  }
}

}  // namespace r1wb
