// Learned step sizes (gpu/quant/learned_steps.h): steps start at the plain grid's scales, so a
// model quantizes to the same integers as rounding to nearest until they learn; the step's gradient is
// LSQ's formula, computed by hand here; a weight that clips gets no gradient; the steps are
// parameters of the model an optimizer trains (undecayed) and a converted matrix holds the
// rounding's values bit for bit.
// (The parameters hold ln step; learned_step gives the steps.)
#include "gpu/model/transformer.h"
#include "gpu/quant/fake_quant.h"
#include "gpu/quant/learned_steps.h"
#include "gpu/train/optimizer.h"
#include "tests/support/test_dirs.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace r1wb;
using namespace r1wb::gpu;

namespace {

QuantConfig learned(WeightQuant grid, int group = 32) {
  QuantConfig q;
  q.weights = grid;
  q.group_size = group;
  q.learned_steps = true;
  return q;
}

}  // namespace

TEST(LearnedSteps, StartAtThePlainGridSoAModelQuantizesAsRoundingToNearest) {
  for (const auto& [pointer, value] : std::vector<std::pair<std::string, nlohmann::json>>{
           {"", nullptr}, {"/model/ffn", "dense"}, {"/model/moe/num_shared_experts", 1}}) {
    for (const auto grid : {WeightQuant::Int8, WeightQuant::Int4}) {
      SCOPED_TRACE(pointer + " " + name_of(grid));
      torch::manual_seed(7);
      const auto cfg = r1wb::testing::tiny_moe_model_with(pointer, value);
      TransformerLM model(cfg);
      const auto q = learned(grid);
      attach_learned_steps(model, q);
      ASSERT_TRUE(learned_step(model, "blocks.0.attn.qkv.weight").defined());
      if (cfg.ffn == FfnKind::Moe) {
        const auto s = learned_step(model, "blocks.1.moe.w_down");
        ASSERT_TRUE(s.defined());
        EXPECT_EQ(s.sizes(), (std::vector<int64_t>{cfg.moe.num_experts, cfg.d_model,
                                                   grid == WeightQuant::Int8 ? 1 : cfg.moe.expert_hidden / 32}));
      }
      EXPECT_FALSE(learned_step(model, "embed.weight").defined());
      start_learned_steps(model, q);
      model->eval();
      torch::NoGradGuard no_grad;
      const auto tokens = torch::randint(0, 256, {2, 12}, torch::kInt64);
      model->set_matmul_hooks(fake_quant_hooks(q));
      const auto plain = model->forward(tokens).logits;
      model->set_matmul_hooks(quant_hooks(model, q));
      // The same integers; the steps within float rounding of ln and exp of the plain scales.
      const auto w = model->named_parameters()["blocks.1.attn.qkv.weight"];
      const auto ours = learned_integer_weight(w, learned_step(model, "blocks.1.attn.qkv.weight"), grid);
      const auto theirs = integer_weight(w, grid, 32);
      EXPECT_TRUE(torch::equal(ours.q, theirs.q));
      EXPECT_TRUE(torch::allclose(ours.scale, theirs.scale, 1e-6, 0));
      EXPECT_LT((model->forward(tokens).logits - plain).abs().max().item<double>(), 1e-5);
      // A changed step changes the model: the hooks read the steps, not max|w|.
      model->named_parameters()["quant_steps.blocks_0_attn_proj_weight"].add_(std::log(1.5));
      EXPECT_GT((model->forward(tokens).logits - plain).abs().max().item<double>(), 1e-3);
      // Starting again keeps steps that have started (a resumed run keeps what it learned).
      start_learned_steps(model, q);
      EXPECT_GT((model->forward(tokens).logits - plain).abs().max().item<double>(), 1e-3);
    }
  }
}

TEST(LearnedSteps, TheStepGradientIsLsqsAndAClippedWeightGetsNone) {
  // int4 in groups of 2, steps 0.1 and 0.2: w / s = [3.4, -9.5] and [1.25, 7.9].
  auto w = torch::tensor({{0.34f, -0.95f, 0.25f, 1.58f}}).requires_grad_();
  auto s = torch::tensor({{0.1f, 0.2f}}).requires_grad_();
  const auto upstream = torch::tensor({{1.0f, 2.0f, 3.0f, 4.0f}});
  const auto y = learned_rounding(w, s, WeightQuant::Int4);
  EXPECT_TRUE(torch::allclose(y.detach(), torch::tensor({{0.3f, -0.8f, 0.2f, 1.4f}}), 1e-6, 1e-6)) << y;
  (y * upstream).sum().backward();
  // Inside the range the weight's gradient passes straight through; clipped (-9.5 < -8, 7.9 > 7) none.
  EXPECT_TRUE(torch::allclose(w.grad(), torch::tensor({{1.0f, 0.0f, 3.0f, 0.0f}}))) << w.grad();
  // dy/ds: round(v) - v inside, lo or hi outside; times 1 / sqrt(2 x 7).
  const double g = 1 / std::sqrt(2.0 * 7);
  const double s0 = (1 * (3 - 3.4) + 2 * -8) * g, s1 = (3 * (1 - 1.25) + 4 * 7) * g;
  EXPECT_NEAR(s.grad()[0][0].item<double>(), s0, 1e-5);
  EXPECT_NEAR(s.grad()[0][1].item<double>(), s1, 1e-5);
}

TEST(LearnedSteps, AreUndecayedParametersOfTheModelAndConvertToTheirRoundingExactly) {
  torch::manual_seed(8);
  TransformerLM model(r1wb::testing::tiny_moe_model_with("", nullptr));
  const auto q = learned(WeightQuant::Int4);
  attach_learned_steps(model, q);
  start_learned_steps(model, q);
  TrainConfig t;
  t.weight_decay = 0.1;
  auto optimizer = make_optimizer(model, t);
  const auto& groups = optimizer->param_groups();
  const auto log_step = model->named_parameters()["quant_steps.blocks_1_moe_w_gate"];
  auto holds = [&](const torch::optim::OptimizerParamGroup& g) {
    for (const auto& p : g.params())
      if (p.unsafeGetTensorImpl() == log_step.unsafeGetTensorImpl()) return true;
    return false;
  };
  EXPECT_FALSE(holds(groups[0])) << "steps are scales: no weight decay";
  EXPECT_TRUE(holds(groups[1]));
  // One training step moves the steps.
  model->set_matmul_hooks(quant_hooks(model, q));
  model->train();
  const auto before = learned_step(model, "blocks.1.moe.w_gate").detach();
  const auto tokens = torch::randint(0, 256, {2, 12}, torch::kInt64);
  model->forward(tokens).logits.pow(2).mean().backward();
  optimizer->step();
  const auto step = learned_step(model, "blocks.1.moe.w_gate").detach();
  EXPECT_GT((step - before).abs().max().item<double>(), 0);
  // The integers and steps of a converted expert matrix multiply back to the hooks' values.
  torch::NoGradGuard no_grad;
  const auto w = model->named_parameters()["blocks.1.moe.w_gate"];
  const auto iw = learned_integer_weight(w[2], step[2], WeightQuant::Int4);
  EXPECT_TRUE(torch::equal(dequantize(iw), learned_rounding(w[2], step[2], WeightQuant::Int4)));
  EXPECT_LE(iw.q.max().item<int>(), 7);
  EXPECT_GE(iw.q.min().item<int>(), -8);
}
