// The queue: runs in progress with a progress bar and ETA, then the runs waiting for a slot
// in the order they will start, how many may run at once here, and where new runs and grids go
// (this machine or a stored host, which has its own limit). Stop asks a running run to
// checkpoint and exit; on a waiting run it takes it off the queue.
#pragma once
#include <QWidget>

#include <cstdint>
#include <vector>

class QComboBox;
class QPushButton;
class QSpinBox;
class QTreeWidget;

namespace r1wb::views {

struct QueueEntry {
  int64_t run_id = 0;
  QString name;
  bool active = false;
  double fraction = 0;  //!< 0..1 for active runs
  QString detail;       //!< "step 40 / 100 · ETA 1 min 05 s" or "waiting (2nd)"
};

class QueuePanel : public QWidget {
  Q_OBJECT
 public:
  explicit QueuePanel(QWidget* parent = nullptr);
  void set_entries(const std::vector<QueueEntry>& entries);
  QSpinBox* concurrency() const { return concurrency_; }
  QTreeWidget* list() const { return list_; }
  QPushButton* stop_button() const { return stop_; }
  //! Where Run and ablation grids send new runs: "" for this machine, else a host's name.
  QString target() const;
  //! The hosts new runs can go to (this machine is always first); keeps the choice if it stays.
  void set_hosts(const QStringList& hosts);
  QComboBox* target_box() const { return target_; }
  int entry_count() const;

 signals:
  void stop_requested(int64_t run_id);
  void concurrency_changed(int n);

 private:
  QTreeWidget* list_;
  QSpinBox* concurrency_;
  QComboBox* target_;
  QPushButton* stop_;
};

}  // namespace r1wb::views
