// Activation checkpointing ("recompute"): a block's forward runs without keeping its
// intermediate activations, and backward runs it again, with gradients on, to get them back.
// Memory for the block falls to its input; the price is a second forward in backward.
//
// LibTorch's C++ API has no torch.utils.checkpoint, so this is a custom autograd function in
// the reentrant style: backward calls autograd's backward on the recomputed graph, which
// accumulates the parameters' gradients and yields the input's. The autocast setting of the
// first forward is restored for the rerun, so bf16/fp16 recompute the same values.
#pragma once
#include <torch/types.h>

#include <functional>
#include <vector>

namespace r1wb::gpu {

using BlockFn = std::function<std::vector<torch::Tensor>(const torch::Tensor& x)>;

//! Calls run(x) with gradients off and returns its outputs connected to x and the parameters
//! by one backward node. That node calls rerun(x) (gradients on) and back-propagates through
//! it. run and rerun must compute the same outputs; side effects (statistics, counters)
//! belong in run only. Outputs must be defined floating-point tensors. When x needs no
//! gradient, run(x) is called with gradients on and its activations kept (a custom
//! function's node would carry no gradient to the parameters).
std::vector<torch::Tensor> recompute_in_backward(const torch::Tensor& x, const BlockFn& run, BlockFn rerun);

//! True while a rerun runs (on the thread running it): a layer with side effects (the MoE's
//! assignment counts and their reduction over ranks) skips them, as the first run had them.
bool recomputing();

}  // namespace r1wb::gpu
