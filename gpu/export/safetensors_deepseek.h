// transformers' DeepseekV3ForCausalLM for DeepSeek-V3 style models: latent attention (MLA, no
// query LoRA), sigmoid-gated experts with the selection bias (e_score_correction_bias, zeros
// when the run trained without one), normalised and scaled weights, group-limited routing,
// shared experts and leading dense blocks; the MTP module is left out. The RoPE rows of q_proj
// and kv_a_proj_with_mqa are stored as adjacent pairs, as DeepSeek's checkpoints hold them
// (rope_interleave), the rest of each head as the engine keeps it. Keys, per layer N:
//   self_attn.{q_proj, kv_a_proj_with_mqa, kv_a_layernorm, kv_b_proj, o_proj},
//   mlp.{gate_proj, up_proj, down_proj} (dense) or mlp.gate (+ .e_score_correction_bias),
//   mlp.experts.J.{gate,up,down}_proj, mlp.shared_experts.{gate,up,down}_proj
// Which models fit: GGUF deepseek2's rule (gguf_deepseek2.h) and sigmoid gating (transformers'
// DeepseekV3 has no softmax router; a softmax MLA model exports as GGUF deepseek2).
#pragma once
#include "core/config/config.h"
#include "gpu/export/safetensors_tensors.h"

#include <nlohmann/json.hpp>

#include <map>

namespace r1wb::gpu {

//! What keeps `e`'s model out of DeepseekV3ForCausalLM, one "field: value: why" line each.
std::vector<std::string> hf_deepseek_blockers(const Experiment& e);
//! The blocks' tensors (the embedding, final norm and head are the export's own).
void write_hf_deepseek(HfWriter& out, const ModelConfig& m);
//! config.json's fields of this architecture; the export adds those every layout shares.
nlohmann::json hf_deepseek_config(const ModelConfig& m);
std::map<std::string, torch::Tensor> read_hf_deepseek(const safetensors::File& f, const ModelConfig& m);

}  // namespace r1wb::gpu
