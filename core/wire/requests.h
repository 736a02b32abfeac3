// The request direction of the event protocol: from the reader (the GUI's job controller)
// to the runner, over the runner's stdin (a pipe locally, the SSH channel remotely), as
// Tracy's viewer sends ServerQuery messages to its client. Every job uses it, so a local run
// and a remote one recover from a dropped or late stream the same way:
//   ResendAfter N  write every record with seq > N again to the stream (backfill: no gap, and
//                  the store's idempotent ingest drops what it already holds, so no duplicate)
//   Stop           finish the step, checkpoint, exit (what SIGTERM does locally)
//   ProbeNow       run the routing and attention probes after the current step
//   Kill           end the runner at once (its process group): what a job's kill() sends when
//                  it cannot signal the runner itself (a detached runner on a host)
// A request is one fixed 16-byte message. Kinds this build does not know are skipped, so a
// newer GUI can talk to an older runner.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace r1wb::wire {

enum class RequestKind : uint16_t { ResendAfter = 1, Stop = 2, ProbeNow = 3, Kill = 4 };

constexpr uint32_t kRequestMagic = 0x51523152;  //!< "R1RQ" little-endian

//! The bytes of one request, little-endian.
struct RequestMessage {
  uint32_t magic;
  uint16_t kind;  //!< RequestKind
  uint16_t reserved;
  uint64_t argument;  //!< ResendAfter: the last seq the reader holds; else 0
};
static_assert(sizeof(RequestMessage) == 16, "request layout is part of the protocol");

struct Request {
  RequestKind kind = RequestKind::Stop;
  uint64_t argument = 0;
};

std::string encode_request(const Request& r);

//! True when `fd` is a pipe or a socket: a request channel (a job's stdin for the runner, an SSH
//! channel for `r1wb-run follow`); a terminal or /dev/null carries none.
bool carries_requests(int fd);

//! Incremental decoder of the request stream.
class RequestDecoder {
 public:
  void feed(const char* data, size_t n);
  //! The next request, or nullopt when more bytes are needed or the stream is damaged.
  std::optional<Request> next();
  //! Set once bytes arrived that are not requests; no request is read after them.
  const std::string& error() const { return error_; }
  //! Requests of kinds this build does not know, skipped.
  uint64_t skipped_unknown() const { return skipped_; }

 private:
  std::string buf_;
  uint64_t offset_ = 0;
  uint64_t skipped_ = 0;
  std::string error_;
};

}  // namespace r1wb::wire
