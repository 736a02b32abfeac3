// `r1wb-run sample` on a real trained run: seeded and repeatable, n completions with a
// log-prob per token, a damaged newest checkpoint skipped with a warning and left in place
// (reading a run never changes it), a missing step refused with the steps there are.
#include "tests/integration/run_runner.h"
#include "tests/support/test_dirs.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace {

fs::path trained_run(const fs::path& dir) {
  auto doc = r1wb::testing::tiny_moe_doc(10, 5, 5);
  doc["train"]["warmup_steps"] = 2;
  std::ofstream(dir / "cfg.json") << doc.dump();
  std::string err;
  const auto run = dir / "run";
  EXPECT_EQ(r1wb::testing::run_runner({"train", (dir / "cfg.json").string(), "--run-dir", run.string()}, dir, &err), 0)
      << err;
  return run;
}

nlohmann::json sample_json(const fs::path& run, const fs::path& dir, std::vector<std::string> extra, int* code,
                           std::string* err) {
  std::vector<std::string> args = {"sample", run.string(), "--prompt",  "57+68=", "--n",
                                   "3",      "--json",     "--max-new", "20"};
  args.insert(args.end(), extra.begin(), extra.end());
  std::string out;
  *code = r1wb::testing::run_runner(args, dir, err, &out);
  return nlohmann::json::parse(out, nullptr, false);
}

}  // namespace

TEST(SampleCommand, PrintsSeededCompletionsOfTheNewestCheckpointAndSkipsADamagedOneWithoutMovingIt) {
  r1wb::testing::TempDir t;
  const auto run = trained_run(t.path);
  int code = 0;
  std::string err;
  const auto a = sample_json(run, t.path, {"--seed", "4"}, &code, &err);
  ASSERT_EQ(code, 0) << err;
  const auto b = sample_json(run, t.path, {"--seed", "4"}, &code, &err);
  EXPECT_EQ(a, b) << "the same seed gives the same completions";
  EXPECT_EQ(a["step"], 10);
  ASSERT_EQ(a["completions"].size(), 3u);
  for (const auto& c : a["completions"]) {
    EXPECT_EQ(c["tokens"].size(), c["logprobs"].size());
    EXPECT_GE(c["tokens"].size(), 1u);
    EXPECT_LE(c["tokens"].size(), 20u);
    for (const auto& lp : c["logprobs"]) EXPECT_LE(lp.get<double>(), 0.0);
  }

  // Damage the newest checkpoint's weights: sample warns, uses step 5, and leaves step-10 be.
  const auto weights = run / "checkpoints" / "step-10" / "model.pt";
  {
    std::fstream f(weights, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(std::streamoff(fs::file_size(weights) / 2));
    f.put('\x5a').put('\xa5').put('\x33');
  }
  const auto c = sample_json(run, t.path, {"--seed", "4"}, &code, &err);
  EXPECT_EQ(code, 0) << err;
  EXPECT_EQ(c["step"], 5);
  EXPECT_NE(err.find("step-10"), std::string::npos) << err;
  EXPECT_NE(err.find("model.pt"), std::string::npos) << err;
  EXPECT_TRUE(fs::exists(weights)) << "sample never moves or deletes a checkpoint";

  sample_json(run, t.path, {"--step", "10"}, &code, &err);
  EXPECT_EQ(code, 1);
  EXPECT_NE(err.find("model.pt"), std::string::npos) << err;
  sample_json(run, t.path, {"--step", "7"}, &code, &err);
  EXPECT_EQ(code, 1);
  EXPECT_NE(err.find("no checkpoint at step 7 (it has steps 5, 10)"), std::string::npos) << err;
}
