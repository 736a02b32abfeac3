#include "gpu/export/safetensors_llama.h"

namespace r1wb::gpu {

void write_hf_llama(HfWriter& out, const ModelConfig& m) {
  auto& w = out.weights();
  const int64_t H = m.n_heads, G = m.kv_heads(), hd = m.d_model / m.n_heads;
  for (int i = 0; i < m.n_layers; ++i) {
    const std::string b = "blocks." + std::to_string(i) + ".", l = "model.layers." + std::to_string(i) + ".";
    out.plain(l + "input_layernorm.weight", b + "attn_norm.weight");
    const auto& qkv = w.take(b + "attn.qkv.weight");
    const auto steps = out.steps(b + "attn.qkv.weight");
    auto rows = [&](const torch::Tensor& t, int64_t from, int64_t n) { return t.defined() ? t.narrow(0, from, n) : t; };
    out.matrix(l + "self_attn.q_proj.weight", rows(qkv, 0, H * hd), rows(steps, 0, H * hd));
    out.matrix(l + "self_attn.k_proj.weight", rows(qkv, H * hd, G * hd), rows(steps, H * hd, G * hd));
    out.matrix(l + "self_attn.v_proj.weight", rows(qkv, (H + G) * hd, G * hd), rows(steps, (H + G) * hd, G * hd));
    out.matrix(l + "self_attn.o_proj.weight", b + "attn.proj.weight");
    out.plain(l + "post_attention_layernorm.weight", b + "ffn_norm.weight");
    if (m.ffn == FfnKind::Moe) {
      const std::string x = l + "block_sparse_moe.";
      out.plain(x + "gate.weight", b + "moe.router.weight");
      for (const auto& [to, from] : {std::pair{"w1", "w_gate"}, {"w3", "w_up"}, {"w2", "w_down"}}) {
        const auto& all = w.take(b + "moe." + from);
        const auto steps_all = out.steps(b + "moe." + from);
        for (int j = 0; j < m.moe.num_experts; ++j)
          out.matrix(x + "experts." + std::to_string(j) + "." + to + ".weight", all[j],
                     steps_all.defined() ? steps_all[j] : steps_all);
      }
    } else {
      for (const auto& [to, from] : {std::pair{"gate_proj", "w_gate"}, {"up_proj", "w_up"}, {"down_proj", "w_down"}})
        out.matrix(l + "mlp." + to + ".weight", b + "mlp." + from + ".weight");
    }
  }
}

nlohmann::json hf_llama_config(const ModelConfig& m) {
  const bool moe = m.ffn == FfnKind::Moe;
  nlohmann::json c = {{"architectures", {moe ? "MixtralForCausalLM" : "LlamaForCausalLM"}},
                      {"model_type", moe ? "mixtral" : "llama"},
                      {"intermediate_size", moe ? m.moe.expert_hidden : m.ffn_hidden},
                      {"num_key_value_heads", m.kv_heads()},
                      {"head_dim", m.d_model / m.n_heads}};
  if (moe) {
    c["num_local_experts"] = m.moe.num_experts;
    c["num_experts_per_tok"] = m.moe.top_k;
    c["router_aux_loss_coef"] = m.moe.aux_loss_weight;
  }
  return c;
}

std::map<std::string, torch::Tensor> read_hf_llama(const safetensors::File& f, const ModelConfig& m) {
  const int64_t H = m.n_heads, hd = m.d_model / m.n_heads;
  const int64_t ffn = m.ffn == FfnKind::Moe ? m.moe.expert_hidden : m.ffn_hidden;
  std::map<std::string, torch::Tensor> w;
  for (int i = 0; i < m.n_layers; ++i) {
    const std::string b = "blocks." + std::to_string(i) + ".", l = "model.layers." + std::to_string(i) + ".";
    w[b + "attn_norm.weight"] = read_plain(f, l + "input_layernorm.weight");
    w[b + "attn.qkv.weight"] = torch::cat({read_matrix(f, l + "self_attn.q_proj.weight", m.d_model),
                                           read_matrix(f, l + "self_attn.k_proj.weight", m.d_model),
                                           read_matrix(f, l + "self_attn.v_proj.weight", m.d_model)});
    w[b + "attn.proj.weight"] = read_matrix(f, l + "self_attn.o_proj.weight", H * hd);
    w[b + "ffn_norm.weight"] = read_plain(f, l + "post_attention_layernorm.weight");
    if (m.ffn == FfnKind::Moe) {
      const std::string x = l + "block_sparse_moe.";
      w[b + "moe.router.weight"] = read_plain(f, x + "gate.weight");
      for (const auto& [from, to, in] : {std::tuple{"w1", "w_gate", int64_t(m.d_model)},
                                         {"w3", "w_up", int64_t(m.d_model)}, {"w2", "w_down", ffn}}) {
        std::vector<torch::Tensor> experts;
        for (int j = 0; j < m.moe.num_experts; ++j)
          experts.push_back(read_matrix(f, x + "experts." + std::to_string(j) + "." + from + ".weight", in));
        w[b + "moe." + to] = torch::stack(experts);
      }
    } else {
      for (const auto& [from, to, in] : {std::tuple{"gate_proj", "w_gate", int64_t(m.d_model)},
                                         {"up_proj", "w_up", int64_t(m.d_model)}, {"down_proj", "w_down", ffn}})
        w[b + "mlp." + to + ".weight"] = read_matrix(f, l + "mlp." + from + ".weight", in);
    }
  }
  return w;
}

}  // namespace r1wb::gpu
