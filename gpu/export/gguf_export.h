// A trained model as a GGUF file llama.cpp runs unchanged, and back. The architecture follows
// from the model: "llama" for MHA/GQA, dense or MoE in Mixtral's layout (gguf_llama.h);
// "deepseek2" for multi-head latent attention with DeepSeek's MoE (gguf_deepseek2.h). A model
// that fits neither is refused with, for each architecture, the fields that keep it out and the
// value that would export, the architecture needing fewer changes first. MTP modules and a PPO
// value head are left out with a note. The byte-level vocabulary goes in as GPT-2's
// byte-to-unicode characters (gguf_tensors.h). Matrices are stored as the type asked for, norms
// and MoE routers as f32.
#pragma once
#include "core/config/config.h"
#include "core/formats/gguf.h"
#include "gpu/data/tokenizer.h"
#include "gpu/model/transformer.h"

#include <string>
#include <vector>

namespace r1wb::gpu {

struct GgufExport {
  gguf::File file;
  std::string architecture;        //!< "llama" or "deepseek2"
  std::vector<std::string> notes;  //!< what was left out or kept at another type, one line each
};

//! Matrices as `type`, the token embedding and the head as `embeddings` (f32 when a model was
//! trained quantization-aware: those were not quantized). Throws std::invalid_argument with the
//! blocking fields when the model does not export.
GgufExport export_gguf(TransformerLM& model, const Experiment& e, const Tokenizer& tokenizer, ggml::Type type,
                       ggml::Type embeddings);

//! Loads the weights an export of this model holds into `model` (of the experiment that wrote
//! it), dequantized: the engine's own view of the file. Throws gguf::Error naming the tensor
//! when one is missing or of another shape, or the file's architecture is not the model's.
void load_gguf(const gguf::File& file, TransformerLM& model, const Experiment& e);

}  // namespace r1wb::gpu
