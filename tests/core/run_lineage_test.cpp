// A run's parent is found by its config's init.run among the stored runs (paths compared
// canonically), and "continue from this run" makes a valid later-stage experiment.
#include "core/store/run_lineage.h"
#include "core/store/compression_family.h"

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

TEST(RunLineage, EachStageStartsWhereItsParentsCheckpointIsOnTheContinuedAxis) {
  std::vector<RunRow> runs = {
      row(1, "/runs/rl", {{"stage", "rl"}, {"init", {{"run", "/runs/sft"}}}}),  // the newest: sft's last step
      row(2, "/runs/base", {{"name", "tiny"}}),
      row(3, "/runs/sft", {{"stage", "sft"}, {"init", {{"run", "/runs/base"}, {"step", 300}}}}),
      row(4, "/runs/a", {{"stage", "rl"}, {"init", {{"run", "/runs/b"}}}}),
      row(5, "/runs/b", {{"stage", "rl"}, {"init", {{"run", "/runs/a"}}}}),
  };
  runs[1].last_step = 500;
  runs[2].last_step = 120;
  const auto chain = lineage(runs, 0);
  ASSERT_EQ(chain.size(), 3u);
  EXPECT_EQ(chain[0].index, 1u);
  EXPECT_EQ(chain[0].step_offset, 0);
  EXPECT_EQ(chain[1].index, 2u);
  EXPECT_EQ(chain[1].step_offset, 300);  // init.step, not the base's last step
  EXPECT_EQ(chain[2].index, 0u);
  EXPECT_EQ(chain[2].step_offset, 420);
  ASSERT_EQ(lineage(runs, 1).size(), 1u);  // a first stage is its own chain
  const auto cycle = lineage(runs, 3);
  EXPECT_EQ(cycle.size(), 2u);  // the cycle stops the walk
  EXPECT_EQ(cycle.back().index, 3u);
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

TEST(RunLineage, DistillingARunMakesAValidStudentOfHalfItsWidthAndDepth) {
  auto teacher = parse_experiment(R"({"name": "big", "model": {"d_model": 128, "n_layers": 4, "max_seq_len": 96},
      "quant": {"weights": "int8"}, "init": {"run": "/runs/base"}, "stage": "sft"})");
  ASSERT_TRUE(teacher.ok()) << teacher.errors[0].to_string();
  const auto r = row(1, "/runs/big", teacher.resolved);
  auto parsed = validate_experiment(distill_from(r));
  ASSERT_TRUE(parsed.ok()) << parsed.errors[0].to_string();
  const auto& e = parsed.experiment;
  EXPECT_EQ(e.stage, Stage::Distill);
  EXPECT_EQ(e.name, r.experiment + "-distilled");
  EXPECT_EQ(e.distill.teacher, "/runs/big");
  EXPECT_EQ(e.distill.loss, DistillLoss::ForwardKl);
  EXPECT_TRUE(e.init.run.empty()) << "a student starts from scratch";
  EXPECT_FALSE(e.quant.any());
  EXPECT_EQ(e.model.d_model, 64);
  EXPECT_EQ(e.model.n_layers, 2);
  EXPECT_EQ(e.model.moe.expert_hidden, teacher.experiment.model.moe.expert_hidden / 2);
  EXPECT_EQ(e.model.max_seq_len, 96) << "the student reads what the teacher reads";
  EXPECT_EQ(e.model.vocab_size, teacher.experiment.model.vocab_size);
}

TEST(RunLineage, QuantizingARunMakesAValidQuantizationAwareFineTune) {
  auto parent = parse_experiment(R"({"name": "base", "train": {"steps": 400, "lr": 0.003}})");
  ASSERT_TRUE(parent.ok());
  const auto r = row(1, "/runs/base", parent.resolved);
  auto parsed = validate_experiment(quantize_from(r));
  ASSERT_TRUE(parsed.ok()) << parsed.errors[0].to_string();
  const auto& e = parsed.experiment;
  EXPECT_EQ(e.stage, Stage::Sft);
  EXPECT_EQ(e.init.run, "/runs/base");
  EXPECT_EQ(e.quant.weights, WeightQuant::Int4);
  EXPECT_EQ(e.quant.group_size, 32);
  EXPECT_EQ(e.train.steps, 100);
  EXPECT_DOUBLE_EQ(e.train.lr, 0.0003);
  EXPECT_EQ(e.name, r.experiment + "-qat");
}

TEST(RunLineage, PruningARunHalvesItsFfnsByMagnitudeWithARecoveryFineTune) {
  auto parent = parse_experiment(R"({"name": "base", "train": {"steps": 400, "lr": 0.003},
                                     "model": {"ffn": "dense", "ffn_hidden": 256}})");
  ASSERT_TRUE(parent.ok());
  const auto r = row(1, "/runs/base", parent.resolved);
  auto parsed = validate_experiment(prune_from(r));
  ASSERT_TRUE(parsed.ok()) << parsed.errors[0].to_string();
  const auto& e = parsed.experiment;
  EXPECT_EQ(e.stage, Stage::Sft);
  EXPECT_EQ(e.init.run, "/runs/base");
  EXPECT_EQ(e.init.prune, FfnPrune::Magnitude);
  EXPECT_EQ(e.model.ffn_hidden, 128);
  EXPECT_EQ(e.model.moe.expert_hidden, parent.experiment.model.moe.expert_hidden / 2);
  EXPECT_EQ(e.train.steps, 100);
  EXPECT_FALSE(e.quant.any());
  EXPECT_EQ(e.name, r.experiment + "-pruned");
  EXPECT_EQ(compression_role(row(2, "/runs/p", prune_from(r))), "pruned (ffn 128 wide)");
  // Pruning needs a parent.
  auto orphan = prune_from(r);
  orphan["init"]["run"] = "";
  orphan["stage"] = "pretrain";
  const auto refused = validate_experiment(orphan);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.errors[0].path, "init.prune");
}

TEST(CompressionFamily, ReachesTheRootThroughTeachersAndParentsAndListsEveryDescendantOnce) {
  const std::vector<RunRow> runs = {
      row(1, "/runs/student", {{"stage", "distill"}, {"distill", {{"teacher", "/runs/base"}, {"loss", "jsd"}}}}),
      row(2, "/runs/base", {{"name", "tiny"}}),
      row(3, "/runs/qat",
          {{"stage", "sft"},
           {"init", {{"run", "/runs/base"}}},
           {"quant", {{"weights", "int4"}, {"group_size", 64}, {"activations", "int8"}}}}),
      row(4, "/runs/unrelated", {{"name", "other"}}),
      row(5, "/runs/student-qat",
          {{"stage", "sft"}, {"init", {{"run", "/runs/student"}}}, {"quant", {{"weights", "int8"}}}}),
  };
  for (size_t start : {0u, 1u, 4u}) {
    const auto family = compression_family(runs, start);
    ASSERT_EQ(family.size(), 4u) << start;
    EXPECT_EQ(family[0].index, 1u);  // the root first
    EXPECT_EQ(family[0].depth, 0);
    EXPECT_EQ(family[0].role, "pretrain");
    EXPECT_EQ(family[1].index, 0u);
    EXPECT_EQ(family[1].role, "distilled (jsd)");
    EXPECT_EQ(family[2].index, 4u);  // the student's own QAT, under it
    EXPECT_EQ(family[2].depth, 2);
    EXPECT_EQ(family[2].role, "QAT int8");
    EXPECT_EQ(family[3].role, "QAT int4-g64 + int8 activations");
  }
  EXPECT_EQ(compression_family(runs, 3).size(), 1u);
}
