// Learning-rate schedules, all after a linear warmup to the peak train.lr:
//   cosine           cosine decay to min_lr_ratio * peak at the last step
//   cosine_restarts  SGDR: cosine cycles from the peak to the minimum, the first
//                    restart_period steps long, each next one restart_mult times longer
//   wsd              warmup-stable-decay: the peak until the last decay_fraction of the
//                    steps, then linear to the minimum
//   v3               DeepSeek-V3 (arXiv 2412.19437 sec. 4.2): the peak until v3_decay_start,
//                    cosine to the minimum at v3_decay_end, the minimum until v3_tail_step,
//                    then v3_tail_ratio * peak to the end
#pragma once
#include "core/config/config.h"

namespace r1wb::gpu {
//! LR for optimizer step `step` (1-based).
double learning_rate(const TrainConfig& t, int64_t step);
}  // namespace r1wb::gpu
