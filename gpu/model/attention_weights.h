// From attention scores to weights, shared by MHA/GQA and MLA: the causal mask, the optional
// sliding window, and softmax or the sigmoid gate sigmoid(gamma_h * score [- log T]). The
// weights are explicit tensors (LibTorch 1.13 has no fused attention), which is also what
// attention probes read.
#pragma once
#include "core/config/config.h"

#include <torch/types.h>

namespace r1wb::gpu {

//! scores: [B, H, Tq, Tk] already divided by sqrt(d), the queries being the last Tq of the Tk
//! positions (Tq < Tk when earlier keys come from a KV cache). gamma: [H] for the sigmoid gate
//! (else undefined); its -log T bias takes T = Tk.
torch::Tensor attention_weights(const torch::Tensor& scores, const AttentionConfig& cfg, const torch::Tensor& gamma);

//! [Tq, Tk], true where query t (position Tk - Tq + t) may not see key s: the future, and keys
//! beyond the window.
torch::Tensor hidden_keys(int64_t queries, int64_t keys, int64_t window, torch::Device device);

}  // namespace r1wb::gpu
