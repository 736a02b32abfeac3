// The objective each stage trains with (objective.h): the one place a new stage's objective
// is added. Pretraining's and SFT's is the loop's default (null here).
#pragma once
#include "gpu/train/objective.h"

#include <memory>
#include <string>

namespace r1wb::gpu {

//! RL's for rl, distillation's for distill, null for pretrain and sft. May throw
//! std::runtime_error naming the field (a distill teacher that is not a run).
std::unique_ptr<Objective> make_stage_objective(const Experiment& experiment, const std::string& run_dir);

}  // namespace r1wb::gpu
