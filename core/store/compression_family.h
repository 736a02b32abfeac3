// The runs a compression view compares: one lineage's float model and what was made from it.
// A run's source is the run its weights came from (init.run) or, for a distilled student, its
// teacher (distill.teacher); the family of a run is the root of that chain and every run whose
// chain reaches it, in tree order (each run before the runs made from it, siblings oldest first). Each member says
// what it is in a word or two: a QAT fine-tune, a distilled student, a pruned model, or its stage.
#pragma once
#include "core/store/store.h"

#include <optional>
#include <string>
#include <vector>

namespace r1wb {

//! The run among `runs` whose directory init.run or, for the distill stage, distill.teacher names.
std::optional<size_t> source_index(const std::vector<RunRow>& runs, const RunRow& run);

struct FamilyMember {
  size_t index;      //!< into `runs`
  int depth;         //!< 0 for the root
  std::string role;  //!< "pretrain", "QAT int4-g32", "distilled (forward_kl)", "pruned (ffn 64 wide)", ...
};
//! The family of `runs[run]` as above. Cycles and unknown sources end a chain.
std::vector<FamilyMember> compression_family(const std::vector<RunRow>& runs, size_t run);
//! The role of one run from its stored config.
std::string compression_role(const RunRow& run);

}  // namespace r1wb
