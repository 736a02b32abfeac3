// The RL stage through the real runner: an rl experiment starts from its parent's checkpoint
// (and says so), logs the RL telemetry under the names the RL libraries use, evaluates on
// held-out prompts before the first step and at the end, and a parent whose model differs is
// refused naming the fields. The last step's rollouts are a record. `r1wb-run eval` prints the same figures and writes them as events.
#include "core/wire/event_log.h"
#include "core/wire/telemetry.h"
#include "tests/integration/run_runner.h"
#include "tests/support/test_dirs.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

namespace fs = std::filesystem;
using r1wb::testing::run_runner;

namespace {

fs::path pretrained(const fs::path& dir) {
  auto doc = r1wb::testing::tiny_moe_doc(10, 5, 5);
  doc["train"]["warmup_steps"] = 2;
  std::ofstream(dir / "base.json") << doc.dump();
  std::string err;
  EXPECT_EQ(run_runner({"train", (dir / "base.json").string(), "--run-dir", (dir / "base").string()}, dir, &err), 0)
      << err;
  return dir / "base";
}

nlohmann::json rl_doc(const fs::path& parent) {
  auto doc = r1wb::testing::tiny_moe_doc(4, 0, 1);
  doc["stage"] = "rl";
  doc["init"]["run"] = parent.string();
  doc["train"]["warmup_steps"] = 0;
  doc["train"]["batch_size"] = 8;
  doc["train"]["lr"] = 1e-4;
  doc["rl"]["group_size"] = 4;
  doc["rl"]["max_new_tokens"] = 16;
  doc["rl"]["eval_prompts"] = 4;
  doc["rl"]["eval_k"] = 2;
  doc["rl"]["beta"] = 0.04;
  return doc;
}

//! metric name -> steps it was logged at.
std::map<std::string, std::set<int64_t>> metric_steps_by_name(const fs::path& run) {
  std::map<std::string, std::set<int64_t>> out;
  for (const auto& r : r1wb::read_event_log((run / "events.log").string()).records)
    if (const auto* m = std::get_if<r1wb::wire::Metrics>(&r.payload))
      for (const auto& [name, v] : m->values) out[name].insert(m->step);
  return out;
}

}  // namespace

TEST(RlStage, StartsFromItsParentLogsRlTelemetryAndEvaluatesHeldOut) {
  r1wb::testing::TempDir t;
  const auto parent = pretrained(t.path);
  // The parent named relative to the runner's working directory (this test's).
  std::ofstream(t.path / "rl.json") << rl_doc(fs::relative(parent)).dump();
  std::string err;
  const auto run = t.path / "rl";
  ASSERT_EQ(run_runner({"train", (t.path / "rl.json").string(), "--run-dir", run.string()}, t.path, &err), 0) << err;
  // The run's config.json names its parent absolutely, so it reads the same from anywhere.
  std::ifstream config(run / "config.json");
  EXPECT_EQ(nlohmann::json::parse(config)["init"]["run"], parent.string());
  EXPECT_NE(err.find("eval at step 0:"), std::string::npos) << err;
  EXPECT_NE(err.find("eval at step 4:"), std::string::npos) << err;
  bool started_from = false;
  for (const auto& r : r1wb::read_event_log((run / "events.log").string()).records)
    if (const auto* l = std::get_if<r1wb::wire::Log>(&r.payload))
      started_from = started_from || l->text.find("started from " + parent.string() + " at step 10") == 0;
  EXPECT_TRUE(started_from);
  // The rollouts of the last step (rl.rollouts_every 10 and the end): every completion.
  size_t rollout_records = 0;
  for (const auto& r : r1wb::read_event_log((run / "events.log").string()).records)
    if (const auto* ro = std::get_if<r1wb::wire::Rollouts>(&r.payload)) {
      ++rollout_records;
      EXPECT_EQ(ro->step, 4);
      ASSERT_EQ(ro->samples.size(), 8u);
      EXPECT_EQ(ro->samples[7].group, 1u);
      EXPECT_EQ(ro->samples[0].tokens.size(), ro->samples[0].logprobs.size());
    }
  EXPECT_EQ(rollout_records, 1u);
  const auto steps = metric_steps_by_name(run);
  namespace tm = r1wb::telemetry;
  for (const char* name : {tm::kReward, tm::kRewardStd, tm::kFracRewardZeroStd, tm::kMeanLength, tm::kMinLength,
                           tm::kMaxLength, tm::kClippedRatio, tm::kKl, tm::kEntropy, tm::kClipLow, tm::kClipHigh,
                           tm::kClipRegion, tm::kPolicyLoss, tm::kSamplingLogpDiffMean, tm::kSampleShare,
                           tm::kSampledTokensPerS, "rewards/accuracy/mean", "rewards/format/std"})
    EXPECT_EQ(steps.count(name) ? steps.at(name).size() : 0u, 4u) << name;
  EXPECT_EQ(steps.at(tm::kEvalAccuracy), (std::set<int64_t>{0, 4}));
  EXPECT_EQ(steps.at(tm::kEvalPassAtK), (std::set<int64_t>{0, 4}));
  // The MoE routing views keep updating during RL.
  EXPECT_EQ(steps.count("moe/max_load_ratio"), 1u);
}

