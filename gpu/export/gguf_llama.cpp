#include "gpu/export/gguf_llama.h"

#include "gpu/export/gguf_blockers.h"

namespace r1wb::gpu {

std::vector<std::string> llama_blockers(const Experiment& e) {
  const auto& m = e.model;
  const auto& moe = m.moe;
  auto out = runtime_blockers(e);
  auto block = [&](const std::string& field, const std::string& value, const std::string& why) {
    out.push_back(field + ": " + value + ": " + why);
  };
  if (m.attention.kind == AttentionKind::Mla)
    block("model.attention.kind", "mla", "llama has no latent attention (MLA exports as deepseek2); mha exports");
  if (m.ffn != FfnKind::Moe) return out;
  if (m.first_k_dense > 0)
    block("model.first_k_dense", std::to_string(m.first_k_dense),
          "llama's blocks are all MoE or all dense (leading dense blocks are deepseek2's); 0 exports");
  if (moe.num_shared_experts > 0)
    block("model.moe.num_shared_experts", std::to_string(moe.num_shared_experts),
          "llama has no shared experts (deepseek2 has); 0 exports");
  if (moe.score_func == ScoreFunc::Sigmoid)
    block("model.moe.score_func", "sigmoid", "llama gates by softmax (sigmoid is deepseek2's); softmax exports");
  if (!moe.renormalize)
    block("model.moe.renormalize", "false", "llama renormalises the chosen experts' weights; true exports");
  if (moe.routed_scaling_factor != 1)
    block("model.moe.routed_scaling_factor", std::to_string(moe.routed_scaling_factor),
          "llama does not scale the gate weights (deepseek2 does); 1 exports");
  if (moe.n_groups > 1)
    block("model.moe.n_groups", std::to_string(moe.n_groups),
          "llama has no group-limited routing (deepseek2 has); 1 exports");
  if (moe.bias_update_speed > 0)
    block("model.moe.bias_update_speed", std::to_string(moe.bias_update_speed),
          "llama has no selection bias (deepseek2's exp_probs_b); 0 exports");
  return out;
}

void write_llama(ModelWeights& w, const Experiment& e, ggml::Type type, ggml::Type embeddings, gguf::File& f,
                 std::vector<std::string>& notes) {
  using gguf::Value;
  const auto& m = e.model;
  const int64_t H = m.n_heads, G = m.kv_heads(), hd = m.d_model / m.n_heads;
  auto add = [&](const std::string& name, const torch::Tensor& t, ggml::Type as) {
    f.tensors.push_back(gguf_tensor(name, t, as, notes));
  };
  add("token_embd.weight", w.take("embed.weight"), embeddings);
  for (int i = 0; i < m.n_layers; ++i) {
    const std::string b = "blocks." + std::to_string(i) + ".", g = "blk." + std::to_string(i) + ".";
    add(g + "attn_norm.weight", w.take(b + "attn_norm.weight"), type);
    const auto& qkv = w.take(b + "attn.qkv.weight");  // [(H + 2G) hd, d_model]
    add(g + "attn_q.weight", rope_halves_to_pairs(qkv.narrow(0, 0, H * hd), H, hd), type);
    add(g + "attn_k.weight", rope_halves_to_pairs(qkv.narrow(0, H * hd, G * hd), G, hd), type);
    add(g + "attn_v.weight", qkv.narrow(0, (H + G) * hd, G * hd), type);
    add(g + "attn_output.weight", w.take(b + "attn.proj.weight"), type);
    add(g + "ffn_norm.weight", w.take(b + "ffn_norm.weight"), type);
    if (m.ffn == FfnKind::Moe) {
      add(g + "ffn_gate_inp.weight", w.take(b + "moe.router.weight"), ggml::Type::F32);  // routing is sensitive
      add(g + "ffn_gate_exps.weight", w.take(b + "moe.w_gate"), type);
      add(g + "ffn_up_exps.weight", w.take(b + "moe.w_up"), type);
      add(g + "ffn_down_exps.weight", w.take(b + "moe.w_down"), type);
    } else {
      add(g + "ffn_gate.weight", w.take(b + "mlp.w_gate.weight"), type);
      add(g + "ffn_up.weight", w.take(b + "mlp.w_up.weight"), type);
      add(g + "ffn_down.weight", w.take(b + "mlp.w_down.weight"), type);
    }
  }
  add("output_norm.weight", w.take("norm.weight"), type);
  if (!m.tie_embeddings) add("output.weight", w.take("head.weight"), embeddings);

  const std::string a = "llama.";
  auto& md = f.metadata;
  md.emplace_back(a + "context_length", Value::u32(uint32_t(m.max_seq_len)));
  md.emplace_back(a + "embedding_length", Value::u32(uint32_t(m.d_model)));
  md.emplace_back(a + "block_count", Value::u32(uint32_t(m.n_layers)));
  md.emplace_back(a + "feed_forward_length",
                  Value::u32(uint32_t(m.ffn == FfnKind::Moe ? m.moe.expert_hidden : m.ffn_hidden)));
  md.emplace_back(a + "attention.head_count", Value::u32(uint32_t(H)));
  md.emplace_back(a + "attention.head_count_kv", Value::u32(uint32_t(G)));
  md.emplace_back(a + "attention.layer_norm_rms_epsilon", Value::f32(float(m.norm_eps)));
  md.emplace_back(a + "rope.freq_base", Value::f32(float(m.rope_theta)));
  md.emplace_back(a + "rope.dimension_count", Value::u32(uint32_t(hd)));
  md.emplace_back(a + "vocab_size", Value::u32(uint32_t(m.vocab_size)));
  if (m.ffn == FfnKind::Moe) {
    md.emplace_back(a + "expert_count", Value::u32(uint32_t(m.moe.num_experts)));
    md.emplace_back(a + "expert_used_count", Value::u32(uint32_t(m.moe.top_k)));
  }
}

std::map<std::string, torch::Tensor> read_llama(const gguf::File& f, const ModelConfig& m) {
  const int64_t H = m.n_heads, G = m.kv_heads(), hd = m.d_model / m.n_heads;
  std::map<std::string, torch::Tensor> w;
  w["embed.weight"] = tensor_of(f, "token_embd.weight");
  w["norm.weight"] = tensor_of(f, "output_norm.weight");
  if (!m.tie_embeddings) w["head.weight"] = tensor_of(f, "output.weight");
  for (int i = 0; i < m.n_layers; ++i) {
    const std::string b = "blocks." + std::to_string(i) + ".", g = "blk." + std::to_string(i) + ".";
    w[b + "attn_norm.weight"] = tensor_of(f, g + "attn_norm.weight");
    w[b + "attn.qkv.weight"] = torch::cat({rope_pairs_to_halves(tensor_of(f, g + "attn_q.weight"), H, hd),
                                           rope_pairs_to_halves(tensor_of(f, g + "attn_k.weight"), G, hd),
                                           tensor_of(f, g + "attn_v.weight")});
    w[b + "attn.proj.weight"] = tensor_of(f, g + "attn_output.weight");
    w[b + "ffn_norm.weight"] = tensor_of(f, g + "ffn_norm.weight");
    if (m.ffn == FfnKind::Moe) {
      w[b + "moe.router.weight"] = tensor_of(f, g + "ffn_gate_inp.weight");
      w[b + "moe.w_gate"] = tensor_of(f, g + "ffn_gate_exps.weight");
      w[b + "moe.w_up"] = tensor_of(f, g + "ffn_up_exps.weight");
      w[b + "moe.w_down"] = tensor_of(f, g + "ffn_down_exps.weight");
    } else {
      w[b + "mlp.w_gate.weight"] = tensor_of(f, g + "ffn_gate.weight");
      w[b + "mlp.w_up.weight"] = tensor_of(f, g + "ffn_up.weight");
      w[b + "mlp.w_down.weight"] = tensor_of(f, g + "ffn_down.weight");
    }
  }
  return w;
}

}  // namespace r1wb::gpu
