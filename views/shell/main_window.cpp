#include "views/shell/main_window.h"

#include "core/config/config.h"

#include "core/config/model_cost.h"
#include "core/paths.h"
#include "core/jobs/progress_estimate.h"

#include "views/experiment/ablation_panel.h"
#include "views/inspect/attention_panel.h"
#include "views/charts/curriculum_view.h"
#include "views/experiment/config_editor.h"
#include "views/inspect/routing_panel.h"
#include "views/runs/log_view.h"
#include "views/charts/metric_chart.h"
#include "views/runs/queue_panel.h"
#include "views/runs/run_list.h"
#include "views/shell/run_notifier.h"

#include <QCheckBox>
#include <QCloseEvent>
#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QHBoxLayout>
#include <QLabel>
#include <QActionGroup>
#include <QApplication>
#include <QFileDialog>
#include <QFileInfo>
#include <QLineEdit>
#include <QMenuBar>
#include <QMenu>
#include <QToolButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QMessageBox>
#include <QOpenGLContext>
#include <QPushButton>
#include <QSettings>
#include <QSlider>
#include <QSocketNotifier>
#include <QSplitter>
#include <QStatusBar>
#include <QTimer>
#include <QVBoxLayout>

#include <exception>
#include <limits>

namespace r1wb::views {
namespace {

const QString kDot = QStringLiteral("  \u00B7  ");

QLabel* section_title(const QString& text, QWidget* parent) {
  auto* label = new QLabel(text, parent);
  QFont f = label->font();
  f.setBold(true);
  label->setFont(f);
  return label;
}

// A panel with a small margin, so the splitter handles do not touch the content.
QWidget* panel(QWidget* parent, QLayout* layout) {
  auto* w = new QWidget(parent);
  layout->setContentsMargins(6, 6, 6, 6);
  w->setLayout(layout);
  return w;
}

// Some platforms (offscreen, some remote sessions) have no OpenGL; a QOpenGLWidget there
// fails to paint or worse, so the heatmap is left out with a note instead.
bool opengl_available() {
  QOpenGLContext probe;
  return probe.create();
}

}  // namespace

std::unique_ptr<MainWindow> MainWindow::open(const WorkbenchOptions& options, QString* error) {
  std::unique_ptr<Store> store;
  try {
    store = std::make_unique<Store>(options.store_path.toStdString());
  } catch (const std::exception& e) {
    if (error) *error = QString::fromStdString(e.what());
    return nullptr;
  }
  return std::unique_ptr<MainWindow>(new MainWindow(std::move(store), options));
}

MainWindow::MainWindow(std::unique_ptr<Store> store, const WorkbenchOptions& options)
    : store_(std::move(store)), options_(options) {
  setWindowTitle("R1 Workbench");
  queue_ = std::make_unique<RunQueue>(*store_, options_.runner_path.toStdString(), options_.runs_dir.toStdString());
  notifier_ = new RunNotifier(this);
  build_ui();
  build_menus();

  poll_timer_ = new QTimer(this);
  poll_timer_->setInterval(kPollMs);
  connect(poll_timer_, &QTimer::timeout, this, [this] { pump(0, false); });
  refresh_timer_ = new QTimer(this);
  refresh_timer_->setSingleShot(true);
  refresh_timer_->setInterval(kRefreshMs);
  connect(refresh_timer_, &QTimer::timeout, this, &MainWindow::refresh);

  connect(editor_, &ConfigEditor::run_requested, this, &MainWindow::start_run);
  connect(editor_, &ConfigEditor::stop_requested, this, &MainWindow::stop_run);
  connect(tags_edit_, &QLineEdit::editingFinished, this, &MainWindow::save_run_annotations);
  connect(notes_edit_, &QLineEdit::editingFinished, this, &MainWindow::save_run_annotations);
  connect(run_list_, &RunList::run_selected, this, [this] {
    show_run_annotations();
    refresh_selected();
    show_run_status();
    update_run_buttons();
  });
  connect(resume_button_, &QPushButton::clicked, this, &MainWindow::resume_selected);
  connect(duplicate_button_, &QPushButton::clicked, this, &MainWindow::duplicate_selected);
  connect(derive_button_, &QPushButton::clicked, this, [this] {
    const RunRow* r = cached_run(run_list_->selected_run());
    if (!r) return;
    const auto doc = nlohmann::json::parse(r->config_json, nullptr, false);
    if (doc.is_discarded()) return;
    editor_->derive(QString::fromStdString(doc.dump(2)), QString::fromStdString(r->name));
    tabs_->setCurrentWidget(editor_);
  });
  connect(search_box_, &QLineEdit::textChanged, this, [this](const QString& text) {
    auto parsed = parse_run_query(text.toStdString());
    query_ = std::move(parsed.query);
    QStringList errors;
    for (const auto& e : parsed.errors) errors << QString::fromStdString(e);
    search_errors_->setText(errors.join("\n"));
    search_errors_->setVisible(!errors.isEmpty());
    refresh_runs();
    update_run_buttons();
  });
  connect(editor_, &ConfigEditor::validated, this, [this](bool valid) {
    ablation_->set_base(valid ? editor_->result().resolved : nlohmann::json());
  });
  connect(ablation_, &AblationPanel::queue_requested, this, &MainWindow::queue_ablation);
  // Queued: the panels ask from inside their paint; the store is read after the frame.
  connect(heatmap_, &RoutingPanel::step_requested, this, &MainWindow::refresh_selected, Qt::QueuedConnection);
  connect(attention_, &AttentionPanel::step_requested, this, &MainWindow::refresh_selected, Qt::QueuedConnection);
  connect(attention_, &AttentionPanel::layer_requested, this, &MainWindow::refresh_selected, Qt::QueuedConnection);
  connect(ablation_, &AblationPanel::runs_selected, this, [this](const std::vector<int64_t>& ids) {
    run_list_->select_runs(ids);
  });
  connect(queue_panel_, &QueuePanel::stop_requested, this, [this](int64_t id) {
    queue_->stop(id);
    refresh();
  });
  connect(queue_panel_, &QueuePanel::concurrency_changed, this, [this](int n) {
    queue_->set_max_concurrent(n);
    handle(queue_->fill_slots());
  });
  connect(notifier_, &RunNotifier::notified, this, [this](const RunNotification& n, bool failure) {
    banner_->setText("<b>" + n.title.toHtmlEscaped() + "</b>  " + n.body.section('\n', 0, 0).toHtmlEscaped());
    banner_->setToolTip(n.body);
    banner_->setStyleSheet(failure ? "color: #c0392b;" : "color: #1e823c;");
  });
  connect(delete_button_, &QPushButton::clicked, this, &MainWindow::delete_selected);
  confirm_ = [this](const QString& question) {
    return QMessageBox::question(this, "Delete run", question, QMessageBox::Yes | QMessageBox::Cancel,
                                 QMessageBox::Cancel) == QMessageBox::Yes;
  };
  connect(metric_box_, &QComboBox::currentTextChanged, this, [this](const QString& m) {
    if (m.isEmpty() || m == metric_) return;
    metric_ = m;
    refresh_selected();
  });
  connect(log_y_box_, &QCheckBox::toggled, chart_, &MetricChart::set_log_y);
  connect(x_axis_box_, &QComboBox::currentIndexChanged, this, [this](int i) {
    chart_->set_x_axis(i == 1 ? ChartAxis::Tokens : i == 2 ? ChartAxis::WallTime : ChartAxis::Step);
    refresh_selected();
  });
  connect(smoothing_slider_, &QSlider::valueChanged, this, [this](int v) {
    smoothing_label_->setText(QString("smoothing %1").arg(v / 100.0, 0, 'f', 2));
    refresh_selected();
  });

  restore_settings();
  load_experiment(options_.experiment_path);
  ablation_->set_base(editor_->is_valid() ? editor_->result().resolved : nlohmann::json());
  update_throughput();
  refresh();
  if (run_list_->topLevelItemCount() > 0) run_list_->select_run(runs_.front().id);
  if (!queue_->queued_runs().empty()) {  // a queue left by the last session
    statusBar()->showMessage(QString("Continuing the queue left by the last session: %1 runs").arg(queue_->queued_runs().size()));
    QTimer::singleShot(0, this, [this] { handle(queue_->fill_slots()); });
  }
}

std::unique_ptr<QSettings> MainWindow::settings() const {
  if (options_.settings_path.isEmpty()) return std::make_unique<QSettings>("R1 Workbench", "r1wb");
  return std::make_unique<QSettings>(options_.settings_path, QSettings::IniFormat);
}

void MainWindow::save_settings() const {
  auto s = settings();
  s->setValue("window/geometry", saveGeometry());
  s->setValue("window/left_split", left_split_->saveState());
  s->setValue("window/right_split", right_split_->saveState());
  s->setValue("window/main_split", main_split_->saveState());
  s->setValue("chart/metric", metric_);
  s->setValue("chart/extra_metrics", extra_metrics_);
  s->setValue("chart/x_axis", x_axis_box_->currentText());
  s->setValue("chart/smoothing", smoothing_slider_->value());
  s->setValue("chart/log_y", log_y_box_->isChecked());
  s->setValue("window/tab", tabs_->currentIndex());
  s->setValue("window/inspect_tab", inspect_tabs_->currentIndex());
  s->setValue("queue/max_concurrent", queue_panel_->concurrency()->value());
}

void MainWindow::restore_settings() {
  auto s = settings();
  if (s->contains("window/geometry")) restoreGeometry(s->value("window/geometry").toByteArray());
  left_split_->restoreState(s->value("window/left_split").toByteArray());
  right_split_->restoreState(s->value("window/right_split").toByteArray());
  main_split_->restoreState(s->value("window/main_split").toByteArray());
  metric_ = s->value("chart/metric", metric_).toString();
  extra_metrics_ = s->value("chart/extra_metrics").toStringList();
  x_axis_box_->setCurrentText(s->value("chart/x_axis", "step").toString());
  smoothing_slider_->setValue(s->value("chart/smoothing", 0).toInt());
  log_y_box_->setChecked(s->value("chart/log_y", false).toBool());
  tabs_->setCurrentIndex(s->value("window/tab", 0).toInt());
  inspect_tabs_->setCurrentIndex(s->value("window/inspect_tab", 0).toInt());
  {
    const QSignalBlocker quiet(queue_panel_->concurrency());  // nothing starts inside the constructor
    queue_panel_->concurrency()->setValue(s->value("queue/max_concurrent", 1).toInt());
  }
  queue_->set_max_concurrent(queue_panel_->concurrency()->value());
  const Theme theme = theme_from_name(s->value("view/theme", "light").toString());
  if (auto* app = qobject_cast<QApplication*>(QApplication::instance())) apply_workbench_theme(*app, theme);
  action(theme == Theme::Dark ? "theme_dark" : "theme_light")->setChecked(true);
  remember_store();
  fill_recent_menu();
}

MainWindow::~MainWindow() {
  for (auto& [id, n] : notifiers_) delete n;  // before the queue closes the descriptors they watch
  notifiers_.clear();
  // Forced close: runners die with the queue; say so rather than leave "running". Waiting
  // runs stay queued: the next session continues them.
  for (int64_t id : queue_->active_runs()) {
    try {
      store_->set_status(id, RunStatus::Failed, "the workbench closed while the run was in progress");
    } catch (const std::exception&) {
    }
  }
  queue_.reset();
}

void MainWindow::build_ui() {
  run_list_ = new RunList(this);
  editor_ = new ConfigEditor(this);
  chart_ = new MetricChart(this);
  chart_->setToolTip("Wheel: zoom around the cursor. Drag: pan. Double-click: the whole run.\n"
                     "Ctrl/Shift-click runs in the list to overlay them.");
  log_y_box_ = new QCheckBox("log y", this);
  log_y_box_->setObjectName("log_y");
  smoothing_slider_ = new QSlider(Qt::Horizontal, this);
  smoothing_slider_->setRange(0, 99);
  smoothing_slider_->setTracking(false);  // smoothing recomputes every point: once, on release
  smoothing_slider_->setFixedWidth(120);
  smoothing_slider_->setToolTip("EMA smoothing of the line (TensorBoard's, debiased); the band stays the raw min/max.");
  smoothing_label_ = new QLabel("smoothing 0.00", this);
  x_axis_box_ = new QComboBox(this);
  x_axis_box_->addItems({"step", "tokens", "wall time"});
  x_axis_box_->setToolTip("x axis: optimizer steps, training tokens (train/tokens), or wall time since the first point");
  heatmap_ = new RoutingPanel;  // parented below, or kept out of the window without OpenGL
  metric_box_ = new QComboBox(this);
  metric_box_->setMinimumContentsLength(12);
  metric_box_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  metric_box_->addItem(metric_);
  more_metrics_ = new QToolButton(this);
  more_metrics_->setObjectName("more_metrics");
  more_metrics_->setText("+");
  more_metrics_->setToolTip("Draw more metrics in the same chart (log y helps when their scales differ)");
  more_metrics_->setPopupMode(QToolButton::InstantPopup);
  more_metrics_->setMenu(new QMenu(more_metrics_));

  resume_button_ = new QPushButton("Resume", this);
  resume_button_->setToolTip("Continue the selected stopped or failed run from its newest checkpoint");
  delete_button_ = new QPushButton("Delete...", this);
  delete_button_->setToolTip("Remove the selected run from the store and delete its run directory");
  duplicate_button_ = new QPushButton("Duplicate", this);
  duplicate_button_->setToolTip("Queue a new run with the selected run's exact config (Ctrl+D)");
  duplicate_button_->setShortcut(QKeySequence("Ctrl+D"));
  derive_button_ = new QPushButton("Derive", this);
  derive_button_->setToolTip("Edit a new experiment starting from the selected run's config; the editor lists what you change");
  auto* run_buttons = new QHBoxLayout;
  run_buttons->addStretch(1);
  run_buttons->addWidget(derive_button_);
  run_buttons->addWidget(duplicate_button_);
  run_buttons->addWidget(resume_button_);
  run_buttons->addWidget(delete_button_);
  search_box_ = new QLineEdit(this);
  search_box_->setObjectName("run_search");
  search_box_->setClearButtonEnabled(true);
  search_box_->setPlaceholderText("Search: words  status:failed  tag:baseline  model.moe.top_k>=2  train.lr<1e-3");
  search_box_->setToolTip("Words match name, experiment, tags and notes; status:, tag: and config-field comparisons "
                          "(=, !=, <, <=, >, >=) filter in the store. Ctrl+F");
  search_errors_ = new QLabel(this);
  search_errors_->setStyleSheet("color: #c0392b;");
  search_errors_->setWordWrap(true);
  search_errors_->hide();
  tags_edit_ = new QLineEdit(this);
  tags_edit_->setObjectName("run_tags");
  tags_edit_->setPlaceholderText("tags, comma-separated");
  tags_edit_->setToolTip("The selected run's tags (search with tag:name)");
  notes_edit_ = new QLineEdit(this);
  notes_edit_->setObjectName("run_notes");
  notes_edit_->setPlaceholderText("notes on this run");
  notes_edit_->setToolTip("Free text kept with the run; the search matches it");
  auto* annotations = new QHBoxLayout;
  annotations->addWidget(tags_edit_, 2);
  annotations->addWidget(notes_edit_, 3);
  auto* runs_layout = new QVBoxLayout;
  runs_layout->addWidget(section_title("Runs", this));
  runs_layout->addWidget(search_box_);
  runs_layout->addWidget(search_errors_);
  runs_layout->addWidget(run_list_);
  runs_layout->addLayout(annotations);
  runs_layout->addLayout(run_buttons);
  ablation_ = new AblationPanel(this);
  queue_panel_ = new QueuePanel(this);
  tabs_ = new QTabWidget(this);
  tabs_->setDocumentMode(true);
  tabs_->addTab(editor_, "Experiment");
  tabs_->addTab(ablation_, "Ablation");
  tabs_->addTab(queue_panel_, "Queue");
  auto* editor_layout = new QVBoxLayout;
  editor_layout->addWidget(tabs_);
  auto* left = left_split_ = new QSplitter(Qt::Vertical, this);
  left->addWidget(panel(left, runs_layout));
  left->addWidget(panel(left, editor_layout));
  left->setStretchFactor(0, 2);
  left->setStretchFactor(1, 3);

  auto* chart_header = new QHBoxLayout;
  chart_header->addWidget(section_title("Metrics", this));
  chart_header->addStretch(1);
  chart_header->addWidget(new QLabel("x", this));
  chart_header->addWidget(x_axis_box_);
  chart_header->addSpacing(12);
  chart_header->addWidget(smoothing_label_);
  chart_header->addWidget(smoothing_slider_);
  chart_header->addSpacing(12);
  chart_header->addWidget(log_y_box_);
  chart_header->addSpacing(12);
  chart_header->addWidget(new QLabel("Metric", this));
  chart_header->addWidget(metric_box_);
  chart_header->addWidget(more_metrics_);
  auto* chart_layout = new QVBoxLayout;
  chart_layout->addLayout(chart_header);
  chart_layout->addWidget(chart_, 1);
  attention_ = new AttentionPanel;
  curriculum_ = new CurriculumView(this);
  inspect_tabs_ = new QTabWidget(this);
  inspect_tabs_->setDocumentMode(true);
  if (opengl_available()) {
    inspect_tabs_->addTab(heatmap_, "Routing");
    inspect_tabs_->addTab(attention_, "Attention");
  } else {
    // Still fed, never in the window: a GL widget anywhere in it switches the whole window
    // to GL composition, which such platforms cannot do.
    detached_heatmap_.reset(heatmap_);
    detached_attention_.reset(attention_);
    auto* note = new QLabel("The routing and attention panels need OpenGL, which this display does not offer.", this);
    note->setAlignment(Qt::AlignCenter);
    note->setWordWrap(true);
    inspect_tabs_->addTab(note, "Routing");
  }
  inspect_tabs_->addTab(curriculum_, "Curriculum");
  auto* heat_layout = new QVBoxLayout;
  heat_layout->addWidget(inspect_tabs_);
  log_view_ = new LogView(this);
  auto* log_layout = new QVBoxLayout;
  log_layout->addWidget(section_title("Log", this));
  log_layout->addWidget(log_view_, 1);
  auto* right = right_split_ = new QSplitter(Qt::Vertical, this);
  right->addWidget(panel(right, chart_layout));
  right->addWidget(panel(right, heat_layout));
  right->addWidget(panel(right, log_layout));
  right->setStretchFactor(0, 3);
  right->setStretchFactor(1, 3);
  right->setStretchFactor(2, 1);

  auto* split = main_split_ = new QSplitter(Qt::Horizontal, this);
  split->addWidget(left);
  split->addWidget(right);
  split->setStretchFactor(0, 2);
  split->setStretchFactor(1, 3);
  split->setSizes({480, 760});
  setCentralWidget(split);

  run_status_ = new QLabel(this);
  run_status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  statusBar()->addWidget(run_status_, 1);
  banner_ = new QLabel(this);
  banner_->setObjectName("notification_banner");
  statusBar()->addPermanentWidget(banner_);
  statusBar()->setSizeGripEnabled(true);
  resize(1240, 760);
}

void MainWindow::load_experiment(const QString& path) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly | QIODevice::Text)) {
    editor_->set_text(QString(), path + " (cannot read: " + f.errorString() + ")");
    statusBar()->showMessage("Cannot read the experiment " + path + ": " + f.errorString());
    return;
  }
  editor_->set_text(QString::fromUtf8(f.readAll()), path);
}