TEST(RlStage, AParentWithAnotherModelIsRefusedNamingTheFields) {
  r1wb::testing::TempDir t;
  const auto parent = pretrained(t.path);
  auto doc = rl_doc(parent);
  doc["model"]["d_model"] = 32;
  std::ofstream(t.path / "rl.json") << doc.dump();
  std::string err;
  EXPECT_EQ(run_runner({"train", (t.path / "rl.json").string(), "--run-dir", (t.path / "rl").string()}, t.path, &err),
            1);
  EXPECT_NE(err.find("model.d_model: parent 64, this run 32"), std::string::npos) << err;
  // A missing parent is named too.
  doc = rl_doc(t.path / "nowhere");
  std::ofstream(t.path / "rl2.json") << doc.dump();
  EXPECT_EQ(run_runner({"train", (t.path / "rl2.json").string(), "--run-dir", (t.path / "rl2").string()}, t.path, &err),
            1);
  EXPECT_NE(err.find("init.run: " + (t.path / "nowhere").string() + " is not a run directory"), std::string::npos)
      << err;
}

TEST(EvalCommand, PrintsHeldOutFiguresAndWritesThemAsEvents) {
  r1wb::testing::TempDir t;
  const auto run = pretrained(t.path);
  std::string err, out;
  ASSERT_EQ(run_runner({"eval", run.string(), "--n", "6", "--k", "3", "--max-new", "20", "--json"}, t.path, &err, &out),
            0)
      << err;
  const auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["step"], 10);
  EXPECT_EQ(j["prompts"], 6);
  EXPECT_EQ(j["k"], 3);
  for (const char* key : {"accuracy", "pass_at_k", "format_rate"}) {
    EXPECT_GE(j[key].get<double>(), 0.0) << key;
    EXPECT_LE(j[key].get<double>(), 1.0) << key;
  }
  EXPECT_GE(j["pass_at_k"].get<double>(), j["accuracy"].get<double>());
  std::string again;
  run_runner({"eval", run.string(), "--n", "6", "--k", "3", "--max-new", "20", "--json"}, t.path, &err, &again);
  EXPECT_EQ(nlohmann::json::parse(again)["accuracy"], j["accuracy"]) << "seeded: the same figures";
  ASSERT_EQ(run_runner({"eval", run.string(), "--n", "6", "--max-new", "20", "--run-dir", run.string()}, t.path, &err),
            0)
      << err;
  EXPECT_EQ(metric_steps_by_name(run).at("eval/accuracy"), (std::set<int64_t>{10}));
  EXPECT_EQ(run_runner({"eval", run.string(), "--task", "poetry"}, t.path, &err), 2);
  EXPECT_NE(err.find("--task: 'poetry' is not a task with a verifier"), std::string::npos) << err;
  EXPECT_EQ(run_runner({"eval", run.string(), "--difficulty", "3-1"}, t.path, &err), 2);
}

TEST(EvalCommand, AsAnExperimentTakesItsTaskDifficultiesAndEvalSettingsWithOptionsOnTop) {
  r1wb::testing::TempDir t;
  const auto run = pretrained(t.path);
  auto doc = rl_doc(run);
  doc["data"]["min_difficulty"] = doc["data"]["max_difficulty"] = 2;
  doc["rl"]["eval_prompts"] = 5;
  doc["rl"]["eval_k"] = 3;
  doc["rl"]["temperature"] = 0.5;
  std::ofstream(t.path / "rl.json") << doc.dump();
  std::string err, out;
  ASSERT_EQ(run_runner({"eval", run.string(), "--as", (t.path / "rl.json").string(), "--k", "2", "--max-new", "20",
                        "--json"},
                       t.path, &err, &out),
            0)
      << err;
  const auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["min_difficulty"], 2);
  EXPECT_EQ(j["max_difficulty"], 2);
  EXPECT_EQ(j["prompts"], 5);
  EXPECT_EQ(j["k"], 2) << "an option given overrides the experiment's";
  EXPECT_EQ(j["temperature"], 0.5);
  // An invalid experiment is refused with its field path.
  doc["rl"]["eval_k"] = 0;
  std::ofstream(t.path / "bad.json") << doc.dump();
  EXPECT_EQ(run_runner({"eval", run.string(), "--as", (t.path / "bad.json").string()}, t.path, &err), 2);
  EXPECT_NE(err.find("rl.eval_k"), std::string::npos) << err;
}
