// transformers' llama family: LlamaForCausalLM for a dense model, MixtralForCausalLM for an MoE
// (which models fit is the GGUF llama exporter's rule, gguf_llama.h). RoPE needs no reordering:
// transformers' Llama rotates the halves of each head, as the engine does. Keys:
//   model.embed_tokens, model.norm, lm_head (untied), model.layers.N.{input_layernorm,
//   post_attention_layernorm, self_attn.{q,k,v,o}_proj, mlp.{gate,up,down}_proj} or
//   block_sparse_moe.{gate, experts.J.w1 (gate), w3 (up), w2 (down)}
#pragma once
#include "core/config/config.h"
#include "gpu/export/safetensors_tensors.h"

#include <nlohmann/json.hpp>

#include <map>

namespace r1wb::gpu {

//! The blocks' tensors (the embedding, final norm and head are the export's own).
void write_hf_llama(HfWriter& out, const ModelConfig& m);
//! config.json's fields of this architecture (architectures, model_type, its sizes); the export
//! adds those every layout shares.
nlohmann::json hf_llama_config(const ModelConfig& m);
//! The model's weights by name from a file write_hf_llama wrote.
std::map<std::string, torch::Tensor> read_hf_llama(const safetensors::File& f, const ModelConfig& m);

}  // namespace r1wb::gpu
