#include "gpu/train/optimizer.h"

#include "gpu/train/lamb.h"

#include <torch/optim/adamw.h>

namespace r1wb::gpu {

std::unique_ptr<torch::optim::Optimizer> make_optimizer(TransformerLM& model, const TrainConfig& t) {
  std::vector<torch::Tensor> decay, no_decay;
  for (auto& p : model->named_parameters()) {
    const bool is_matrix = p.value().dim() >= 2 && p.key().find("embed") == std::string::npos;
    (is_matrix ? decay : no_decay).push_back(p.value());
  }
  std::vector<torch::optim::OptimizerParamGroup> groups;
  if (t.optimizer == OptimizerKind::Lamb) {
    auto opts = [&](double wd) {
      return std::make_unique<LambOptions>(LambOptions(t.lr).beta1(t.beta1).beta2(t.beta2).eps(t.eps).weight_decay(wd));
    };
    groups.emplace_back(decay, opts(t.weight_decay));
    groups.emplace_back(no_decay, opts(0.0));
    return std::make_unique<Lamb>(std::move(groups));
  }
  auto opts = [&](double wd) {
    return std::make_unique<torch::optim::AdamWOptions>(
        torch::optim::AdamWOptions(t.lr).betas({t.beta1, t.beta2}).eps(t.eps).weight_decay(wd));
  };
  groups.emplace_back(decay, opts(t.weight_decay));
  groups.emplace_back(no_decay, opts(0.0));
  return std::make_unique<torch::optim::AdamW>(std::move(groups));
}

void set_learning_rate(torch::optim::Optimizer& optimizer, double lr) {
  for (auto& g : optimizer.param_groups()) g.options().set_lr(lr);
}

}  // namespace r1wb::gpu
