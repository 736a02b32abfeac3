// A remote run's checkpoint brought home (r1wb-ctl fetch, the app's Fetch button): the newest
// complete step-N folder on the host (or the one asked for) is copied file by file over SFTP
// (sftp_fetch.h: pipelined, resumable, SHA-256 checked) into checkpoints/step-N.fetching/ of the
// run's local directory, which becomes step-N only when every file arrived whole; a BPE run's
// tokenizer comes along. Then eval, sample, export and a later stage use it as any checkpoint.
#pragma once
#include "core/remote/sftp_fetch.h"
#include "core/store/store.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace r1wb {

struct CheckpointFetch {
  int64_t step = -1;
  std::string local_dir;  //!< <run_dir>/checkpoints/step-N
  bool already_here = false;
  size_t files = 0;
  uint64_t bytes = 0;
  double seconds = 0;  //!< transfer time, summed over the files
};

//! Called as each file goes: its name and its progress.
using FetchProgressFn = std::function<void(const std::string& file, const remote::FetchProgress&)>;

//! Throws std::runtime_error naming what is missing (no checkpoint on the host, no such step)
//! or what failed (a transfer, a digest); what arrived stays, and fetching again resumes it.
CheckpointFetch fetch_checkpoint(remote::SshSession& ssh, const RunRow& run, std::optional<int64_t> step = std::nullopt,
                                 const FetchProgressFn& progress = {});

}  // namespace r1wb
