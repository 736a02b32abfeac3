// Ablation grids: one or two config fields, each with a list of values, expanded into one
// resolved experiment per combination, and the results of those runs read back as a table
// with a row per combination and final/min/max/best of every metric.
//
// Values are typed by the schema (an Int field takes "2, 4, 8"; an Enum one its choices), and
// every cell is validated as a whole experiment before anything is queued, so a grid either
// queues completely or reports each bad value with the field path and what was expected.
#pragma once
#include "core/config/config.h"
#include "core/store/store.h"

#include <map>
#include <string>
#include <vector>

namespace r1wb {

struct AblationAxis {
  std::string path;  //!< "model.moe.top_k"
  std::vector<nlohmann::json> values;
};

//! Parses a comma-separated list of values for `path`; problems are appended to `errors`.
std::vector<nlohmann::json> parse_axis_values(const std::string& path, const std::string& text,
                                              std::vector<std::string>& errors);

struct AblationCell {
  std::vector<nlohmann::json> values;  //!< one per axis
  std::string label;                   //!< "model.moe.top_k=2 train.lr=0.001"
  nlohmann::json config;               //!< resolved experiment
};

struct AblationPlan {
  std::vector<AblationCell> cells;  //!< first axis outermost
  std::vector<std::string> errors;  //!< empty when every cell is a valid experiment
  bool ok() const { return errors.empty() && !cells.empty(); }
};

//! Every combination of the axes' values applied to `base` (an experiment document).
AblationPlan expand_ablation(const nlohmann::json& base, const std::vector<AblationAxis>& axes);

struct ResultRow {
  int64_t run_id = 0;
  std::string run_name;
  RunStatus status = RunStatus::Created;
  std::vector<nlohmann::json> axis_values;  //!< the run's config at each axis path
  std::map<std::string, MetricSummary> metrics;
  //! The best value of a metric over the run: min or max per telemetry::higher_is_better().
  double best(const std::string& metric) const;
};

//! One row per run, with its values at `axis_paths` read from the run's own stored config.
std::vector<ResultRow> ablation_results(Store& store, const std::vector<int64_t>& run_ids,
                                        const std::vector<std::string>& axis_paths);

}  // namespace r1wb
