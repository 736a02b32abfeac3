// Training batches of a synthetic reasoning task (core/reasoning_tasks.h). Examples are
// packed back to back (no padding) and the loss mask covers completion tokens only. Each
// example's difficulty is drawn from the mix the curriculum gives for the step. A batch is
// a pure function of (data.seed, step, micro-batch, mix), so a resumed run sees exactly the
// batches it would have.
#pragma once
#include "core/config.h"

#include <torch/types.h>

#include <vector>

namespace r1wb::gpu {

struct Batch {
  torch::Tensor input;   // [batch, seq] int64
  torch::Tensor target;  // [batch, seq] int64, input shifted left by one
  torch::Tensor mask;    // [batch, seq] float, 1 on completion tokens
};

//! Weights over difficulty levels data.min_difficulty .. data.max_difficulty.
using DifficultyMix = std::vector<double>;

class SyntheticData {
 public:
  SyntheticData(const DataConfig& data, int batch_size);
  //! The micro-batch `micro` of optimizer step `step` (1-based) with difficulties from `mix`.
  Batch batch(int64_t step, int micro, const DifficultyMix& mix) const;
  //! Every level equally likely.
  DifficultyMix uniform_mix() const;

 private:
  DataConfig data_;
  int batch_size_;
};

}  // namespace r1wb::gpu
