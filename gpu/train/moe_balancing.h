// The MoE load-balancing hooks of a training step, on the training side of the model (as
// torchtitan registers its expert-bias update as an optimizer pre-step hook), so the model
// knows nothing of ranks or optimizer steps:
//   - under data parallel, each MoE layer's count hook sums its assignment counts over the
//     ranks, so the batch-level balance loss sees the global batch;
//   - before the optimizer step the ranks sum the counts the bias update will use;
//   - after the step every layer applies its aux-loss-free bias update (after a skipped step
//     too: the loads were real).
#pragma once
#include "gpu/model/transformer.h"
#include "gpu/train/rank_group.h"

namespace r1wb::gpu {

class MoeBalancing {
 public:
  //! Installs the count hooks on the model's MoE layers (with ranks); removed on destruction.
  MoeBalancing(TransformerLM model, RankGroup* ranks);
  ~MoeBalancing();
  MoeBalancing(const MoeBalancing&) = delete;
  MoeBalancing& operator=(const MoeBalancing&) = delete;

  //! Sums the pending bias-update counts over the ranks (a collective: every rank calls it).
  void before_optimizer_step();
  void after_optimizer_step();

 private:
  TransformerLM model_;
  RankGroup* ranks_;
};

}  // namespace r1wb::gpu
