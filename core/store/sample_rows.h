// Reading RL rollouts back from the store (the samples table the Rollouts record fills): the
// steps that have them, one step's completions grouped by prompt, and one prompt followed
// across steps. What the completions panel shows; apart from store.h so the store's core
// stays about runs, metrics and snapshots.
#pragma once
#include "core/store/store.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace r1wb {

struct SampleRow {
  int64_t step = 0;
  int group = 0;  //!< completions of one prompt share a group
  int index = 0;  //!< position in the step's batch
  std::string prompt, completion;
  double reward = 0, advantage = 0;
  bool truncated = false;
  std::vector<std::pair<std::string, double>> components;  //!< ("accuracy", 1), ("format", 1), ...
  std::vector<int32_t> tokens;
  std::vector<float> logprobs, entropy;
  //! A component by name, or 0.
  double component(const std::string& name) const;
};

//! The steps with rollouts, ascending.
std::vector<int64_t> sample_steps(Store& store, int64_t run_id);
//! Every completion of `step`, in batch order (groups back to back).
std::vector<SampleRow> samples_at(Store& store, int64_t run_id, int64_t step);
//! Every completion of `prompt` at every step that sampled it, by step.
std::vector<SampleRow> samples_of_prompt(Store& store, int64_t run_id, const std::string& prompt);

}  // namespace r1wb
