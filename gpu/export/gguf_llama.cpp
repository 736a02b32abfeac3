#include "gpu/export/gguf_llama.h"

#include <map>
#include <stdexcept>

namespace r1wb::gpu {
namespace {

using gguf::Value;

std::string utf8(uint32_t cp) {
  std::string s;
  if (cp < 0x80) {
    s += char(cp);
  } else if (cp < 0x800) {
    s += char(0xC0 | (cp >> 6));
    s += char(0x80 | (cp & 0x3F));
  } else {
    s += char(0xE0 | (cp >> 12));
    s += char(0x80 | ((cp >> 6) & 0x3F));
    s += char(0x80 | (cp & 0x3F));
  }
  return s;
}

//! [heads * hd, in] rows of half-split RoPE heads -> rows of adjacent-pair heads, and back.
torch::Tensor halves_to_pairs(const torch::Tensor& w, int64_t heads, int64_t hd) {
  return w.reshape({heads, 2, hd / 2, w.size(-1)}).transpose(1, 2).reshape({heads * hd, w.size(-1)});
}
torch::Tensor pairs_to_halves(const torch::Tensor& w, int64_t heads, int64_t hd) {
  return w.reshape({heads, hd / 2, 2, w.size(-1)}).transpose(1, 2).reshape({heads * hd, w.size(-1)});
}

int64_t kv_heads(const ModelConfig& m) { return m.attention.n_kv_heads > 0 ? m.attention.n_kv_heads : m.n_heads; }

gguf::Tensor tensor_from(const std::string& name, const torch::Tensor& t, ggml::Type type) {
  gguf::Tensor g;
  g.name = name;
  for (int64_t d = t.dim() - 1; d >= 0; --d) g.dims.push_back(t.size(d));
  g.type = type;
  const auto x = t.detach().to(torch::kCPU, torch::kFloat32).contiguous();
  ggml::encode(type, x.data_ptr<float>(), x.numel(), g.data);
  return g;
}

torch::Tensor tensor_to(const gguf::Tensor& g) {
  std::vector<int64_t> sizes(g.dims.rbegin(), g.dims.rend());
  auto t = torch::empty(sizes, torch::kFloat32);
  ggml::decode(g.type, g.data.data(), g.elements(), t.data_ptr<float>());
  return t;
}

}  // namespace

std::vector<std::string> gpt2_byte_tokens() {
  std::vector<std::string> tokens(256);
  uint32_t next = 256;
  for (uint32_t b = 0; b < 256; ++b) {
    const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
    tokens[b] = utf8(printable ? b : next++);
  }
  return tokens;
}

std::vector<std::string> llama_blockers(const Experiment& e) {
  const auto& m = e.model;
  const auto& a = m.attention;
  const auto& moe = m.moe;
  std::vector<std::string> out;
  auto block = [&](const std::string& field, const std::string& value, const std::string& why) {
    out.push_back(field + ": " + value + ": " + why);
  };
  if (m.tokenizer != TokenizerKind::Byte)
    block("model.tokenizer", "bpe", "the run's SentencePiece vocabulary is not exported yet; byte exports");
  else if (m.vocab_size != 256)
    block("model.vocab_size", std::to_string(m.vocab_size), "a byte vocabulary has 256 tokens; 256 exports");
  if (a.kind == AttentionKind::Mla)
    block("model.attention.kind", "mla",
          "llama has no latent attention (DeepSeek's MLA is deepseek2's, not exported yet); mha exports");
  if (a.sliding_window > 0)
    block("model.attention.sliding_window", std::to_string(a.sliding_window),
          "llama.cpp's llama attends to every earlier token; 0 exports");
  if (a.scores == AttentionScores::SigmoidGate)
    block("model.attention.scores", "sigmoid_gate", "llama.cpp has no sigmoid attention gate; softmax exports");
  if (m.ffn == FfnKind::Moe) {
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
            "llama does not scale the gate weights; 1 exports");
    if (moe.n_groups > 1)
      block("model.moe.n_groups", std::to_string(moe.n_groups), "llama has no group-limited routing; 1 exports");
    if (moe.bias_update_speed > 0)
      block("model.moe.bias_update_speed", std::to_string(moe.bias_update_speed),
            "llama has no selection bias (deepseek2's exp_probs_b); 0 exports");
    if (moe.dynamic_k_max > 0)
      block("model.moe.dynamic_k_max", std::to_string(moe.dynamic_k_max),
            "llama.cpp routes every token to top_k experts; 0 exports");
    if (moe.shared_input_proj)
      block("model.moe.shared_input_proj", "true", "llama's experts have their own up-projections; false exports");
    if (moe.capacity_factor > 0)
      block("model.moe.capacity_factor", std::to_string(moe.capacity_factor),
            "llama.cpp drops no tokens at an expert's capacity; 0 (dropless) exports");
  }
  return out;
}

