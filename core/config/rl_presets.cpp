#include "core/config/rl_presets.h"

namespace r1wb {

const std::vector<RlPreset>& rl_presets() {
  static const std::vector<RlPreset> presets = {
      {"GRPO (DeepSeekMath)",
       {{"advantage", "grpo"},
        {"scale_rewards", "group"},
        {"loss_type", "grpo"},
        {"eps_low", 0.2},
        {"eps_high", 0.2},
        {"beta", 0.04},
        {"kl_estimator", "k3"},
        {"ratio", "token"},
        {"dynamic_sampling", false}}},
      {"Dr. GRPO",
       {{"advantage", "grpo"},
        {"scale_rewards", "none"},
        {"loss_type", "dr_grpo"},
        {"eps_low", 0.2},
        {"eps_high", 0.2},
        {"beta", 0.0},
        {"ratio", "token"},
        {"dynamic_sampling", false}}},
      {"DAPO",
       {{"advantage", "grpo"},
        {"scale_rewards", "group"},
        {"loss_type", "dapo"},
        {"eps_low", 0.2},
        {"eps_high", 0.28},
        {"beta", 0.0},
        {"ratio", "token"},
        {"dynamic_sampling", true},
        {"overlong_buffer", 16},
        {"overlong_penalty", 1.0}}},
      {"GSPO",
       {{"advantage", "grpo"},
        {"scale_rewards", "group"},
        {"loss_type", "grpo"},
        {"eps_low", 3e-4},
        {"eps_high", 4e-4},
        {"beta", 0.0},
        {"ratio", "sequence"},
        {"dynamic_sampling", false}}},
      {"RLOO",
       {{"advantage", "rloo"},
        {"scale_rewards", "none"},
        {"loss_type", "grpo"},
        {"eps_low", 0.2},
        {"eps_high", 0.2},
        {"beta", 0.0},
        {"ratio", "token"},
        {"dynamic_sampling", false}}},
      {"PPO",
       {{"advantage", "gae"},
        {"gamma", 1.0},
        {"gae_lambda", 0.95},
        {"value_coef", 0.1},
        {"value_clip", 0.2},
        {"loss_type", "bnpo"},
        {"eps_low", 0.2},
        {"eps_high", 0.2},
        {"beta", 0.02},
        {"kl_estimator", "k1"},
        {"ratio", "token"},
        {"dynamic_sampling", false}}},
  };
  return presets;
}

nlohmann::ordered_json apply_rl_preset(nlohmann::ordered_json doc, const RlPreset& preset) {
  doc["stage"] = "rl";
  if (!doc.contains("rl") || !doc["rl"].is_object()) doc["rl"] = nlohmann::ordered_json::object();
  for (auto it = preset.rl.begin(); it != preset.rl.end(); ++it) doc["rl"][it.key()] = it.value();
  return doc;
}

}  // namespace r1wb
