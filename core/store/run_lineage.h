// A run's place in a chain of stages (base, SFT, RL, ...): its parent is the run whose
// directory its config's init.run names. The run browser's Parent column and "continue from
// this run" read it from the stored configs, so the store needs no lineage table of its own.
#pragma once
#include "core/config/config.h"
#include "core/store/store.h"

#include <optional>
#include <string>
#include <vector>

namespace r1wb {

//! init.run of the run's config ("" for a first stage or an unreadable config).
std::string parent_dir_of(const RunRow& run);
//! The run among `runs` whose directory init.run names (paths compared canonically), if any.
std::optional<size_t> parent_index(const std::vector<RunRow>& runs, const RunRow& run);
//! A new experiment continuing `run` as `stage` (sft or rl): its config with stage set,
//! init.run its directory (its newest checkpoint), the name "<experiment>-<stage>".
nlohmann::json continue_from(const RunRow& run, Stage stage);

}  // namespace r1wb