GgufExport llama_gguf(TransformerLM& model, const Experiment& e, const Tokenizer& tokenizer, ggml::Type type) {
  if (const auto blockers = llama_blockers(e); !blockers.empty()) {
    std::string why = "this model does not export to llama.cpp's llama architecture:";
    for (const auto& b : blockers) why += "\n  " + b;
    throw std::invalid_argument(why);
  }
  const auto& m = e.model;
  const int64_t H = m.n_heads, G = kv_heads(m), hd = m.d_model / m.n_heads;
  std::map<std::string, torch::Tensor> p;
  for (const auto& item : model->named_parameters()) p[item.key()] = item.value().detach().to(torch::kCPU, torch::kFloat32);
  GgufExport out;
  auto& f = out.file;
  std::map<std::string, bool> used;
  auto take = [&](const std::string& key) -> const torch::Tensor& {
    const auto it = p.find(key);
    if (it == p.end()) throw std::logic_error("export: the model has no parameter " + key);
    used[key] = true;
    return it->second;
  };
  auto add = [&](const std::string& name, const torch::Tensor& t, ggml::Type want) {
    ggml::Type as = want;
    if (t.dim() >= 2 && t.size(-1) % ggml::block_values(want) != 0) {
      as = ggml::Type::F32;
      out.notes.push_back(name + " kept as f32: its rows of " + std::to_string(t.size(-1)) + " values are not whole " +
                          ggml::name_of(want) + " blocks");
    }
    f.tensors.push_back(tensor_from(name, t, t.dim() >= 2 ? as : ggml::Type::F32));
  };

  add("token_embd.weight", take("embed.weight"), type);
  for (int i = 0; i < m.n_layers; ++i) {
    const std::string b = "blocks." + std::to_string(i) + ".";
    const std::string g = "blk." + std::to_string(i) + ".";
    add(g + "attn_norm.weight", take(b + "attn_norm.weight"), type);
    const auto& qkv = take(b + "attn.qkv.weight");  // [(H + 2G) hd, d_model]
    add(g + "attn_q.weight", halves_to_pairs(qkv.narrow(0, 0, H * hd), H, hd), type);
    add(g + "attn_k.weight", halves_to_pairs(qkv.narrow(0, H * hd, G * hd), G, hd), type);
    add(g + "attn_v.weight", qkv.narrow(0, (H + G) * hd, G * hd), type);
    add(g + "attn_output.weight", take(b + "attn.proj.weight"), type);
    add(g + "ffn_norm.weight", take(b + "ffn_norm.weight"), type);
    if (m.ffn == FfnKind::Moe) {
      add(g + "ffn_gate_inp.weight", take(b + "moe.router.weight"), ggml::Type::F32);
      add(g + "ffn_gate_exps.weight", take(b + "moe.w_gate"), type);
      add(g + "ffn_up_exps.weight", take(b + "moe.w_up"), type);
      add(g + "ffn_down_exps.weight", take(b + "moe.w_down"), type);
    } else {
      add(g + "ffn_gate.weight", take(b + "mlp.w_gate.weight"), type);
      add(g + "ffn_up.weight", take(b + "mlp.w_up.weight"), type);
      add(g + "ffn_down.weight", take(b + "mlp.w_down.weight"), type);
    }
  }
  add("output_norm.weight", take("norm.weight"), type);
  if (!m.tie_embeddings) add("output.weight", take("head.weight"), type);
  bool mtp = false, value_head = false;
  for (const auto& [key, t] : p) {
    if (used.count(key)) continue;
    if (key.rfind("mtp_", 0) == 0) mtp = true;
    else if (key.rfind("value_head", 0) == 0) value_head = true;
    else throw std::logic_error("export: parameter " + key + " has no place in the llama architecture");
  }
  if (mtp) out.notes.push_back("the multi-token-prediction module is left out: llama.cpp predicts one token");
  if (value_head) out.notes.push_back("PPO's value head is left out: it is not part of the language model");

  const std::string a = "llama.";
  auto& md = f.metadata;
  md.emplace_back("general.architecture", Value::string("llama"));
  md.emplace_back("general.name", Value::string(e.name));
  if (type == ggml::Type::Q8_0 || type == ggml::Type::Q4_0)
    md.emplace_back("general.quantization_version", Value::u32(2));
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
  md.emplace_back("tokenizer.ggml.model", Value::string("gpt2"));
  md.emplace_back("tokenizer.ggml.pre", Value::string("default"));
  md.emplace_back("tokenizer.ggml.tokens", Value::strings_array(gpt2_byte_tokens()));
  md.emplace_back("tokenizer.ggml.token_type", Value::i32_array(std::vector<int32_t>(256, 1)));
  md.emplace_back("tokenizer.ggml.merges", Value::strings_array({}));
  // The byte vocabulary has no special tokens: a document ends with '\n' (tokenizer.h).
  md.emplace_back("tokenizer.ggml.bos_token_id", Value::u32(uint32_t(tokenizer.document_end())));
  md.emplace_back("tokenizer.ggml.eos_token_id", Value::u32(uint32_t(tokenizer.document_end())));
  md.emplace_back("tokenizer.ggml.add_bos_token", Value::boolean(false));
  md.emplace_back("tokenizer.ggml.add_eos_token", Value::boolean(false));
  return out;
}

