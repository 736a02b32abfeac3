// The workbench window: the run browser (search, list, tags and notes, run buttons) and the
// tabs Experiment, Ablation and Queue on the left; the live metric chart panel, the Routing,
// Attention and Curriculum tabs and the run's log on the right. Layout, settings and the
// refresh are in main_window.cpp, run control in main_window_runs.cpp, menus in
// main_window_menus.cpp.
//
// It owns the store and the RunQueue that drives every run started from it, and the
// WorkbenchContext that hands both to the right-hand panels: each of those is a Viewer
// registered with the context, told when the selection changes and when records arrive, and
// reads what it shows itself. Each active runner's stream descriptor is watched with a
// QSocketNotifier and a slow timer notices processes ending; both pump the queue, which never
// blocks. Viewers are told of new records at most every kRefreshMs, so a chatty runner cannot
// flood the UI thread.
#pragma once
#include "core/config/config.h"
#include "core/jobs/run_queue.h"
#include "core/store/store.h"
#include "views/shell/theme.h"
#include "views/shell/viewer.h"
#include "views/shell/workbench_options.h"

#include <QElapsedTimer>
#include <QMainWindow>

#include <functional>
#include <map>
#include <set>
#include <memory>
#include <vector>

class QAction;
class QComboBox;
class QLabel;
class QLineEdit;
class QMenu;
class QPushButton;
class QSettings;
class QSlider;
class QSocketNotifier;
class QSplitter;
class QTabWidget;
class QTimer;
class QToolButton;

namespace r1wb::views {

class AblationPanel;
class AttentionPanel;
class ChartPanel;
class ConfigEditor;
class CurriculumView;
class ExportDialog;
class CompressionView;
class LogView;
class LogViewer;
class MetricChart;
class QueuePanel;
class HostsPanel;
class ClusterPanel;
class CheckpointFetcher;
class RoutingPanel;
class CompletionsPanel;
class RunList;
class RunNotifier;
class WorkbenchContext;
template <class Panel>
class FeedViewer;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  //! Opens the store and builds the window. Returns nullptr and sets `error` when the store
  //! cannot be used (corrupt, foreign, unwritable); shows no dialog.
  static std::unique_ptr<MainWindow> open(const WorkbenchOptions& options, QString* error);
  //! When options.store_path cannot be opened (`problem` says why): a window on an empty
  //! temporary store that says so, with a dialog offering to open another store, so a bad
  //! store never leaves the user without a window.
  static std::unique_ptr<MainWindow> open_without_store(const WorkbenchOptions& options, const QString& problem);
  ~MainWindow() override;
  //! Non-empty on a temporary store: which store could not be opened, and why.
  const QString& store_problem() const { return store_problem_; }

  RunList* run_list() const { return run_list_; }
  ConfigEditor* editor() const { return editor_; }
  //! The metric chart with its controls and series cache.
  ChartPanel* chart_panel() const { return chart_panel_; }
  MetricChart* chart() const;
  //! The chart's x-axis choice: "step", "tokens" or "wall time".
  QComboBox* x_axis_box() const;
  //! The chart's EMA smoothing control (0..99 hundredths).
  QSlider* smoothing_slider() const;
  //! The "+" button whose menu adds metrics to the chart.
  QToolButton* more_metrics_button() const;
  RoutingPanel* heatmap() const { return heatmap_; }
  CompletionsPanel* completions() const { return completions_; }
  AttentionPanel* attention() const { return attention_; }
  CurriculumView* curriculum() const { return curriculum_; }
  //! Routing, Attention and Curriculum: the tabs beside the chart.
  QTabWidget* inspect_tabs() const { return inspect_tabs_; }
  LogView* log_view() const { return log_view_; }
  //! The export dialog Run > Export opened last (null before).
  ExportDialog* export_dialog() const { return export_dialog_; }
  //! The compression view Run > Compare compression opened last (null before).
  CompressionView* compression_view() const { return compression_view_; }
  QPushButton* resume_button() const { return resume_button_; }
  QPushButton* delete_button() const { return delete_button_; }
  QPushButton* duplicate_button() const { return duplicate_button_; }
  QPushButton* derive_button() const { return derive_button_; }
  //! The run browser's search line (run_query.h's language) and its error line.
  QLineEdit* search_box() const { return search_box_; }
  QLabel* search_errors() const { return search_errors_; }
  //! The selected run's tags (comma-separated) and notes; saved when editing finishes.
  QLineEdit* tags_edit() const { return tags_edit_; }
  QLineEdit* notes_edit() const { return notes_edit_; }
  QTabWidget* tabs() const { return tabs_; }
  AblationPanel* ablation() const { return ablation_; }
  QueuePanel* queue_panel() const { return queue_panel_; }
  HostsPanel* hosts_panel() const { return hosts_panel_; }
  ClusterPanel* cluster_panel() const { return cluster_panel_; }
  RunNotifier* notifier() const { return notifier_; }
  RunQueue& queue() { return *queue_; }
  //! The store, the queue, the listed runs and the selection the right-hand viewers share.
  WorkbenchContext& context() { return *context_; }
  //! The runs of the grid queued last from the Ablation tab.
  const std::vector<int64_t>& ablation_runs() const { return ablation_runs_; }
  //! Replaces the yes/no question asked before deleting a run (tests answer it).
  void set_confirm(std::function<bool(const QString&)> confirm) { confirm_ = std::move(confirm); }
  Store& store() { return *store_; }
  //! True while a run started from this window is running or waiting in the queue.
  bool run_active() const { return queue_->busy(); }
  //! The run queued last from this window, or 0.
  int64_t last_started_run() const { return last_started_; }

