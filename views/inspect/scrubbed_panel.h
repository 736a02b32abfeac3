// The base of the ImGui inspection panels that show one step of a run at a time (Routing,
// Attention): the step scrubber with its stops, the request for another step's data, and the
// full-panel ImGui window both draw into. The owner answers step_requested by reading that
// step and setting the panel's data.
#pragma once
#include "views/inspect/imgui_widget.h"
#include "views/inspect/step_scrubber.h"

#include <cstdint>
#include <vector>

namespace r1wb::views {

class ScrubbedPanel : public ImGuiWidget {
  Q_OBJECT
 public:
  explicit ScrubbedPanel(QWidget* parent = nullptr);

  //! The steps that have data: the scrubber's stops.
  void set_steps(std::vector<int64_t> steps);
  const std::vector<int64_t>& steps() const { return scrubber_.steps; }
  //! The step the scrubber is on, or -1 when it follows the newest.
  int64_t scrub_step() const { return scrubber_.at; }
  //! Moves the scrubber (-1: follow the newest) and asks for that step's data.
  void scrub_to(int64_t step);
  //! Puts the scrubber back on "newest" without asking for data (another run was selected).
  void follow_newest() { scrubber_.at = -1; }

 signals:
  //! The scrubber moved: the owner loads this step's data (-1: the newest).
  void step_requested(int64_t step);

 protected:
  //! Opens the ImGui window that fills the panel (`id` names it) and writes `title` in bold;
  //! the caller ends it with ImGui::End().
  void begin_panel(const char* id, const char* title);
  //! Draws the scrubber, leaving `reserve` pixels to its right; a move asks for the step.
  void draw_scrubber(float reserve);
  //! Forgets the stops and goes back to following the newest.
  void reset_scrubber() { scrubber_ = {}; }

 private:
  StepScrubber scrubber_;
};

}  // namespace r1wb::views
