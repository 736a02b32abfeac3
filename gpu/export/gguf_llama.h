// A trained model as a GGUF file of llama.cpp's "llama" architecture, and back. llama covers
// the dense models and the MoE ones in Mixtral's layout: softmax over the router's logits, top
// k, the chosen weights renormalised, no shared experts, every block the same kind. What
// llama.cpp cannot run from such a file is refused field by field (llama_blockers), each line
// saying what would export instead; MTP modules and a PPO value head are left out with a note.
//
// Tensor names and layouts are llama.cpp's (src/llama-arch.cpp): token_embd, output_norm,
// output (only when the head is untied), blk.N.{attn_norm, attn_q, attn_k, attn_v, attn_output,
// ffn_norm} and ffn_{gate,up,down} or ffn_gate_inp with ffn_{gate,up,down}_exps. A torch weight
// [out, in] is a ggml tensor of dims {in, out} with the same bytes. llama.cpp rotates adjacent
// pairs (RoPE "norm"); this engine rotates the two halves of each head, so the rows of attn_q
// and attn_k are reordered within each head (as llama.cpp's converter does for HF models).
// The byte-level vocabulary goes in as GPT-2's byte-to-unicode characters, id = byte.
#pragma once
#include "core/config/config.h"
#include "core/formats/gguf.h"
#include "gpu/data/tokenizer.h"
#include "gpu/model/transformer.h"

#include <string>
#include <vector>

namespace r1wb::gpu {

//! One line per field that keeps `model` out of the llama architecture ("model.attention.kind:
//! mla: ..."), each with what would export; empty when it exports.
std::vector<std::string> llama_blockers(const Experiment& e);

struct GgufExport {
  gguf::File file;
  std::vector<std::string> notes;  //!< what was left out or kept at another type, one line each
};

//! The GGUF of `model`. Matrices are stored as `type` (a matrix whose rows are not whole
//! blocks, and the MoE router, stay f32), norms as f32. Throws std::invalid_argument with
//! the llama_blockers lines when the model does not export.
GgufExport llama_gguf(TransformerLM& model, const Experiment& e, const Tokenizer& tokenizer, ggml::Type type);

//! Loads the weights of a llama_gguf file into `model` (of the experiment that wrote it),
//! dequantized: the engine's own view of what an export holds. Throws gguf::Error naming the
//! tensor when one is missing or of another shape.
void load_llama_gguf(const gguf::File& file, TransformerLM& model);

//! GPT-2's printable stand-in for each byte (bytes_to_unicode), as UTF-8: the vocabulary of a
//! byte-level model in llama.cpp's "gpt2" tokenizer.
std::vector<std::string> gpt2_byte_tokens();

}  // namespace r1wb::gpu
