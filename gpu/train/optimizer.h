// The optimizer of a run, built from TrainConfig: AdamW or LAMB (lamb.h), with decoupled
// weight decay on matrices only (norms, biases and the embedding are not decayed).
#pragma once
#include "core/config/config.h"
#include "gpu/model/transformer.h"

#include <torch/optim/optimizer.h>

#include <memory>

namespace r1wb::gpu {

std::unique_ptr<torch::optim::Optimizer> make_optimizer(TransformerLM& model, const TrainConfig& train);
//! Sets the learning rate of every parameter group.
void set_learning_rate(torch::optim::Optimizer& optimizer, double lr);

}  // namespace r1wb::gpu
