// Pins ablation grids: values typed by the schema, every combination a validated
// experiment, bad values reported with the field and value, and the results table's
// final/min/max/best read from the store.
#include "core/config/ablation.h"
#include "tests/support/test_dirs.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace r1wb;
using nlohmann::json;

namespace {

json base() { return r1wb::testing::tiny_moe_doc(20, 0, 5); }

}  // namespace

TEST(Ablation, ValuesAreTypedBySchema) {
  std::vector<std::string> errors;
  EXPECT_EQ(parse_axis_values("model.moe.top_k", "1, 2,4", errors), (std::vector<json>{1, 2, 4}));
  EXPECT_EQ(parse_axis_values("train.lr", "1e-3, 3e-4", errors), (std::vector<json>{1e-3, 3e-4}));
  EXPECT_TRUE(errors.empty()) << errors.front();
  parse_axis_values("model.moe.top_k", "2, two, 2.5", errors);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0], "model.moe.top_k: 'two' is not an integer");
  EXPECT_EQ(errors[1], "model.moe.top_k: '2.5' is not an integer");
  errors.clear();
  parse_axis_values("model.moe.score_func", "softmax, cosine", errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("'cosine' is not one of softmax, sigmoid"), std::string::npos) << errors[0];
}

TEST(Ablation, TwoByTwoGridIsFourValidatedExperiments) {
  const auto plan = expand_ablation(base(), {{"model.moe.top_k", {1, 2}}, {"train.lr", {1e-3, 3e-3}}});
  ASSERT_TRUE(plan.ok()) << plan.errors.front();
  ASSERT_EQ(plan.cells.size(), 4u);
  EXPECT_EQ(plan.cells[0].label, "model.moe.top_k=1 train.lr=0.001");
  EXPECT_EQ(plan.cells[3].label, "model.moe.top_k=2 train.lr=0.003");
  for (const auto& c : plan.cells) {
    EXPECT_EQ(value_at(c.config, "model.moe.top_k"), c.values[0]);
    EXPECT_EQ(value_at(c.config, "train.lr"), c.values[1]);
    EXPECT_TRUE(validate_experiment(c.config).ok());
  }
}

TEST(Ablation, CellThatBreaksAConstraintIsReportedNotQueued) {
  // top_k above num_experts makes the whole experiment invalid, not just the field.
  const int experts = base()["model"]["moe"]["num_experts"].get<int>();
  const auto plan = expand_ablation(base(), {{"model.moe.top_k", {1, experts + 1}}});
  EXPECT_FALSE(plan.ok());
  ASSERT_FALSE(plan.errors.empty());
  EXPECT_NE(plan.errors[0].find("model.moe.top_k=" + std::to_string(experts + 1)), std::string::npos) << plan.errors[0];
  EXPECT_FALSE(expand_ablation(base(), {{"model.moe.top_k", {1}}, {"model.moe.top_k", {2}}}).ok());
  EXPECT_FALSE(expand_ablation(base(), {}).ok());
}

TEST(Ablation, ResultsCarryAxisValuesAndFinalMinMaxBest) {
  r1wb::testing::TempDir t;
  Store store((t.path / "w.db").string());
  json config = base();
  config["model"]["moe"]["top_k"] = 2;
  const int64_t id = store.create_run("a-1", "a", config.dump(), "/runs/a-1", "h");
  std::vector<wire::Record> recs;
  const double losses[] = {5.0, 3.0, 4.0};
  const double rewards[] = {0.1, 0.7, 0.4};
  for (int s = 0; s < 3; ++s)
    recs.push_back(
        {uint64_t(s + 1), wire::Metrics{s + 1, 0.0, {{"train/loss", losses[s]}, {"rl/reward", rewards[s]}}}});
  store.ingest(id, recs);
  const auto rows = ablation_results(store, {id}, {"model.moe.top_k"});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].axis_values[0], json(2));
  const auto& loss = rows[0].metrics.at("train/loss");
  EXPECT_EQ(loss.final, 4.0);
  EXPECT_EQ(loss.min, 3.0);
  EXPECT_EQ(loss.max, 5.0);
  EXPECT_EQ(loss.final_step, 3);
  EXPECT_EQ(rows[0].best("train/loss"), 3.0) << "lower loss is better";
  EXPECT_EQ(rows[0].best("rl/reward"), 0.7) << "higher reward is better";

  // A run whose loss diverged to NaN: its final value is NaN, not 0 (which would sort as best).
  store.ingest(id, {{4, wire::Metrics{4, 0.0, {{"train/loss", std::nan("")}}}}});
  const auto diverged = ablation_results(store, {id}, {});
  EXPECT_TRUE(std::isnan(diverged[0].metrics.at("train/loss").final));
  EXPECT_EQ(diverged[0].metrics.at("train/loss").min, 3.0) << "min and max skip the NaN";
}
