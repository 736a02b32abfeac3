#include "gpu/export/safetensors_export.h"

#include "gpu/export/gguf_llama.h"
#include "gpu/export/gguf_tensors.h"
#include "gpu/quant/fake_quant.h"
#include "gpu/quant/learned_steps.h"

#include <cstring>
#include <map>

namespace r1wb::gpu {
namespace {

int64_t kv_heads(const ModelConfig& m) { return m.attention.n_kv_heads > 0 ? m.attention.n_kv_heads : m.n_heads; }

safetensors::Tensor raw(const std::string& name, const torch::Tensor& t, const std::string& dtype) {
  torch::Tensor c;
  if (dtype == "F32") c = t.to(torch::kFloat32);
  else if (dtype == "F16") c = t.to(torch::kFloat32).to(torch::kHalf);
  else if (dtype == "BF16") c = t.to(torch::kFloat32).to(torch::kBFloat16);
  else if (dtype == "I8") c = t.to(torch::kInt8);
  else c = t.to(torch::kUInt8);
  c = c.contiguous().to(torch::kCPU);
  safetensors::Tensor out{name, dtype, c.sizes().vec(), {}};
  out.data.resize(size_t(c.numel() * c.element_size()));
  std::memcpy(out.data.data(), c.data_ptr(), out.data.size());
  return out;
}

torch::Tensor values(const safetensors::Tensor& t) {
  auto kind = torch::kFloat32;
  if (t.dtype == "F16") kind = torch::kHalf;
  else if (t.dtype == "BF16") kind = torch::kBFloat16;
  else if (t.dtype == "I8") kind = torch::kInt8;
  else if (t.dtype == "U8") kind = torch::kUInt8;
  else if (t.dtype != "F32") throw safetensors::Error("tensor " + t.name + ": dtype " + t.dtype + " is not one an export holds");
  auto out = torch::empty(t.shape, kind);
  std::memcpy(out.data_ptr(), t.data.data(), t.data.size());
  return out;
}

//! Adds the tensors of one block matrix `w` ([out, in]) under `key` as `type`: int8 and int4 on
//! its learned steps `step` ([out, in / group]) when it has them, rounded to nearest otherwise.
void add_matrix(safetensors::File& f, const std::string& key, const torch::Tensor& w, const std::string& type,
                int group, const torch::Tensor& step = {}) {
  if (type == "int8" || type == "int4") {
    const auto grid = type == "int8" ? WeightQuant::Int8 : WeightQuant::Int4;
    const auto iw = step.defined() ? learned_integer_weight(w, step, grid) : integer_weight(w, grid, group);
    if (type == "int8") {
      f.tensors.push_back(raw(key, iw.q, "I8"));
    } else {
      const auto u = (iw.q.to(torch::kInt16) + 8).view({iw.q.size(0), -1, 2});  // 0..15
      f.tensors.push_back(raw(key, u.select(-1, 0) + u.select(-1, 1) * 16, "U8"));
    }
    f.tensors.push_back(raw(key + "_scale", iw.scale, "F32"));
    return;
  }
  f.tensors.push_back(raw(key, w, type == "f16" ? "F16" : type == "bf16" ? "BF16" : "F32"));
}

//! The float values of the block matrix under `key` ([out, in], `in` its input width).
torch::Tensor read_matrix(const safetensors::File& f, const std::string& key, int64_t in) {
  const auto* t = f.tensor(key);
  if (!t) throw safetensors::Error("tensor " + key + " is missing");
  const auto v = values(*t);
  const auto* s = f.tensor(key + "_scale");
  if (!s) return v.to(torch::kFloat32);
  IntegerWeight iw{v, values(*s)};
  if (t->dtype == "U8") {  // two int4 values per byte, low nibble first
    const auto b = v.to(torch::kInt16);
    const auto hi = torch::floor_divide(b, 16), lo = b - hi * 16;
    iw.q = torch::stack({lo - 8, hi - 8}, -1).view({v.size(0), in}).to(torch::kInt8);
  }
  return dequantize(iw);
}

torch::Tensor read_plain(const safetensors::File& f, const std::string& key) {
  const auto* t = f.tensor(key);
  if (!t) throw safetensors::Error("tensor " + key + " is missing");
  return values(*t).to(torch::kFloat32);
}

}  // namespace

SafetensorsExport export_safetensors(TransformerLM& model, const Experiment& e, const std::string& type, int group) {
  if (type != "f32" && type != "f16" && type != "bf16" && type != "int8" && type != "int4")
    throw std::invalid_argument("--type: '" + type + "' is not one of f32, f16, bf16, int8, int4 for safetensors");
  const auto blockers = llama_blockers(e);
  if (!blockers.empty()) {
    std::string list;
    for (const auto& b : blockers) list += "\n  " + b;
    throw std::invalid_argument(
        "safetensors export writes the llama family (LlamaForCausalLM, MixtralForCausalLM); this model does not fit it:" +
        list);
  }
  const auto& m = e.model;
  if (type == "int4")
    for (int64_t width : {int64_t(m.d_model), int64_t(m.ffn == FfnKind::Moe ? m.moe.expert_hidden : m.ffn_hidden)})
      if (width % group != 0 || group % 2 != 0)
        throw std::invalid_argument("--group: " + std::to_string(group) + " does not divide the rows of " +
                                    std::to_string(width) + " inputs into whole even groups");
  torch::NoGradGuard no_grad;
  ModelWeights w(model);
  SafetensorsExport out;
  const bool quantized = type == "int8" || type == "int4";
  // A run that learned its steps on this export's grid is stored on them: no second rounding.
  const auto& q = e.quant;
  const bool learned = q.learned_steps && ((type == "int8" && q.weights == WeightQuant::Int8) ||
                                           (type == "int4" && q.weights == WeightQuant::Int4 && group == q.group_size));
  auto step = [&](const std::string& key) { return learned ? w.take(learned_step_key(key)).exp() : torch::Tensor(); };
  auto rows = [](const torch::Tensor& s, int64_t from, int64_t n) { return s.defined() ? s.narrow(0, from, n) : s; };
  auto expert = [](const torch::Tensor& s, int64_t j) { return s.defined() ? s[j] : s; };
  const std::string plain = quantized ? "f32" : type;  // norms, routers, embedding, head
  auto& f = out.file;
  const int64_t H = m.n_heads, G = kv_heads(m), hd = m.d_model / m.n_heads;
  add_matrix(f, "model.embed_tokens.weight", w.take("embed.weight"), plain, group);
  for (int i = 0; i < m.n_layers; ++i) {
    const std::string b = "blocks." + std::to_string(i) + ".", l = "model.layers." + std::to_string(i) + ".";
    add_matrix(f, l + "input_layernorm.weight", w.take(b + "attn_norm.weight"), plain, group);
    const auto& qkv = w.take(b + "attn.qkv.weight");
    const auto qkv_step = step(b + "attn.qkv.weight");
    add_matrix(f, l + "self_attn.q_proj.weight", qkv.narrow(0, 0, H * hd), type, group, rows(qkv_step, 0, H * hd));
    add_matrix(f, l + "self_attn.k_proj.weight", qkv.narrow(0, H * hd, G * hd), type, group,
               rows(qkv_step, H * hd, G * hd));
    add_matrix(f, l + "self_attn.v_proj.weight", qkv.narrow(0, (H + G) * hd, G * hd), type, group,
               rows(qkv_step, (H + G) * hd, G * hd));
    add_matrix(f, l + "self_attn.o_proj.weight", w.take(b + "attn.proj.weight"), type, group,
               step(b + "attn.proj.weight"));
    add_matrix(f, l + "post_attention_layernorm.weight", w.take(b + "ffn_norm.weight"), plain, group);
    if (m.ffn == FfnKind::Moe) {
      const std::string x = l + "block_sparse_moe.";
      add_matrix(f, x + "gate.weight", w.take(b + "moe.router.weight"), plain, group);
      const auto &gate = w.take(b + "moe.w_gate"), &up = w.take(b + "moe.w_up"), &down = w.take(b + "moe.w_down");
      const bool experts_learned = learned && q.experts;
      const auto gate_step = experts_learned ? step(b + "moe.w_gate") : torch::Tensor(),
                 up_step = experts_learned ? step(b + "moe.w_up") : torch::Tensor(),
                 down_step = experts_learned ? step(b + "moe.w_down") : torch::Tensor();
      for (int j = 0; j < m.moe.num_experts; ++j) {
        const std::string ex = x + "experts." + std::to_string(j) + ".";
        add_matrix(f, ex + "w1.weight", gate[j], type, group, expert(gate_step, j));
        add_matrix(f, ex + "w3.weight", up[j], type, group, expert(up_step, j));
        add_matrix(f, ex + "w2.weight", down[j], type, group, expert(down_step, j));
      }
    } else {
      for (const auto& [to, from] : {std::pair{"gate_proj", "w_gate"}, {"up_proj", "w_up"}, {"down_proj", "w_down"}}) {
        const std::string key = b + "mlp." + from + ".weight";
        add_matrix(f, l + "mlp." + to + ".weight", w.take(key), type, group, step(key));
      }
    }
  }
  add_matrix(f, "model.norm.weight", w.take("norm.weight"), plain, group);
  if (!m.tie_embeddings) add_matrix(f, "lm_head.weight", w.take("head.weight"), plain, group);
  if (learned) w.take(learned_steps_started_key());
  out.notes = w.leftovers();
  f.metadata["format"] = "pt";

  const bool moe = m.ffn == FfnKind::Moe;
  out.architecture = moe ? "MixtralForCausalLM" : "LlamaForCausalLM";
  auto& c = out.config;
  c = {{"architectures", {out.architecture}},
       {"model_type", moe ? "mixtral" : "llama"},
       {"hidden_size", m.d_model},
       {"intermediate_size", moe ? m.moe.expert_hidden : m.ffn_hidden},
       {"num_hidden_layers", m.n_layers},
       {"num_attention_heads", m.n_heads},
       {"num_key_value_heads", G},
       {"head_dim", hd},
       {"hidden_act", "silu"},
       {"max_position_embeddings", m.max_seq_len},
       {"rms_norm_eps", m.norm_eps},
       {"rope_theta", m.rope_theta},
       {"vocab_size", m.vocab_size},
       {"tie_word_embeddings", m.tie_embeddings},
       {"attention_bias", false},
       {"torch_dtype", type == "f16" ? "float16" : type == "bf16" ? "bfloat16" : "float32"},
       {"r1wb_tokenizer", name_of(m.tokenizer)}};
  if (moe) {
    c["num_local_experts"] = m.moe.num_experts;
    c["num_experts_per_tok"] = m.moe.top_k;
    c["router_aux_loss_coef"] = m.moe.aux_loss_weight;
  }
  if (quantized)
    c["quantization_config"] = {
        {"quant_method", "r1wb"},
        {"bits", type == "int8" ? 8 : 4},
        {"group_size", type == "int8" ? -1 : group},  // -1: one scale per output channel
        {"symmetric", true},
        {"layout", type == "int8" ? "<key>: I8 [out, in]; <key>_scale: F32 [out, 1]; w = q * scale"
                                  : "<key>: U8 [out, in/2], even input in the low nibble, stored as q + 8; "
                                    "<key>_scale: F32 [out, in/group_size]; w = q * scale"},
        {"modules", "self_attn q/k/v/o_proj, mlp gate/up/down_proj, experts w1/w2/w3; the rest float32"}};
  return out;
}

void load_safetensors(const safetensors::File& f, TransformerLM& model, const Experiment& e) {
  const auto& m = e.model;
  const int64_t H = m.n_heads, hd = m.d_model / m.n_heads;
  const int64_t ffn = m.ffn == FfnKind::Moe ? m.moe.expert_hidden : m.ffn_hidden;
  std::map<std::string, torch::Tensor> w;
  w["embed.weight"] = read_plain(f, "model.embed_tokens.weight");
  w["norm.weight"] = read_plain(f, "model.norm.weight");
  if (!m.tie_embeddings) w["head.weight"] = read_plain(f, "lm_head.weight");
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
      std::vector<torch::Tensor> gate, up, down;
      for (int j = 0; j < m.moe.num_experts; ++j) {
        const std::string ex = x + "experts." + std::to_string(j) + ".";
        gate.push_back(read_matrix(f, ex + "w1.weight", m.d_model));
        up.push_back(read_matrix(f, ex + "w3.weight", m.d_model));
        down.push_back(read_matrix(f, ex + "w2.weight", ffn));
      }
      w[b + "moe.w_gate"] = torch::stack(gate), w[b + "moe.w_up"] = torch::stack(up);
      w[b + "moe.w_down"] = torch::stack(down);
    } else {
      w[b + "mlp.w_gate.weight"] = read_matrix(f, l + "mlp.gate_proj.weight", m.d_model);
      w[b + "mlp.w_up.weight"] = read_matrix(f, l + "mlp.up_proj.weight", m.d_model);
      w[b + "mlp.w_down.weight"] = read_matrix(f, l + "mlp.down_proj.weight", ffn);
    }
  }
  try {
    load_weights(model, w);
  } catch (const std::exception& x) {
    throw safetensors::Error(x.what());
  }
}

}  // namespace r1wb::gpu
