#include "core/wire/event_protocol.h"

#include "core/wire/crc32.h"

#include <cstring>
#include <stdexcept>

namespace r1wb::wire {
namespace {

// Little-endian payload writer/reader; every field layout lives in encode/decode below.
class Out {
 public:
  void u8(uint8_t v) { s.push_back(static_cast<char>(v)); }
  void u32(uint32_t v) {
    for (int i = 0; i < 4; ++i) u8(static_cast<uint8_t>(v >> (8 * i)));
  }
  void u64(uint64_t v) {
    for (int i = 0; i < 8; ++i) u8(static_cast<uint8_t>(v >> (8 * i)));
  }
  void i64(int64_t v) { u64(static_cast<uint64_t>(v)); }
  void f64(double v) {
    uint64_t b;
    std::memcpy(&b, &v, 8);
    u64(b);
  }
  void f32(float v) {
    uint32_t b;
    std::memcpy(&b, &v, 4);
    u32(b);
  }
  void str(const std::string& v) {
    u32(static_cast<uint32_t>(v.size()));
    s += v;
  }
  std::string s;
};

struct Truncated : std::runtime_error {
  Truncated() : std::runtime_error("payload shorter than its fields") {}
};

class In {
 public:
  In(const char* p, size_t n) : p_(reinterpret_cast<const unsigned char*>(p)), n_(n) {}
  uint8_t u8() {
    need(1);
    return p_[i_++];
  }
  uint32_t u32() {
    need(4);
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) v |= uint32_t(p_[i_++]) << (8 * k);
    return v;
  }
  uint64_t u64() {
    need(8);
    uint64_t v = 0;
    for (int k = 0; k < 8; ++k) v |= uint64_t(p_[i_++]) << (8 * k);
    return v;
  }
  int64_t i64() { return static_cast<int64_t>(u64()); }
  double f64() {
    uint64_t b = u64();
    double v;
    std::memcpy(&v, &b, 8);
    return v;
  }
  float f32() {
    uint32_t b = u32();
    float v;
    std::memcpy(&v, &b, 4);
    return v;
  }
  std::string str() {
    uint32_t len = u32();
    need(len);
    std::string v(reinterpret_cast<const char*>(p_ + i_), len);
    i_ += len;
    return v;
  }
  bool done() const { return i_ == n_; }

