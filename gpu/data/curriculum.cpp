#include "gpu/data/curriculum.h"

#include <algorithm>
#include <cmath>

namespace r1wb::gpu {

Curriculum::Curriculum(const CurriculumConfig& c, const DataConfig& d, int total_steps)
    : c_(c), d_(d), total_steps_(total_steps) {}

DifficultyMix Curriculum::phase_mix(int phase) const {
  DifficultyMix mix(d_.max_difficulty - d_.min_difficulty + 1, 0.0);
  for (const auto& [level, weight] : c_.phases[phase].mix) mix[level - d_.min_difficulty] += weight;
  return mix;
}

DifficultyMix Curriculum::mix_at(int64_t step) {
  const int levels = d_.max_difficulty - d_.min_difficulty + 1;
  int phase = 0;
  DifficultyMix mix(levels, 1.0);
  if (c_.mode == CurriculumMode::Ramp && c_.ramp_fraction > 0) {
    const double progress = double(step - 1) / (c_.ramp_fraction * total_steps_);
    phase = std::min(levels - 1, int(std::floor(progress * levels)));  // the top level index
    std::fill(mix.begin() + phase + 1, mix.end(), 0.0);
  } else if (c_.mode == CurriculumMode::Phases) {
    const double frac = double(step) / total_steps_;
    while (phase + 1 < int(c_.phases.size()) && frac > c_.phases[phase].until + 1e-12) ++phase;
    mix = phase_mix(phase);
  } else if (c_.mode == CurriculumMode::LossDriven) {
    phase = std::max(phase_, 0);
    if (ema_ >= 0 && phase + 1 < int(c_.phases.size()) && ema_ < c_.phases[phase].loss_below) {
      ++phase;
      ema_ = -1;  // the new phase's data is harder: start its average afresh
    }
    mix = phase_mix(phase);
  }
  changed_ = phase != phase_;
  phase_ = phase;
  return mix;
}

void Curriculum::observe_loss(double loss) {
  if (!std::isfinite(loss)) return;
  ema_ = ema_ < 0 ? loss : c_.loss_ema * ema_ + (1 - c_.loss_ema) * loss;
}

nlohmann::json Curriculum::state() const { return {{"phase", phase_}, {"loss_ema", ema_}}; }

void Curriculum::restore(const nlohmann::json& s) {
  if (c_.mode != CurriculumMode::LossDriven || !s.is_object()) return;  // the other modes are functions of the step
  phase_ = s.value("phase", -1);
  ema_ = s.value("loss_ema", -1.0);
}

}  // namespace r1wb::gpu
