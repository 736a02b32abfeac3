// The optimizer of a run, built from TrainConfig: AdamW or LAMB (lamb.h), with decoupled
// weight decay on matrices only (norms, biases and the embedding are not decayed).
#pragma once
#include "core/config/config.h"
#include "gpu/model/transformer.h"

#include <torch/optim/optimizer.h>

#include <memory>
#include <string>
#include <vector>

namespace r1wb::gpu {

//! Parameters whose names start with `prefix` learn at `scale` x the scheduled learning rate,
//! undecayed: modules an objective adds (PPO's value head learns faster than the policy whose
//! trunk it shares, as critics do in verl and OpenRLHF).
struct LrScale {
  std::string prefix;
  double scale = 1;
};

//! Groups: decayed, undecayed, then one per entry of `scales` (each must match a parameter).
std::unique_ptr<torch::optim::Optimizer> make_optimizer(TransformerLM& model, const TrainConfig& train,
                                                        const std::vector<LrScale>& scales = {});
//! Sets the learning rate of every parameter group: `lr`, times its scale for the groups
//! make_optimizer made for `scales` (the same list).
void set_learning_rate(torch::optim::Optimizer& optimizer, double lr, const std::vector<LrScale>& scales = {});

}  // namespace r1wb::gpu
