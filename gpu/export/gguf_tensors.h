// What the GGUF exporters of each llama.cpp architecture share (gguf_llama.h, gguf_deepseek2.h):
// torch tensors to and from GGUF tensors, the RoPE row reordering, the model's weights taken by
// name with a check that none is forgotten, and the byte-level vocabulary's metadata.
//
// A torch weight [out, in] is a ggml tensor of dims {in, out} with the same bytes (ggml lists
// the fastest-varying dimension first). llama.cpp's llama and deepseek2 rotate adjacent pairs
// (RoPE "norm"); this engine rotates the two halves of each head, so the rows that RoPE
// rotates are reordered within each head, as llama.cpp's own converter does for HF models.
#pragma once
#include "core/formats/gguf.h"
#include "gpu/data/tokenizer.h"
#include "gpu/model/transformer.h"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace r1wb::gpu {

//! `t` ([.., out, in]) as a GGUF tensor of `type`; matrices whose rows are not whole blocks of
//! `type` are stored as f32 and say so in `notes`; 1-D tensors are always f32.
gguf::Tensor gguf_tensor(const std::string& name, const torch::Tensor& t, ggml::Type type,
                         std::vector<std::string>& notes);
//! The float values of a GGUF tensor, in torch's layout.
torch::Tensor torch_tensor(const gguf::Tensor& t);

//! Rows [heads * dim, in] of half-split RoPE heads -> adjacent-pair heads, and back.
torch::Tensor rope_halves_to_pairs(const torch::Tensor& w, int64_t heads, int64_t dim);
torch::Tensor rope_pairs_to_halves(const torch::Tensor& w, int64_t heads, int64_t dim);

//! The model's parameters and buffers by name, handed out once each; what is never taken is
//! either a known leftover (the MTP module, PPO's value head: noted) or an exporter's bug.
class ModelWeights {
 public:
  explicit ModelWeights(TransformerLM& model);
  const torch::Tensor& take(const std::string& name);
  bool has(const std::string& name) const { return all_.count(name) > 0; }
  //! Notes for the leftovers; throws std::logic_error for any other weight not taken.
  std::vector<std::string> leftovers() const;

 private:
  std::map<std::string, torch::Tensor> all_;
  std::set<std::string> taken_;
};

//! tokenizer.ggml.* for the byte vocabulary (GPT-2's byte-to-unicode characters, id = byte).
void add_byte_vocabulary(gguf::File& f, const Tokenizer& tokenizer);
//! tokenizer.ggml.* for a SentencePiece BPE vocabulary as llama.cpp's SPM tokenizer ("llama")
//! reads it: the pieces with their scores and types, no space prefix (the engine trains without
//! SentencePiece's dummy prefix), <s>, </s> and <unk> by their ids; a model with more rows than
//! pieces gets unused entries for the rest.
void add_sentencepiece_vocabulary(gguf::File& f, const Tokenizer& tokenizer, int64_t rows);
//! GPT-2's printable stand-in for each byte (bytes_to_unicode), as UTF-8.
std::vector<std::string> gpt2_byte_tokens();

//! Copies `weights` (name -> values) into the model's parameters and buffers of those names,
//! checking each shape; throws gguf::Error naming a mismatch.
void load_weights(TransformerLM& model, const std::map<std::string, torch::Tensor>& weights);
//! The tensor `name` of `f` in torch's layout; throws gguf::Error when it is missing.
torch::Tensor tensor_of(const gguf::File& f, const std::string& name);

}  // namespace r1wb::gpu
