#include "core/config/ablation.h"

#include "core/wire/telemetry.h"

#include "core/config/config_schema.h"

#include <algorithm>
#include <sstream>

namespace r1wb {
namespace {

using nlohmann::json;

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\n");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\n") - b + 1);
}

}  // namespace

std::vector<json> parse_axis_values(const std::string& path, const std::string& text,
                                    std::vector<std::string>& errors) {
  std::vector<json> out;
  const FieldSpec* f = find_field(path);
  if (!f) {
    errors.push_back(path + ": no such config field");
    return out;
  }
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    item = trim(item);
    if (item.empty()) continue;
    const std::string where = path + ": '" + item + "'";
    try {
      size_t used = 0;
      switch (f->type) {
        case FieldType::Int: {
          const long long v = std::stoll(item, &used);
          if (used != item.size()) throw std::invalid_argument("");
          out.emplace_back(v);
          break;
        }
        case FieldType::Float: {
          const double v = std::stod(item, &used);
          if (used != item.size()) throw std::invalid_argument("");
          out.emplace_back(v);
          break;
        }
        case FieldType::Bool:
          if (item != "true" && item != "false") throw std::invalid_argument("");
          out.emplace_back(item == "true");
          break;
        case FieldType::Enum:
          if (std::find(f->choices.begin(), f->choices.end(), item) == f->choices.end()) {
            std::string choices;
            for (const auto& c : f->choices) choices += (choices.empty() ? "" : ", ") + c;
            errors.push_back(where + " is not one of " + choices);
            continue;
          }
          out.emplace_back(item);
          break;
        case FieldType::String: out.emplace_back(item); break;
        case FieldType::List: errors.push_back(path + ": a list field cannot be an ablation axis"); return {};
      }
    } catch (const std::exception&) {
      errors.push_back(where + " is not " +
                       (f->type == FieldType::Int     ? "an integer"
                        : f->type == FieldType::Float ? "a number"
                                                      : "true or false"));
    }
  }
  if (out.empty() && errors.empty()) errors.push_back(path + ": no values (expected a comma-separated list)");
  return out;
}

AblationPlan expand_ablation(const json& base, const std::vector<AblationAxis>& axes) {
  AblationPlan plan;
  if (axes.empty()) {
    plan.errors.push_back("pick at least one field to vary");
    return plan;
  }
  for (size_t i = 0; i < axes.size(); ++i) {
    if (!find_field(axes[i].path)) plan.errors.push_back(axes[i].path + ": no such config field");
    if (axes[i].values.empty()) plan.errors.push_back(axes[i].path + ": no values");
    for (size_t j = 0; j < i; ++j)
      if (axes[j].path == axes[i].path) plan.errors.push_back(axes[i].path + ": chosen twice");
  }
  if (!plan.errors.empty()) return plan;
  std::vector<size_t> at(axes.size(), 0);
  while (true) {
    AblationCell cell;
    json doc = base;
    for (size_t a = 0; a < axes.size(); ++a) {
      const json& v = axes[a].values[at[a]];
      doc[config_pointer(axes[a].path)] = v;
      cell.values.push_back(v);
      cell.label += (cell.label.empty() ? "" : " ") + axes[a].path + "=" + value_text(v);
    }
    const ConfigResult r = validate_experiment(doc);
    if (r.ok()) {
      cell.config = r.resolved;
      plan.cells.push_back(std::move(cell));
    } else {
      for (const auto& e : r.errors) plan.errors.push_back(cell.label + ": " + e.to_string());
    }
    size_t a = axes.size();
    while (a > 0 && ++at[a - 1] == axes[a - 1].values.size()) at[--a] = 0;
    if (a == 0) break;
  }
  return plan;
}

double ResultRow::best(const std::string& metric) const {
  auto it = metrics.find(metric);
  if (it == metrics.end()) return 0;
  return telemetry::higher_is_better(metric) ? it->second.max : it->second.min;
}

std::vector<ResultRow> ablation_results(Store& store, const std::vector<int64_t>& run_ids,
                                        const std::vector<std::string>& axis_paths) {
  std::vector<ResultRow> rows;
  for (int64_t id : run_ids) {
    auto run = store.run(id);
    if (!run) continue;  // deleted since
    ResultRow row;
    row.run_id = id;
    row.run_name = run->name;
    row.status = run->status;
    const json config = json::parse(run->config_json, nullptr, false);
    for (const auto& p : axis_paths) row.axis_values.push_back(config.is_discarded() ? json() : value_at(config, p));
    for (auto& m : store.metric_summaries(id)) row.metrics.emplace(m.name, std::move(m));
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace r1wb
