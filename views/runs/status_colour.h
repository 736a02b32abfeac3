// One colour per run state, shared by the run list and the cluster queue, so a state reads
// the same wherever it is shown.
#pragma once
#include "core/store/run_status.h"

#include <QColor>

namespace r1wb::views {

inline QColor status_colour(RunStatus status) {
  switch (status) {
    case RunStatus::Running: return QColor(31, 102, 170);
    case RunStatus::Completed: return QColor(30, 130, 60);
    case RunStatus::Failed: return QColor(190, 40, 35);
    case RunStatus::Queued:
    case RunStatus::Pending: return QColor(150, 110, 20);
    case RunStatus::Unreachable:
    case RunStatus::Preempted: return QColor(205, 110, 20);
    case RunStatus::Cancelled:
    case RunStatus::TimedOut: return QColor(150, 60, 120);
    default: return QColor(110, 114, 120);  // created, stopped
  }
}

}  // namespace r1wb::views
