#include "gpu/train/probes.h"

#include "core/wire/telemetry.h"

namespace r1wb::gpu {
namespace {

wire::Snapshot snapshot(int64_t step, std::string name, const torch::Tensor& matrix,
                        std::vector<std::string> row_labels = {}) {
  auto m = matrix.to(torch::kCPU, torch::kFloat32).contiguous();
  wire::Snapshot s{step, std::move(name), uint32_t(m.size(0)), uint32_t(m.size(1)), {}, std::move(row_labels)};
  s.data.assign(m.data_ptr<float>(), m.data_ptr<float>() + m.numel());
  return s;
}

}  // namespace

std::vector<wire::Snapshot> run_probes(TransformerLM& model, const Tokenizer& tokenizer, const std::string& text,
                                       int64_t step, torch::Device device) {
  auto ids = tokenizer.encode(text);
  const int64_t T = std::min<int64_t>(int64_t(ids.size()), model->cfg.max_seq_len);
  std::vector<wire::Snapshot> out;
  if (T == 0) return out;
  auto tokens = torch::tensor(ids, torch::kInt64).narrow(0, 0, T).unsqueeze(0);

  torch::NoGradGuard no_grad;
  const bool was_training = model->is_training();
  model->eval();
  for (auto& m : *model->blocks) m->as<Block>()->capture_attention(true);
  auto result = model->forward(tokens.to(device));
  for (auto& m : *model->blocks) m->as<Block>()->capture_attention(false);
  if (was_training) model->train();

  out.push_back(snapshot(step, telemetry::kProbeTokens, tokens.to(torch::kFloat32)));
  std::vector<torch::Tensor> choices, weights;
  std::vector<std::string> labels;  // "layer 1 / choice 0": a reader need not infer k
  for (const auto& m : result.moe)
    if (m.layer < model->cfg.n_layers) {  // the MTP block is not a layer
      choices.push_back(m.experts.t());   // [k, T]
      weights.push_back(m.weights.t());
      for (int64_t j = 0; j < m.experts.size(1); ++j)
        labels.push_back(telemetry::probe_choice_label("layer " + std::to_string(m.layer), int(j)));
    }
  if (!choices.empty()) {
    out.push_back(snapshot(step, telemetry::kProbeExpertChoice, torch::cat(choices, 0), labels));
    out.push_back(snapshot(step, telemetry::kProbeExpertWeight, torch::cat(weights, 0), labels));
  }

  std::vector<torch::Tensor> entropies;
  for (size_t i = 0; i < model->blocks->size(); ++i) {
    auto w = model->blocks[i]->as<Block>()->attention_weights()[0].to(torch::kFloat32);  // [H, T, T]
    out.push_back(snapshot(step, telemetry::probe_attention(int(i)), w.reshape({-1, T})));
    auto p = w / w.sum(-1, true).clamp_min(1e-12);                          // the sigmoid gate's rows need not sum to 1
    entropies.push_back(-(p * p.clamp_min(1e-12).log()).sum(-1).mean(-1));  // [H]
  }
  out.push_back(snapshot(step, telemetry::kProbeAttentionEntropy, torch::stack(entropies)));
  return out;
}

}  // namespace r1wb::gpu