void load_llama_gguf(const gguf::File& file, TransformerLM& model) {
  const auto& m = model->cfg;
  const int64_t H = m.n_heads, G = kv_heads(m), hd = m.d_model / m.n_heads;
  if (file.text("general.architecture") != "llama")
    throw gguf::Error("gguf: architecture " + file.text("general.architecture") + ", expected llama");
  auto get = [&](const std::string& name) {
    const auto* t = file.tensor(name);
    if (!t) throw gguf::Error("gguf: tensor " + name + " is missing");
    return tensor_to(*t);
  };
  std::map<std::string, torch::Tensor> w;
  w["embed.weight"] = get("token_embd.weight");
  w["norm.weight"] = get("output_norm.weight");
  if (!m.tie_embeddings) w["head.weight"] = get("output.weight");
  for (int i = 0; i < m.n_layers; ++i) {
    const std::string b = "blocks." + std::to_string(i) + ".";
    const std::string g = "blk." + std::to_string(i) + ".";
    w[b + "attn_norm.weight"] = get(g + "attn_norm.weight");
    w[b + "attn.qkv.weight"] = torch::cat({pairs_to_halves(get(g + "attn_q.weight"), H, hd),
                                           pairs_to_halves(get(g + "attn_k.weight"), G, hd), get(g + "attn_v.weight")});
    w[b + "attn.proj.weight"] = get(g + "attn_output.weight");
    w[b + "ffn_norm.weight"] = get(g + "ffn_norm.weight");
    if (m.ffn == FfnKind::Moe) {
      w[b + "moe.router.weight"] = get(g + "ffn_gate_inp.weight");
      w[b + "moe.w_gate"] = get(g + "ffn_gate_exps.weight");
      w[b + "moe.w_up"] = get(g + "ffn_up_exps.weight");
      w[b + "moe.w_down"] = get(g + "ffn_down_exps.weight");
    } else {
      w[b + "mlp.w_gate.weight"] = get(g + "ffn_gate.weight");
      w[b + "mlp.w_up.weight"] = get(g + "ffn_up.weight");
      w[b + "mlp.w_down.weight"] = get(g + "ffn_down.weight");
    }
  }
  torch::NoGradGuard no_grad;
  for (auto& item : model->named_parameters()) {
    const auto it = w.find(item.key());
    if (it == w.end()) continue;  // mtp_*, value_head: not in the file
    if (it->second.sizes() != item.value().sizes())
      throw gguf::Error("gguf: " + item.key() + " has shape " + c10::str(it->second.sizes()) + " in the file, the model " +
                        c10::str(item.value().sizes()));
    item.value().copy_(it->second);
  }
}

}  // namespace r1wb::gpu
