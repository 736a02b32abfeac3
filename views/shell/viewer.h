// What every right-hand panel of the window is to the shell (RenderDoc's viewer pattern):
// something the WorkbenchContext tells when the selection changes and when records arrive.
// A viewer reads what it shows from the context's store itself; the window never pushes data
// into a panel. Panels that must not touch the store (the ImGui panels, the curriculum view,
// the log) are wrapped by a viewer that reads for them (panel_viewers.h).
#pragma once
#include <cstdint>
#include <vector>

namespace r1wb::views {

//! The runs the right-hand side shows.
struct Selection {
  int64_t primary = 0;        //!< the run the log and the inspect panels show; 0: none
  std::vector<int64_t> runs;  //!< every selected run, overlaid in the chart (the primary among them)
  bool empty() const { return primary == 0; }
  bool operator==(const Selection& o) const { return primary == o.primary && runs == o.runs; }
  bool operator!=(const Selection& o) const { return !(*this == o); }
};

class Viewer {
 public:
  virtual ~Viewer() = default;
  //! Other runs were selected; an empty selection leaves the viewer with its hint.
  virtual void selection_changed(const Selection& selection) = 0;
  //! The store holds new records (a refresh tick while runs stream, a run started or ended).
  virtual void records_arrived(const Selection& selection) = 0;
  //! A run was deleted from the store: drop whatever is cached of it.
  virtual void run_removed(int64_t run_id) { (void)run_id; }
};

}  // namespace r1wb::views
