#include "core/wire/event_log.h"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace r1wb {

std::optional<wire::SeqRange> LogDamage::lost() const {
  if (resumes_at_seq == 0 || resumes_at_seq <= after_seq + 1) return std::nullopt;
  return wire::SeqRange{after_seq + 1, resumes_at_seq - 1};
}

std::string LogDamage::describe() const {
  const std::string span = "bytes " + std::to_string(offset) + ".." + std::to_string(offset + bytes) + " (" +
                           std::to_string(bytes) + " bytes)";
  switch (kind) {
    case Kind::Torn:
      return "torn record at byte " + std::to_string(offset) + " (" + std::to_string(bytes) +
             " trailing bytes): the writer stopped mid-record; records up to seq " + std::to_string(after_seq) +
             " are intact";
    case Kind::Version: return why + "; " + span + " not read";
    case Kind::Corrupt: break;
  }
  std::string out = bytes == 0 ? why + "; " : span + " do not decode (" + why + "); ";
  if (const auto l = lost())
    out += l->first == l->last ? "record " + std::to_string(l->first) + " is lost"
                               : "records " + std::to_string(l->first) + ".." + std::to_string(l->last) + " are lost";
  else if (resumes_at_seq != 0)
    out += "no record is lost";
  else
    out += "every record after seq " + std::to_string(after_seq) + " is lost (the damage runs to the end)";
  return out;
}

bool EventLogContents::lost_records() const {
  for (const auto& d : damage)
    if (d.kind != LogDamage::Kind::Torn) return true;
  return false;
}

std::vector<wire::SeqRange> EventLogContents::lost_seqs() const {
  std::vector<wire::SeqRange> out;
  for (const auto& d : damage)
    if (auto l = d.lost()) out.push_back(*l);
  return out;
}

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
  // Index of the damage the next intact record ends; kNone when none is open (a plain index,
  // not an optional: GCC 12 warns of the optional as maybe uninitialized).
  constexpr size_t kNone = size_t(-1);
  size_t open_damage = kNone;
  for (;;) {
    for (uint64_t record_at = dec.good_offset(); auto r = dec.next(); record_at = dec.good_offset()) {
      const uint64_t prev = out.records.empty() ? 0 : out.records.back().seq;
      if (open_damage != kNone) out.damage[open_damage].resumes_at_seq = r->seq;
      open_damage = kNone;
      if (r->seq != prev + 1) {
        // Whole records cut out (or pasted in) leave intact framing: the seqs tell.
        LogDamage d;
        d.offset = record_at;
        d.after_seq = prev;
        if (r->seq <= prev) {
          d.bytes = dec.good_offset() - record_at;
          d.why = "record seq " + std::to_string(r->seq) + " after seq " + std::to_string(prev) +
                  ": out of order, not read";
          out.damage.push_back(std::move(d));
          open_damage = out.damage.size() - 1;
          continue;
        }
        if (out.damage.empty() || out.damage.back().resumes_at_seq != r->seq) {
          d.resumes_at_seq = r->seq;
          d.why = "at byte " + std::to_string(record_at) + ": seq jumps from " + std::to_string(prev) + " to " +
                  std::to_string(r->seq);
          out.damage.push_back(std::move(d));
        }
      }
      out.records.push_back(std::move(*r));
    }
    const uint64_t at = dec.good_offset();
    if (at == out.file_bytes) break;
    const uint64_t last_seq = out.records.empty() ? 0 : out.records.back().seq;
    LogDamage d;
    d.offset = at;
    d.after_seq = last_seq;
    if (dec.status() == wire::DecodeStatus::VersionMismatch) {
      d.kind = LogDamage::Kind::Version;
      d.why = dec.error();
    } else if (dec.status() == wire::DecodeStatus::NeedMore) {
      d.kind = LogDamage::Kind::Torn;  // unless an intact record follows (below)
      d.why = "at byte " + std::to_string(at) + ": a record runs past the end of the file";
    } else {
      d.why = dec.error();
    }
    const auto skipped = d.kind == LogDamage::Kind::Version ? std::nullopt : dec.resync();
    if (skipped) d.kind = LogDamage::Kind::Corrupt;  // intact records follow: not a crash's tail
    d.bytes = skipped ? *skipped : out.file_bytes - at;
    if (open_damage != kNone) {  // a false start inside the stretch: one stretch, the first words
      auto& prev = out.damage[open_damage];
      prev.bytes = at + d.bytes - prev.offset;
      if (!skipped) prev.kind = d.kind == LogDamage::Kind::Torn ? LogDamage::Kind::Corrupt : d.kind;
    } else {
      out.damage.push_back(std::move(d));
      open_damage = out.damage.size() - 1;
    }
    if (!skipped) break;
  }
  out.valid_bytes = out.file_bytes;
  if (!out.damage.empty() && out.damage.back().resumes_at_seq == 0) out.valid_bytes = out.damage.back().offset;
  for (const auto& d : out.damage) out.error += (out.error.empty() ? "" : "; ") + d.describe();
  return out;
}

