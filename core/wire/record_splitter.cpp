#include "core/wire/record_splitter.h"

#include <algorithm>

namespace r1wb::wire {

void RecordSplitter::feed(const char* data, size_t n) {
  decoder_.feed(data, n);
  buffered_.append(data, n);
}

std::string RecordSplitter::take(uint64_t& last_seq) {
  std::string out;
  for (;;) {
    // The first record starts past the 16-byte stream header, which next() reads on the way.
    const uint64_t begin = std::max<uint64_t>(decoder_.good_offset(), sizeof(StreamHeader));
    const auto r = decoder_.next();
    if (!r) break;
    const uint64_t end = decoder_.good_offset();
    if (r->seq > last_seq) {
      out.append(buffered_, size_t(begin - buffered_start_), size_t(end - begin));
      last_seq = r->seq;
    }
  }
  // Keep only the bytes of what is not complete yet.
  const uint64_t keep_from = decoder_.good_offset();
  buffered_.erase(0, size_t(keep_from - buffered_start_));
  buffered_start_ = keep_from;
  return out;
}

}  // namespace r1wb::wire