 private:
  void need(size_t k) {
    if (n_ - i_ < k) throw Truncated();
  }
  const unsigned char* p_;
  size_t n_, i_ = 0;
};

void encode_payload(Out& o, const RunStarted& v) {
  o.str(v.host);
  o.u32(v.pid);
  o.u32(v.protocol_version);
  o.i64(v.resumed_from_step);
  o.i64(v.total_steps);
  o.str(v.config_json);
  o.str(v.run_uid);  // minor 2
}
void encode_payload(Out& o, const Metrics& v) {
  o.i64(v.step);
  o.f64(v.wall_time);
  o.u32(static_cast<uint32_t>(v.values.size()));
  for (const auto& [name, value] : v.values) {
    o.str(name);
    o.f64(value);
  }
}
void encode_payload(Out& o, const Snapshot& v) {
  o.i64(v.step);
  o.str(v.name);
  o.u32(v.rows);
  o.u32(v.cols);
  for (float x : v.data) o.f32(x);
  o.u32(static_cast<uint32_t>(v.row_labels.size()));  // minor 1
  for (const auto& l : v.row_labels) o.str(l);
}
void encode_payload(Out& o, const Checkpoint& v) {
  o.i64(v.step);
  o.str(v.path);
}
void encode_payload(Out& o, const Log& v) {
  o.f64(v.wall_time);
  o.u8(static_cast<uint8_t>(v.level));
  o.str(v.text);
}
void encode_payload(Out& o, const Status& v) {
  o.i64(v.step);
  o.str(v.state);
  o.str(v.message);
}
void encode_payload(Out& o, const Rollouts& v) {
  o.i64(v.step);
  o.u32(static_cast<uint32_t>(v.component_names.size()));
  for (const auto& n : v.component_names) o.str(n);
  o.u32(static_cast<uint32_t>(v.samples.size()));
  for (const auto& x : v.samples) {
    o.u32(x.group);
    o.str(x.prompt);
    o.str(x.completion);
    o.f64(x.reward);
    o.f64(x.advantage);
    o.u8(x.truncated ? 1 : 0);
    for (double c : x.components) o.f64(c);  // as many as component_names
    o.u32(static_cast<uint32_t>(x.tokens.size()));
    for (size_t i = 0; i < x.tokens.size(); ++i) {
      o.u32(static_cast<uint32_t>(x.tokens[i]));
      o.f32(x.logprobs[i]);
      o.f32(x.entropy[i]);
    }
  }
}
void encode_payload(Out& o, const Export& v) {
  o.i64(v.step);
  o.f64(v.wall_time);
  o.str(v.path);
  o.str(v.format);
  o.str(v.type);
  o.str(v.architecture);
  o.i64(int64_t(v.bytes));
}
void encode_payload(Out&, const Unknown&) {}  // for std::visit; encode_record refuses Unknown first

Payload decode_payload(RecordKind kind, In& in) {
  switch (kind) {
    case RecordKind::RunStarted: {
      RunStarted v;
      v.host = in.str();
      v.pid = in.u32();
      v.protocol_version = in.u32();
      v.resumed_from_step = in.i64();
      v.total_steps = in.i64();
      v.config_json = in.str();
      if (in.done()) return v;  // written before minor 2
      v.run_uid = in.str();
      return v;
    }
    case RecordKind::Metrics: {
      Metrics v;
      v.step = in.i64();
      v.wall_time = in.f64();
      uint32_t n = in.u32();
      for (uint32_t i = 0; i < n; ++i) {
        std::string name = in.str();
        v.values.emplace_back(name, in.f64());
      }
      return v;
    }
    case RecordKind::Snapshot: {
      Snapshot v;
      v.step = in.i64();
      v.name = in.str();
      v.rows = in.u32();
      v.cols = in.u32();
      uint64_t count = uint64_t(v.rows) * v.cols;
      if (count > kMaxPayload / 4) throw Truncated();
      v.data.resize(count);
      for (auto& x : v.data) x = in.f32();
      if (in.done()) return v;  // written before minor 1
      const uint32_t labels = in.u32();
      if (labels != 0 && labels != v.rows)
        throw std::runtime_error("snapshot has " + std::to_string(labels) + " row labels for " +
                                 std::to_string(v.rows) + " rows");
      for (uint32_t i = 0; i < labels; ++i) v.row_labels.push_back(in.str());
      return v;
    }
    case RecordKind::Checkpoint: {
      Checkpoint v;
      v.step = in.i64();
      v.path = in.str();
      return v;
    }
    case RecordKind::Log: {
      Log v;
      v.wall_time = in.f64();
      v.level = static_cast<LogLevel>(in.u8());
      v.text = in.str();
      return v;
    }
    case RecordKind::Status: {
      Status v;
      v.step = in.i64();
      v.state = in.str();
      v.message = in.str();
      return v;
    }
    case RecordKind::Rollouts: {
      Rollouts v;
      v.step = in.i64();
      const uint32_t names = in.u32();
      if (names > 1024) throw Truncated();
      for (uint32_t i = 0; i < names; ++i) v.component_names.push_back(in.str());
      const uint32_t n = in.u32();
      if (n > kMaxPayload / 32) throw Truncated();
      for (uint32_t k = 0; k < n; ++k) {
        RolloutSample x;
        x.group = in.u32();
        x.prompt = in.str();
        x.completion = in.str();
        x.reward = in.f64();
        x.advantage = in.f64();
        x.truncated = in.u8() != 0;
        for (uint32_t i = 0; i < names; ++i) x.components.push_back(in.f64());
        const uint32_t tokens = in.u32();
        if (tokens > kMaxPayload / 12) throw Truncated();
        for (uint32_t i = 0; i < tokens; ++i) {
          x.tokens.push_back(static_cast<int32_t>(in.u32()));
          x.logprobs.push_back(in.f32());
          x.entropy.push_back(in.f32());
        }
        v.samples.push_back(std::move(x));
      }
      return v;
    }
    case RecordKind::Export: {
      Export v;
      v.step = in.i64();
      v.wall_time = in.f64();
      v.path = in.str();
      v.format = in.str();
      v.type = in.str();
      v.architecture = in.str();
      v.bytes = uint64_t(in.i64());
      return v;
    }
  }
  throw std::logic_error("decode_payload: kind outside RecordKind");  // next() skips unknown kinds first
}

bool known_kind(uint16_t kind) {
  return kind >= static_cast<uint16_t>(RecordKind::RunStarted) && kind <= static_cast<uint16_t>(RecordKind::Export);
}

uint32_t record_crc(uint64_t seq, uint16_t kind, const char* payload, size_t n) {
  unsigned char head[10];
  for (int i = 0; i < 8; ++i) head[i] = static_cast<unsigned char>(seq >> (8 * i));
  head[8] = static_cast<unsigned char>(kind);
  head[9] = static_cast<unsigned char>(kind >> 8);
  return crc32(payload, n, crc32(head, sizeof head));
}

}  // namespace

