#include "gpu/train/memory_estimate.h"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace r1wb::gpu {
namespace {

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

std::string gib(double bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f GiB", bytes / kGiB);
  return buf;
}

int64_t attention_parameters(const ModelConfig& m) {
  const int64_t d = m.d_model, h = m.n_heads, hd = d / std::max(1, m.n_heads);
  if (m.attention.kind == AttentionKind::Mla) {
    const int64_t r = m.attention.kv_lora_rank, rope = m.attention.rope_head_dim;
    return d * h * (hd + rope) + d * (r + rope) + r + r * h * 2 * hd + h * hd * d;
  }
  const int64_t kv = m.kv_heads();
  return d * (h + 2 * kv) * hd + d * d;
}

int64_t block_parameters(const ModelConfig& m, bool moe) {
  const int64_t d = m.d_model;
  int64_t ffn;
  if (moe) {
    const auto& c = m.moe;
    const int64_t E = c.num_experts, H = c.expert_hidden;
    ffn = d * E + E * H * d * (c.shared_input_proj ? 2 : 3) + (c.shared_input_proj ? H * d : 0) +
          3 * d * c.num_shared_experts * H;
  } else {
    ffn = 3 * d * m.ffn_hidden;
  }
  return 2 * d + attention_parameters(m) + ffn;  // two RMSNorms, attention, feed-forward
}

}  // namespace

std::string MemoryEstimate::describe() const {
  return "about " + gib(total()) + " (logits " + gib(logits_bytes) + ", weights and optimizer " + gib(state_bytes) +
         ", activations " + gib(activation_bytes) + ")";
}

MemoryEstimate estimate_training_memory(const Experiment& e) {
  const auto& m = e.model;
  const bool moe = m.ffn == FfnKind::Moe;
  const double V = m.vocab_size, d = m.d_model, L = m.n_layers;
  MemoryEstimate est;
  est.parameters = int64_t(V * d) * (m.tie_embeddings ? 1 : 2) + int64_t(d);
  for (int l = 0; l < m.n_layers; ++l) est.parameters += block_parameters(m, moe && l >= m.first_k_dense);
  if (m.mtp_weight > 0) est.parameters += 2 * int64_t(d) + 2 * int64_t(d * d) + block_parameters(m, moe);
  // fp32 weights and gradients, AdamW's two moments, the copy the update guard keeps.
  est.state_bytes = 20.0 * double(est.parameters);
  const double tokens = double(e.train.batch_size) / std::max(1, e.train.grad_accum) * e.data.seq_len;
  const double heads = m.n_heads, T = e.data.seq_len;
  const double outputs = m.mtp_weight > 0 ? 2 : 1;  // the MTP module has its own logits
  est.logits_bytes = outputs * 3.0 * 4.0 * tokens * V;
  const double per_token = 16.0 * d + (moe ? 3.0 * m.moe.top_k * m.moe.expert_hidden : 3.0 * m.ffn_hidden);
  est.activation_bytes = (L + (m.mtp_weight > 0 ? 1 : 0)) * 4.0 * (tokens * per_token + 2.0 * tokens * heads * T);
  return est;
}

std::optional<double> available_host_memory() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  double kb = 0;
  std::string unit;
  while (in >> key >> kb >> unit)
    if (key == "MemAvailable:") return kb * 1024.0;
  return std::nullopt;
}

void check_fits_in_host_memory(const Experiment& e) {
  const auto available = available_host_memory();
  if (!available) return;
  const auto est = estimate_training_memory(e);
  if (est.total() <= *available) return;
  std::ostringstream why;
  why << "this run needs " << est.describe() << " of memory, and this machine has " << gib(*available)
      << " available (model.vocab_size " << e.model.vocab_size << ", model.d_model " << e.model.d_model
      << ", model.n_layers " << e.model.n_layers << ", train.batch_size " << e.train.batch_size
      << " / train.grad_accum " << e.train.grad_accum << ", data.seq_len " << e.data.seq_len
      << "): lower the largest part, e.g. a smaller batch or more grad_accum for the logits";
  throw std::runtime_error(why.str());
}

}  // namespace r1wb::gpu
