// Shared by the core, engine and integration tests: a per-test temporary directory and the
// shipped tiny-moe experiment with test-sized overrides.
#pragma once
#include "core/config/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace r1wb::testing {

//! The whole file, as bytes ("" when it cannot be read).
inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

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

//! tiny-moe's model with one field (a JSON pointer) set, checked valid; "" keeps it as it is.
inline ModelConfig tiny_moe_model_with(const std::string& pointer, const nlohmann::json& value) {
  auto doc = tiny_moe_doc(100, 50, 1);
  if (!pointer.empty()) doc[nlohmann::json::json_pointer(pointer)] = value;
  const auto cfg = validate_experiment(doc);
  EXPECT_TRUE(cfg.ok()) << (cfg.errors.empty() ? "" : cfg.errors[0].to_string());
  return cfg.experiment.model;
}

}  // namespace r1wb::testing
