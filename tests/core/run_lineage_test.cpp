// A run's parent is found by its config's init.run among the stored runs (paths compared
// canonically), and "continue from this run" makes a valid later-stage experiment.
#include "core/store/run_lineage.h"

#include <gtest/gtest.h>

using namespace r1wb;

namespace {
RunRow row(int64_t id, const std::string& dir, const nlohmann::json& config) {
  RunRow r;
  r.id = id;
  r.name = "run-" + std::to_string(id);
  r.experiment = "tiny";
  r.run_dir = dir;
  r.config_json = config.dump();
  return r;
}
}  // namespace

TEST(RunLineage, TheParentIsTheRunInitRunNames) {
  const std::vector<RunRow> runs = {
      row(1, "/runs/base", {{"name", "tiny"}}),
      row(2, "/runs/other", {{"name", "tiny"}}),
      row(3, "/runs/rl", {{"stage", "rl"}, {"init", {{"run", "/runs/./base/"}}}}),
      row(4, "/runs/orphan", {{"stage", "rl"}, {"init", {{"run", "/runs/gone"}}}}),
  };
  EXPECT_EQ(parent_dir_of(runs[2]), "/runs/./base/");
  EXPECT_EQ(parent_index(runs, runs[2]), std::optional<size_t>(0));
  EXPECT_EQ(parent_index(runs, runs[0]), std::nullopt);
  EXPECT_EQ(parent_index(runs, runs[3]), std::nullopt);
}

TEST(RunLineage, ContinuingARunMakesAValidLaterStage) {
  auto base = parse_experiment(R"({"name": "tiny", "model": {"max_seq_len": 128}})");
  ASSERT_TRUE(base.ok());
  const auto r = row(1, "/runs/base", base.resolved);
  for (Stage stage : {Stage::Sft, Stage::Rl}) {
    const auto doc = continue_from(r, stage);
    auto parsed = validate_experiment(doc);
    ASSERT_TRUE(parsed.ok()) << parsed.errors[0].to_string();
    EXPECT_EQ(parsed.experiment.stage, stage);
    EXPECT_EQ(parsed.experiment.init.run, "/runs/base");
    EXPECT_EQ(parsed.experiment.name, std::string("tiny-") + name_of(stage));
    EXPECT_EQ(parsed.experiment.model.max_seq_len, 128) << "the parent's model is kept";
  }
}
