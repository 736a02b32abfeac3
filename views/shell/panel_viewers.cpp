#include "views/shell/panel_viewers.h"

#include "views/runs/log_view.h"

namespace r1wb::views {

void LogViewer::show(const Selection& selection) {
  if (selection.empty()) {
    view_.set_run(0, {});
    return;
  }
  view_.set_run(selection.primary, context_.run_name(selection.primary));
  view_.append(context_.store().logs(selection.primary, view_.last_seq()));
}

}  // namespace r1wb::views
