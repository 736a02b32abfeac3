#include "gpu/train/parent_run.h"

#include "core/config/config_schema.h"
#include "gpu/train/checkpoint.h"
#include "gpu/train/ffn_pruning.h"

#include <filesystem>
#include <optional>
#include <stdexcept>

namespace fs = std::filesystem;

namespace r1wb::gpu {
namespace {

//! Model fields a later stage may change: they weight losses or limit routing, the weights
//! mean the same under them.
bool training_only(const std::string& path) {
  for (const char* p : {"model.moe.aux_loss_weight", "model.moe.seq_aux_loss_weight", "model.moe.z_loss_weight",
                        "model.moe.bias_update_speed", "model.moe.capacity_factor"})
    if (path == p) return true;
  return false;
}

//! FFN widths pruning may narrow.
bool prunable(const std::string& path) { return path == "model.ffn_hidden" || path == "model.moe.expert_hidden"; }

//! "model.d_model: parent 64, this run 128" for every model field that differs (FFN widths
//! narrower than the parent's aside when the run prunes).
std::string model_differences(const Experiment& parent, const Experiment& child) {
  std::string out;
  for (const auto& f : experiment_schema()) {
    if (f.path.rfind("model.", 0) != 0 || training_only(f.path)) continue;
    const auto a = f.read(parent), b = f.read(child);
    if (a == b) continue;
    if (child.init.prune != FfnPrune::None && prunable(f.path) && a.is_number() && b.is_number() &&
        b.get<double>() < a.get<double>())
      continue;
    out += (out.empty() ? "" : "; ") + f.path + ": parent " + value_text(a) + ", this run " + value_text(b);
  }
  return out;
}

}  // namespace

void copy_matching_weights(TransformerLM& from, TransformerLM& to) {
  torch::NoGradGuard no_grad;
  auto params = to->named_parameters(true);
  for (const auto& p : from->named_parameters(true))
    if (auto* into = params.find(p.key())) into->copy_(p.value());
  auto buffers = to->named_buffers(true);
  for (const auto& b : from->named_buffers(true))
    if (auto* into = buffers.find(b.key())) into->copy_(b.value());
}

void adopt_bpe_tokenizer(const std::string& from_run, const std::string& run_dir, const std::string& field) {
  for (const char* name : {"tokenizer.model", "tokenizer.vocab"}) {
    const auto from = fs::path(from_run) / name, to = fs::path(run_dir) / name;
    if (fs::exists(to)) continue;
    if (!fs::exists(from)) {
      if (std::string(name) == "tokenizer.model")
        throw std::runtime_error(field + ": " + from.string() + " is missing (that run's BPE tokenizer)");
      continue;
    }
    fs::create_directories(run_dir);
    fs::copy_file(from, to);
  }
}

ParentStart start_from_parent(const Experiment& e, const std::string& run_dir, TransformerLM& model, const Log& warn) {
  const std::string& parent = e.init.run;
  const auto config = (fs::path(parent) / "config.json").string();
  if (!fs::exists(config))
    throw std::runtime_error("init.run: " + parent + " is not a run directory (" + config + " is missing)");
  auto p = load_experiment_file(config);
  if (!p.ok())
    throw std::runtime_error("init.run: " + config + ": " + (p.errors.empty() ? "invalid" : p.errors[0].to_string()));
  if (auto diff = model_differences(p.experiment, e); !diff.empty())
    throw std::runtime_error("init.run: the parent " + parent + " trained a different model (" + diff +
                             "); a later stage keeps the parent's model, its balancing weights aside" +
                             (e.init.prune == FfnPrune::None ? "" : ", its FFN widths narrowed by init.prune") + ")");
  if (e.model.tokenizer == TokenizerKind::Bpe) adopt_bpe_tokenizer(parent, run_dir, "init.run");  // or its weights mean nothing
  const std::optional<int64_t> step = e.init.step >= 0 ? std::optional<int64_t>(e.init.step) : std::nullopt;
  // The parent's weights go into a plain model of the same architecture first: `model` may
  // carry modules this stage's objective added (PPO's value head), which the parent never had.
  // It stays on the CPU, so the device never holds the model twice.
  TransformerLM plain(e.model);
  ParentStart start{parent, 0};
  if (e.init.prune == FfnPrune::None) {
    start.step = load_model_weights(parent, step, *plain, torch::kCPU, warn);
  } else {
    TransformerLM wide(p.experiment.model);
    start.step = load_model_weights(parent, step, *wide, torch::kCPU, warn);
    prune_into(wide, plain);
  }
  copy_matching_weights(plain, model);
  return start;
}

}  // namespace r1wb::gpu
