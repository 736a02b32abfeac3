// llama.cpp's "deepseek2" architecture (DeepSeek-V2/V3): multi-head latent attention and
// DeepSeek's MoE. The attention is stored in llama.cpp's MLA form: attn_q (no query LoRA:
// attention.q_lora_rank 0), attn_kv_a_mqa (the latent and the shared RoPE key), attn_kv_a_norm,
// and the latent's up-projection split per head into attn_k_b ({nope, rank, heads}: the key
// part, transposed) and attn_v_b ({rank, v, heads}); one key/value head (MLA as MQA over the
// latent). The MoE keeps DeepSeek's router: softmax or sigmoid gating (expert_gating_func), the
// selection bias (exp_probs_b, which picks experts but does not weight them), renormalised and
// scaled weights, group-limited routing, shared experts (ffn_*_shexp) and leading dense blocks.
// llama.cpp's deepseek2 always has experts and shared experts; output is always written.
#pragma once
#include "core/config/config.h"
#include "core/formats/gguf.h"
#include "gpu/export/gguf_tensors.h"

namespace r1wb::gpu {

//! What keeps `e`'s model out of deepseek2, one "field: value: why; what exports" line each.
std::vector<std::string> deepseek2_blockers(const Experiment& e);
//! Adds the deepseek2 metadata and tensors of the model to `f` (blockers already checked).
void write_deepseek2(ModelWeights& w, const Experiment& e, ggml::Type type, ggml::Type embeddings, gguf::File& f,
                     std::vector<std::string>& notes);
//! The model's weights by name from a deepseek2 file.
std::map<std::string, torch::Tensor> read_deepseek2(const gguf::File& f, const ModelConfig& m);

}  // namespace r1wb::gpu
