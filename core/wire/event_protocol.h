// The event protocol between the engine (r1wb-run) and the GUI: the same bytes are
// appended to <run-dir>/events.log and written to the runner's stdout (or an SSH channel).
// The other direction (reader to runner: resend, stop, probe) is wire/requests.h.
//
// A stream is a 16-byte StreamHeader, then records. A record is a 24-byte RecordHeader and
// a payload whose layout depends on the kind. All integers little-endian. The checksum
// covers seq, kind and payload, so a torn or corrupt record is detected and reading stops
// there: nothing before it is lost.
//
// Versions: the major version changes when a reader of the old one would misread; a reader
// meeting another major says so. The minor version grows when a change only adds: a new
// record kind (older readers skip kinds they do not know and say so once) or fields at the
// end of a payload (older readers ignore bytes past the fields they know when the stream's
// minor is newer than theirs). Minor 1 added Snapshot::row_labels, minor 2 RunStarted::run_uid.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace r1wb::wire {

constexpr uint32_t kProtocolVersion = 1;  //!< major
constexpr uint32_t kProtocolMinor = 4;
constexpr char kStreamMagic[8] = {'R', '1', 'W', 'B', 'E', 'V', 'T', '\n'};
constexpr uint32_t kMaxPayload = 64u << 20;  //!< larger sizes are corruption, not data

struct StreamHeader {
  char magic[8];
  uint32_t version;  //!< major
  uint32_t minor;    //!< 0 in streams written before minor versions existed
};
static_assert(sizeof(StreamHeader) == 16, "stream header layout is part of the protocol");

struct RecordHeader {
  uint32_t payload_size;
  uint32_t crc;   //!< crc32 of seq, kind, then payload
  uint64_t seq;   //!< 1, 2, 3 ... per run, continued across resumes
  uint16_t kind;  //!< RecordKind
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
  Rollouts = 7,  //!< minor 3
  Export = 8,    //!< minor 4
};

//! The engine started (or resumed). Records of steps after `resumed_from_step` that were
//! written before this one belong to an abandoned timeline and are superseded.
struct RunStarted {
  std::string host;
  uint32_t pid = 0;
  uint32_t protocol_version = kProtocolVersion;  //!< the runner's major version
  int64_t resumed_from_step = -1;                //!< -1: a fresh start
  int64_t total_steps = 0;
  std::string config_json;  //!< the resolved experiment
  //! minor 2: who this log is. Sequence numbers count within one log, so a store tells runs
  //! apart by this id, not by their directory (a directory emptied and trained again holds
  //! another run). Kept across resumes; empty from older runners.
  std::string run_uid;
};

//! Scalars of one step: train/loss, train/lr, train/grad_norm, perf/tokens_per_s, ...
struct Metrics {
  int64_t step = 0;
  double wall_time = 0;  //!< seconds since the Unix epoch
  std::vector<std::pair<std::string, double>> values;
};