RecordKind kind_of(const Payload& p) {
  if (auto* u = std::get_if<Unknown>(&p)) return static_cast<RecordKind>(u->kind);
  return static_cast<RecordKind>(p.index() + 1);  // variant order mirrors RecordKind
}

std::string encode_stream_header() {
  Out o;
  for (char c : kStreamMagic) o.u8(static_cast<uint8_t>(c));
  o.u32(kProtocolVersion);
  o.u32(kProtocolMinor);
  return o.s;
}

std::string encode_record(const Record& r) {
  if (std::holds_alternative<Unknown>(r.payload))
    throw std::logic_error("encode_record: a record of unknown kind cannot be written (its payload was not kept)");
  Out body;
  std::visit([&](const auto& v) { encode_payload(body, v); }, r.payload);
  const auto kind = static_cast<uint16_t>(kind_of(r.payload));
  Out o;
  o.u32(static_cast<uint32_t>(body.s.size()));
  o.u32(record_crc(r.seq, kind, body.s.data(), body.s.size()));
  o.u64(r.seq);
  o.u32(kind);  // kind (u16) + reserved0 (u16)
  o.u32(0);
  return o.s + body.s;
}

void StreamDecoder::feed(const char* data, size_t n) {
  if (status_ == DecodeStatus::Corrupt || status_ == DecodeStatus::VersionMismatch) return;
  if (pos_ > 0 && pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  } else if (pos_ > (1u << 20)) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  buf_.append(data, n);
}

