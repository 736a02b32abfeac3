// The state the window's viewers share (RenderDoc's ICaptureContext): the store, the run queue,
// the run rows last listed, and the selection. Viewers register here and are told when the
// selection changes and when records arrive; each reads what it needs from store(). A viewer
// that throws while reading does not stop the others: the failure is reported once through
// store_failed and the remaining viewers are still told.
#pragma once
#include "core/jobs/run_queue.h"
#include "core/store/store.h"
#include "views/shell/viewer.h"

#include <QObject>
#include <QString>

#include <cstdint>
#include <vector>

namespace r1wb::views {

class WorkbenchContext : public QObject {
  Q_OBJECT
 public:
  //! Both must outlive the context.
  WorkbenchContext(Store& store, RunQueue& queue, QObject* parent = nullptr);

  Store& store() { return store_; }
  RunQueue& queue() { return queue_; }

  //! The run rows of the last listing (the run browser's, search applied).
  void set_runs(std::vector<RunRow> runs) { runs_ = std::move(runs); }
  const std::vector<RunRow>& runs() const { return runs_; }
  //! The listed row of a run, or nullptr when it is not listed.
  const RunRow* run(int64_t id) const;
  //! The listed run's name, or its id when it is not listed.
  QString run_name(int64_t id) const;

  //! Tells every viewer, in the order they were added, of a selection that differs from the last.
  void select(Selection selection);
  const Selection& selection() const { return selection_; }
  //! Tells every viewer that the store holds new records (the refresh tick).
  void records_arrived();
  //! Tells every viewer that a run was deleted from the store.
  void run_removed(int64_t run_id);
  //! Re-reads one viewer for the current selection (its own controls changed, or it asked).
  void refresh(Viewer& viewer);

  //! Viewers are not owned; each must stay alive while it is registered.
  void add_viewer(Viewer* viewer);
  void remove_viewer(Viewer* viewer);
  const std::vector<Viewer*>& viewers() const { return viewers_; }
  //! How many times records_arrived() was told (a refresh tick counter, for tests and status).
  uint64_t ticks() const { return ticks_; }

 signals:
  //! Reading the store failed in a viewer; `message` says why.
  void store_failed(const QString& message);

 private:
  template <class F>
  void tell(Viewer& viewer, F&& f);

  Store& store_;
  RunQueue& queue_;
  std::vector<RunRow> runs_;
  Selection selection_;
  std::vector<Viewer*> viewers_;
  uint64_t ticks_ = 0;
};

}  // namespace r1wb::views
