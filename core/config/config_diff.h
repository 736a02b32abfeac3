// The difference between two experiments, field by field: what a derived experiment
// changed against its parent. Objects are compared key by key down to the leaves; lists
// (curriculum phases) compare as a whole.
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace r1wb {

struct ConfigChange {
  std::string path;       //!< "model.moe.top_k"
  nlohmann::json before;  //!< null when the field is new
  nlohmann::json after;   //!< null when the field was removed
};

std::vector<ConfigChange> diff_configs(const nlohmann::json& parent, const nlohmann::json& child);

//! "model.moe.top_k: 2 -> 4"
std::string to_string(const ConfigChange& c);

}  // namespace r1wb
