#include "views/inspect/step_scrubber.h"

#include <imgui.h>

#include <algorithm>
#include <cstdio>

namespace r1wb::views {

bool StepScrubber::draw(float reserve) {
  if (steps.size() < 2) return false;
  const int last = int(steps.size()) - 1;
  int i = at < 0 ? last : int(std::lower_bound(steps.begin(), steps.end(), at) - steps.begin());
  i = std::clamp(i, 0, last);
  ImGui::SetNextItemWidth(std::max(120.0f, ImGui::GetContentRegionAvail().x - reserve));
  char label[48];
  std::snprintf(label, sizeof label, "step %lld", static_cast<long long>(steps[size_t(i)]));
  const bool moved = ImGui::SliderInt("##step", &i, 0, last, label);
  if (moved) at = i == last ? -1 : steps[size_t(i)];
  ImGui::SameLine();
  ImGui::TextDisabled(at < 0 ? "live" : "scrubbed");
  return moved;
}

}  // namespace r1wb::views
