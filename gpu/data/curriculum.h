// The curriculum: which difficulty mix each step trains on.
//   none         every level of [min, max] equally likely
//   ramp         levels up to a top that rises from min to max over ramp_fraction of the steps
//   phases       the phase list; phase i covers steps up to until_i * train.steps
//   loss_driven  the phase list; a phase ends at the step whose loss EMA falls below its
//                loss_below (the last phase never ends)
// The first three are functions of the step; loss_driven carries state (phase, EMA) that
// goes into checkpoints so a resumed run continues in the same phase.
#pragma once
#include "core/config/config.h"
#include "gpu/data/training_data.h"

#include <nlohmann/json.hpp>

namespace r1wb::gpu {

class Curriculum {
 public:
  Curriculum(const CurriculumConfig& curriculum, const DataConfig& data, int total_steps);
  //! The mix for `step` (1-based); steps must be visited in order.
  DifficultyMix mix_at(int64_t step);
  //! Feeds the step's loss (loss_driven mode advances here).
  void observe_loss(double loss);
  //! Phase index in force at the last mix_at (0 outside the phase modes, the top level for ramp).
  int phase() const { return phase_; }
  //! True once after each mix_at that entered a new phase or level (and for the first step).
  bool changed() const { return changed_; }

  nlohmann::json state() const;
  void restore(const nlohmann::json& state);

 private:
  DifficultyMix phase_mix(int phase) const;
  CurriculumConfig c_;
  DataConfig d_;
  int total_steps_;
  int phase_ = -1;
  bool changed_ = false;
  double ema_ = -1;  // < 0 until the first loss
};

}  // namespace r1wb::gpu
