#include "core/formats/next_logprobs.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>

namespace r1wb {

NextLogprobs parse_next_logprobs(const std::string& json_text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json_text);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("not JSON: ") + e.what());
  }
  if (!j.is_object() || !j.contains("tokens") || !j["tokens"].is_array())
    throw std::runtime_error("no \"tokens\" array");
  if (!j.contains("next_logprobs") || !j["next_logprobs"].is_array())
    throw std::runtime_error("no \"next_logprobs\" array");
  NextLogprobs l;
  try {
    l.tokens = j["tokens"].get<std::vector<int64_t>>();
    for (const auto& row : j["next_logprobs"]) {
      std::vector<double> r;
      r.reserve(row.size());
      for (const auto& v : row) r.push_back(v.is_null() ? std::numeric_limits<double>::quiet_NaN() : v.get<double>());
      l.rows.push_back(std::move(r));
    }
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(std::string("malformed entry: ") + e.what());
  }
  if (l.rows.size() != l.tokens.size())
    throw std::runtime_error(std::to_string(l.tokens.size()) + " tokens but " + std::to_string(l.rows.size()) +
                             " rows of next-token log-probs");
  return l;
}

double max_logprob_difference(const NextLogprobs& reference, const NextLogprobs& other, double floor) {
  double worst = 0;
  const size_t n = std::min(reference.rows.size(), other.rows.size());
  for (size_t t = 0; t < n; ++t)
    for (size_t v = 0; v < reference.rows[t].size(); ++v) {
      const double r = reference.rows[t][v];
      if (!(r >= floor)) continue;
      const double o = v < other.rows[t].size() ? other.rows[t][v] : std::nan("");
      worst = std::max(worst, std::isnan(o) ? INFINITY : std::fabs(r - o));
    }
  return worst;
}

double llama_cpp_bound(const std::string& type) {
  static const std::map<std::string, double> bounds = {
      {"f32", 1e-3}, {"f16", 1e-2}, {"bf16", 5e-2}, {"q8_0", 5e-2}, {"q4_0", 5e-2}};
  const auto it = bounds.find(type);
  return it == bounds.end() ? 0 : it->second;
}

}  // namespace r1wb
