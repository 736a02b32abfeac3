// The "Metrics" panel: the live MetricChart with its controls (x axis, EMA smoothing, log y,
// the metric and the "+" menu of more metrics drawn in the same chart) and the series cache
// it draws from. As a Viewer it draws every selected run times every chosen metric; its
// controls re-read only this panel; the + menu's Presets set several metrics at once. With
// "ancestors" on (step axis), each run is drawn after the stages it continues (base, SFT, RL),
// x running on across them. The choices persist through save_settings/restore_settings.
#pragma once
#include "views/charts/series_cache.h"
#include "views/shell/viewer.h"

#include <QStringList>
#include <QWidget>

#include <vector>

class QCheckBox;
class QComboBox;
class QLabel;
class QMenu;
class QSettings;
class QSlider;
class QToolButton;

namespace r1wb::views {

class MetricChart;
class WorkbenchContext;

//! A set of metrics drawn together: the Presets menu (pretraining's loss; RL's reward with
//! accuracy, pass@1 and pass@k; KL, entropy and clipping; completion length).
struct ChartPreset {
  QString name;
  QString metric;
  QStringList extras;
};
const std::vector<ChartPreset>& chart_presets();

class ChartPanel : public QWidget, public Viewer {
  Q_OBJECT
 public:
  explicit ChartPanel(WorkbenchContext& context, QWidget* parent = nullptr);

  MetricChart* chart() const { return chart_; }
  //! The chart's main metric; the run's metrics are offered, the chosen one kept.
  QComboBox* metric_box() const { return metric_box_; }
  //! The chart's x-axis choice: "step", "tokens" or "wall time".
  QComboBox* x_axis_box() const { return x_axis_box_; }
  //! The EMA smoothing control (0..99 hundredths).
  QSlider* smoothing_slider() const { return smoothing_slider_; }
  //! The "+" button whose menu adds metrics to the chart.
  QToolButton* more_metrics_button() const { return more_metrics_; }
  QCheckBox* log_y_box() const { return log_y_box_; }
  //! Draws each run's ancestors before it, x continuing across stages (step axis only).
  QCheckBox* ancestors_box() const { return ancestors_box_; }
  //! The Presets submenu at the head of the "+" menu.
  QMenu* presets_menu() const { return presets_; }
  //! Draws the preset's metrics (the run's that exist).
  void apply_preset(const ChartPreset& preset);
  //! The metrics drawn now: the main one first.
  QStringList drawn_metrics() const { return drawn_; }
  const SeriesCache& series_cache() const { return cache_; }

  void selection_changed(const Selection& selection) override { show(selection); }
  void records_arrived(const Selection& selection) override { show(selection); }
  void run_removed(int64_t run_id) override { cache_.drop_run(run_id); }

  //! Writes and reads the chart's choices (chart/metric, extra_metrics, x_axis, smoothing, log_y).
  void save_settings(QSettings& s) const;
  void restore_settings(const QSettings& s);

 private:
  void build_controls();
  void lay_out();
  void connect_controls();
  void show(const Selection& selection);
  //! Offers `names` in the metric box and the others in the "+" menu; returns the metrics drawn.
  QStringList offer_metrics(const QStringList& names);

  WorkbenchContext& context_;
  SeriesCache cache_;
  QString metric_ = QStringLiteral("train/loss");
  QStringList extra_metrics_;
  MetricChart* chart_ = nullptr;
  QComboBox* metric_box_ = nullptr;
  QToolButton* more_metrics_ = nullptr;
  QMenu* presets_ = nullptr;
  QStringList drawn_;
  QComboBox* x_axis_box_ = nullptr;      // step, tokens, wall time
  QSlider* smoothing_slider_ = nullptr;  // EMA weight in hundredths; 0 is off
  QLabel* smoothing_label_ = nullptr;
  QCheckBox* log_y_box_ = nullptr;
  QCheckBox* ancestors_box_ = nullptr;
};

}  // namespace r1wb::views
