// Low-rank factorisation of the block matrices, a compression variant beside quantization:
// every matrix [.., out, in] replaced by its best rank-r approximation (truncated SVD, each
// expert of an MoE weight on its own), which stores as factors [out, r] and [r, in]. A matrix
// whose factors would not be smaller is kept as it is. Post-training, like PTQ: no recovery.
#pragma once
#include "gpu/model/matmul_hooks.h"

#include <torch/types.h>

namespace r1wb::gpu {

//! w's rank-`rank` approximation over its last two dimensions (w itself where factors of that
//! rank are not smaller than w).
torch::Tensor low_rank_weight(const torch::Tensor& w, int rank);
//! Hooks that run every block matrix as its rank-`rank` approximation, computed once per matrix
//! (the weights must not change while the hooks are set: evaluation, not training).
MatmulHooks low_rank_hooks(int rank);

}  // namespace r1wb::gpu
