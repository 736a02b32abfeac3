#include "gpu/export/gguf_tensors.h"

#include "gpu/quant/learned_steps.h"

#include <stdexcept>

namespace r1wb::gpu {
namespace {

std::string utf8(uint32_t cp) {
  std::string s;
  if (cp < 0x80) {
    s += char(cp);
  } else {  // the byte stand-ins stay below U+0800
    s += char(0xC0 | (cp >> 6));
    s += char(0x80 | (cp & 0x3F));
  }
  return s;
}

}  // namespace

gguf::Tensor gguf_tensor(const std::string& name, const torch::Tensor& t, ggml::Type type,
                         std::vector<std::string>& notes) {
  gguf::Tensor g;
  g.name = name;
  for (int64_t d = t.dim() - 1; d >= 0; --d) g.dims.push_back(t.size(d));
  g.type = t.dim() >= 2 ? type : ggml::Type::F32;
  if (g.dims[0] % ggml::block_values(g.type) != 0) {
    notes.push_back(name + " kept as f32: its rows of " + std::to_string(g.dims[0]) + " values are not whole " +
                    ggml::name_of(type) + " blocks");
    g.type = ggml::Type::F32;
  }
  const auto x = t.detach().to(torch::kCPU, torch::kFloat32).contiguous();
  ggml::encode(g.type, x.data_ptr<float>(), x.numel(), g.data);
  return g;
}

torch::Tensor torch_tensor(const gguf::Tensor& g) {
  std::vector<int64_t> sizes(g.dims.rbegin(), g.dims.rend());
  auto t = torch::empty(sizes, torch::kFloat32);
  ggml::decode(g.type, g.data.data(), g.elements(), t.data_ptr<float>());
  return t;
}

torch::Tensor rope_halves_to_pairs(const torch::Tensor& w, int64_t heads, int64_t dim) {
  return w.reshape({heads, 2, dim / 2, w.size(-1)}).transpose(1, 2).reshape({heads * dim, w.size(-1)});
}

torch::Tensor rope_pairs_to_halves(const torch::Tensor& w, int64_t heads, int64_t dim) {
  return w.reshape({heads, dim / 2, 2, w.size(-1)}).transpose(1, 2).reshape({heads * dim, w.size(-1)});
}

ModelWeights::ModelWeights(TransformerLM& model) {
  for (const auto& p : model->named_parameters()) all_[p.key()] = p.value().detach().to(torch::kCPU, torch::kFloat32);
  for (const auto& b : model->named_buffers()) all_[b.key()] = b.value().detach().to(torch::kCPU, torch::kFloat32);
}

const torch::Tensor& ModelWeights::take(const std::string& name) {
  const auto it = all_.find(name);
  if (it == all_.end()) throw std::logic_error("export: the model has no weight " + name);
  taken_.insert(name);
  return it->second;
}

std::vector<std::string> ModelWeights::leftovers() const {
  bool mtp = false, value_head = false, projection = false, steps = false;
  for (const auto& [name, t] : all_) {
    if (taken_.count(name)) continue;
    if (name.rfind("mtp_", 0) == 0) {
      mtp = true;
    } else if (name.rfind("value_head", 0) == 0) {
      value_head = true;
    } else if (name.rfind("distill_projection", 0) == 0) {
      projection = true;
    } else if (name.rfind(kLearnedStepsModule, 0) == 0) {
      steps = steps || name != learned_steps_started_key();
    } else if (name.size() > 11 && name.compare(name.size() - 11, 11, "expert_bias") == 0) {
      if (t.abs().max().item<double>() > 0)
        throw std::logic_error("export: " + name + " is not zero and the architecture has no place for it");
    } else {
      throw std::logic_error("export: weight " + name + " has no place in the file");
    }
  }
  std::vector<std::string> notes;
  if (mtp) notes.push_back("the multi-token-prediction module is left out: llama.cpp predicts one token");
  if (value_head) notes.push_back("PPO's value head is left out: it is not part of the language model");
  if (projection) notes.push_back("distillation's hidden-state projection is left out: it is not part of the model");
  if (steps)
    notes.push_back("the learned quantization steps are left out: this export rounds the float weights to its own "
                    "type (a safetensors export of the grid they learned stores them as its scales)");
  return notes;
}

std::vector<std::string> gpt2_byte_tokens() {
  std::vector<std::string> tokens(256);
  uint32_t next = 256;
  for (uint32_t b = 0; b < 256; ++b) {
    const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
    tokens[b] = utf8(printable ? b : next++);
  }
  return tokens;
}

void add_byte_vocabulary(gguf::File& f, const Tokenizer& tokenizer) {
  using gguf::Value;
  auto& md = f.metadata;
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
}

void add_sentencepiece_vocabulary(gguf::File& f, const Tokenizer& tokenizer, int64_t rows) {
  using gguf::Value;
  std::vector<std::string> tokens;
  std::vector<float> scores;
  std::vector<int32_t> types;
  int64_t bos = -1, unk = -1;
  for (int64_t id = 0; id < rows; ++id) {
    if (id >= tokenizer.vocab_size()) {
      tokens.push_back("<r1wb_unused_" + std::to_string(id) + ">"), scores.push_back(0), types.push_back(5);
      continue;
    }
    tokens.push_back(tokenizer.piece(id));
    scores.push_back(tokenizer.score(id));
    switch (tokenizer.kind(id)) {  // llama.cpp's llama_token_type
      case TokenKind::Normal: types.push_back(1); break;
      case TokenKind::Unknown: types.push_back(2), unk = id; break;
      case TokenKind::Control:
        types.push_back(3);
        if (id != tokenizer.document_end() && bos < 0) bos = id;
        break;
      case TokenKind::Byte: types.push_back(6); break;
      case TokenKind::Unused: types.push_back(5); break;
    }
  }
  auto& md = f.metadata;
  md.emplace_back("tokenizer.ggml.model", Value::string("llama"));
  md.emplace_back("tokenizer.ggml.pre", Value::string("default"));
  md.emplace_back("tokenizer.ggml.tokens", Value::strings_array(tokens));
  md.emplace_back("tokenizer.ggml.scores", Value::f32_array(scores));
  md.emplace_back("tokenizer.ggml.token_type", Value::i32_array(types));
  md.emplace_back("tokenizer.ggml.bos_token_id", Value::u32(uint32_t(bos >= 0 ? bos : tokenizer.document_end())));
  md.emplace_back("tokenizer.ggml.eos_token_id", Value::u32(uint32_t(tokenizer.document_end())));
  if (unk >= 0) md.emplace_back("tokenizer.ggml.unknown_token_id", Value::u32(uint32_t(unk)));
  md.emplace_back("tokenizer.ggml.add_bos_token", Value::boolean(false));
  md.emplace_back("tokenizer.ggml.add_eos_token", Value::boolean(false));
  md.emplace_back("tokenizer.ggml.add_space_prefix", Value::boolean(false));
}

torch::Tensor tensor_of(const gguf::File& f, const std::string& name) {
  const auto* t = f.tensor(name);
  if (!t) throw gguf::Error("gguf: tensor " + name + " is missing");
  return torch_tensor(*t);
}

void load_weights(TransformerLM& model, const std::map<std::string, torch::Tensor>& weights) {
  torch::NoGradGuard no_grad;
  auto load = [&](const std::string& name, torch::Tensor& into) {
    const auto it = weights.find(name);
    if (it == weights.end()) return;
    if (it->second.sizes() != into.sizes())
      throw gguf::Error("gguf: " + name + " has shape " + c10::str(it->second.sizes()) + " in the file, the model " +
                        c10::str(into.sizes()));
    into.copy_(it->second);
  };
  for (auto& p : model->named_parameters()) load(p.key(), p.value());
  for (auto& b : model->named_buffers()) load(b.key(), b.value());
}

}  // namespace r1wb::gpu
