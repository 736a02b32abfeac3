// Fused CPU kernels for the sampler's decode steps. At a sampler's sizes (d_model 64, 16 rows,
// one new token each) a step is bound by operator calls and the temporaries they allocate, not
// by arithmetic: RMSNorm is six LibTorch calls, RoPE eleven, one-query attention five with two
// key-sized temporaries. Each kernel here is one call doing the same arithmetic in one pass.
// They serve fp32 tensors on the CPU only; the LibTorch forms stay for training (autograd),
// GPUs and other dtypes, and the two are pinned equal (tests/gpu/decode_kernels_test.cpp).
//
//   decode_attention   scores, softmax or sigmoid gate, and the mix of values for one query
//   rms_norm_rows      x / rms(x) * weight over the last dimension
//   rope_rows          RoPE's half-split rotation at positions offset.. along dim -2
#pragma once
#include "core/config/config.h"

#include <torch/types.h>

namespace r1wb::gpu {

//! Whether the norm and RoPE kernels serve `x`: inside InferenceMode (the sampler; no-grad
//! forwards such as RL's old log-probs keep LibTorch's ops, so they stay bit-equal to the
//! trainer's), fp32 on the CPU.
bool decode_kernels_serve(const torch::Tensor& x);

//! Whether decode_attention serves these queries: one query row, fp32, on the CPU, with no
//! autograd recording (the kernel has no backward).
bool decode_attention_fuses(const torch::Tensor& q);

//! q [B, H, 1, d] (any strides); k_t [B, G, d, S] and v [B, G, S, d] with unit stride on their
//! last dimension (the cache's views), G dividing H (head h reads kv head h / (H / G));
//! gamma [H] for the sigmoid gate. -> [B, H, 1, d], the attention output of each head, the
//! same as mix_values(attention_weights(query_key_scores(q, k_t) * scale), v).
torch::Tensor decode_attention(const torch::Tensor& q, const torch::Tensor& k_t, const torch::Tensor& v,
                               const AttentionConfig& cfg, const torch::Tensor& gamma, double scale);

//! x [..., D] (any strides), weight [D] -> contiguous x * rsqrt(mean(x^2) + eps) * weight.
torch::Tensor rms_norm_rows(const torch::Tensor& x, const torch::Tensor& weight, double eps);

//! x [A, B, T, dim] with unit last stride; cos, sin [positions, dim / 2] contiguous. ->
//! contiguous [A, B, T, dim]: the halves (x1, x2) at position offset + t become
//! (x1 cos - x2 sin, x1 sin + x2 cos).
torch::Tensor rope_rows(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin, int64_t offset);

}  // namespace r1wb::gpu
