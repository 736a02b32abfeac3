// How many bytes a model's weights take on a quantization grid: the block matrices (the ones
// fake quantization rounds, fake_quant.h) at the grid's bits plus its scales, everything else
// (embedding, head, norms, routers) in f32, as the safetensors and GGUF exports store them:
//   int8  1 byte a weight + one f32 scale per row      int4  half a byte + one f32 scale per group
//   q8_0  34 bytes per block of 32                      q4_0  18 bytes per block of 32
// The multi-token-prediction module is left out, as the exports leave it out. What the
// compression view calls a variant's size.
#pragma once
#include "core/config/config.h"
#include "gpu/model/transformer.h"

namespace r1wb::gpu {

//! Whether the parameter `name` (the model's key, "blocks.3.moe.w_down") is a block matrix: one
//! the blocks multiply through the matmul hooks (routed experts only with `experts`).
bool is_block_matrix(const std::string& name, const torch::Tensor& p, bool experts);
//! Whether the parameter `name` is one an export writes: not the MTP module (llama.cpp predicts
//! one token) and not learned quantization steps (written as the scales of their matrices).
bool is_exported_weight(const std::string& name);
//! A block matrix quantization `q` rounds (none without a weight grid).
bool is_quantized_matrix(const std::string& name, const torch::Tensor& p, const QuantConfig& q);

//! The bytes of the model's exported weights with `q.weights` (None: all f32).
int64_t quantized_weight_bytes(TransformerLM& model, const QuantConfig& q);
//! The bytes of the model's weights with every block matrix [.., out, in] stored as rank-`rank`
//! factors [out, rank] and [rank, in] in f32 (as it is where that is not smaller).
int64_t low_rank_weight_bytes(TransformerLM& model, int rank);

}  // namespace r1wb::gpu
