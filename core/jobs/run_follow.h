// `r1wb-run follow RUN_DIR --after N`, the stream of a detached runner (detached_runner.h):
// a stream header, then every record of RUN_DIR/events.log with seq > N as the runner appends
// it (wire/log_follower.h), until the runner has ended and its last record is out. Requests
// come the other way, as to a runner's stdin (wire/requests.h): ResendAfter N starts over after
// N, Stop sends the runner SIGTERM (it checkpoints and exits 3), ProbeNow SIGUSR2, Kill
// SIGKILL to its process group; for a Slurm job the scheduler does each (runner_watch.h).
// What the place says of the run that the runner cannot (a Slurm job pending, requeued,
// cancelled) goes to stderr as place lines, "r1wb-place: SEQ STATUS NOTE", SEQ being the
// last record written before it was seen, so a reader can tell a stale one. Ending the
// follow (the reader went, the connection dropped) never touches the runner.
#pragma once
#include "core/jobs/job.h"

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

namespace r1wb {

inline constexpr const char* kPlaceLinePrefix = "r1wb-place: ";

//! A place line (without its newline); nullopt for any other line.
std::optional<PlaceLine> parse_place_line(const std::string& line);

//! Streams to `out_fd`, serving requests from `in_fd` when it is a pipe or a socket (the reader
//! closing it ends the follow). Returns the runner's exit code once it ended; 1 when it vanished
//! without one, 2 when run_dir never had a runner; 0 when the reader went first. What happened
//! goes to `err`.
int follow_run(const std::string& run_dir, uint64_t after_seq, int in_fd, int out_fd, std::ostream& err);

}  // namespace r1wb
