#include "gpu/lr_schedule.h"

#include <algorithm>
#include <cmath>

namespace r1wb::gpu {
double learning_rate(const TrainConfig& t, int64_t step) {
  if (t.warmup_steps > 0 && step <= t.warmup_steps) return t.lr * double(step) / t.warmup_steps;
  const double span = std::max(1, t.steps - t.warmup_steps);
  const double progress = std::clamp(double(step - t.warmup_steps) / span, 0.0, 1.0);
  const double min_lr = t.lr * t.min_lr_ratio;
  return min_lr + 0.5 * (t.lr - min_lr) * (1.0 + std::cos(M_PI * progress));
}
}  // namespace r1wb::gpu
