#include "gpu/export/safetensors_deepseek.h"

#include "gpu/export/gguf_deepseek2.h"

namespace r1wb::gpu {
namespace {

struct Dims {
  int64_t H, hd, rd, rank;
  explicit Dims(const ModelConfig& m)
      : H(m.n_heads), hd(m.d_model / m.n_heads), rd(m.attention.rope_head_dim), rank(m.attention.kv_lora_rank) {}
};

using Reorder = torch::Tensor (*)(const torch::Tensor&, int64_t, int64_t);

//! Rows of wq (or of its steps) [H (hd + rd), ...] with each head's last rd rows reordered.
torch::Tensor query_rows(const torch::Tensor& t, const Dims& d, Reorder reorder) {
  if (!t.defined()) return t;
  const int64_t in = t.size(-1);
  const auto heads = t.reshape({d.H, d.hd + d.rd, in});
  const auto rope = reorder(heads.narrow(1, d.hd, d.rd).reshape({d.H * d.rd, in}), d.H, d.rd).view({d.H, d.rd, in});
  return torch::cat({heads.narrow(1, 0, d.hd), rope}, 1).reshape({d.H * (d.hd + d.rd), in});
}

//! Rows of wkv_a (or of its steps) [rank + rd, ...] with the last rd (the shared RoPE key) reordered.
torch::Tensor key_rows(const torch::Tensor& t, const Dims& d, Reorder reorder) {
  if (!t.defined()) return t;
  return torch::cat({t.narrow(0, 0, d.rank), reorder(t.narrow(0, d.rank, d.rd), 1, d.rd)});
}

}  // namespace

std::vector<std::string> hf_deepseek_blockers(const Experiment& e) {
  auto out = deepseek2_blockers(e);
  if (e.model.ffn == FfnKind::Moe && e.model.moe.score_func != ScoreFunc::Sigmoid)
    out.push_back("model.moe.score_func: softmax: transformers' DeepseekV3 gates by sigmoid; sigmoid exports (a "
                  "softmax MLA model exports as GGUF deepseek2)");
  return out;
}

void write_hf_deepseek(HfWriter& out, const ModelConfig& m) {
  auto& w = out.weights();
  const Dims d(m);
  for (int i = 0; i < m.n_layers; ++i) {
    const std::string b = "blocks." + std::to_string(i) + ".", l = "model.layers." + std::to_string(i) + ".";
    const std::string a = l + "self_attn.";
    out.plain(l + "input_layernorm.weight", b + "attn_norm.weight");
    const auto wq = b + "mla.wq.weight", wkv_a = b + "mla.wkv_a.weight";
    out.matrix(a + "q_proj.weight", query_rows(w.take(wq), d, rope_halves_to_pairs),
               query_rows(out.steps(wq), d, rope_halves_to_pairs));
    out.matrix(a + "kv_a_proj_with_mqa.weight", key_rows(w.take(wkv_a), d, rope_halves_to_pairs),
               key_rows(out.steps(wkv_a), d, rope_halves_to_pairs));
    out.plain(a + "kv_a_layernorm.weight", b + "mla.kv_norm.weight");
    out.matrix(a + "kv_b_proj.weight", b + "mla.wkv_b.weight");  // per head [k_nope | v], as transformers'
    out.matrix(a + "o_proj.weight", b + "mla.wo.weight");
    out.plain(l + "post_attention_layernorm.weight", b + "ffn_norm.weight");
    const std::pair<const char*, const char*> parts[] = {{"gate_proj", "w_gate"}, {"up_proj", "w_up"}, {"down_proj", "w_down"}};
    if (i < m.first_k_dense) {
      for (const auto& [to, from] : parts) out.matrix(l + "mlp." + to + ".weight", b + "mlp." + from + ".weight");
      continue;
    }
    out.plain(l + "mlp.gate.weight", b + "moe.router.weight");
    out.plain(l + "mlp.gate.e_score_correction_bias", b + "moe.expert_bias", /*f32=*/true);
    for (const auto& [to, from] : parts) {
      const auto& all = w.take(b + "moe." + from);
      const auto steps = out.steps(b + "moe." + from);
      for (int j = 0; j < m.moe.num_experts; ++j)
        out.matrix(l + "mlp.experts." + std::to_string(j) + "." + to + ".weight", all[j],
                   steps.defined() ? steps[j] : steps);
      out.matrix(l + "mlp.shared_experts." + to + ".weight", b + "moe.shared." + from + ".weight");
    }
  }
}

nlohmann::json hf_deepseek_config(const ModelConfig& m) {
  const Dims d(m);
  const auto& moe = m.moe;
  return {{"architectures", {"DeepseekV3ForCausalLM"}},
          {"model_type", "deepseek_v3"},
          {"intermediate_size", m.ffn_hidden},
          {"moe_intermediate_size", moe.expert_hidden},
          {"num_key_value_heads", d.H},
          {"q_lora_rank", nullptr},
          {"kv_lora_rank", d.rank},
          {"qk_nope_head_dim", d.hd},
          {"qk_rope_head_dim", d.rd},
          {"v_head_dim", d.hd},
          {"rope_interleave", true},
          {"n_routed_experts", moe.num_experts},
          {"n_shared_experts", moe.num_shared_experts},
          {"num_experts_per_tok", moe.top_k},
          {"routed_scaling_factor", moe.routed_scaling_factor},
          {"norm_topk_prob", moe.renormalize},
          {"n_group", std::max(1, moe.n_groups)},
          {"topk_group", moe.n_groups > 1 ? moe.topk_groups : 1},
          {"topk_method", "noaux_tc"},
          {"scoring_func", "sigmoid"},
          {"first_k_dense_replace", m.first_k_dense},
          {"num_nextn_predict_layers", 0}};
}

std::map<std::string, torch::Tensor> read_hf_deepseek(const safetensors::File& f, const ModelConfig& m) {
  const Dims d(m);
  const int64_t D = m.d_model;
  std::map<std::string, torch::Tensor> w;
  for (int i = 0; i < m.n_layers; ++i) {
    const std::string b = "blocks." + std::to_string(i) + ".", l = "model.layers." + std::to_string(i) + ".";
    const std::string a = l + "self_attn.";
    w[b + "attn_norm.weight"] = read_plain(f, l + "input_layernorm.weight");
    w[b + "mla.wq.weight"] = query_rows(read_matrix(f, a + "q_proj.weight", D), d, rope_pairs_to_halves);
    w[b + "mla.wkv_a.weight"] = key_rows(read_matrix(f, a + "kv_a_proj_with_mqa.weight", D), d, rope_pairs_to_halves);
    w[b + "mla.kv_norm.weight"] = read_plain(f, a + "kv_a_layernorm.weight");
    w[b + "mla.wkv_b.weight"] = read_matrix(f, a + "kv_b_proj.weight", d.rank);
    w[b + "mla.wo.weight"] = read_matrix(f, a + "o_proj.weight", d.H * d.hd);
    w[b + "ffn_norm.weight"] = read_plain(f, l + "post_attention_layernorm.weight");
    const int64_t ffn = i < m.first_k_dense ? m.ffn_hidden : m.moe.expert_hidden;
    const std::tuple<const char*, const char*, int64_t> parts[] = {
        {"gate_proj", "w_gate", D}, {"up_proj", "w_up", D}, {"down_proj", "w_down", ffn}};
    if (i < m.first_k_dense) {
      for (const auto& [from, to, in] : parts)
        w[b + "mlp." + to + ".weight"] = read_matrix(f, l + "mlp." + from + ".weight", in);
      continue;
    }
    w[b + "moe.router.weight"] = read_plain(f, l + "mlp.gate.weight");
    w[b + "moe.expert_bias"] = read_plain(f, l + "mlp.gate.e_score_correction_bias");
    for (const auto& [from, to, in] : parts) {
      std::vector<torch::Tensor> experts;
      for (int j = 0; j < m.moe.num_experts; ++j)
        experts.push_back(read_matrix(f, l + "mlp.experts." + std::to_string(j) + "." + from + ".weight", in));
      w[b + "moe." + to] = torch::stack(experts);
      const int64_t shared_in = std::string(to) == "w_down" ? in * m.moe.num_shared_experts : in;
      w[b + "moe.shared." + to + ".weight"] = read_matrix(f, l + "mlp.shared_experts." + from + ".weight", shared_in);
    }
  }
  return w;
}

}  // namespace r1wb::gpu
