#include "views/charts/plot_axes.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace r1wb::views {

Ticks nice_ticks(double lo, double hi, int max_ticks, bool integers) {
  Ticks t;
  max_ticks = std::max(2, max_ticks);
  const double raw = (hi - lo) / max_ticks;
  if (!(raw > 0) || !std::isfinite(raw)) {  // an empty or broken range: one tick at lo
    t.first = lo;
    t.count = std::isfinite(lo) ? 1 : 0;
    return t;
  }
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double norm = raw / mag;
  t.step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
  if (integers) t.step = std::max(1.0, std::round(t.step));
  t.first = std::ceil(lo / t.step - 1e-9) * t.step;
  t.count = int(std::floor((hi - t.first) / t.step + 1e-9)) + 1;
  t.decimals = std::max(0, -int(std::floor(std::log10(t.step) + 1e-9)));
  return t;
}

std::vector<double> log_ticks(double lo, double hi, int max_ticks) {
  std::vector<double> all, decades;
  for (int k = int(std::floor(lo)); k <= int(std::ceil(hi)); ++k)
    for (double m : {1.0, 2.0, 5.0}) {
      const double v = m * std::pow(10.0, k), l = std::log10(v);
      if (l < lo || l > hi) continue;
      all.push_back(v);
      if (m == 1.0) decades.push_back(v);
    }
  if (int(all.size()) <= max_ticks && all.size() >= 3) return all;
  if (decades.size() >= 2) return decades;
  const Ticks t = nice_ticks(std::pow(10.0, lo), std::pow(10.0, hi), max_ticks, false);
  std::vector<double> linear;
  for (int i = 0; i < t.count; ++i)
    if (const double v = t.at(i); v > 0) linear.push_back(v);
  return linear;
}

Ticks clock_ticks(double lo, double hi, int max_ticks) {
  static const double steps_s[] = {1,   2,   5,    10,   15,   30,    60,    120,   300,
                                   600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400};
  Ticks t;
  t.step = steps_s[sizeof steps_s / sizeof steps_s[0] - 1] * 1000.0;
  for (double s : steps_s)
    if ((hi - lo) / (s * 1000.0) <= std::max(2, max_ticks)) {
      t.step = s * 1000.0;
      break;
    }
  t.first = std::ceil(lo / t.step - 1e-9) * t.step;
  t.count = int(std::floor((hi - t.first) / t.step + 1e-9)) + 1;
  return t;
}

std::string tick_label(double v, int decimals) {
  if (std::fabs(v) < 1e-12) v = 0;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", std::clamp(decimals, 0, 6), v);
  return buf;
}

Span padded(double lo, double hi, double fraction) {
  if (hi - lo < 1e-12) {
    const double d = std::max(std::fabs(lo) * 0.1, 0.5);
    return {lo - d, hi + d};
  }
  const double d = (hi - lo) * fraction;
  return {lo - d, hi + d};
}

double PlotMapping::py(double value) const { return py_axis(log_y ? std::log10(std::max(value, 1e-300)) : value); }

}  // namespace r1wb::views
