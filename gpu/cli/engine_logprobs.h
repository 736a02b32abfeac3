// The engine's next-token log-probs of a text, by a run's checkpoint or by the weights one of
// its exports holds: the engine's side of `r1wb-run logprobs` and of `r1wb-run llama-check`.
#pragma once
#include "core/formats/next_logprobs.h"
#include "gpu/train/trained_model.h"

#include <string>

namespace r1wb::gpu {

//! Replaces the model's weights by an export's: a GGUF file, or a safetensors export's folder
//! (checksums verified first; a damaged file throws naming it).
void load_export_weights(TrainedModel& run, const std::string& export_path);

//! The tokens of `text` and the model's next-token log-probs after each; std::invalid_argument
//! when the text is longer than model.max_seq_len tokens.
NextLogprobs engine_logprobs(TrainedModel& run, const std::string& text);

}  // namespace r1wb::gpu
