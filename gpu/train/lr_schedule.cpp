#include "gpu/train/lr_schedule.h"

#include <algorithm>
#include <cmath>

namespace r1wb::gpu {
namespace {

// From `hi` at progress 0 to `lo` at progress 1 along half a cosine.
double cosine(double hi, double lo, double progress) {
  return lo + 0.5 * (hi - lo) * (1.0 + std::cos(M_PI * std::clamp(progress, 0.0, 1.0)));
}

double restarts(const TrainConfig& t, double since_warmup, double lo) {
  double period = t.restart_period, start = 0;
  while (since_warmup >= start + period) start += period, period *= t.restart_mult;
  return cosine(t.lr, lo, (since_warmup - start) / period);
}

}  // namespace

double learning_rate(const TrainConfig& t, int64_t step) {
  if (t.warmup_steps > 0 && step <= t.warmup_steps) return t.lr * double(step) / t.warmup_steps;
  const double lo = t.lr * t.min_lr_ratio;
  const double after = double(step - t.warmup_steps), span = std::max(1, t.steps - t.warmup_steps);
  const double frac = double(step) / t.steps;  // of the whole run, for the shapes given in fractions
  if (t.lr_schedule == LrSchedule::CosineRestarts) return restarts(t, after, lo);
  if (t.lr_schedule == LrSchedule::Wsd) {
    const double decay_steps = t.decay_fraction * t.steps, decay_start = t.steps - decay_steps;
    if (step <= decay_start || decay_steps <= 0) return t.lr;
    return t.lr + (lo - t.lr) * std::min(1.0, (step - decay_start) / decay_steps);
  }
  if (t.lr_schedule == LrSchedule::V3) {
    if (frac <= t.v3_decay_start) return t.lr;
    if (frac <= t.v3_decay_end)
      return cosine(t.lr, lo, (frac - t.v3_decay_start) / std::max(1e-12, t.v3_decay_end - t.v3_decay_start));
    return frac <= t.v3_tail_step ? lo : t.lr * t.v3_tail_ratio;
  }
  return cosine(t.lr, lo, after / span);
}

}  // namespace r1wb::gpu
