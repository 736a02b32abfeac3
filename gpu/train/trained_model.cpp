#include "gpu/train/trained_model.h"

#include "gpu/quant/learned_steps.h"
#include "gpu/runtime/device.h"
#include "gpu/runtime/threads.h"
#include "gpu/train/checkpoint.h"

#include <filesystem>
#include <stdexcept>

namespace r1wb::gpu {

TrainedModel open_trained_model(const std::string& run_dir, std::optional<int64_t> step, const Log& log) {
  const auto config = (std::filesystem::path(run_dir) / "config.json").string();
  if (!std::filesystem::exists(config))
    throw std::runtime_error(run_dir + " is not a run directory (" + config + " is missing)");
  auto r = load_experiment_file(config);
  if (!r.ok()) throw std::runtime_error(config + ": " + (r.errors.empty() ? "invalid" : r.errors.front().to_string()));
  TrainedModel t;
  t.experiment = r.experiment;
  if (auto note = apply_thread_settings(t.experiment.train.threads, t.experiment.train.blas_threads); !note.empty())
    log(note);
  const auto device = training_device(t.experiment.train.device);
  t.tokenizer = open_run_tokenizer(t.experiment, run_dir, log);
  t.model = TransformerLM(t.experiment.model);
  attach_learned_steps(t.model, t.experiment.quant);  // a checkpoint of a run with them holds them
  t.model->to(device);
  t.step = load_model_weights(run_dir, step, *t.model, device, log);
  t.model->eval();
  if (t.experiment.quant.any() && t.step > t.experiment.quant.start_step) run_quantized(t, t.experiment.quant);
  return t;
}

void run_quantized(TrainedModel& t, const QuantConfig& q) {
  t.model->set_matmul_hooks(q.any() ? quant_hooks(t.model, q) : MatmulHooks{}, q.experts);
}

}  // namespace r1wb::gpu
