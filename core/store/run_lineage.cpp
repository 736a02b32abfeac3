#include "core/store/run_lineage.h"

#include <algorithm>
#include <filesystem>

namespace r1wb {
namespace {

std::string canonical(const std::string& path) {
  std::error_code ec;
  auto p = std::filesystem::weakly_canonical(path, ec);
  if (ec) p = std::filesystem::path(path);
  p = p.lexically_normal();
  if (p.has_parent_path() && p.filename().empty()) p = p.parent_path();  // "/runs/base/" is "/runs/base"
  return p.string();
}

}  // namespace

std::string parent_dir_of(const RunRow& run) {
  const auto doc = nlohmann::json::parse(run.config_json, nullptr, false);
  const auto v = doc.is_object() ? value_at(doc, "init.run") : nlohmann::json();
  return v.is_string() ? v.get<std::string>() : "";
}

std::optional<size_t> run_with_dir(const std::vector<RunRow>& runs, const std::string& dir, int64_t except_id) {
  if (dir.empty()) return std::nullopt;
  const std::string want = canonical(dir);
  for (size_t i = 0; i < runs.size(); ++i)
    if (runs[i].id != except_id && !runs[i].run_dir.empty() && canonical(runs[i].run_dir) == want) return i;
  return std::nullopt;
}

std::optional<size_t> parent_index(const std::vector<RunRow>& runs, const RunRow& run) {
  return run_with_dir(runs, parent_dir_of(run), run.id);
}

std::vector<LineageStage> lineage(const std::vector<RunRow>& runs, size_t run) {
  std::vector<size_t> chain{run};  // the run first, then its parent, ...
  for (auto p = parent_index(runs, runs[run]); p; p = parent_index(runs, runs[*p])) {
    if (std::find(chain.begin(), chain.end(), *p) != chain.end()) break;  // a cycle
    chain.push_back(*p);
  }
  std::vector<LineageStage> out;
  int64_t offset = 0;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    if (!out.empty()) {
      const RunRow& parent = runs[out.back().index];
      const auto doc = nlohmann::json::parse(runs[*it].config_json, nullptr, false);
      const auto step = doc.is_object() ? value_at(doc, "init.step") : nlohmann::json();
      const int64_t from =
          step.is_number_integer() && step.get<int64_t>() >= 0 ? step.get<int64_t>() : parent.last_step;
      offset += std::max<int64_t>(from, 0);
    }
    out.push_back({*it, offset});
  }
  return out;
}

nlohmann::json continue_from(const RunRow& run, Stage stage) {
  auto doc = nlohmann::json::parse(run.config_json, nullptr, false);
  if (!doc.is_object()) doc = nlohmann::json::object();
  doc["stage"] = name_of(stage);
  doc["init"] = {{"run", run.run_dir}, {"step", -1}};
  doc["name"] = run.experiment + "-" + name_of(stage);
  return doc;
}

namespace {

//! A fine-tune of `run` (stage sft from its newest checkpoint): a quarter of its steps, at least
//! 50, at a tenth of its learning rate: the recovery QAT and pruning share.
nlohmann::json recovery_fine_tune_of(const RunRow& run) {
  auto doc = continue_from(run, Stage::Sft);
  const auto parent = validate_experiment(nlohmann::json::parse(run.config_json, nullptr, false));
  if (parent.ok()) {
    const auto& t = parent.experiment.train;
    doc["train"]["steps"] = std::max(50, t.steps / 4);
    doc["train"]["lr"] = t.lr / 10;
    doc["train"]["warmup_steps"] = std::min(t.warmup_steps, std::max(50, t.steps / 4) / 2);
  }
  return doc;
}

}  // namespace

nlohmann::json quantize_from(const RunRow& run) {
  auto doc = recovery_fine_tune_of(run);
  doc["name"] = run.experiment + "-qat";
  doc["quant"] = {{"weights", "int4"}, {"group_size", 32}, {"activations", "none"}, {"start_step", 0}};
  return doc;
}

nlohmann::json prune_from(const RunRow& run) {
  auto doc = recovery_fine_tune_of(run);
  doc["name"] = run.experiment + "-pruned";
  doc.erase("quant");
  doc["init"]["prune"] = "magnitude";
  for (const char* path : {"model.ffn_hidden", "model.moe.expert_hidden"}) {
    const auto v = value_at(doc, path);
    if (!v.is_number_integer() || v.get<int64_t>() < 2) continue;
    auto trial = doc;
    trial[config_pointer(path)] = v.get<int64_t>() / 2;
    if (validate_experiment(trial).ok()) doc = std::move(trial);
  }
  return doc;
}

nlohmann::json distill_from(const RunRow& run) {
  auto doc = nlohmann::json::parse(run.config_json, nullptr, false);
  if (!doc.is_object()) doc = nlohmann::json::object();
  doc.erase("init");
  doc.erase("quant");
  doc["stage"] = name_of(Stage::Distill);
  doc["name"] = run.experiment + "-distilled";
  doc["distill"] = {{"teacher", run.run_dir}, {"teacher_step", -1}, {"loss", "forward_kl"}};
  // Halve what halves cleanly; a field that would break a rule keeps the teacher's value.
  const auto teacher = validate_experiment(doc);
  if (!teacher.ok()) return doc;
  auto halve = [&](const std::string& path) {
    auto v = value_at(doc, path);
    if (!v.is_number_integer() || v.get<int64_t>() < 2) return;
    auto trial = doc;
    trial[config_pointer(path)] = v.get<int64_t>() / 2;
    if (validate_experiment(trial).ok()) doc = std::move(trial);
  };
  for (const char* path : {"model.d_model", "model.n_layers", "model.ffn_hidden", "model.moe.expert_hidden"})
    halve(path);
  return doc;
}

}  // namespace r1wb
