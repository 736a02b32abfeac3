// The reward of one completion, as components the rl section weights (R = a R_task + b R_eff
// + c R_div, as the write-ups put it) and the telemetry logs one by one:
//   accuracy   1 when the task's strict verifier (verifiers.h) accepts the answer
//   format     1 for exactly <think>...</think><answer>...</answer>
//   charset    the share of the completion's bytes in the task's alphabet (R1's language
//              consistency reward, for tasks whose "language" is digits and operators)
//   length     1 - tokens / budget: shorter completions earn more (efficiency)
//   diversity  distinct token 3-grams / 3-grams: repetition earns less
// DAPO's overlong shaping is applied to the weighted sum. Plain C++: the engine scores with it
// and the completions view can explain a score.
#pragma once
#include "core/config/config.h"

#include <cstdint>
#include <string>
#include <vector>

namespace r1wb {

struct RewardComponents {
  double accuracy = 0, format = 0, charset = 0, length = 0, diversity = 0;
  //! The components in reward_component_names() order.
  std::vector<double> values() const { return {accuracy, format, charset, length, diversity}; }
};

//! "accuracy", "format", "charset", "length", "diversity": the rewards/<name>/mean metrics.
const std::vector<std::string>& reward_component_names();

//! Scores `completion` (its text and tokens) as the answer to `prompt` of `task`.
RewardComponents score_completion(const std::string& task, const std::string& prompt, const std::string& completion,
                                  const std::vector<int64_t>& tokens, int max_new_tokens);

//! sum of weight x component, minus DAPO's overlong penalty: 0 until the last
//! rl.overlong_buffer tokens of the budget, then rising linearly to rl.overlong_penalty.
double shaped_reward(const RewardComponents& c, const RlConfig& rl, int64_t length);

}  // namespace r1wb