//! A matrix of one step, e.g. "moe/expert_load": [layers, experts]. Names and shapes are in
//! wire/telemetry.h.
struct Snapshot {
  int64_t step = 0;
  std::string name;
  uint32_t rows = 0, cols = 0;
  std::vector<float> data;              // [rows, cols] row-major
  std::vector<std::string> row_labels;  //!< minor 1: one per row, or empty (e.g. "layer 1 / choice 0")
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

//! One completion of an RL step, with what the trainer made of it.
struct RolloutSample {
  uint32_t group = 0;  //!< completions of one prompt share a group
  std::string prompt, completion;
  double reward = 0, advantage = 0;
  bool truncated = false;
  std::vector<double> components;  //!< reward components, named by Rollouts::component_names
  std::vector<int32_t> tokens;
  std::vector<float> logprobs, entropy;  //!< per token, of the distribution it was drawn from
};

//! minor 3: the rollouts an RL step trained on (every rl.rollouts_every steps): every
//! prompt's group with its completions (the store's v_samples view).
struct Rollouts {
  int64_t step = 0;
  std::vector<std::string> component_names;  //!< "accuracy", "format", ...
  std::vector<RolloutSample> samples;
};

//! minor 4: a checkpoint written as a file the ecosystem loads (`r1wb-run export`), appended to
//! the run's log when the export is whole, so the store lists a run's exports.
struct Export {
  int64_t step = 0;          //!< the checkpoint exported
  double wall_time = 0;
  std::string path;          //!< relative to the run directory (a file, or a folder for safetensors)
  std::string format;        //!< "gguf" or "safetensors"
  std::string type;          //!< "f32", "q4_0", "int4", ...
  std::string architecture;  //!< "llama", "deepseek2", "LlamaForCausalLM", ...
  uint64_t bytes = 0;
};

//! A record of a kind this build does not know (a newer minor version): skipped by the
//! decoder, kept only as its seq so a store sees no gap. Never written.
struct Unknown {
  uint16_t kind = 0;
};

using Payload = std::variant<RunStarted, Metrics, Snapshot, Checkpoint, Log, Status, Rollouts, Export, Unknown>;

// The variant's order is RecordKind's (Unknown last): kind_of() and the decoder rely on it.
template <RecordKind K>
using PayloadOf = std::variant_alternative_t<static_cast<size_t>(K) - 1, Payload>;
static_assert(std::is_same_v<PayloadOf<RecordKind::RunStarted>, RunStarted>);
static_assert(std::is_same_v<PayloadOf<RecordKind::Metrics>, Metrics>);
static_assert(std::is_same_v<PayloadOf<RecordKind::Snapshot>, Snapshot>);
static_assert(std::is_same_v<PayloadOf<RecordKind::Checkpoint>, Checkpoint>);
static_assert(std::is_same_v<PayloadOf<RecordKind::Log>, Log>);
static_assert(std::is_same_v<PayloadOf<RecordKind::Status>, Status>);
static_assert(std::is_same_v<PayloadOf<RecordKind::Rollouts>, Rollouts>);
static_assert(std::is_same_v<PayloadOf<RecordKind::Export>, Export>);
static_assert(std::variant_size_v<Payload> == static_cast<size_t>(RecordKind::Export) + 1);
static_assert(std::is_same_v<std::variant_alternative_t<std::variant_size_v<Payload> - 1, Payload>, Unknown>);

struct Record {
  uint64_t seq = 0;
  Payload payload;
};

//! Sequence numbers first..last, both included.
struct SeqRange {
  uint64_t first = 0, last = 0;
};

RecordKind kind_of(const Payload& p);

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
  //! The next complete record, or nullopt (see status()). A record of a kind this build does
  //! not know is checked and counted, and comes back as an Unknown holding only its seq.
  std::optional<Record> next();
  DecodeStatus status() const { return status_; }
  const std::string& error() const { return error_; }
  //! Stream offset just past the last complete record (or the header).
  uint64_t good_offset() const { return consumed_; }
  //! After damage (Corrupt, or NeedMore with bytes buffered that will never complete, as at
  //! the end of a file), skips to the next offset where an intact record starts: a header
  //! whose reserved fields are zero, whose kind and size are not 0, whose size fits what is
  //! buffered, whose seq is past the last one read and whose checksum holds. Returns the bytes skipped, or nullopt when no
  //! intact record is buffered (nothing changes). A damaged stream header is skipped the same
  //! way, the records then read as this build's minor. Never past a VersionMismatch.
  std::optional<uint64_t> resync();
  //! Records skipped because their kind is newer than this build.
  uint64_t skipped_unknown() const { return skipped_unknown_; }
  //! Said once per stream when it skips a kind: which kind, at which seq, and why.
  //! take_note() hands it over once, so a reader logs it once.
  std::string take_note() { return std::exchange(note_, std::string()); }

 private:
  std::string buf_;
  size_t pos_ = 0;
  uint64_t consumed_ = 0;
  bool header_done_ = false;
  uint32_t peer_minor_ = 0;
  uint64_t last_seq_ = 0;
  uint64_t skipped_unknown_ = 0;
  std::string note_;
  DecodeStatus status_ = DecodeStatus::NeedMore;
  std::string error_;
};

}  // namespace r1wb::wire
