// Viewers for the right-hand panels that never touch the store themselves: the Routing,
// Attention and Curriculum panels read through an InspectionFeed (which remembers what each
// panel holds), the log view is appended the primary run's new lines. The chart panel reads
// its own series and is a Viewer itself (charts/chart_panel.h).
#pragma once
#include "views/inspect/inspection_feed.h"
#include "views/shell/viewer.h"
#include "views/shell/workbench_context.h"

#include <QString>

namespace r1wb::views {

class LogView;

//! One inspect panel (RoutingPanel, AttentionPanel or CurriculumView) fed the primary run.
template <class Panel>
class FeedViewer : public Viewer {
 public:
  //! The InspectionFeed member that reads this kind of panel.
  using Read = void (InspectionFeed::*)(Store&, const RunRow&, Panel&);
  //! `hint` is what the panel says while no run is selected.
  FeedViewer(WorkbenchContext& context, Panel& panel, Read read, QString hint)
      : context_(context), panel_(panel), read_(read), hint_(std::move(hint)) {}

  void selection_changed(const Selection& selection) override { show(selection); }
  void records_arrived(const Selection& selection) override { show(selection); }
  void run_removed(int64_t) override { feed_.reset(); }
  //! Reads again for the context's selection (the panel's scrubber or layer asked).
  void refresh() { context_.refresh(*this); }

 private:
  void show(const Selection& selection) {
    if (selection.empty()) {
      panel_.clear(hint_);
      feed_.reset();
      return;
    }
    // A run the listing does not hold (filtered out by the search) keeps what the panel shows.
    if (const RunRow* row = context_.run(selection.primary)) (feed_.*read_)(context_.store(), *row, panel_);
  }

  WorkbenchContext& context_;
  Panel& panel_;
  Read read_;
  QString hint_;
  InspectionFeed feed_;
};

//! The log view: the primary run's lines, appended as they arrive.
class LogViewer : public Viewer {
 public:
  LogViewer(WorkbenchContext& context, LogView& view) : context_(context), view_(view) {}
  void selection_changed(const Selection& selection) override { show(selection); }
  void records_arrived(const Selection& selection) override { show(selection); }

 private:
  void show(const Selection& selection);
  WorkbenchContext& context_;
  LogView& view_;
};

}  // namespace r1wb::views
