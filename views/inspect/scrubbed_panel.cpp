#include "views/inspect/scrubbed_panel.h"

#include <imgui.h>

namespace r1wb::views {

ScrubbedPanel::ScrubbedPanel(QWidget* parent) : ImGuiWidget(parent) {}

void ScrubbedPanel::set_steps(std::vector<int64_t> steps) {
  scrubber_.steps = std::move(steps);
  update();
}

void ScrubbedPanel::scrub_to(int64_t step) {
  scrubber_.at = step;
  emit step_requested(step);
  update();
}

void ScrubbedPanel::begin_panel(const char* id, const char* title) {
  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(ImGui::GetIO().DisplaySize);
  ImGui::Begin(id, nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                   ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_NoScrollWithMouse);
  ImGui::PushFont(bold_font());
  ImGui::TextUnformatted(title);
  ImGui::PopFont();
}

void ScrubbedPanel::draw_scrubber(float reserve) {
  if (scrubber_.draw(reserve)) scrub_to(scrubber_.at);
}

}  // namespace r1wb::views