  //! Switches the whole application to the light or dark theme (remembered).
  void set_theme(Theme theme);
  //! Opens another store in a new window (this one closes when no run of it is active);
  //! returns the new window, or nullptr with the reason in the status bar.
  MainWindow* open_store(const QString& path);
  //! Stores opened before, newest first (File > Open recent).
  QStringList recent_stores() const;
  //! The menu bar's actions by name ("run", "stop", "theme_dark", ...), for tests.
  QAction* action(const QString& name) const;

  //! Re-reads the run list and tells every viewer that records arrived, now.
  void refresh();
  //! The share of the available screen a first start (no saved geometry) opens at, centred.
  static constexpr double kFirstStartShare = 0.9;

  static constexpr int kPollMs = 250;     //!< notices a runner exit without stream bytes
  static constexpr int kRefreshMs = 100;  //!< shortest interval between view refreshes

 signals:
  //! A run of this window's queue ended (completed, stopped or failed).
  void run_finished(int64_t run_id);

 protected:
  void closeEvent(QCloseEvent* e) override;

 private:
  MainWindow(std::unique_ptr<Store> store, const WorkbenchOptions& options);
  void build_ui();
  //! The parts build_ui puts together: the run browser, the left tabs, the right-hand side.
  QWidget* build_run_browser();
  QTabWidget* build_left_tabs();
  QSplitter* build_right_side();
  //! The right-hand viewers, registered with the context in the order they are told.
  void register_viewers();
  void build_status_bar();
  //! With no saved geometry: kFirstStartShare of the screen's available area, centred.
  void place_on_first_start();
  void connect_signals();
  void load_experiment(const QString& path);
  void start_run();
  //! Queues one run and selects it; `failure` starts the status line if it cannot be queued.
  void queue_run(const std::string& experiment, const std::string& config_json, const std::vector<std::string>& tags,
                 const QString& failure);
  void stop_run();
  //! Pumps one run's stream (from its notifier) or, with 0, every active run.
  void pump(int64_t run_id, bool from_notifier);
  //! Watches runs that started, reports runs that ended, refreshes.
  void handle(const QueueEvents& ev);
  void run_ended(int64_t run_id);
  void queue_ablation();
  void duplicate_selected();
  //! The editor holds `experiment` made from the selected run; the status bar says `message`
  //! of the run's name (or `nothing_selected`).
  void derive_from_selected(const QString& nothing_selected,
                            const std::function<nlohmann::json(const RunRow&)>& experiment,
                            const std::function<QString(const QString&)>& message);
  //! Opens a new experiment continuing the selected run as `stage` (sft or rl) in the editor.
  void continue_selected(Stage stage);
  //! Run > Distil: the editor holds a distill stage with the selected run as the teacher.
  void distill_selected();
  //! Run > Quantize: the editor holds a quantization-aware fine-tune of the selected run.
  void quantize_selected();
  //! Run > Prune: prune_from the selected run in the editor.
  void prune_selected();
  //! Run > Compare compression: the compression view of the selected run's lineage.
  void compare_compression_of_selected();
  //! Run > Export: the export dialog for the selected run (export_dialog()).
  void export_selected();
  void refresh_queue_views();
  void schedule_refresh();
  void refresh_runs();
  //! Hands the run list's selection to the context (which tells the viewers if it changed).
  void sync_selection();
  void show_run_status();
  const RunRow* cached_run(int64_t id) const;

