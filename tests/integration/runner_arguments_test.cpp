// The runner refuses bad arguments before it creates anything: a store in a folder that does
// not exist fails with the path (exit 1) and leaves no run directory behind; a repeated option
// is a usage error (exit 2).
#include "tests/integration/run_runner.h"
#include "tests/support/test_dirs.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace {

void write_config(const fs::path& file) {
  auto doc = r1wb::testing::tiny_moe_doc(5, 0, 5);
  doc["train"]["warmup_steps"] = 2;
  std::ofstream(file) << doc.dump();
}

}  // namespace

TEST(RunnerArguments, AStoreInAMissingFolderFailsBeforeTheRunDirectoryExists) {
  r1wb::testing::TempDir t;
  write_config(t.path / "cfg.json");
  const auto run_dir = t.path / "run";
  std::string err;
  const int code = r1wb::testing::run_runner({"train", (t.path / "cfg.json").string(), "--run-dir", run_dir.string(),
                                              "--store", (t.path / "missing" / "dir" / "x.db").string()},
                                             t.path, &err);
  EXPECT_EQ(code, 1) << err;
  EXPECT_NE(err.find("missing/dir/x.db"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(run_dir)) << "nothing was created";
}

TEST(RunnerArguments, ARepeatedOptionIsAUsageError) {
  r1wb::testing::TempDir t;
  write_config(t.path / "cfg.json");
  std::string err;
  const int code = r1wb::testing::run_runner(
      {"train", (t.path / "cfg.json").string(), "--run-dir", (t.path / "run").string(), "--steps", "2", "--steps", "3"},
      t.path, &err);
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("--steps given twice"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(t.path / "run"));
}
