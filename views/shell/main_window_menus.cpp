// MainWindow's menu bar: the actions with their standard shortcuts, the theme switch, and
// opening stores (with the recent-stores list kept in the settings).
#include "views/shell/main_window.h"

#include "views/experiment/config_editor.h"

#include <QActionGroup>
#include <QApplication>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QStatusBar>
#include <QTimer>

namespace r1wb::views {

void MainWindow::build_menus() {
  auto add = [this](QMenu* menu, const QString& name, const QString& text, const QKeySequence& keys, auto&& slot) {
    QAction* a = menu->addAction(text);
    a->setShortcut(keys);
    a->setShortcutContext(Qt::ApplicationShortcut);
    connect(a, &QAction::triggered, this, slot);
    actions_[name] = a;
    return a;
  };
  QMenu* file = menuBar()->addMenu("&File");
  add(file, "open_store", "&Open store...", QKeySequence::Open, [this] {
    const QString near = wanted_store_.isEmpty() ? QString::fromStdString(store_->path()) : wanted_store_;
    const QString path = QFileDialog::getOpenFileName(this, "Open a workbench store", QFileInfo(near).absolutePath(),
                                                      "Workbench stores (*.db *.sqlite);;All files (*)");
    if (!path.isEmpty()) open_store(path);
  });
  recent_menu_ = file->addMenu("Open &recent");
  file->addSeparator();
  add(file, "quit", "&Quit", QKeySequence::Quit, [this] { close(); });
  QMenu* run = menuBar()->addMenu("&Run");
  add(run, "run", "&Run the experiment", QKeySequence("Ctrl+R"), [this] { editor_->run_button()->click(); });
  add(run, "stop", "&Stop the selected run", QKeySequence("Ctrl+."), [this] { stop_run(); });
  add(run, "resume", "Res&ume the selected run", QKeySequence("Ctrl+Shift+R"), [this] { resume_selected(); });
  add(run, "duplicate", "&Duplicate the selected run", QKeySequence(), [this] { duplicate_selected(); });
  run->addSeparator();
  add(run, "continue_sft", "Continue the selected run as &SFT", QKeySequence(),
      [this] { continue_selected(Stage::Sft); });
  add(run, "continue_rl", "Continue the selected run as R&L", QKeySequence(), [this] { continue_selected(Stage::Rl); });
  add(run, "distill", "Dis&til the selected run into a smaller student", QKeySequence(),
      [this] { distill_selected(); });
  add(run, "quantize", "&Quantize the selected run (QAT fine-tune)", QKeySequence(), [this] { quantize_selected(); });
  add(run, "prune", "&Prune the selected run's FFNs (magnitude, with recovery)", QKeySequence(),
      [this] { prune_selected(); });
  add(run, "reconnect", "Reco&nnect the selected run to its host", QKeySequence(), [this] { reconnect_selected(); })
      ->setToolTip("Try an unreachable remote run's link now, asking the host's questions (a one-time code) again, "
                   "which automatic reconnects never do");
  add(run, "fetch", "&Fetch the selected run's checkpoint from its host", QKeySequence(), [this] { fetch_selected(); })
      ->setToolTip("Copy the selected remote run's newest checkpoint into its local run directory over SFTP (SHA-256 "
                   "checked); then Export, eval and Continue use it");
  add(run, "export", "E&xport the selected run...", QKeySequence("Ctrl+E"), [this] { export_selected(); });
  add(run, "compression", "Compare the compression of the selected run's lineage...", QKeySequence("Ctrl+Shift+E"),
      [this] { compare_compression_of_selected(); });
  QMenu* view = menuBar()->addMenu("&View");
  add(view, "find", "&Find runs", QKeySequence::Find, [this] {
    search_box_->setFocus();
    search_box_->selectAll();
  });
  add(view, "refresh", "Re&fresh", QKeySequence::Refresh, [this] { refresh(); });
  view->addSeparator();
  QAction* light = add(view, "theme_light", "&Light theme", QKeySequence(), [this] { set_theme(Theme::Light); });
  QAction* dark = add(view, "theme_dark", "&Dark theme", QKeySequence(), [this] { set_theme(Theme::Dark); });
  light->setCheckable(true);
  dark->setCheckable(true);
  auto* themes = new QActionGroup(this);
  themes->addAction(light);
  themes->addAction(dark);
  QMenu* help = menuBar()->addMenu("&Help");
  add(help, "shortcuts", "&Keyboard shortcuts", QKeySequence::HelpContents, [this] {
    QStringList lines;
    for (const auto& [name, a] : actions_)
      if (!a->shortcut().isEmpty())
        lines << a->text().remove('&') + "\t" + a->shortcut().toString(QKeySequence::NativeText);
    lines.sort();
    QMessageBox::information(this, "Keyboard shortcuts",
                             lines.join("\n") + "\n\nIn the chart: wheel zooms, drag pans, double-click shows all.");
  });
  fill_recent_menu();
}

QAction* MainWindow::action(const QString& name) const {
  auto it = actions_.find(name);
  return it == actions_.end() ? nullptr : it->second;
}

void MainWindow::set_theme(Theme theme) {
  if (auto* app = qobject_cast<QApplication*>(QApplication::instance())) apply_workbench_theme(*app, theme);
  action(theme == Theme::Dark ? "theme_dark" : "theme_light")->setChecked(true);
  settings()->setValue("view/theme", theme_name(theme));
}

QStringList MainWindow::recent_stores() const { return settings()->value("stores/recent").toStringList(); }

void MainWindow::remember_store() {
  if (store_->path() == ":memory:") return;  // a temporary store is nowhere to go back to
  QStringList recent = recent_stores();
  const QString path = QFileInfo(QString::fromStdString(store_->path())).absoluteFilePath();
  recent.removeAll(path);
  recent.prepend(path);
  while (recent.size() > 8) recent.removeLast();
  settings()->setValue("stores/recent", recent);
}

void MainWindow::fill_recent_menu() {
  recent_menu_->clear();
  const QString current = QFileInfo(QString::fromStdString(store_->path())).absoluteFilePath();
  for (const QString& path : recent_stores()) {
    QAction* a = recent_menu_->addAction(path);
    a->setEnabled(path != current);
    connect(a, &QAction::triggered, this, [this, path] { open_store(path); });
  }
  recent_menu_->setEnabled(!recent_menu_->isEmpty());
}

std::unique_ptr<MainWindow> MainWindow::open_without_store(const WorkbenchOptions& options, const QString& problem) {
  WorkbenchOptions temporary = options;
  temporary.store_path = ":memory:";  // SQLite's own: empty, and gone when the window closes
  QString error;
  auto w = open(temporary, &error);
  if (!w) return nullptr;
  w->wanted_store_ = options.store_path;
  w->store_problem_ = "Cannot open the store " + options.store_path + ": " + problem;
  w->setWindowTitle("R1 Workbench - no store (temporary)");
  w->banner_->setText("<b>No store</b>  " + w->store_problem_.toHtmlEscaped());
  w->banner_->setStyleSheet("color: #c0392b;");
  w->banner_->setToolTip(w->store_problem_);
  auto* box = new QMessageBox(QMessageBox::Warning, "Cannot open the store",
                              w->store_problem_ +
                                  "\n\nThis window shows an empty temporary store. Runs started here keep their run "
                                  "directories (r1wb-run ingest adds them to a store later), but the window forgets "
                                  "them when it closes. Open another store to keep them.",
                              QMessageBox::NoButton, w.get());
  box->setObjectName("store_problem");
  auto* pick = box->addButton("Open another store...", QMessageBox::AcceptRole);
  pick->setObjectName("store_problem_open");
  box->addButton("Continue without a store", QMessageBox::RejectRole);
  auto* window = w.get();
  connect(pick, &QPushButton::clicked, window, [window] { window->action("open_store")->trigger(); });
  box->setModal(false);
  QTimer::singleShot(0, box, [box] { box->show(); });  // over the window once it is shown
  return w;
}

MainWindow* MainWindow::open_store(const QString& path) {
  if (QFileInfo(path).absoluteFilePath() == QFileInfo(QString::fromStdString(store_->path())).absoluteFilePath()) {
    statusBar()->showMessage(path + " is the store this window has open.");  // two queues would start its runs twice
    return nullptr;
  }
  WorkbenchOptions o = options_;
  o.store_path = path;
  QString error;
  auto next = open(o, &error);
  if (!next) {
    statusBar()->showMessage("Cannot open " + path + ": " + error);
    return nullptr;
  }
  next->setAttribute(Qt::WA_DeleteOnClose);
  next->show();
  if (queue_->active_runs().empty() && queue_->queued_runs().empty()) close();
  return next.release();
}

}  // namespace r1wb::views
