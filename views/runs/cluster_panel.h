// A Slurm cluster's queue as the user sees it (the Cluster tab): their jobs on the chosen login
// node with state, elapsed time, nodes, Slurm's reason and the run each job is, from one
// `squeue --json` per refresh (core/slurm/slurm_queue.h) made on a worker thread, so the GUI never
// waits on the cluster. It refreshes every 15 s while shown, and on Refresh.
#pragma once
#include "core/slurm/slurm_job_state.h"
#include "core/store/store.h"

#include <QWidget>

#include <memory>

class QComboBox;
class QLabel;
class QPushButton;
class QTimer;
class QTreeWidget;

namespace r1wb::views {

class ClusterPanel : public QWidget {
  Q_OBJECT
 public:
  ClusterPanel(Store& store, QString known_hosts, QWidget* parent = nullptr);
  ~ClusterPanel() override;

  //! Re-reads the Slurm hosts from the store into the host list.
  void reload_hosts();
  //! Lists the chosen cluster's jobs in the background; `refreshed` says when it is done.
  void refresh();

  QComboBox* host_box() const { return host_box_; }
  QTreeWidget* jobs() const { return jobs_; }
  QLabel* summary() const { return summary_; }

  enum Column { Job, State, Run, Elapsed, Reason, Nodes, Name, ColumnCount };

 signals:
  void refreshed(bool ok);

 protected:
  void showEvent(QShowEvent* e) override;
  void hideEvent(QHideEvent* e) override;

 private:
  struct Listing;
  void show_listing(const QString& host, const Listing& l);
  Store& store_;
  QString known_hosts_;
  QComboBox* host_box_;
  QPushButton* refresh_;
  QTreeWidget* jobs_;
  QLabel* summary_;
  QTimer* timer_;
  bool refreshing_ = false;
};

}  // namespace r1wb::views
