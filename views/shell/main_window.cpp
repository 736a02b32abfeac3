#include "views/shell/main_window.h"
#include "views/runs/ssh_prompts.h"

#include "core/jobs/host_jobs.h"
#include "views/runs/checkpoint_fetcher.h"
#include "views/runs/cluster_panel.h"
#include "views/runs/hosts_panel.h"

#include "core/config/config.h"
#include "core/config/model_cost.h"
#include "core/jobs/progress_estimate.h"
#include "core/paths.h"

#include "views/charts/chart_panel.h"
#include "views/charts/curriculum_view.h"
#include "views/charts/metric_chart.h"
#include "views/experiment/ablation_panel.h"
#include "views/experiment/config_editor.h"
#include "views/inspect/attention_panel.h"
#include "views/inspect/completions_panel.h"
#include "views/inspect/routing_panel.h"
#include "views/runs/log_view.h"
#include "views/runs/queue_panel.h"
#include "views/runs/run_list.h"
#include "views/shell/app_icon.h"
#include "views/shell/panel_viewers.h"
#include "views/shell/run_notifier.h"
#include "views/shell/workbench_context.h"

#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QFile>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QOpenGLContext>
#include <QPushButton>
#include <QScreen>
#include <QSettings>
#include <QSocketNotifier>
#include <QSpinBox>
#include <QSplitter>
#include <QStatusBar>
#include <QStyle>
#include <QTabWidget>
#include <QTimer>
#include <QVBoxLayout>

#include <exception>