void MainWindow::schedule_refresh() {
  if (!refresh_timer_->isActive()) refresh_timer_->start();
}

void MainWindow::refresh() {
  refresh_timer_->stop();
  refresh_runs();
  refresh_selected();
  show_run_status();
  update_run_buttons();
}

void MainWindow::refresh_runs() {
  try {
    runs_ = store_->find_runs(query_);
  } catch (const std::exception& e) {
    statusBar()->showMessage(QString("Reading the store failed: ") + e.what());
    return;
  }
  std::map<int64_t, QString> eta;
  for (int64_t id : queue_->active_runs())
    if (auto left = queue_->progress(id)->eta_seconds()) eta[id] = QString::fromStdString(format_duration(*left));
  run_list_->set_runs(runs_, eta);
  refresh_queue_views();
}

void MainWindow::refresh_queue_views() {
  std::vector<QueueEntry> entries;
  for (int64_t id : queue_->active_runs()) {
    const auto r = store_->run(id);
    const ProgressEstimate* p = queue_->progress(id);
    QueueEntry e{id, r ? QString::fromStdString(r->name) : QString::number(id), true, p->fraction(), {}};
    e.detail = p->step() >= 0 ? QString("step %1 / %2").arg(p->step()).arg(p->total()) : QString("starting");
    if (auto left = p->eta_seconds()) e.detail += QString::fromStdString(" \u00B7 ETA " + format_duration(*left));
    entries.push_back(e);
  }
  int place = 0;
  for (int64_t id : queue_->queued_runs()) {
    const auto r = store_->run(id);
    entries.push_back({id, r ? QString::fromStdString(r->name) : QString::number(id), false, 0,
                       QString("waiting (%1 in line)").arg(++place)});
  }
  queue_panel_->set_entries(entries);
  tabs_->setTabText(2, entries.empty() ? QString("Queue") : QString("Queue (%1)").arg(entries.size()));
  // The results scan every metric of the grid's runs: at most once a second while they stream.
  if (!ablation_runs_.empty() && (!ablation_clock_.isValid() || ablation_clock_.elapsed() > 1000 || force_results_)) {
    ablation_->set_results(ablation_axes_, ablation_results(*store_, ablation_runs_, ablation_axes_));
    ablation_clock_.start();
    force_results_ = false;
  }
}

