// Shared by the core, engine and integration tests: a per-test temporary directory and the
// shipped tiny-moe experiment with test-sized overrides.
#pragma once
#include "core/config/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace r1wb::testing {

//! A fresh directory named after the running test, removed afterwards.
struct TempDir {
  std::filesystem::path path =
      std::filesystem::temp_directory_path() /
      ("r1wb-" + std::to_string(::getpid()) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
  TempDir() {
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

//! experiments/tiny-moe.json as resolved JSON, with one torch thread (ctest runs two
//! suites at once on 2 cores) and the given steps, checkpoint and log intervals.
inline nlohmann::json tiny_moe_doc(int steps, int checkpoint_every, int log_every) {
  auto r = load_experiment_file(std::string(R1WB_SOURCE_DIR) + "/experiments/tiny-moe.json");
  EXPECT_TRUE(r.ok());
  auto doc = r.resolved;
  doc["train"]["steps"] = steps;
  doc["train"]["checkpoint_every"] = checkpoint_every;
  doc["train"]["threads"] = 1;
  doc["telemetry"]["log_every"] = log_every;
  return doc;
}

}  // namespace r1wb::testing
