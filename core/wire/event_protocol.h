// The event protocol between the engine (r1wb-run) and the GUI: the same bytes are
// appended to <run-dir>/events.log and written to the runner's stdout (or an SSH channel).
//
// A stream is a 16-byte StreamHeader, then records. A record is a 24-byte RecordHeader and
// a payload whose layout depends on the kind. All integers little-endian. The checksum
// covers seq, kind and payload, so a torn or corrupt record is detected and reading stops
// there: nothing before it is lost. Bump kProtocolVersion on any layout change; a reader
// meeting another version says so instead of misreading.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace r1wb::wire {

constexpr uint32_t kProtocolVersion = 1;
constexpr char kStreamMagic[8] = {'R', '1', 'W', 'B', 'E', 'V', 'T', '\n'};
constexpr uint32_t kMaxPayload = 64u << 20;  //!< larger sizes are corruption, not data

struct StreamHeader {
  char magic[8];
  uint32_t version;
  uint32_t reserved;
};
static_assert(sizeof(StreamHeader) == 16, "stream header layout is part of the protocol");

struct RecordHeader {
  uint32_t payload_size;
  uint32_t crc;       //!< crc32 of seq, kind, then payload
  uint64_t seq;       //!< 1, 2, 3 ... per run, continued across resumes
  uint16_t kind;      //!< RecordKind
  uint16_t reserved0;
  uint32_t reserved1;
};
static_assert(sizeof(RecordHeader) == 24, "record header layout is part of the protocol");

enum class RecordKind : uint16_t {
  RunStarted = 1,
  Metrics = 2,
  Snapshot = 3,
  Checkpoint = 4,
  Log = 5,
  Status = 6,
};

//! The engine started (or resumed). Records of steps after `resumed_from_step` that were
//! written before this one belong to an abandoned timeline and are superseded.
struct RunStarted {
  std::string host;
  uint32_t pid = 0;
  uint32_t protocol_version = kProtocolVersion;
  int64_t resumed_from_step = -1;  //!< -1: a fresh start
  int64_t total_steps = 0;
  std::string config_json;         //!< the resolved experiment
};

//! Scalars of one step: train/loss, train/lr, train/grad_norm, perf/tokens_per_s, ...
struct Metrics {
  int64_t step = 0;
  double wall_time = 0;  //!< seconds since the Unix epoch
  std::vector<std::pair<std::string, double>> values;
};

//! A matrix of one step, e.g. "moe/expert_load": [layers, experts].
struct Snapshot {
  int64_t step = 0;
  std::string name;
  uint32_t rows = 0, cols = 0;
  std::vector<float> data;  // [rows, cols] row-major
};

struct Checkpoint {
  int64_t step = 0;
  std::string path;  //!< relative to the run directory
};

enum class LogLevel : uint8_t { Debug = 0, Info = 1, Warning = 2, Error = 3 };

struct Log {
  double wall_time = 0;
  LogLevel level = LogLevel::Info;
  std::string text;
};

//! Lifecycle: "running", "completed", "stopped", "failed".
struct Status {
  int64_t step = 0;
  std::string state;
  std::string message;
};

using Payload = std::variant<RunStarted, Metrics, Snapshot, Checkpoint, Log, Status>;

struct Record {
  uint64_t seq = 0;
  Payload payload;
};

RecordKind kind_of(const Payload& p);
const char* kind_name(RecordKind k);

//! The 16 bytes that open every stream.
std::string encode_stream_header();
//! Header + payload bytes of one record.
std::string encode_record(const Record& r);

//! Outcome of decoding from a byte buffer.
enum class DecodeStatus { Ok, NeedMore, Corrupt, VersionMismatch };

//! Incremental decoder for a stream arriving in chunks (pipe, SSH channel, file).
class StreamDecoder {
 public:
  //! Appends bytes; call next() until it stops returning records.
  void feed(const char* data, size_t n);
  //! The next complete record, or nullopt (see status()).
  std::optional<Record> next();
  DecodeStatus status() const { return status_; }
  const std::string& error() const { return error_; }
  //! Stream offset just past the last complete record (or the header).
  uint64_t good_offset() const { return consumed_; }
  uint32_t peer_version() const { return peer_version_; }

 private:
  std::string buf_;
  size_t pos_ = 0;
  uint64_t consumed_ = 0;
  bool header_done_ = false;
  uint32_t peer_version_ = 0;
  DecodeStatus status_ = DecodeStatus::NeedMore;
  std::string error_;
};

}  // namespace r1wb::wire
