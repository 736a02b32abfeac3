#include "core/store/run_lineage.h"

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

std::optional<size_t> parent_index(const std::vector<RunRow>& runs, const RunRow& run) {
  const std::string parent = parent_dir_of(run);
  if (parent.empty()) return std::nullopt;
  const std::string want = canonical(parent);
  for (size_t i = 0; i < runs.size(); ++i)
    if (runs[i].id != run.id && !runs[i].run_dir.empty() && canonical(runs[i].run_dir) == want) return i;
  return std::nullopt;
}

nlohmann::json continue_from(const RunRow& run, Stage stage) {
  auto doc = nlohmann::json::parse(run.config_json, nullptr, false);
  if (!doc.is_object()) doc = nlohmann::json::object();
  doc["stage"] = name_of(stage);
  doc["init"] = {{"run", run.run_dir}, {"step", -1}};
  doc["name"] = run.experiment + "-" + name_of(stage);
  return doc;
}

}  // namespace r1wb
