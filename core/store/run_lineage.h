// A run's place in a chain of stages (base, SFT, RL, ...): its parent is the run whose
// directory its config's init.run names. The run browser's Parent column and "continue from
// this run" read it from the stored configs, so the store needs no lineage table of its own.
// A chart continuing across stages places each stage after the steps its ancestors ran.
#pragma once
#include "core/config/config.h"
#include "core/store/store.h"

#include <optional>
#include <string>
#include <vector>

namespace r1wb {

//! init.run of the run's config ("" for a first stage or an unreadable config).
std::string parent_dir_of(const RunRow& run);
//! The run among `runs` whose directory is `dir` (paths compared canonically), other than the
//! run with id `except_id`, if any.
std::optional<size_t> run_with_dir(const std::vector<RunRow>& runs, const std::string& dir, int64_t except_id = -1);
//! The run among `runs` whose directory init.run names, if any.
std::optional<size_t> parent_index(const std::vector<RunRow>& runs, const RunRow& run);
//! One stage of a run's chain: the run's index in `runs` and the step its own step 0 is at
//! on an x axis continuing across stages.
struct LineageStage {
  size_t index;
  int64_t step_offset;
};
//! The chain of `runs[run]`: its first stage first, the run last. A stage starts at the step of
//! its parent's checkpoint it loaded (init.step, or the parent's last step for "newest")
//! plus the parent's own offset. The walk stops at a parent not among `runs` or a cycle.
std::vector<LineageStage> lineage(const std::vector<RunRow>& runs, size_t run);

//! A new experiment continuing `run` as `stage` (sft or rl): its config with stage set,
//! init.run its directory (its newest checkpoint), the name "<experiment>-<stage>".
nlohmann::json continue_from(const RunRow& run, Stage stage);
//! A new experiment distilling `run` (the teacher, its newest checkpoint) into a student of
//! half its width and depth (d_model, layers and FFN widths halved where the halves still
//! divide as the model needs; the same tokenizer, data and evaluation), from scratch, by
//! forward KL; named "<experiment>-distilled". Quantization and init are not carried over.
nlohmann::json distill_from(const RunRow& run);
//! A new experiment fine-tuning `run` quantization-aware (stage sft from its newest checkpoint,
//! int4 weights in groups of 32, from the first step; a quarter of its steps, at least 50, and
//! a tenth of its learning rate), named "<experiment>-qat": torchtune's QAT recipe in one click.
nlohmann::json quantize_from(const RunRow& run);
//! A new experiment pruning `run`'s FFNs to half their width by magnitude (init.prune; model.ffn_hidden
//! and model.moe.expert_hidden halved where the half is still valid), then recovering with the
//! same fine-tune as quantize_from; named "<experiment>-pruned".
nlohmann::json prune_from(const RunRow& run);

}  // namespace r1wb
