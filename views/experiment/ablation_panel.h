// The ablation grid: pick one or two config fields and their values; the panel expands the
// grid over the editor's experiment, shows how many runs it makes (or what is wrong, per
// value), and asks the window to queue them. Below, the results of the queued grid: one row
// per combination, the fields first, then final, min, max and best of every metric, all
// sortable; selecting rows selects those runs, which the chart overlays. The Pivot tab
// cross-tabulates one metric's statistic: the first field's values down, the second's across.
#pragma once
#include "core/config/ablation.h"

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
  //! The cross-tab: rows are the first field's values, columns the second's (or one column).
  QTableWidget* pivot() const { return pivot_; }
  //! Chooses the metric and statistic ("final", "min", "max", "best") the cross-tab shows.
  void set_pivot(const QString& metric, const QString& stat);
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
  void fill_pivot();
  QComboBox* field_[2];
  QLineEdit* values_[2];
  QLabel* preview_;
  QPushButton* queue_;
  QTableWidget* table_;
  QTableWidget* pivot_;
  QComboBox *pivot_metric_, *pivot_stat_;
  std::vector<std::string> axis_paths_;  // of the results shown
  std::vector<ResultRow> rows_;
  nlohmann::json base_;
  AblationPlan plan_;
  QStringList metric_columns_;  // "train/loss", ... in column order after the fixed ones
  int fixed_columns_ = 0;
  bool filling_ = false;
};

}  // namespace r1wb::views