namespace r1wb::views {
namespace {

const QString kDot = QStringLiteral("  \u00B7  ");

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

QPushButton* button(const QString& text, const QString& tip, QWidget* parent) {
  auto* b = new QPushButton(text, parent);
  b->setToolTip(tip);
  return b;
}

QLineEdit* line_edit(const char* name, const QString& placeholder, const QString& tip, QWidget* parent) {
  auto* e = new QLineEdit(parent);
  e->setObjectName(name);
  e->setPlaceholderText(placeholder);
  e->setToolTip(tip);
  return e;
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

namespace {
int open_windows = 0;  // Open store makes a second window before the first goes
}  // namespace

MainWindow::MainWindow(std::unique_ptr<Store> store, const WorkbenchOptions& options)
    : store_(std::move(store)), options_(options) {
  ++open_windows;
  open_ssh_prompts();
  setWindowTitle("R1 Workbench");
  setWindowIcon(app_icon());
  // Runs go here or to a stored host; remote runs left going by the last session are attached.
  queue_ = std::make_unique<RunQueue>(*store_, options_.runner_path.toStdString(), options_.runs_dir.toStdString(), 1,
                                      any_host_job_factory(*store_, options_.known_hosts.toStdString(), ssh_prompts(),
                                                           app_ssh_pool()));
  queue_->set_array_submitter(any_host_array_submitter(*store_, options_.known_hosts.toStdString(), ssh_prompts()));
  context_ = std::make_unique<WorkbenchContext>(*store_, *queue_);
  connect(context_.get(), &WorkbenchContext::store_failed, this,
          [this](const QString& message) { statusBar()->showMessage(message); });
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
  connect_signals();

  restore_settings();
  load_experiment(options_.experiment_path);
  ablation_->set_base(editor_->is_valid() ? editor_->result().resolved : nlohmann::json());
  update_throughput();
  refresh();
  if (run_list_->topLevelItemCount() > 0) run_list_->select_run(context_->runs().front().id);
  for (const auto& [id, why] : queue_->attach_failures())
    statusBar()->showMessage(QString("Could not follow %1 on its host again: %2")
                                 .arg(context_->run_name(id), QString::fromStdString(why)));
  if (!queue_->active_runs().empty()) QTimer::singleShot(0, this, [this] {
      QueueEvents ev;
      ev.started = queue_->active_runs();  // attached remote runs: their streams are watched as new ones
      handle(ev);
    });
  if (!queue_->queued_runs().empty()) {  // a queue left by the last session
    statusBar()->showMessage(
        QString("Continuing the queue left by the last session: %1 runs").arg(queue_->queued_runs().size()));
    QTimer::singleShot(0, this, [this] { handle(queue_->fill_slots()); });
  }
}

MetricChart* MainWindow::chart() const { return chart_panel_->chart(); }
QComboBox* MainWindow::x_axis_box() const { return chart_panel_->x_axis_box(); }
QSlider* MainWindow::smoothing_slider() const { return chart_panel_->smoothing_slider(); }
QToolButton* MainWindow::more_metrics_button() const { return chart_panel_->more_metrics_button(); }

void MainWindow::connect_signals() {
  connect(editor_, &ConfigEditor::run_requested, this, &MainWindow::start_run);
  connect(editor_, &ConfigEditor::stop_requested, this, &MainWindow::stop_run);
  connect(tags_edit_, &QLineEdit::editingFinished, this, &MainWindow::save_run_annotations);
  connect(notes_edit_, &QLineEdit::editingFinished, this, &MainWindow::save_run_annotations);
  connect(run_list_, &RunList::run_selected, this, [this] {
    show_run_annotations();
    sync_selection();
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
  connect(editor_, &ConfigEditor::validated, this,
          [this](bool valid) { ablation_->set_base(valid ? editor_->result().resolved : nlohmann::json()); });
  connect(ablation_, &AblationPanel::queue_requested, this, &MainWindow::queue_ablation);
  connect(ablation_, &AblationPanel::runs_selected, this,
          [this](const std::vector<int64_t>& ids) { run_list_->select_runs(ids); });
  connect(queue_panel_, &QueuePanel::stop_requested, this, [this](int64_t id) {
    queue_->stop(id);
    refresh();
  });
  auto list_hosts = [this] {
    QStringList names;
    for (const auto& h : store_->list_hosts()) names << QString::fromStdString(h.name);
    queue_panel_->set_hosts(names);
  };
  list_hosts();
  connect(hosts_panel_, &HostsPanel::hosts_changed, this, list_hosts);
  connect(hosts_panel_, &HostsPanel::hosts_changed, cluster_panel_, &ClusterPanel::reload_hosts);
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
  connect(fetcher_, &CheckpointFetcher::progress, this, [this](int64_t, const QString& text) { statusBar()->showMessage(text); });
  connect(fetcher_, &CheckpointFetcher::finished, this, [this](int64_t, bool, const QString& text) {
    statusBar()->showMessage(text);
    update_run_buttons();
  });
  confirm_ = [this](const QString& question) {
    return QMessageBox::question(this, "Delete run", question, QMessageBox::Yes | QMessageBox::Cancel,
                                 QMessageBox::Cancel) == QMessageBox::Yes;
  };
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
  chart_panel_->save_settings(*s);
  s->setValue("window/tab", tabs_->currentIndex());
  s->setValue("window/inspect_tab", inspect_tabs_->currentIndex());
  s->setValue("queue/max_concurrent", queue_panel_->concurrency()->value());
}

void MainWindow::restore_settings() {
  auto s = settings();
  if (s->contains("window/geometry"))
    restoreGeometry(s->value("window/geometry").toByteArray());
  else
    place_on_first_start();
  left_split_->restoreState(s->value("window/left_split").toByteArray());
  right_split_->restoreState(s->value("window/right_split").toByteArray());
  main_split_->restoreState(s->value("window/main_split").toByteArray());
  chart_panel_->restore_settings(*s);
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

void MainWindow::place_on_first_start() {
  const QScreen* screen = this->screen() ? this->screen() : QGuiApplication::primaryScreen();
  if (!screen) return;  // keeps build_ui's size
  const QRect avail = screen->availableGeometry();
  const QSize size(int(avail.width() * kFirstStartShare), int(avail.height() * kFirstStartShare));
  const QSize fitted = size.expandedTo(minimumSizeHint()).boundedTo(avail.size());
  setGeometry(QStyle::alignedRect(Qt::LeftToRight, Qt::AlignCenter, fitted, avail));
}

MainWindow::~MainWindow() {
  close_ssh_prompts();  // a worker waiting on a question is answered before the queue joins it
  for (auto& [id, n] : notifiers_) delete n;  // before the queue closes the descriptors they watch
  notifiers_.clear();
  // Forced close: runners die with the queue; say so rather than leave "running". Waiting
  // runs stay queued: the next session continues them.
  for (int64_t id : queue_->active_runs()) {
    try {
      store_->set_status(id, RunStatus::Failed, "the workbench closed while the run was in progress");
    } catch (const std::exception&) {}
  }
  queue_.reset();
  if (--open_windows > 0) {
    open_ssh_prompts();  // the other window's connections and questions go on
    return;
  }
  app_ssh_pool()->close_all();  // the connections close now, while libssh2 and OpenSSL are whole
}

void MainWindow::build_ui() {
  auto* left = left_split_ = new QSplitter(Qt::Vertical, this);
  left->addWidget(build_run_browser());
  auto* editor_layout = new QVBoxLayout;
  editor_layout->addWidget(build_left_tabs());
  left->addWidget(panel(left, editor_layout));
  left->setStretchFactor(0, 2);
  left->setStretchFactor(1, 3);

  auto* split = main_split_ = new QSplitter(Qt::Horizontal, this);
  split->addWidget(left);
  split->addWidget(build_right_side());
  split->setStretchFactor(0, 2);
  split->setStretchFactor(1, 3);
  split->setSizes({480, 760});
  setCentralWidget(split);
  register_viewers();
  build_status_bar();
  resize(1240, 760);  // without a screen to measure; restore_settings places the window
}

QWidget* MainWindow::build_run_browser() {
  run_list_ = new RunList(this);
  resume_button_ = button("Resume", "Continue the selected stopped or failed run from its newest checkpoint", this);
  delete_button_ = button("Delete...", "Remove the selected run from the store and delete its run directory", this);
  duplicate_button_ = button("Duplicate", "Queue a new run with the selected run's exact config (Ctrl+D)", this);
  duplicate_button_->setShortcut(QKeySequence("Ctrl+D"));
  derive_button_ =
      button("Derive",
             "Edit a new experiment starting from the selected run's config; the editor lists what you change", this);
  fetcher_ = new CheckpointFetcher(this);
  auto* run_buttons = new QHBoxLayout;
  run_buttons->addStretch(1);
  for (QPushButton* b : {derive_button_, duplicate_button_, resume_button_, delete_button_}) run_buttons->addWidget(b);
  search_box_ = line_edit("run_search", "Search: words  status:failed  tag:baseline  model.moe.top_k>=2  train.lr<1e-3",
                          "Words match name, experiment, tags and notes; status:, tag: and config-field comparisons "
                          "(=, !=, <, <=, >, >=) filter in the store. Ctrl+F",
                          this);
  search_box_->setClearButtonEnabled(true);
  search_errors_ = new QLabel(this);
  search_errors_->setStyleSheet("color: #c0392b;");
  search_errors_->setWordWrap(true);
  search_errors_->hide();
  tags_edit_ = line_edit("run_tags", "tags, comma-separated", "The selected run's tags (search with tag:name)", this);
  notes_edit_ = line_edit("run_notes", "notes on this run", "Free text kept with the run; the search matches it", this);
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
  return panel(this, runs_layout);
}

QTabWidget* MainWindow::build_left_tabs() {
  editor_ = new ConfigEditor(this);
  ablation_ = new AblationPanel(this);
  queue_panel_ = new QueuePanel(this);
  hosts_panel_ = new HostsPanel(*store_, options_.known_hosts, this);
  cluster_panel_ = new ClusterPanel(*store_, options_.known_hosts, this);
  tabs_ = new QTabWidget(this);
  tabs_->setDocumentMode(true);
  tabs_->addTab(editor_, "Experiment");
  tabs_->addTab(ablation_, "Ablation");
  tabs_->addTab(queue_panel_, "Queue");
  tabs_->addTab(hosts_panel_, "Hosts");
  tabs_->addTab(cluster_panel_, "Cluster");
  return tabs_;
}

QSplitter* MainWindow::build_right_side() {
  chart_panel_ = new ChartPanel(*context_, this);
  heatmap_ = new RoutingPanel;  // parented below, or kept out of the window without OpenGL
  attention_ = new AttentionPanel;
  completions_ = new CompletionsPanel;
  curriculum_ = new CurriculumView(this);
  inspect_tabs_ = new QTabWidget(this);
  inspect_tabs_->setDocumentMode(true);
  if (opengl_available()) {
    inspect_tabs_->addTab(heatmap_, "Routing");
    inspect_tabs_->addTab(attention_, "Attention");
    inspect_tabs_->addTab(completions_, "Completions");
  } else {
    // Still fed, never in the window: a GL widget anywhere in it switches the whole window
    // to GL composition, which such platforms cannot do.
    detached_heatmap_.reset(heatmap_);
    detached_attention_.reset(attention_);
    detached_completions_.reset(completions_);
    auto* note = new QLabel("The routing, attention and completions panels need OpenGL, which this display does not offer.", this);
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
  right->addWidget(chart_panel_);
  right->addWidget(panel(right, heat_layout));
  right->addWidget(panel(right, log_layout));
  right->setStretchFactor(0, 3);
  right->setStretchFactor(1, 3);
  right->setStretchFactor(2, 1);
  return right;
}

void MainWindow::register_viewers() {
  log_viewer_ = std::make_unique<LogViewer>(*context_, *log_view_);
  routing_viewer_ = std::make_unique<FeedViewer<RoutingPanel>>(*context_, *heatmap_, &InspectionFeed::routing,
                                                               "Select a run to see how its tokens were routed.");
  attention_viewer_ = std::make_unique<FeedViewer<AttentionPanel>>(
      *context_, *attention_, &InspectionFeed::attention, "Select a run to see its attention on the probe text.");
  completions_viewer_ = std::make_unique<FeedViewer<CompletionsPanel>>(
      *context_, *completions_, &InspectionFeed::completions, "Select an RL run to see its completions.");
  curriculum_viewer_ = std::make_unique<FeedViewer<CurriculumView>>(
      *context_, *curriculum_, &InspectionFeed::curriculum, "Select a run to see its curriculum.");
  for (Viewer* v : std::initializer_list<Viewer*>{chart_panel_, log_viewer_.get(), routing_viewer_.get(),
                                                  attention_viewer_.get(), completions_viewer_.get(),
                                                  curriculum_viewer_.get()})
    context_->add_viewer(v);
  // Queued: the panels ask from inside their paint; the store is read after the frame.
  auto* routing = routing_viewer_.get();
  auto* attention = attention_viewer_.get();
  const auto queued = Qt::QueuedConnection;
  connect(
      heatmap_, &RoutingPanel::step_requested, heatmap_, [routing] { routing->refresh(); }, queued);
  connect(
      attention_, &AttentionPanel::step_requested, attention_, [attention] { attention->refresh(); }, queued);
  connect(
      attention_, &AttentionPanel::layer_requested, attention_, [attention] { attention->refresh(); }, queued);
  auto* completions = completions_viewer_.get();
  connect(
      completions_, &CompletionsPanel::step_requested, completions_, [completions] { completions->refresh(); },
      queued);
  connect(
      completions_, &CompletionsPanel::follow_requested, completions_, [completions] { completions->refresh(); },
      queued);
}

void MainWindow::build_status_bar() {
  run_status_ = new QLabel(this);
  run_status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  statusBar()->addWidget(run_status_, 1);
  banner_ = new QLabel(this);
  banner_->setObjectName("notification_banner");
  statusBar()->addPermanentWidget(banner_);
  statusBar()->setSizeGripEnabled(true);
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
  sync_selection();
  context_->records_arrived();
  show_run_status();
  update_run_buttons();
}

void MainWindow::refresh_runs() {
  try {
    context_->set_runs(store_->find_runs(query_));
  } catch (const std::exception& e) {
    statusBar()->showMessage(QString("Reading the store failed: ") + e.what());
    return;
  }
  std::map<int64_t, QString> eta;
  for (int64_t id : queue_->active_runs())
    if (auto left = queue_->progress(id)->eta_seconds()) eta[id] = QString::fromStdString(format_duration(*left));
  run_list_->set_runs(context_->runs(), eta);
  refresh_queue_views();
}

void MainWindow::sync_selection() {
  const int64_t primary = run_list_->selected_run();
  context_->select({primary, primary ? run_list_->selected_runs() : std::vector<int64_t>{}});
}

void MainWindow::refresh_queue_views() {
  auto name_of = [this](int64_t id) {  // from the store: the search may hide a queued run
    const auto r = store_->run(id);
    return r ? QString::fromStdString(r->name) : QString::number(id);
  };
  std::vector<QueueEntry> entries;
  for (int64_t id : queue_->active_runs()) {
    const ProgressEstimate* p = queue_->progress(id);
    QueueEntry e{id, name_of(id), true, p->fraction(), {}};
    e.detail = p->step() >= 0 ? QString("step %1 / %2").arg(p->step()).arg(p->total()) : QString("starting");
    if (auto left = p->eta_seconds()) e.detail += QString::fromStdString(" \u00B7 ETA " + format_duration(*left));
    entries.push_back(e);
  }
  int place = 0;
  for (int64_t id : queue_->queued_runs())
    entries.push_back({id, name_of(id), false, 0, QString("waiting (%1 in line)").arg(++place)});
  queue_panel_->set_entries(entries);
  tabs_->setTabText(2, entries.empty() ? QString("Queue") : QString("Queue (%1)").arg(entries.size()));
  // The results scan every metric of the grid's runs: at most once a second while they stream.
  if (!ablation_runs_.empty() && (!ablation_clock_.isValid() || ablation_clock_.elapsed() > 1000 || force_results_)) {
    ablation_->set_results(ablation_axes_, ablation_results(*store_, ablation_runs_, ablation_axes_));
    ablation_clock_.start();
    force_results_ = false;
  }
}

void MainWindow::show_run_status() {
  const RunRow* r = cached_run(run_list_->selected_run());
  if (!r) {
    run_status_->setText(QString::fromStdString(store_->path()));
    run_status_->setStyleSheet({});
    return;
  }
  QString text = QString::fromStdString(r->name) + kDot + QString(status_name(r->status));
  if (r->last_step >= 0) text += kDot + QString("step %1 / %2").arg(r->last_step).arg(r->total_steps);
  text += kDot + QString::fromStdString(r->run_dir);
  if (!r->message.empty()) text += kDot + QString::fromStdString(r->message).section('\n', 0, 0);
  run_status_->setText(text);
  run_status_->setToolTip(QString::fromStdString(r->message));
  run_status_->setStyleSheet(r->status == RunStatus::Failed ? "color: #c0392b;" : "");
}

const RunRow* MainWindow::cached_run(int64_t id) const { return context_->run(id); }

void MainWindow::closeEvent(QCloseEvent* e) {
  // Runs on hosts go on without the app; the next start attaches them again.
  for (int64_t id : queue_->detach_remote()) {
    if (auto it = notifiers_.find(id); it != notifiers_.end()) {
      delete it->second;
      notifiers_.erase(it);
    }
  }
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
  if (!deleting_.empty()) {  // a run's node directory is being removed: its row goes when that ends
    closing_ = true;
    statusBar()->showMessage("Closing when the run's directory on its host has been removed...");
    e->ignore();
    return;
  }
  save_settings();
  QMainWindow::closeEvent(e);
}

}  // namespace r1wb::views
