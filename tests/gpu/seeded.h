// A test fixture whose every test starts from torch's seed 0, so random tensors are the same on
// each run (alias it per suite: `using MoeDispatch = Seeded;`).
#pragma once
#include <gtest/gtest.h>
#include <torch/torch.h>

namespace r1wb::testing {

class Seeded : public ::testing::Test {
 protected:
  void SetUp() override { torch::manual_seed(0); }
};

}  // namespace r1wb::testing
