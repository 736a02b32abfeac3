// The ablation grid: pick one or two config fields and their values; the panel expands the
// grid over the editor's experiment, shows how many runs it makes (or what is wrong, per
// value), and asks the window to queue them. Below, the results of the queued grid: one row
// per combination, the fields first, then final, min, max and best of every metric, all
// sortable. Selecting rows selects those runs, which the chart overlays.
#pragma once
#include "core/ablation.h"

#include <QWidget>

#include <cstdint>
#include <string>
#include <vector>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableWidget;

namespace r1wb::views {

class AblationPanel : public QWidget {
  Q_OBJECT
 public:
  explicit AblationPanel(QWidget* parent = nullptr);

  //! The experiment the grid varies (the editor's, resolved); null when it is invalid.
  void set_base(const nlohmann::json& resolved);
  //! Chooses a field and its values for axis 0 or 1 ("" clears axis 1).
  void set_axis(int axis, const QString& path, const QString& values);
  //! The grid as it stands: cells, or errors naming the field and value.
  const AblationPlan& plan() const { return plan_; }
  //! The axes of the plan, for the results table.
  std::vector<std::string> axis_paths() const;

  //! Shows the results of the queued grid, keeping the sort order and selected runs.
  void set_results(const std::vector<std::string>& axis_paths, const std::vector<ResultRow>& rows);
  QTableWidget* results() const { return table_; }
  QPushButton* queue_button() const { return queue_; }
  QLabel* preview() const { return preview_; }
  //! The column of a metric's statistic ("final", "min", "max", "best"), or -1.
  int column_of(const QString& metric, const QString& stat) const;

 signals:
  //! Queue was clicked on a valid grid: plan() holds the cells.
  void queue_requested();
  //! Rows of the results table were selected.
  void runs_selected(const std::vector<int64_t>& run_ids);

 private:
  void update_plan();
  QComboBox* field_[2];
  QLineEdit* values_[2];
  QLabel* preview_;
  QPushButton* queue_;
  QTableWidget* table_;
  nlohmann::json base_;
  AblationPlan plan_;
  QStringList metric_columns_;  // "train/loss", ... in column order after the fixed ones
  int fixed_columns_ = 0;
  bool filling_ = false;
};

}  // namespace r1wb::views
