#include "gpu/train/optimizer.h"

#include "gpu/quant/learned_steps.h"
#include "gpu/train/lamb.h"

#include <torch/optim/adamw.h>

#include <stdexcept>

namespace r1wb::gpu {

std::unique_ptr<torch::optim::Optimizer> make_optimizer(TransformerLM& model, const TrainConfig& t,
                                                        const std::vector<LrScale>& scales) {
  std::vector<torch::Tensor> decay, no_decay;
  std::vector<std::vector<torch::Tensor>> scaled(scales.size());
  for (auto& p : model->named_parameters()) {
    size_t k = 0;
    while (k < scales.size() && p.key().rfind(scales[k].prefix, 0) != 0) ++k;
    if (k < scales.size()) {
      scaled[k].push_back(p.value());
      continue;
    }
    const bool is_matrix = p.value().dim() >= 2 && p.key().find("embed") == std::string::npos &&
                           p.key().rfind(kLearnedStepsModule, 0) != 0;  // quantization steps are scales
    (is_matrix ? decay : no_decay).push_back(p.value());
  }
  for (size_t k = 0; k < scales.size(); ++k)
    if (scaled[k].empty()) throw std::logic_error("make_optimizer: no parameter starts with " + scales[k].prefix);
  // Decayed, undecayed, then one undecayed group per scale: the order set_learning_rate reads.
  std::vector<torch::optim::OptimizerParamGroup> groups;
  auto fill = [&](auto opts) {
    groups.emplace_back(decay, opts(t.lr, t.weight_decay));
    groups.emplace_back(no_decay, opts(t.lr, 0.0));
    for (size_t k = 0; k < scales.size(); ++k) groups.emplace_back(scaled[k], opts(t.lr * scales[k].scale, 0.0));
  };
  if (t.optimizer == OptimizerKind::Lamb) {
    fill([&](double lr, double wd) {
      return std::make_unique<LambOptions>(LambOptions(lr).beta1(t.beta1).beta2(t.beta2).eps(t.eps).weight_decay(wd));
    });
    return std::make_unique<Lamb>(std::move(groups));
  }
  fill([&](double lr, double wd) {
    return std::make_unique<torch::optim::AdamWOptions>(
        torch::optim::AdamWOptions(lr).betas({t.beta1, t.beta2}).eps(t.eps).weight_decay(wd));
  });
  return std::make_unique<torch::optim::AdamW>(std::move(groups));
}

void set_learning_rate(torch::optim::Optimizer& optimizer, double lr, const std::vector<LrScale>& scales) {
  auto& groups = optimizer.param_groups();
  for (size_t i = 0; i < groups.size(); ++i)
    groups[i].options().set_lr(i >= 2 && i - 2 < scales.size() ? lr * scales[i - 2].scale : lr);
}

}  // namespace r1wb::gpu