  std::unique_ptr<Store> store_;  // outlives queue_
  std::unique_ptr<RunQueue> queue_;
  std::unique_ptr<WorkbenchContext> context_;      // refers to store_ and queue_
  std::map<int64_t, QSocketNotifier*> notifiers_;  // active run -> its stream watch
  int64_t last_started_ = 0;
  RunQuery query_;  // the search line, parsed
  WorkbenchOptions options_;

  RunList* run_list_ = nullptr;
  ConfigEditor* editor_ = nullptr;
  //! Window geometry, splitter positions and the chart's choices (metric, x axis,
  //! smoothing, log y) persist between sessions: saved on close, restored on open.
  std::unique_ptr<QSettings> settings() const;
  void save_settings() const;
  void restore_settings();
  QSplitter *left_split_ = nullptr, *right_split_ = nullptr, *main_split_ = nullptr;
  //! Continues the selected stopped or failed run from its newest checkpoint.
  void resume_selected();
  //! Deletes the selected run (not the one running) and its run directory, after confirm_. A
  //! remote run's node directory goes first, on a worker (the host may be slow or ask a code):
  //! the window stays usable, the run can be neither resumed, fetched nor deleted again meanwhile,
  //! and closing the window waits for it (the store's row goes only once the node's copy has).
  void delete_selected();
  //! The store's row, the viewers' caches and the local run directory, once the node's copy is gone.
  void finish_delete(int64_t id, const QString& name, const QString& dir);
  std::set<int64_t> deleting_;  // runs whose node directory is being removed
  //! The selected remote run's newest checkpoint into its local run directory (a worker thread).
  void fetch_selected();
  void reconnect_selected();
  void update_run_buttons();
  QPushButton *resume_button_ = nullptr, *delete_button_ = nullptr, *duplicate_button_ = nullptr;
  QPushButton* derive_button_ = nullptr;  // a new experiment from the selected run's config
  CheckpointFetcher* fetcher_ = nullptr;
  //! Gives the editor's cost line this machine's measured throughput.
  void update_throughput();
  void build_menus();
  void remember_store();
  void fill_recent_menu();
  QMenu* recent_menu_ = nullptr;
  std::map<QString, QAction*> actions_;
  QLineEdit* search_box_ = nullptr;
  QLineEdit *tags_edit_ = nullptr, *notes_edit_ = nullptr;  // the selected run's
  void show_run_annotations();
  void save_run_annotations();
  QLabel* search_errors_ = nullptr;
  QTabWidget* tabs_ = nullptr;
  AblationPanel* ablation_ = nullptr;
  QueuePanel* queue_panel_ = nullptr;
  HostsPanel* hosts_panel_ = nullptr;
  ClusterPanel* cluster_panel_ = nullptr;
  RunNotifier* notifier_ = nullptr;
  QLabel* banner_ = nullptr;  // the last notification, inside the window
  QString store_problem_;     // set by open_without_store
  QString wanted_store_;      // the store it could not open (where Open store starts looking)
  std::vector<int64_t> ablation_runs_;
  QElapsedTimer ablation_clock_;  // when the results table was last read
  bool force_results_ = false;
  std::vector<std::string> ablation_axes_;
  std::function<bool(const QString&)> confirm_;
  ChartPanel* chart_panel_ = nullptr;
  RoutingPanel* heatmap_ = nullptr;
  CompletionsPanel* completions_ = nullptr;
  AttentionPanel* attention_ = nullptr;
  CurriculumView* curriculum_ = nullptr;
  QTabWidget* inspect_tabs_ = nullptr;
  std::unique_ptr<AttentionPanel> detached_attention_;  // owns attention_ without OpenGL
  LogView* log_view_ = nullptr;
  ExportDialog* export_dialog_ = nullptr;
  CompressionView* compression_view_ = nullptr;
  std::unique_ptr<RoutingPanel> detached_heatmap_;
  std::unique_ptr<CompletionsPanel> detached_completions_;  // owns heatmap_ when it is not shown
  // The viewers of the panels that never read the store themselves (after the panels they
  // refer to, so they go first).
  std::unique_ptr<FeedViewer<RoutingPanel>> routing_viewer_;
  std::unique_ptr<FeedViewer<CompletionsPanel>> completions_viewer_;
  std::unique_ptr<FeedViewer<AttentionPanel>> attention_viewer_;
  std::unique_ptr<FeedViewer<CurriculumView>> curriculum_viewer_;
  std::unique_ptr<LogViewer> log_viewer_;
  QLabel* run_status_ = nullptr;
  QTimer* poll_timer_ = nullptr;
  QTimer* refresh_timer_ = nullptr;
  bool closing_ = false;
};

}  // namespace r1wb::views