void MainWindow::refresh_selected() {
  const int64_t id = run_list_->selected_run();
  if (id == 0) {
    chart_->clear(metric_, "Select a run to see its metrics.");
    log_view_->set_run(0, {});
    heatmap_->clear("Select a run to see how its tokens were routed.");
    attention_->clear("Select a run to see its attention on the probe text.");
    curriculum_->clear("Select a run to see its curriculum.");
    feed_.reset();
    return;
  }
  const RunRow* row = cached_run(id);
  const QString name = row ? QString::fromStdString(row->name) : QString::number(id);
  try {
    // Offer the run's metrics; keep the chosen one even before the run has logged it.
    QStringList names;
    for (const auto& m : store_->metric_names(id)) names << QString::fromStdString(m);
    if (!names.contains(metric_)) names.prepend(metric_);
    QStringList shown;
    for (int i = 0; i < metric_box_->count(); ++i) shown << metric_box_->itemText(i);
    if (shown != names) {
      const QSignalBlocker block(metric_box_);
      metric_box_->clear();
      metric_box_->addItems(names);
    }
    metric_box_->setCurrentText(metric_);
    // The "+" menu offers every other metric of the run to draw in the same chart.
    QMenu* menu = more_metrics_->menu();
    QStringList offered;
    for (QAction* a : menu->actions()) offered << a->text();
    QStringList others = names;
    others.removeAll(metric_);
    if (offered != others) {
      menu->clear();
      for (const QString& m : others) {
        QAction* a = menu->addAction(m);
        a->setCheckable(true);
        a->setChecked(extra_metrics_.contains(m));
        connect(a, &QAction::toggled, this, [this, m](bool on) {
          if (on && !extra_metrics_.contains(m)) extra_metrics_ << m;
          if (!on) extra_metrics_.removeAll(m);
          refresh_selected();
        });
      }
    }
    QStringList metrics{metric_};
    for (const QString& m : extra_metrics_)
      if (m != metric_ && names.contains(m)) metrics << m;
    more_metrics_->setText(metrics.size() > 1 ? QString("+%1").arg(metrics.size() - 1) : QString("+"));

    // Every selected run times every chosen metric; no cap (colours cycle beyond the palette).
    std::vector<ChartSeries> series;
    const auto runs = run_list_->selected_runs();
    for (int64_t run : runs) {
      const RunRow* r = cached_run(run);
      const QString run_name = r ? QString::fromStdString(r->name) : QString::number(run);
      for (const QString& m : metrics)
        series.push_back({metrics.size() > 1 ? run_name + " \u00B7 " + m : run_name, series_for(run, m.toStdString())});
    }
    QString subtitle = name;
    if (runs.size() > 1) subtitle = QString("%1 runs overlaid").arg(runs.size());
    else if (row && row->last_step >= 0) subtitle += kDot + QString("step %1 of %2").arg(row->last_step).arg(row->total_steps);
    chart_->set_series(std::move(series), metrics.join(", "), subtitle);
    log_view_->set_run(id, name);
    log_view_->append(store_->logs(id, log_view_->last_seq()));
    if (row) {
      feed_.routing(*store_, *row, *heatmap_);
      feed_.attention(*store_, *row, *attention_);
      feed_.curriculum(*store_, *row, *curriculum_);
    }
  } catch (const std::exception& e) {
    statusBar()->showMessage(QString("Reading the store failed: ") + e.what());
  }
}

