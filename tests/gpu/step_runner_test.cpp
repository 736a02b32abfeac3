// Pins the shared step (train/step_runner.h) through its Objective seam: a stage's objective
// decides the loss and the values, the step accumulates micro-batches, reports the objective's
// values averaged over them, applies the update, and skips (weights untouched) when the
// objective's loss is not finite.
#include "gpu/train/step_runner.h"
#include "gpu/data/tokenizer.h"
#include "gpu/data/training_data.h"
#include "gpu/train/optimizer.h"
#include "gpu/train/pretrain_objective.h"
#include "tests/support/test_dirs.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace r1wb;
using namespace r1wb::gpu;

namespace {

// Pretraining plus a value of its own; with `poison` its loss becomes NaN.
class CountingObjective : public Objective {
 public:
  int calls = 0;
  bool poison = false;
  MicroBatchResult micro_batch(TransformerLM& model, const Batch& batch, const LossNorm& norm) override {
    auto r = pretrain.micro_batch(model, batch, norm);
    ++calls;
    r.values.emplace_back("test/call", double(calls));
    if (poison) {
      r.loss = r.loss * std::numeric_limits<double>::quiet_NaN();
      r.values[0].second = std::numeric_limits<double>::quiet_NaN();
    }
    return r;
  }
  PretrainObjective pretrain;
};

double weight_sum(TransformerLM& model) {
  double s = 0;
  for (const auto& p : model->parameters()) s += p.sum().item<double>();
  return s;
}

}  // namespace

TEST(StepRunner, RunsTheObjectivePerMicroBatchAndAppliesTheUpdate) {
  r1wb::testing::TempDir t;
  auto doc = r1wb::testing::tiny_moe_doc(10, 0, 1);
  doc["train"]["grad_accum"] = 2;
  doc["train"]["warmup_steps"] = 2;
  const auto cfg = validate_experiment(doc);
  ASSERT_TRUE(cfg.ok()) << cfg.errors[0].to_string();
  const Experiment& e = cfg.experiment;
  torch::manual_seed(0);
  TransformerLM model(e.model);
  auto optimizer = make_optimizer(model, e.train);
  LossScaler scaler(false);
  CountingObjective objective;
  std::vector<std::string> lines;
  StepRunner runner(e, model, *optimizer, objective, scaler, torch::kCPU, nullptr,
                    [&](wire::LogLevel, const std::string& line) { lines.push_back(line); });
  auto tokenizer = open_run_tokenizer(e, t.path.string(), [](const std::string&) {});
  auto data = open_training_data(e, *tokenizer, t.path.string(), [](const std::string&) {});

  const double before = weight_sum(model);
  const StepStats s = runner.run(1, *data, data->uniform_mix());
  EXPECT_EQ(objective.calls, 2) << "one call per micro-batch";
  EXPECT_DOUBLE_EQ(s.value("test/call"), 1.5) << "values are means over the micro-batches";
  EXPECT_EQ(s.values.front().first, "train/loss");
  EXPECT_DOUBLE_EQ(s.loss, s.values.front().second);
  EXPECT_TRUE(std::isfinite(s.loss) && s.loss > 0);
  EXPECT_FALSE(s.skipped);
  EXPECT_NE(weight_sum(model), before) << "the update was applied";
  EXPECT_EQ(s.expert_load.size(), size_t(e.model.n_layers));
  EXPECT_EQ(s.tokens, int64_t(e.train.batch_size) * e.data.seq_len * 2 - s.padding);
  EXPECT_GT(s.forward_ms + s.backward_ms + s.optimizer_ms, 0.0);

  objective.poison = true;
  const double applied = weight_sum(model);
  const StepStats bad = runner.run(2, *data, data->uniform_mix());
  EXPECT_TRUE(bad.skipped);
  EXPECT_EQ(weight_sum(model), applied) << "a non-finite objective never moves the weights";
  ASSERT_FALSE(lines.empty());
  EXPECT_NE(lines.back().find("step 2: non-finite"), std::string::npos) << lines.back();
}