std::optional<Record> StreamDecoder::next() {
  if (status_ == DecodeStatus::Corrupt || status_ == DecodeStatus::VersionMismatch) return std::nullopt;
  auto fail = [&](DecodeStatus s, std::string why) {
    status_ = s;
    error_ = "at byte " + std::to_string(consumed_) + ": " + why;
    return std::nullopt;
  };
  const size_t avail = buf_.size() - pos_;
  if (!header_done_) {
    if (avail < sizeof(StreamHeader)) {
      status_ = DecodeStatus::NeedMore;
      return std::nullopt;
    }
    if (std::memcmp(buf_.data() + pos_, kStreamMagic, 8) != 0)
      return fail(DecodeStatus::Corrupt, "not an R1 Workbench event stream (bad magic)");
    In in(buf_.data() + pos_ + 8, 8);
    const uint32_t major = in.u32();
    peer_minor_ = in.u32();
    if (major != kProtocolVersion)
      return fail(DecodeStatus::VersionMismatch, "event protocol version " + std::to_string(major) +
                                                     ", this build reads version " + std::to_string(kProtocolVersion) +
                                                     " (use an r1wb-run of the same release)");
    header_done_ = true;
    pos_ += sizeof(StreamHeader);
    consumed_ += sizeof(StreamHeader);
    return next();
  }
  if (avail < sizeof(RecordHeader)) {
    status_ = DecodeStatus::NeedMore;
    return std::nullopt;
  }
  In h(buf_.data() + pos_, sizeof(RecordHeader));
  const uint32_t size = h.u32(), crc = h.u32();
  const uint64_t seq = h.u64();
  const uint16_t kind = static_cast<uint16_t>(h.u32() & 0xFFFF);
  if (size > kMaxPayload)
    return fail(DecodeStatus::Corrupt, "record payload size " + std::to_string(size) + " is implausible");
  if (avail < sizeof(RecordHeader) + size) {
    status_ = DecodeStatus::NeedMore;
    return std::nullopt;
  }
  const char* payload = buf_.data() + pos_ + sizeof(RecordHeader);
  if (record_crc(seq, kind, payload, size) != crc)
    return fail(DecodeStatus::Corrupt, "checksum mismatch in record seq " + std::to_string(seq));
  if (kind == 0) return fail(DecodeStatus::Corrupt, "record seq " + std::to_string(seq) + " has kind 0");
  const size_t record_bytes = sizeof(RecordHeader) + size;
  if (!known_kind(kind)) {
    // A kind from a newer minor version: intact (the checksum held), just not ours to read.
    if (skipped_unknown_++ == 0)
      note_ = "skipping records of kind " + std::to_string(kind) + " (first at seq " + std::to_string(seq) +
              "): the runner speaks event protocol " + std::to_string(kProtocolVersion) + "." +
              std::to_string(peer_minor_) + ", this build reads " + std::to_string(kProtocolVersion) + "." +
              std::to_string(kProtocolMinor);
    pos_ += record_bytes;
    consumed_ += record_bytes;
    last_seq_ = seq;
    status_ = DecodeStatus::Ok;
    return Record{seq, Unknown{kind}};  // holds its seq, so a store sees no gap
  }
  Record r;
  r.seq = seq;
  try {
    In in(payload, size);
    r.payload = decode_payload(static_cast<RecordKind>(kind), in);
    // Fields appended by a newer minor version are not ours to read; from an equal or older
    // writer, extra bytes mean damage.
    if (!in.done() && peer_minor_ <= kProtocolMinor)
      return fail(DecodeStatus::Corrupt, "record seq " + std::to_string(seq) + " has trailing bytes");
  } catch (const std::exception& e) {
    return fail(DecodeStatus::Corrupt, "record seq " + std::to_string(seq) + ": " + e.what());
  }
  pos_ += record_bytes;
  consumed_ += record_bytes;
  last_seq_ = seq;
  status_ = DecodeStatus::Ok;
  return r;
}

std::optional<uint64_t> StreamDecoder::resync() {
  if (status_ == DecodeStatus::VersionMismatch) return std::nullopt;
  const size_t end = buf_.size();
  auto intact_at = [&](size_t p) {
    In h(buf_.data() + p, sizeof(RecordHeader));
    const uint32_t size = h.u32(), crc = h.u32();
    const uint64_t seq = h.u64();
    const uint32_t kind_and_reserved0 = h.u32(), reserved1 = h.u32();
    if ((kind_and_reserved0 >> 16) != 0 || reserved1 != 0 || (kind_and_reserved0 & 0xFFFF) == 0) return false;
    if (seq <= last_seq_) return false;
    // No record is empty: a zero size with an all-ones checksum is what CRC-32 gives for
    // leading 0xFF bytes (an int64 -1 in a payload), not a record.
    if (size == 0 || size > kMaxPayload || end - p - sizeof(RecordHeader) < size) return false;
    return record_crc(seq, static_cast<uint16_t>(kind_and_reserved0), buf_.data() + p + sizeof(RecordHeader), size) ==
           crc;
  };
  for (size_t p = pos_ + 1; p + sizeof(RecordHeader) <= end; ++p) {
    if (!intact_at(p)) continue;
    if (!header_done_) {  // the stream header was the damage: read on as this build's layout
      header_done_ = true;
      peer_minor_ = kProtocolMinor;
    }
    const uint64_t skipped = p - pos_;
    pos_ = p;
    consumed_ += skipped;
    status_ = DecodeStatus::Ok;
    error_.clear();
    return skipped;
  }
  return std::nullopt;
}

}  // namespace r1wb::wire
