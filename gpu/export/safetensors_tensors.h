// What the Hugging Face layouts (safetensors_llama.h, safetensors_deepseek.h) share: a writer
// that adds the model's tensors under transformers' key names, as f32/f16/bf16 or, for the block
// matrices, as int8/int4 integers and scales (on a run's learned steps when it learned them on
// this grid: learned_steps.h), and the readers that give the float values back.
#pragma once
#include "core/config/config.h"
#include "core/formats/safetensors.h"
#include "gpu/export/gguf_tensors.h"

#include <string>

namespace r1wb::gpu {

class HfWriter {
 public:
  //! `type` f32, f16, bf16, int8 or int4 (the block matrices'; the rest f32 when quantized).
  HfWriter(ModelWeights& w, safetensors::File& f, const Experiment& e, std::string type, int group);
  //! A block matrix [out, in] under `key`, with its learned steps [out, in / group] if any.
  void matrix(const std::string& key, const torch::Tensor& w, const torch::Tensor& steps = {});
  //! The model's block matrix `name` under `key`.
  void matrix(const std::string& key, const std::string& name) { matrix(key, w_.take(name), steps(name)); }
  //! A tensor kept in float (norms, routers, embedding, head) under `key`: in the export's float
  //! type, or in f32 whatever the type with `f32` (a selection bias, which only picks experts
  //! and whose near-ties bf16 would flip, as DeepSeek's checkpoints keep it).
  void plain(const std::string& key, const torch::Tensor& t, bool f32 = false);
  void plain(const std::string& key, const std::string& name, bool f32 = false) { plain(key, w_.take(name), f32); }
  //! The learned steps of the block matrix `name` when this export stores them, else undefined.
  torch::Tensor steps(const std::string& name);
  ModelWeights& weights() { return w_; }
  bool quantized() const { return type_ == "int8" || type_ == "int4"; }
  //! Marks the steps' bookkeeping taken (call once every matrix is written).
  void finish();

 private:
  ModelWeights& w_;
  safetensors::File& f_;
  std::string type_;
  int group_;
  bool learned_ = false;  //!< the run learned its steps on this export's grid
  bool experts_ = true;   //!< its routed experts learned steps too
};

//! The float values of the matrix under `key` ([out, in], `in` its input width), dequantized
//! when the file holds it quantized.
torch::Tensor read_matrix(const safetensors::File& f, const std::string& key, int64_t in);
//! The float values of a tensor stored in float.
torch::Tensor read_plain(const safetensors::File& f, const std::string& key);

}  // namespace r1wb::gpu
