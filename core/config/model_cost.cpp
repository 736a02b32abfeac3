#include "core/config/model_cost.h"

#include "core/store/store.h"

#include <cmath>
#include <cstdio>

namespace r1wb {

ModelCost model_cost(const ModelConfig& c, int seq_len) {
  const int64_t D = c.d_model;
  const auto& a = c.attention;
  const int64_t hd = D / c.n_heads, kv_heads = c.kv_heads();
  const int64_t attn =
      a.kind == AttentionKind::Mla
          ? D * c.n_heads * (hd + a.rope_head_dim) + D * (a.kv_lora_rank + a.rope_head_dim) + a.kv_lora_rank +
                a.kv_lora_rank * c.n_heads * 2 * hd + c.n_heads * hd * D +
                (a.scores == AttentionScores::SigmoidGate ? c.n_heads : 0)
          : D * (c.n_heads + 2 * kv_heads) * hd + D * D + (a.scores == AttentionScores::SigmoidGate ? c.n_heads : 0);
  const int64_t dense_ffn = 3 * D * c.ffn_hidden;
  const auto& m = c.moe;
  const int64_t H = m.expert_hidden;
  // A routed expert: gate and down always, up unless the up-projection is shared.
  const int64_t expert = (m.shared_input_proj ? 2 : 3) * D * H;
  const int64_t moe_fixed = D * m.num_experts + 3 * D * H * m.num_shared_experts + (m.shared_input_proj ? D * H : 0);
  const int64_t moe_layers = c.ffn == FfnKind::Moe ? c.n_layers - c.first_k_dense : 0;
  const int64_t dense_layers = c.n_layers - moe_layers;
  const int64_t ffn_total = moe_layers * (moe_fixed + expert * m.num_experts) + dense_layers * dense_ffn;
  const int64_t ffn_active = moe_layers * (moe_fixed + expert * m.top_k) + dense_layers * dense_ffn;
  const int64_t embed = int64_t(c.vocab_size) * D * (c.tie_embeddings ? 1 : 2);
  ModelCost cost;
  cost.params = embed + c.n_layers * (attn + 2 * D) + ffn_total + D;
  cost.active_params = embed + c.n_layers * (attn + 2 * D) + ffn_active + D;
  if (c.mtp_weight > 0) {  // two norms, the projection and one more block of the last layer's kind
    const int64_t block_total = attn + 2 * D + (moe_layers > 0 ? moe_fixed + expert * m.num_experts : dense_ffn);
    const int64_t block_active = attn + 2 * D + (moe_layers > 0 ? moe_fixed + expert * m.top_k : dense_ffn);
    cost.params += 2 * D + 2 * D * D + block_total;
    cost.active_params += 2 * D + 2 * D * D + block_active;
  }
  // Matmul FLOPs per token: weights (2 per parameter used), the head, and QK^T plus AV
  // averaged over causal positions (seq/2 keys each). Dynamic top-k counts as top_k.
  const double weights = 2.0 * (c.n_layers * attn + ffn_active) + 2.0 * D * c.vocab_size;
  const double attention = 2.0 * c.n_layers * 2.0 * D * (seq_len / 2.0);
  cost.forward_flops_per_token = weights + attention;
  return cost;
}

RunCost run_cost(const Experiment& e) {
  RunCost r;
  r.model = model_cost(e.model, e.data.seq_len);
  r.train_flops_per_token = 3.0 * r.model.forward_flops_per_token;
  r.tokens_per_step = int64_t(e.train.batch_size) * e.train.grad_accum * e.data.seq_len;
  r.total_flops = r.train_flops_per_token * double(r.tokens_per_step) * double(e.train.steps);
  return r;
}

std::optional<Throughput> measured_throughput(Store& store, const std::string& host, int recent_runs) {
  Throughput t;
  double sum = 0;
  for (const auto& [config_json, tokens_per_s] : store.recent_metric_means("perf/tokens_per_s", host, recent_runs)) {
    const ConfigResult r = parse_experiment(config_json);
    if (!r.ok() || tokens_per_s <= 0) continue;
    sum += tokens_per_s * run_cost(r.experiment).train_flops_per_token;
    ++t.runs;
  }
  if (t.runs == 0) return std::nullopt;
  t.flops_per_s = sum / t.runs;
  return t;
}

std::string si_number(double x) {
  const char* units[] = {"", " k", " M", " G", " T", " P"};
  int u = 0;
  while (std::fabs(x) >= 1000 && u < 5) {
    x /= 1000;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f%s" : "%.3g%s", x, units[u]);
  return buf;
}

}  // namespace r1wb
