#include "core/store/compression_family.h"

#include "core/store/run_lineage.h"

#include <algorithm>
#include <functional>

namespace r1wb {
namespace {

nlohmann::json config_of(const RunRow& run) {
  auto doc = nlohmann::json::parse(run.config_json, nullptr, false);
  return doc.is_object() ? doc : nlohmann::json::object();
}

std::string text_at(const nlohmann::json& doc, const std::string& path) {
  const auto v = value_at(doc, path);
  return v.is_string() ? v.get<std::string>() : "";
}

}  // namespace

std::optional<size_t> source_index(const std::vector<RunRow>& runs, const RunRow& run) {
  const auto doc = config_of(run);
  if (text_at(doc, "stage") == "distill") return run_with_dir(runs, text_at(doc, "distill.teacher"), run.id);
  return parent_index(runs, run);
}

std::string compression_role(const RunRow& run) {
  const auto doc = config_of(run);
  const std::string stage = text_at(doc, "stage");
  if (stage == "distill") {
    const std::string loss = text_at(doc, "distill.loss");
    return "distilled (" + (loss.empty() ? std::string("forward_kl") : loss) + ")";
  }
  if (text_at(doc, "init.prune") == "magnitude") {
    std::string role = "pruned";
    const auto moe = text_at(doc, "model.ffn") == "moe";
    const auto width = value_at(doc, moe ? "model.moe.expert_hidden" : "model.ffn_hidden");
    if (width.is_number_integer()) role += moe ? " (experts " + std::to_string(width.get<int>()) + " wide)"
                                               : " (ffn " + std::to_string(width.get<int>()) + " wide)";
    return role;
  }
  const std::string weights = text_at(doc, "quant.weights");
  if (!weights.empty() && weights != "none") {
    std::string role = "QAT " + weights;
    const auto group = value_at(doc, "quant.group_size");
    if (weights == "int4") role += "-g" + std::to_string(group.is_number_integer() ? group.get<int>() : 32);
    const std::string acts = text_at(doc, "quant.activations");
    if (!acts.empty() && acts != "none") role += " + " + acts + " activations";
    return role;
  }
  return stage.empty() ? "pretrain" : stage;
}

std::vector<FamilyMember> compression_family(const std::vector<RunRow>& runs, size_t run) {
  std::vector<std::optional<size_t>> source(runs.size());
  for (size_t i = 0; i < runs.size(); ++i) source[i] = source_index(runs, runs[i]);
  size_t root = run;
  std::vector<size_t> seen{run};
  while (source[root] && std::find(seen.begin(), seen.end(), *source[root]) == seen.end()) {
    root = *source[root];
    seen.push_back(root);
  }
  std::vector<FamilyMember> out;
  std::vector<bool> visited(runs.size(), false);
  std::function<void(size_t, int)> visit = [&](size_t i, int depth) {
    if (visited[i]) return;  // a cycle
    visited[i] = true;
    out.push_back({i, depth, compression_role(runs[i])});
    std::vector<size_t> children;  // oldest (lowest id) first, whatever order `runs` is in
    for (size_t c = 0; c < runs.size(); ++c)
      if (source[c] == i) children.push_back(c);
    std::sort(children.begin(), children.end(), [&](size_t a, size_t b) { return runs[a].id < runs[b].id; });
    for (size_t c : children) visit(c, depth + 1);
  };
  visit(root, 0);
  return out;
}

}  // namespace r1wb
