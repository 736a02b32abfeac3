#include "gpu/cli/engine_logprobs.h"

#include "gpu/export/gguf_export.h"
#include "gpu/export/safetensors_export.h"

#include <filesystem>
#include <stdexcept>

namespace r1wb::gpu {

void load_export_weights(TrainedModel& run, const std::string& export_path) {
  if (std::filesystem::is_directory(export_path))  // a safetensors export folder
    load_safetensors(safetensors::read((std::filesystem::path(export_path) / "model.safetensors").string(), true),
                     run.model, run.experiment);
  else
    load_gguf(gguf::read(export_path, true), run.model, run.experiment);
}

NextLogprobs engine_logprobs(TrainedModel& run, const std::string& text) {
  const auto ids = run.tokenizer->encode(text);
  if (int64_t(ids.size()) > run.experiment.model.max_seq_len)
    throw std::invalid_argument("--text: " + std::to_string(ids.size()) + " tokens, model.max_seq_len is " +
                                std::to_string(run.experiment.model.max_seq_len));
  torch::NoGradGuard no_grad;
  run.model->eval();
  const auto device = run.model->parameters().front().device();
  const auto tokens = torch::tensor(ids, torch::kInt64).view({1, -1}).to(device);
  const auto logp = torch::log_softmax(run.model->forward(tokens).logits.to(torch::kFloat32), -1)[0].to(torch::kCPU);
  NextLogprobs out;
  out.tokens.assign(ids.begin(), ids.end());
  for (int64_t t = 0; t < logp.size(0); ++t) {
    const auto row = logp[t].contiguous();
    out.rows.emplace_back(row.data_ptr<float>(), row.data_ptr<float>() + row.numel());
  }
  return out;
}

}  // namespace r1wb::gpu
