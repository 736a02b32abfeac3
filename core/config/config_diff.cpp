#include "core/config/config_diff.h"

#include <set>

namespace r1wb {
namespace {

void walk(const nlohmann::json& a, const nlohmann::json& b, const std::string& path, std::vector<ConfigChange>& out) {
  if (a.is_object() && b.is_object()) {
    std::set<std::string> keys;
    for (auto it = a.begin(); it != a.end(); ++it) keys.insert(it.key());
    for (auto it = b.begin(); it != b.end(); ++it) keys.insert(it.key());
    for (const auto& k : keys) {
      const std::string p = path.empty() ? k : path + "." + k;
      walk(a.contains(k) ? a.at(k) : nlohmann::json(), b.contains(k) ? b.at(k) : nlohmann::json(), p, out);
    }
    return;
  }
  // 1 and 1.0 are the same setting.
  if (a.is_number() && b.is_number() && a.get<double>() == b.get<double>()) return;
  if (a != b) out.push_back({path, a, b});
}

}  // namespace

std::vector<ConfigChange> diff_configs(const nlohmann::json& parent, const nlohmann::json& child) {
  std::vector<ConfigChange> out;
  walk(parent, child, "", out);
  return out;
}

std::string to_string(const ConfigChange& c) {
  auto text = [](const nlohmann::json& v) { return v.is_null() ? std::string("(none)") : v.dump(); };
  return c.path + ": " + text(c.before) + " -> " + text(c.after);
}

}  // namespace r1wb
