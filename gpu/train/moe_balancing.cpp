#include "gpu/train/moe_balancing.h"

namespace r1wb::gpu {

MoeBalancing::MoeBalancing(TransformerLM model, RankGroup* ranks) : model_(std::move(model)), ranks_(ranks) {
  if (!ranks_) return;
  model_->for_each_moe([this](MoeImpl& moe) { moe.count_reducer = [this](torch::Tensor& c) { ranks_->sum({c}); }; });
}

MoeBalancing::~MoeBalancing() {
  model_->for_each_moe([](MoeImpl& moe) { moe.count_reducer = nullptr; });
}

void MoeBalancing::before_optimizer_step() {
  if (!ranks_) return;
  std::vector<torch::Tensor> counts;
  model_->for_each_moe([&](MoeImpl& moe) {
    if (moe.pending_counts().defined()) counts.push_back(moe.pending_counts());
  });
  ranks_->sum(counts);
}

void MoeBalancing::after_optimizer_step() {
  model_->for_each_moe([](MoeImpl& moe) { moe.update_bias(); });
}

}  // namespace r1wb::gpu
