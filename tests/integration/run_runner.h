// Runs the real r1wb-run binary to completion for the integration tests.
#pragma once
#include "core/jobs/local_job.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace r1wb::testing {

// Runs r1wb-run to completion; returns the exit code, stderr in `err`, stdout in `out`.
inline int run_runner(const std::vector<std::string>& args, const std::filesystem::path& dir,
                      std::string* err = nullptr, std::string* out = nullptr) {
  std::vector<std::string> argv{R1WB_RUNNER};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto err_path = (dir / "stderr.txt").string();
  std::filesystem::remove(err_path);
  LocalJob job(argv, err_path);
  std::string stdout_text;
  while (!job.stream_closed()) {
    stdout_text += job.read_available();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (out) *out = stdout_text;
  std::optional<int> code;
  while (!(code = job.poll_exit())) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (err) {
    std::ifstream in(err_path);
    *err = std::string((std::istreambuf_iterator<char>(in)), {});
  }
  return *code;
}

}  // namespace r1wb::testing
