// The workbench window: run list and experiment editor on the left; the live metric chart,
// the expert-load heatmap and the run's log on the right.
//
// It owns the store and, while a run is in progress, the RunController that drives it.
// The runner's stream descriptor is watched with a QSocketNotifier and a slow timer
// notices the process ending; both call pump(), which never blocks. Views are refreshed
// from the store after records arrive, at most every kRefreshMs, so a chatty runner
// cannot flood the UI thread.
#pragma once
#include "core/run_controller.h"
#include "core/metric_series.h"
#include "core/store.h"
#include "views/workbench_options.h"

#include <QMainWindow>

#include <functional>
#include <map>
#include <tuple>
#include <memory>
#include <vector>

class QCheckBox;
class QPushButton;
class QSettings;
class QSlider;
class QSplitter;
class QComboBox;
class QLabel;
class QSocketNotifier;
class QTimer;

namespace r1wb::views {

class ConfigEditor;
class ExpertLoadPanel;
class LogView;
class MetricChart;
class RunList;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  //! Opens the store and builds the window. Returns nullptr and sets `error` when the store
  //! cannot be used (corrupt, foreign, unwritable); shows no dialog.
  static std::unique_ptr<MainWindow> open(const WorkbenchOptions& options, QString* error);
  ~MainWindow() override;

  RunList* run_list() const { return run_list_; }
  ConfigEditor* editor() const { return editor_; }
  MetricChart* chart() const { return chart_; }
  //! The chart's x-axis choice: "step", "tokens" or "wall time".
  QComboBox* x_axis_box() const { return x_axis_box_; }
  //! The chart's EMA smoothing control (0..99 hundredths).
  QSlider* smoothing_slider() const { return smoothing_slider_; }
  ExpertLoadPanel* heatmap() const { return heatmap_; }
  LogView* log_view() const { return log_view_; }
  QPushButton* resume_button() const { return resume_button_; }
  QPushButton* delete_button() const { return delete_button_; }
  //! Replaces the yes/no question asked before deleting a run (tests answer it).
  void set_confirm(std::function<bool(const QString&)> confirm) { confirm_ = std::move(confirm); }
  Store& store() { return *store_; }
  //! True while a run started from this window has not finished.
  bool run_active() const { return controller_ && controller_->active(); }
  //! The run started last from this window, or 0.
  int64_t last_started_run() const { return controller_ ? controller_->run_id() : 0; }

  //! Re-reads the run list and the selected run's chart and heatmap now.
  void refresh();

  static constexpr int kPollMs = 250;     //!< notices a runner exit without stream bytes
  static constexpr int kRefreshMs = 100;  //!< shortest interval between view refreshes

 signals:
  //! A run started from this window ended (completed, stopped or failed).
  void run_finished(int64_t run_id);

 protected:
  void closeEvent(QCloseEvent* e) override;

 private:
  MainWindow(std::unique_ptr<Store> store, const WorkbenchOptions& options);
  void build_ui();
  void load_experiment(const QString& path);
  void start_run();
  void stop_run();
  void pump(bool from_notifier);
  void run_ended();
  void schedule_refresh();
  void refresh_runs();
  void refresh_selected();
  void show_run_status();
  const RunRow* cached_run(int64_t id) const;

  std::unique_ptr<Store> store_;  // outlives controller_
  std::unique_ptr<RunController> controller_;
  WorkbenchOptions options_;
  std::vector<RunRow> runs_;      // last list_runs(), for names and status lines
  QString metric_ = QStringLiteral("train/loss");

  RunList* run_list_ = nullptr;
  ConfigEditor* editor_ = nullptr;
  QComboBox* metric_box_ = nullptr;
  //! Window geometry, splitter positions and the chart's choices (metric, x axis,
  //! smoothing, log y) persist between sessions: saved on close, restored on open.
  std::unique_ptr<QSettings> settings() const;
  void save_settings() const;
  void restore_settings();
  QSplitter *left_split_ = nullptr, *right_split_ = nullptr, *main_split_ = nullptr;
  //! Continues the selected stopped or failed run from its newest checkpoint.
  void resume_selected();
  //! Deletes the selected run (not the one running) and its run directory, after confirm_.
  void delete_selected();
  void update_run_buttons();
  //! Shows a run the controller just launched: stream watch, buttons, selection.
  void watch_run(int64_t id, const QString& verb);
  QPushButton *resume_button_ = nullptr, *delete_button_ = nullptr;
  std::function<bool(const QString&)> confirm_;
  QCheckBox* log_y_box_ = nullptr;
  QComboBox* x_axis_box_ = nullptr;  // step, tokens, wall time
  QSlider* smoothing_slider_ = nullptr;  // EMA weight in hundredths; 0 is off
  QLabel* smoothing_label_ = nullptr;
  //! The full-fidelity series of (run, metric), brought up to date from the store: new steps
  //! are appended; a run whose earlier steps were replaced (a resume) is read again. Smoothed
  //! with the slider's weight.
  std::shared_ptr<const MetricSeries> series_for(int64_t run_id, const std::string& metric);
  std::map<std::tuple<int64_t, std::string, ChartAxis>, std::shared_ptr<MetricSeries>> series_cache_;
  MetricChart* chart_ = nullptr;
  ExpertLoadPanel* heatmap_ = nullptr;
  LogView* log_view_ = nullptr;
  std::unique_ptr<ExpertLoadPanel> detached_heatmap_;  // owns heatmap_ when it is not shown
  QLabel* run_status_ = nullptr;
  QSocketNotifier* notifier_ = nullptr;
  QTimer* poll_timer_ = nullptr;
  QTimer* refresh_timer_ = nullptr;
  bool closing_ = false;
};

}  // namespace r1wb::views
