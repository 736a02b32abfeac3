#include "gpu/cli/stage_objective.h"

#include "gpu/distill/distill_objective.h"
#include "gpu/rl/rl_objective.h"

namespace r1wb::gpu {

std::unique_ptr<Objective> make_stage_objective(const Experiment& e, const std::string& run_dir) {
  switch (e.stage) {
    case Stage::Rl: return std::make_unique<RlObjective>(e);
    case Stage::Distill: return std::make_unique<DistillObjective>(e, run_dir);
    case Stage::Pretrain:
    case Stage::Sft: break;
  }
  return nullptr;
}

}  // namespace r1wb::gpu
