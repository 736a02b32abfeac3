// Rotary position embeddings (RoPE), half-split layout: the first and second halves of the
// last dimension are rotated as pairs by position-dependent angles. Tables are derived, not
// saved in checkpoints.
#pragma once
#include <torch/types.h>

namespace r1wb::gpu {

class Rope {
 public:
  Rope() = default;
  Rope(int64_t dim, int64_t max_seq_len, double theta);
  //! x: [..., seq, dim] -> same, rotated by position along `seq`, the first at `offset`.
  torch::Tensor apply(const torch::Tensor& x, int64_t offset = 0) const;

 private:
  int64_t dim_ = 0;
  torch::Tensor cos_, sin_;  // [max_seq, dim / 2]
};

}  // namespace r1wb::gpu
