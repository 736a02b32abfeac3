#include "core/cli/command_args.h"

#include <algorithm>
#include <cmath>

namespace r1wb {

std::optional<Args> parse_args(const std::vector<std::string>& in, const std::vector<std::string>& with_value,
                               const std::vector<std::string>& flags, std::string& error) {
  Args a;
  for (size_t i = 0; i < in.size(); ++i) {
    const auto& s = in[i];
    if (s.rfind("--", 0) != 0) {
      a.positional.push_back(s);
      continue;
    }
    const std::string name = s.substr(2);
    if (std::find(with_value.begin(), with_value.end(), name) != with_value.end()) {
      if (i + 1 >= in.size()) {
        error = s + " needs a value";
        return std::nullopt;
      }
      if (a.options.count(name)) {  // which one was meant is not ours to guess
        error = s + " given twice ('" + a.options[name] + "' and '" + in[i + 1] + "'); give it once";
        return std::nullopt;
      }
      a.options[name] = in[++i];
    } else if (std::find(flags.begin(), flags.end(), name) != flags.end()) {
      if (a.flags.count(name)) {
        error = s + " given twice; give it once";
        return std::nullopt;
      }
      a.flags[name] = true;
    } else {
      error = "unknown option " + s;
      return std::nullopt;
    }
  }
  return a;
}

bool wants_help(const std::vector<std::string>& args) {
  return std::find(args.begin(), args.end(), "--help") != args.end() ||
         std::find(args.begin(), args.end(), "-h") != args.end();
}

std::optional<int64_t> int_option(const Args& a, const std::string& name, int64_t fallback, int64_t min) {
  auto it = a.options.find(name);
  if (it == a.options.end()) return fallback;
  try {
    size_t used = 0;
    const int64_t v = std::stoll(it->second, &used);
    if (used != it->second.size() || v < min) return std::nullopt;
    return v;
  } catch (...) {
    return std::nullopt;
  }
}

std::optional<double> double_option(const Args& a, const std::string& name, double fallback, double min, double max) {
  auto it = a.options.find(name);
  if (it == a.options.end()) return fallback;
  try {
    size_t used = 0;
    const double v = std::stod(it->second, &used);
    if (used != it->second.size() || !std::isfinite(v) || v < min || v > max) return std::nullopt;
    return v;
  } catch (...) {
    return std::nullopt;
  }
}

}  // namespace r1wb
