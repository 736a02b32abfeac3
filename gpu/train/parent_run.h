// A later stage's start (sft, rl): the parent run's weights from one of its checkpoints, its
// tokenizer, and a check that the two models are the same shape. The optimizer starts fresh,
// as R1's stages do. The parent is read, never changed: a damaged newer checkpoint there is
// skipped with a warning, not moved.
#pragma once
#include "core/config/config.h"
#include "gpu/data/tokenizer.h"
#include "gpu/model/transformer.h"

#include <cstdint>
#include <string>

namespace r1wb::gpu {

struct ParentStart {
  std::string run_dir;  //!< the parent, as init.run names it
  int64_t step = 0;     //!< the checkpoint its weights came from
};

//! Copies every parameter and buffer of `from` that `to` has under the same name (the
//! policy into RL's reference, a parent into a model its objective extended).
void copy_matching_weights(TransformerLM& from, TransformerLM& to);

//! Copies the BPE tokenizer of `from_run` into `run_dir` unless it has one already (a later
//! stage, or a distillation student, must tokenize as the run it learns from). Throws naming
//! `field` when that run has none.
void adopt_bpe_tokenizer(const std::string& from_run, const std::string& run_dir, const std::string& field);

//! Loads init.run's checkpoint (init.step, or its newest intact one) into `model`'s matching
//! weights, on whatever device it is, and copies the parent's BPE tokenizer into `run_dir`
//! when the run has none yet. Throws
//! std::runtime_error naming the parent and the fields when the models differ, and
//! CheckpointError when the parent has no checkpoint to load.
ParentStart start_from_parent(const Experiment& experiment, const std::string& run_dir, TransformerLM& model,
                              const Log& warn);

}  // namespace r1wb::gpu