std::string run_uid_of(const std::vector<wire::Record>& records) {
  for (const auto& r : records)
    if (auto* s = std::get_if<wire::RunStarted>(&r.payload); s && !s->run_uid.empty()) return s->run_uid;
  return {};
}

bool began_with_run_uid(const std::vector<wire::Record>& records) {
  if (records.empty()) return true;
  const auto* s = std::get_if<wire::RunStarted>(&records.front().payload);
  return records.front().seq == 1 && s && !s->run_uid.empty();
}

namespace {

std::string new_run_uid() {
  std::random_device rd;
  std::mt19937_64 gen((uint64_t(rd()) << 32) ^ rd() ^
                      uint64_t(std::chrono::steady_clock::now().time_since_epoch().count()) ^ uint64_t(::getpid()));
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(gen()),
                static_cast<unsigned long long>(gen()));
  return buf;
}

//! Copies bytes [from, end) of `path` to `path`.cut-at-<from>; returns the copy's path.
std::string keep_aside(const std::string& path, uint64_t from) {
  std::ifstream in(path, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(from));
  const std::string copy = path + ".cut-at-" + std::to_string(from);
  std::ofstream out(copy, std::ios::binary | std::ios::trunc);
  out << in.rdbuf();
  out.flush();
  if (!in || !out) throw std::runtime_error("cannot keep the damaged tail of '" + path + "' in '" + copy + "'");
  return copy;
}

}  // namespace

EventLogWriter::EventLogWriter(const std::string& path, int mirror_fd) : path_(path), mirror_fd_(mirror_fd) {
  struct stat st {};
  const bool exists = ::stat(path.c_str(), &st) == 0 && st.st_size > 0;
  if (exists) {
    opened_ = read_event_log(path);
    for (const auto& d : opened_.damage)
      if (d.kind == LogDamage::Kind::Version) throw std::runtime_error("event log '" + path + "': " + d.describe());
    if (opened_.records.empty() && !opened_.clean())
      throw std::runtime_error("event log '" + path + "' is not readable: " + opened_.error);
    if (!opened_.records.empty()) next_seq_ = opened_.records.back().seq + 1;
    if (opened_.valid_bytes < opened_.file_bytes) cut_tail_copy_ = keep_aside(path, opened_.valid_bytes);
  }
  run_uid_ = run_uid_of(opened_.records);
  if (run_uid_.empty()) run_uid_ = new_run_uid();
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw std::runtime_error("cannot open event log '" + path + "' for writing: " + std::strerror(errno));
  if (exists && ::ftruncate(fd_, static_cast<off_t>(opened_.valid_bytes)) != 0)
    throw std::runtime_error("cannot cut the damaged tail of '" + path + "': " + std::strerror(errno));
  if (::lseek(fd_, 0, SEEK_END) < 0) throw std::runtime_error("cannot seek in '" + path + "'");
  if (!exists) write_all(fd_, wire::encode_stream_header(), false);
  // A log reopened by a newer build gets its header's minor raised: the records appended from
  // now on have this build's layout, and readers decide on trailing bytes by that number. A
  // damaged header stays as it is (readers skip it and read this build's layout).
  const bool header_intact = opened_.damage.empty() || opened_.damage.front().offset > 0;
  if (exists && header_intact && opened_.valid_bytes >= sizeof(wire::StreamHeader)) {
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
