#include "gpu/export/gguf_blockers.h"

namespace r1wb::gpu {

std::vector<std::string> runtime_blockers(const Experiment& e) {
  const auto& m = e.model;
  const auto& a = m.attention;
  const auto& moe = m.moe;
  std::vector<std::string> out;
  auto block = [&](const std::string& field, const std::string& value, const std::string& why) {
    out.push_back(field + ": " + value + ": " + why);
  };
  if (m.tokenizer == TokenizerKind::Byte && m.vocab_size != 256)
    block("model.vocab_size", std::to_string(m.vocab_size), "a byte vocabulary has 256 tokens; 256 exports");
  if (a.sliding_window > 0)
    block("model.attention.sliding_window", std::to_string(a.sliding_window),
          "llama.cpp's llama and deepseek2 attend to every earlier token; 0 exports");
  if (a.scores == AttentionScores::SigmoidGate)
    block("model.attention.scores", "sigmoid_gate", "llama.cpp has no sigmoid attention gate; softmax exports");
  if (m.ffn != FfnKind::Moe) return out;
  if (moe.dynamic_k_max > 0)
    block("model.moe.dynamic_k_max", std::to_string(moe.dynamic_k_max),
          "llama.cpp routes every token to top_k experts; 0 exports");
  if (moe.shared_input_proj)
    block("model.moe.shared_input_proj", "true", "llama.cpp's experts have their own up-projections; false exports");
  if (moe.capacity_factor > 0)
    block("model.moe.capacity_factor", std::to_string(moe.capacity_factor),
          "llama.cpp drops no tokens at an expert's capacity; 0 (dropless) exports");
  return out;
}

}  // namespace r1wb::gpu
