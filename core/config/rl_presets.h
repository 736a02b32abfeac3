// The RL recipes the write-ups compare, as settings of the rl section: one click in the
// experiment editor sets them (stage rl and these fields; the rest of the document stays).
//   GRPO       DeepSeekMath: group-scaled advantages, per-sequence mean, clip 0.2, KL k3 beta 0.04
//   Dr. GRPO   no std scaling, sum over G x the budget, no KL
//   DAPO       clip-higher 0.28, dynamic sampling, overlong shaping, token-level loss, no KL
//   GSPO       one ratio per sequence, clip 3e-4 / 4e-4 (the GSPO paper's)
//   RLOO       leave-one-out baseline, no std scaling
//   PPO        a value head and GAE (gamma 1, lambda 0.95), value clip 0.2, vf_coef 0.1, the
//              KL (k1, beta 0.02) a per-token reward as in InstructGPT and DeepSeekMath's PPO
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace r1wb {

struct RlPreset {
  std::string name;
  nlohmann::json rl;  //!< the rl section's fields it sets
};

const std::vector<RlPreset>& rl_presets();

//! `doc` with stage "rl" and the preset's fields set in its rl section (other fields kept).
nlohmann::ordered_json apply_rl_preset(nlohmann::ordered_json doc, const RlPreset& preset);

}  // namespace r1wb
