#include "core/wire/requests.h"

#include <sys/stat.h>

namespace r1wb::wire {
namespace {

void put(std::string& s, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) s.push_back(static_cast<char>(v >> (8 * i)));
}
uint64_t get(const std::string& s, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= uint64_t(static_cast<unsigned char>(s[at + i])) << (8 * i);
  return v;
}

}  // namespace

bool carries_requests(int fd) {
  struct stat st {};
  return ::fstat(fd, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
}

std::string encode_request(const Request& r) {
  std::string s;
  put(s, kRequestMagic, 4);
  put(s, static_cast<uint16_t>(r.kind), 2);
  put(s, 0, 2);
  put(s, r.argument, 8);
  return s;
}

void RequestDecoder::feed(const char* data, size_t n) {
  if (error_.empty()) buf_.append(data, n);
}

std::optional<Request> RequestDecoder::next() {
  while (error_.empty() && buf_.size() >= sizeof(RequestMessage)) {
    const uint32_t magic = uint32_t(get(buf_, 0, 4));
    const uint16_t kind = uint16_t(get(buf_, 4, 2));
    const uint64_t argument = get(buf_, 8, 8);
    if (magic != kRequestMagic) {
      error_ = "at byte " + std::to_string(offset_) + ": not an R1 Workbench request (bad magic)";
      buf_.clear();
      return std::nullopt;
    }
    buf_.erase(0, sizeof(RequestMessage));
    offset_ += sizeof(RequestMessage);
    if (kind >= uint16_t(RequestKind::ResendAfter) && kind <= uint16_t(RequestKind::Kill))
      return Request{static_cast<RequestKind>(kind), argument};
    ++skipped_;
  }
  return std::nullopt;
}

}  // namespace r1wb::wire
