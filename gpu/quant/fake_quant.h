// Fake quantization: a tensor rounded to a quantization grid and back to float in the forward
// pass, its gradient passed straight through (the straight-through estimator of QAT, as
// torchao's). All grids are symmetric and run along the last dimension (a weight's inputs):
//   int8   one scale per row (output channel): s = max|w| / 127, q in [-127, 127]
//   int4   one scale per group of `group_size` inputs: s = max|w| / 7, q in [-8, 7]
//   q8_0   ggml's blocks of 32: d = max|x| / 127, q = round(x / d) (half away from zero), stored
//          with d in fp16; the value is q * fp16(d), exactly what a GGUF q8_0 tensor decodes to
//   q4_0   ggml's blocks of 32: d = m / -8 for m the value of largest magnitude,
//          q = min(15, floor(x / d + 8.5)), value (q - 8) * fp16(d), as a GGUF q4_0 tensor decodes
// Activations: int8 per token (dynamic, torchao's 8da4w with int4 weights), or q8_0 blocks as
// llama.cpp's CPU kernels round the input of a q8_0 or q4_0 matmul at run time (multiplier
// 127 / max|x|, round to nearest even: not quite the reference quantizer that writes weights). Post-training quantization
// is the same rounding applied once to a trained float model (round to nearest).
#pragma once
#include "core/config/config.h"
#include "gpu/model/matmul_hooks.h"

#include <torch/types.h>

namespace r1wb::gpu {

//! w [..., in] on the grid along its last dimension, as plain values (no straight-through).
torch::Tensor rounded_weight(const torch::Tensor& w, WeightQuant grid, int group_size);
//! The integers and scales of int8 or int4 rounding (what a quantized export stores): q int8
//! [..., in] and scale float32 [..., in / group] (int8: one group per row), q x scale equal to
//! rounded_weight bit for bit.
struct IntegerWeight {
  torch::Tensor q, scale;
};
IntegerWeight integer_weight(const torch::Tensor& w, WeightQuant grid, int group_size);
//! q x scale, each scale repeated over its group: the float values an IntegerWeight stands for.
torch::Tensor dequantize(const IntegerWeight& w);

//! x [..., in] on the activation grid along its last dimension, as plain values.
torch::Tensor rounded_activation(const torch::Tensor& x, ActivationQuant grid);
//! The forward value of `rounded` with the gradient of `x` (identity).
torch::Tensor straight_through(const torch::Tensor& x, const torch::Tensor& rounded);
//! Hooks that fake-quantize the block matrices and their inputs as `q` says.
MatmulHooks fake_quant_hooks(const QuantConfig& q);
//! "weights q4_0, activations none" (for logs).
std::string describe(const QuantConfig& q);

}  // namespace r1wb::gpu
