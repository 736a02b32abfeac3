// The step scrubber both ImGui inspection panels draw: one stop per step that has data, the
// right end meaning "follow the newest" so a live run keeps moving until the user scrubs back.
#pragma once
#include <cstdint>
#include <vector>

namespace r1wb::views {

struct StepScrubber {
  std::vector<int64_t> steps;  //!< ascending
  int64_t at = -1;             //!< the chosen step; -1 follows the newest
  //! Draws the slider and its live/scrubbed note in the current ImGui window, leaving
  //! `reserve` pixels to its right. Returns true when the user moved it (`at` updated).
  bool draw(float reserve);
};

}  // namespace r1wb::views
