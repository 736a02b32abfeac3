// Learning-rate schedule: linear warmup to the peak, then cosine decay to min_lr_ratio * peak.
#pragma once
#include "core/config.h"

namespace r1wb::gpu {
//! LR for optimizer step `step` (1-based).
double learning_rate(const TrainConfig& t, int64_t step);
}
