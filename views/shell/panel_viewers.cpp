#include "views/shell/panel_viewers.h"

#include "views/runs/log_view.h"

namespace r1wb::views {

void LogViewer::show(const Selection& selection) {
  if (selection.empty()) {
    view_.set_run(0, {});
    return;
  }
  const RunRow* row = context_.run(selection.primary);
  view_.set_run(selection.primary, row ? QString::fromStdString(row->name) : QString::number(selection.primary));
  view_.append(context_.store().logs(selection.primary, view_.last_seq()));
}

}  // namespace r1wb::views
