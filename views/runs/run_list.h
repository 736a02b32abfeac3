// The list of runs in the store, newest first: name, experiment, status, step/total with
// progress and ETA for active runs, start time, duration, where it runs (a stored host by its
// name, else the machine) and tags.
//
// It is refreshed from Store::list_runs() rows as runs progress and keeps the user's
// selection (by run id) across refreshes, so a live run can be watched without the list
// jumping. Selecting rows announces the current run id; the main window loads the data of
// every selected run.
#pragma once
#include "core/store/store.h"

#include <QTreeWidget>

#include <cstdint>
#include <map>
#include <vector>

namespace r1wb::views {

class RunList : public QTreeWidget {
  Q_OBJECT
 public:
  enum Column { Name, Experiment, Parent, Status, Step, Progress, Started, Duration, Host, Tags, ColumnCount };

  explicit RunList(QWidget* parent = nullptr);

  //! Replaces the rows with `runs`, keeping the selected run selected. `eta` gives the
  //! ETA of active runs ("2 min 05 s") by run id; the others show their share of steps done.
  void set_runs(const std::vector<RunRow>& runs, const std::map<int64_t, QString>& eta = {});
  //! Selects exactly these runs (the first becomes current); emits run_selected once.
  void select_runs(const std::vector<int64_t>& run_ids);
  //! Selects a run by id (no-op if it is not listed); emits run_selected.
  void select_run(int64_t run_id);
  //! The current selected run's id (the one the heatmap and status line show), or 0.
  int64_t selected_run() const;
  //! Every selected run (ctrl/shift-click adds runs), in list order: the chart overlays them.
  std::vector<int64_t> selected_runs() const;
  //! Row of a run, or -1.
  int row_of(int64_t run_id) const;
  //! Text of one cell, for tests and status lines.
  QString cell(int row, Column column) const;

 signals:
  void run_selected(int64_t run_id);

 private:
  bool refreshing_ = false;
};

}  // namespace r1wb::views
