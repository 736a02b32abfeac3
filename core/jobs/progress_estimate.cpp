#include "core/jobs/progress_estimate.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace r1wb {

void ProgressEstimate::observe(int64_t step, int64_t total, double now) {
  total_ = total;
  if (step < 0) return;
  if (first_step_ < 0 || step < first_step_) {  // first sight, or a resume rewound the run
    first_step_ = step;
    first_time_ = now;
  }
  step_ = step;
  time_ = now;
}

std::optional<double> ProgressEstimate::eta_seconds() const {
  if (first_step_ < 0 || step_ <= first_step_ || total_ <= 0) return std::nullopt;
  const double per_step = (time_ - first_time_) / double(step_ - first_step_);
  return per_step * double(std::max<int64_t>(total_ - step_, 0));
}

std::string format_duration(double seconds) {
  char buf[48];
  const long s = std::lround(std::max(seconds, 0.0));
  if (s < 60)
    std::snprintf(buf, sizeof buf, "%ld s", s);
  else if (s < 3600)
    std::snprintf(buf, sizeof buf, "%ld min %02ld s", s / 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%ld h %02ld min", s / 3600, (s % 3600) / 60);
  return buf;
}

}  // namespace r1wb
