// GPT-2's initialisation, which every module applies to its own weights in its constructor:
// N(0, 0.02), and N(0, 0.02 / sqrt(2 * n_layers)) for the projections that write into the
// residual stream (attention output, FFN down projections), so the stream's variance does not
// grow with depth. Norm gains start at 1 and the sigmoid gate's gamma at 0.5 (their modules).
#pragma once
#include <torch/nn/modules/linear.h>
#include <torch/types.h>

namespace r1wb::gpu {

constexpr double kInitStd = 0.02;

//! The std of a residual output projection in a model of `n_layers` blocks.
double residual_init_std(int n_layers);
//! A bias-free linear layer whose weight is drawn from N(0, std).
torch::nn::Linear init_linear(int64_t in, int64_t out, double std = kInitStd);
//! A tensor of `shape` drawn from N(0, std).
torch::Tensor init_normal(torch::IntArrayRef shape, double std = kInitStd);

}  // namespace r1wb::gpu
