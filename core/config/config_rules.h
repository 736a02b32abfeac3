// The rules that relate fields of an experiment (top_k within num_experts, seq_len within
// max_seq_len, ...), one checker per section. They run after every field is well typed and
// defaulted; a new section (rl, distill, quant) adds its row to section_rules().
#pragma once
#include "core/config/config.h"

#include <vector>

namespace r1wb {

struct SectionRules {
  const char* section;  //!< "model", "data", ...: where its errors point first
  void (*check)(const Experiment& e, std::vector<ConfigError>& errors);
};

//! Every section's cross-field rules, in document order.
const std::vector<SectionRules>& section_rules();

}  // namespace r1wb
