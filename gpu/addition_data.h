// Training batches of the addition task. Examples are packed back to back (no padding)
// and the loss mask covers completion tokens only. A batch is a pure function of
// (data.seed, step, micro-batch), so a resumed run sees exactly the batches it would have.
#pragma once
#include "core/config.h"

#include <torch/types.h>

namespace r1wb::gpu {

struct Batch {
  torch::Tensor input;   // [batch, seq] int64
  torch::Tensor target;  // [batch, seq] int64, input shifted left by one
  torch::Tensor mask;    // [batch, seq] float, 1 on completion tokens
};

class AdditionData {
 public:
  AdditionData(const DataConfig& data, const CurriculumConfig& curriculum, int total_steps, int batch_size);
  //! The micro-batch `micro` of optimizer step `step` (1-based).
  Batch batch(int64_t step, int micro) const;
  //! Largest operand digit count in use at `step` (the curriculum's current difficulty).
  int max_digits_at(int64_t step) const;

 private:
  DataConfig data_;
  CurriculumConfig curriculum_;
  int total_steps_;
  int batch_size_;
};

}  // namespace r1wb::gpu
