// From attention scores to weights, shared by MHA/GQA and MLA: the causal mask, the optional
// sliding window, and softmax or the sigmoid gate sigmoid(gamma_h * score [- log T]). The
// weights are explicit tensors (LibTorch 1.13 has no fused attention), which is also what
// attention probes read.
#pragma once
#include "core/config/config.h"

#include <torch/types.h>

namespace r1wb::gpu {

//! scores: [B, H, T, T] already divided by sqrt(d). gamma: [H] for the sigmoid gate (else undefined).
torch::Tensor attention_weights(const torch::Tensor& scores, const AttentionConfig& cfg, const torch::Tensor& gamma);

//! True where query t may not see key s: the future, and keys beyond the window.
torch::Tensor hidden_keys(int64_t seq_len, int64_t window, torch::Device device);

}  // namespace r1wb::gpu
