// Runs the real r1wb-run binary to completion for the integration tests.
#pragma once
#include "core/jobs/local_job.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

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

//! Trains `doc` (written to DIR/NAME.json) into the run directory DIR/NAME; returns it.
inline std::filesystem::path trained(const std::filesystem::path& dir, const std::string& name,
                                     const nlohmann::json& doc) {
  std::ofstream(dir / (name + ".json")) << doc.dump();
  std::string err;
  EXPECT_EQ(run_runner({"train", (dir / (name + ".json")).string(), "--run-dir", (dir / name).string()}, dir, &err), 0)
      << err;
  return dir / name;
}

//! An experiment shipped in experiments/, by file name.
inline std::string preset_path(const std::string& file) { return std::string(R1WB_SOURCE_DIR) + "/experiments/" + file; }

//! The text whose next-token log-probs the export tests compare (a completion of the addition
//! task, with its reasoning and answer tags).
constexpr const char* kProbeText = "12+34=<think>2+4=6 c0;1+3=4 c0;</think><answer>46</answer>";

}  // namespace r1wb::testing
