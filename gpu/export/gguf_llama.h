// llama.cpp's "llama" architecture (src/llama-arch.cpp): dense models, and MoE in Mixtral's
// layout (softmax over the router's logits, top k, the chosen weights renormalised, no shared
// experts, every block the same kind). Tensors: token_embd, output_norm, output (only for an
// untied head: llama.cpp reuses token_embd), blk.N.{attn_norm, attn_q, attn_k, attn_v,
// attn_output, ffn_norm} and ffn_{gate,up,down} or ffn_gate_inp and ffn_{gate,up,down}_exps.
// The fused qkv weight is split in three, q and k with their RoPE rows reordered.
#pragma once
#include "core/config/config.h"
#include "core/formats/gguf.h"
#include "gpu/export/gguf_tensors.h"

namespace r1wb::gpu {

//! What keeps `e`'s model out of llama, one "field: value: why; what exports" line each.
std::vector<std::string> llama_blockers(const Experiment& e);
//! Adds the llama metadata and tensors of the model to `f` (blockers already checked).
void write_llama(ModelWeights& w, const Experiment& e, ggml::Type type, ggml::Type embeddings, gguf::File& f, std::vector<std::string>& notes);
//! The model's weights by name from a llama file.
std::map<std::string, torch::Tensor> read_llama(const gguf::File& f, const ModelConfig& m);

}  // namespace r1wb::gpu