std::shared_ptr<const MetricSeries> MainWindow::series_for(int64_t run_id, const std::string& metric) {
  const ChartAxis axis = chart_->x_axis();
  auto& s = series_cache_[{run_id, metric, axis}];
  if (s && s->points_read() > 0 && store_->count_metric_points(run_id, metric, s->last_step(), axis) != s->points_read())
    s.reset();
  if (!s) s = std::make_shared<MetricSeries>();
  s->set_smoothing(smoothing_slider_->value() / 100.0);
  const int64_t after = s->points_read() > 0 ? s->last_step() : std::numeric_limits<int64_t>::min();
  for (const auto& p : store_->metric_points(run_id, metric, after, axis)) s->append(p.step, p.x, p.value);
  return s;
}

void MainWindow::show_run_status() {
  const RunRow* r = cached_run(run_list_->selected_run());
  if (!r) {
    run_status_->setText(QString::fromStdString(store_->path()));
    run_status_->setStyleSheet({});
    return;
  }
  QString text = QString::fromStdString(r->name) + kDot + QString::fromStdString(r->status);
  if (r->last_step >= 0) text += kDot + QString("step %1 / %2").arg(r->last_step).arg(r->total_steps);
  text += kDot + QString::fromStdString(r->run_dir);
  if (!r->message.empty()) text += kDot + QString::fromStdString(r->message).section('\n', 0, 0);
  run_status_->setText(text);
  run_status_->setToolTip(QString::fromStdString(r->message));
  run_status_->setStyleSheet(r->status == RunStatus::Failed ? "color: #c0392b;" : "");
}

const RunRow* MainWindow::cached_run(int64_t id) const {
  for (const auto& r : runs_)
    if (r.id == id) return &r;
  return nullptr;
}

void MainWindow::closeEvent(QCloseEvent* e) {
  if (!queue_->active_runs().empty() && !closing_) {
    // Let the runners checkpoint and record their final status; close when they have ended.
    // Waiting runs stay queued in the store for the next session.
    closing_ = true;
    for (int64_t id : queue_->active_runs()) queue_->stop(id);
    queue_->set_paused(true);
    statusBar()->showMessage("Stopping the runs before closing...");
    QTimer::singleShot(15000, this, &QWidget::close);  // a runner that ignores the stop
    e->ignore();
    return;
  }
  save_settings();
  QMainWindow::closeEvent(e);
}

}  // namespace r1wb::views
