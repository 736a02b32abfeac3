// Progress and ETA of one run as the GUI watches it: the rate is measured from the first
// step seen after this launch, so the time a run spent stopped before a resume, or data
// preparation before step 1, does not distort it.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace r1wb {

class ProgressEstimate {
 public:
  //! Records that `step` of `total` steps had been reached at `now` (seconds).
  void observe(int64_t step, int64_t total, double now);
  //! Fraction of the steps done, 0..1.
  double fraction() const { return total_ > 0 && step_ >= 0 ? double(step_) / double(total_) : 0.0; }
  //! Seconds left at the measured rate; empty until two different steps were seen.
  std::optional<double> eta_seconds() const;
  int64_t step() const { return step_; }
  int64_t total() const { return total_; }

 private:
  int64_t first_step_ = -1, step_ = -1, total_ = 0;
  double first_time_ = 0, time_ = 0;
};

//! "45 s", "12 min 05 s", "3 h 05 min".
std::string format_duration(double seconds);

}  // namespace r1wb
