#include "gpu/export/gguf_deepseek2.h"

#include "gpu/export/gguf_blockers.h"

namespace r1wb::gpu {
namespace {

struct Dims {
  int64_t H, hd, rd, rank, D;
  explicit Dims(const ModelConfig& m)
      : H(m.n_heads), hd(m.d_model / m.n_heads), rd(m.attention.rope_head_dim), rank(m.attention.kv_lora_rank),
        D(m.d_model) {}
};

//! wq [H (hd + rd), D] with each head's last rd rows (its RoPE part) reordered by `reorder`.
torch::Tensor reorder_query_rope(const torch::Tensor& wq, const Dims& d,
                                 torch::Tensor (*reorder)(const torch::Tensor&, int64_t, int64_t)) {
  const auto heads = wq.reshape({d.H, d.hd + d.rd, d.D});
  const auto rope = reorder(heads.narrow(1, d.hd, d.rd).reshape({d.H * d.rd, d.D}), d.H, d.rd).view({d.H, d.rd, d.D});
  return torch::cat({heads.narrow(1, 0, d.hd), rope}, 1).reshape({d.H * (d.hd + d.rd), d.D});
}

//! wkv_a [rank + rd, D] with its last rd rows (the shared RoPE key) reordered.
torch::Tensor reorder_key_rope(const torch::Tensor& wkv_a, const Dims& d,
                               torch::Tensor (*reorder)(const torch::Tensor&, int64_t, int64_t)) {
  return torch::cat({wkv_a.narrow(0, 0, d.rank), reorder(wkv_a.narrow(0, d.rank, d.rd), 1, d.rd)});
}

}  // namespace

std::vector<std::string> deepseek2_blockers(const Experiment& e) {
  const auto& m = e.model;
  auto out = runtime_blockers(e);
  auto block = [&](const std::string& field, const std::string& value, const std::string& why) {
    out.push_back(field + ": " + value + ": " + why);
  };
  if (m.attention.kind != AttentionKind::Mla)
    block("model.attention.kind", "mha",
          "deepseek2's attention is latent (MLA); mla exports, or an MHA model exports as llama");
  if (m.ffn != FfnKind::Moe)
    block("model.ffn", "dense", "llama.cpp's deepseek2 always has experts; moe exports, or a dense model as llama");
  else if (m.moe.num_shared_experts < 1)
    block("model.moe.num_shared_experts", "0",
          "llama.cpp's deepseek2 always has shared experts; 1 exports, or without MLA the model exports as llama");
  if (m.first_k_dense >= m.n_layers)
    block("model.first_k_dense", std::to_string(m.first_k_dense),
          "deepseek2 needs at least one MoE block; fewer than model.n_layers exports");
  return out;
}

void write_deepseek2(ModelWeights& w, const Experiment& e, ggml::Type type, ggml::Type embeddings, gguf::File& f,
                     std::vector<std::string>& notes) {
  using gguf::Value;
  const auto& m = e.model;
  const auto& moe = m.moe;
  const Dims d(m);
  auto add = [&](const std::string& name, const torch::Tensor& t, ggml::Type as) {
    f.tensors.push_back(gguf_tensor(name, t, as, notes));
  };
  add("token_embd.weight", w.take("embed.weight"), embeddings);
  for (int i = 0; i < m.n_layers; ++i) {
    const std::string b = "blocks." + std::to_string(i) + ".", g = "blk." + std::to_string(i) + ".";
    add(g + "attn_norm.weight", w.take(b + "attn_norm.weight"), type);
    add(g + "attn_q.weight", reorder_query_rope(w.take(b + "mla.wq.weight"), d, rope_halves_to_pairs), type);
    add(g + "attn_kv_a_mqa.weight", reorder_key_rope(w.take(b + "mla.wkv_a.weight"), d, rope_halves_to_pairs), type);
    add(g + "attn_kv_a_norm.weight", w.take(b + "mla.kv_norm.weight"), type);
    const auto kv_b = w.take(b + "mla.wkv_b.weight").reshape({d.H, 2 * d.hd, d.rank});  // per head [k_nope | v]
    add(g + "attn_k_b.weight", kv_b.narrow(1, 0, d.hd).transpose(1, 2), type);            // [H, rank, hd]
    add(g + "attn_v_b.weight", kv_b.narrow(1, d.hd, d.hd), type);                         // [H, hd, rank]
    add(g + "attn_output.weight", w.take(b + "mla.wo.weight"), type);
    add(g + "ffn_norm.weight", w.take(b + "ffn_norm.weight"), type);
    if (i < m.first_k_dense) {
      add(g + "ffn_gate.weight", w.take(b + "mlp.w_gate.weight"), type);
      add(g + "ffn_up.weight", w.take(b + "mlp.w_up.weight"), type);
      add(g + "ffn_down.weight", w.take(b + "mlp.w_down.weight"), type);
      continue;
    }
    add(g + "ffn_gate_inp.weight", w.take(b + "moe.router.weight"), ggml::Type::F32);  // routing is sensitive
    if (moe.bias_update_speed > 0) add(g + "exp_probs_b.bias", w.take(b + "moe.expert_bias"), ggml::Type::F32);
    add(g + "ffn_gate_exps.weight", w.take(b + "moe.w_gate"), type);
    add(g + "ffn_up_exps.weight", w.take(b + "moe.w_up"), type);
    add(g + "ffn_down_exps.weight", w.take(b + "moe.w_down"), type);
    add(g + "ffn_gate_shexp.weight", w.take(b + "moe.shared.w_gate.weight"), type);
    add(g + "ffn_up_shexp.weight", w.take(b + "moe.shared.w_up.weight"), type);
    add(g + "ffn_down_shexp.weight", w.take(b + "moe.shared.w_down.weight"), type);
  }
  add("output_norm.weight", w.take("norm.weight"), type);
  add("output.weight", w.take(m.tie_embeddings ? "embed.weight" : "head.weight"), embeddings);  // deepseek2 needs it

  const std::string a = "deepseek2.";
  auto& md = f.metadata;
  md.emplace_back(a + "context_length", Value::u32(uint32_t(m.max_seq_len)));
  md.emplace_back(a + "embedding_length", Value::u32(uint32_t(m.d_model)));
  md.emplace_back(a + "block_count", Value::u32(uint32_t(m.n_layers)));
  md.emplace_back(a + "feed_forward_length", Value::u32(uint32_t(m.ffn_hidden)));
  md.emplace_back(a + "leading_dense_block_count", Value::u32(uint32_t(m.first_k_dense)));
  md.emplace_back(a + "attention.head_count", Value::u32(uint32_t(d.H)));
  md.emplace_back(a + "attention.head_count_kv", Value::u32(1));
  md.emplace_back(a + "attention.layer_norm_rms_epsilon", Value::f32(float(m.norm_eps)));
  md.emplace_back(a + "attention.q_lora_rank", Value::u32(0));
  md.emplace_back(a + "attention.kv_lora_rank", Value::u32(uint32_t(d.rank)));
  md.emplace_back(a + "attention.key_length", Value::u32(uint32_t(d.rank + d.rd)));
  md.emplace_back(a + "attention.value_length", Value::u32(uint32_t(d.rank)));
  md.emplace_back(a + "attention.key_length_mla", Value::u32(uint32_t(d.hd + d.rd)));
  md.emplace_back(a + "attention.value_length_mla", Value::u32(uint32_t(d.hd)));
  md.emplace_back(a + "rope.freq_base", Value::f32(float(m.rope_theta)));
  md.emplace_back(a + "rope.dimension_count", Value::u32(uint32_t(d.rd)));
  md.emplace_back(a + "vocab_size", Value::u32(uint32_t(m.vocab_size)));
  md.emplace_back(a + "expert_count", Value::u32(uint32_t(moe.num_experts)));
  md.emplace_back(a + "expert_used_count", Value::u32(uint32_t(moe.top_k)));
  md.emplace_back(a + "expert_feed_forward_length", Value::u32(uint32_t(moe.expert_hidden)));
  md.emplace_back(a + "expert_shared_count", Value::u32(uint32_t(moe.num_shared_experts)));
  md.emplace_back(a + "expert_weights_scale", Value::f32(float(moe.routed_scaling_factor)));
  md.emplace_back(a + "expert_weights_norm", Value::boolean(moe.renormalize));
  md.emplace_back(a + "expert_gating_func", Value::u32(moe.score_func == ScoreFunc::Sigmoid ? 2 : 1));
  if (moe.n_groups > 1) {
    md.emplace_back(a + "expert_group_count", Value::u32(uint32_t(moe.n_groups)));
    md.emplace_back(a + "expert_group_used_count", Value::u32(uint32_t(moe.topk_groups)));
  }
}

std::map<std::string, torch::Tensor> read_deepseek2(const gguf::File& f, const ModelConfig& m) {
  const Dims d(m);
  std::map<std::string, torch::Tensor> w;
  w["embed.weight"] = tensor_of(f, "token_embd.weight");
  w["norm.weight"] = tensor_of(f, "output_norm.weight");
  if (!m.tie_embeddings) w["head.weight"] = tensor_of(f, "output.weight");
  for (int i = 0; i < m.n_layers; ++i) {
    const std::string b = "blocks." + std::to_string(i) + ".", g = "blk." + std::to_string(i) + ".";
    w[b + "attn_norm.weight"] = tensor_of(f, g + "attn_norm.weight");
    w[b + "mla.wq.weight"] = reorder_query_rope(tensor_of(f, g + "attn_q.weight"), d, rope_pairs_to_halves);
    w[b + "mla.wkv_a.weight"] = reorder_key_rope(tensor_of(f, g + "attn_kv_a_mqa.weight"), d, rope_pairs_to_halves);
    w[b + "mla.kv_norm.weight"] = tensor_of(f, g + "attn_kv_a_norm.weight");
    w[b + "mla.wkv_b.weight"] = torch::cat({tensor_of(f, g + "attn_k_b.weight").transpose(1, 2),
                                            tensor_of(f, g + "attn_v_b.weight")},
                                           1)
                                    .reshape({d.H * 2 * d.hd, d.rank});
    w[b + "mla.wo.weight"] = tensor_of(f, g + "attn_output.weight");
    w[b + "ffn_norm.weight"] = tensor_of(f, g + "ffn_norm.weight");
    if (i < m.first_k_dense) {
      w[b + "mlp.w_gate.weight"] = tensor_of(f, g + "ffn_gate.weight");
      w[b + "mlp.w_up.weight"] = tensor_of(f, g + "ffn_up.weight");
      w[b + "mlp.w_down.weight"] = tensor_of(f, g + "ffn_down.weight");
      continue;
    }
    w[b + "moe.router.weight"] = tensor_of(f, g + "ffn_gate_inp.weight");
    if (m.moe.bias_update_speed > 0) w[b + "moe.expert_bias"] = tensor_of(f, g + "exp_probs_b.bias");
    w[b + "moe.w_gate"] = tensor_of(f, g + "ffn_gate_exps.weight");
    w[b + "moe.w_up"] = tensor_of(f, g + "ffn_up_exps.weight");
    w[b + "moe.w_down"] = tensor_of(f, g + "ffn_down_exps.weight");
    w[b + "moe.shared.w_gate.weight"] = tensor_of(f, g + "ffn_gate_shexp.weight");
    w[b + "moe.shared.w_up.weight"] = tensor_of(f, g + "ffn_up_shexp.weight");
    w[b + "moe.shared.w_down.weight"] = tensor_of(f, g + "ffn_down_shexp.weight");
  }
  return w;
}

}  // namespace r1wb::gpu
