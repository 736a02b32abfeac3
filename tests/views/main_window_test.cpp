// The whole window against real parts: a real SQLite store in a temp dir, the real runner
// started by clicking the real Run button, the real app binary started on a bad store.
#include "views/shell/main_window.h"
#include "test_support.h"
#include "views/charts/metric_chart.h"
#include "views/experiment/config_editor.h"
#include "views/inspect/routing_panel.h"
#include "views/runs/log_view.h"
#include "views/runs/run_list.h"
#include "views/shell/run_notifier.h"
#include "window_support.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPointer>
#include <QProcess>
#include <QPushButton>
#include <QScreen>
#include <QSlider>
#include <QTemporaryDir>
#include <QTest>

#include <QStatusBar>

#include <csignal>
#include <cstdio>
#include <set>

namespace r1wb::views {
namespace {

using nlohmann::json;

TEST(MainWindow, RunButtonTrainsAndFillsRunListChartAndHeatmap) {
  ASSERT_TRUE(runner_built()) << "runner not built: " << R1WB_RUNNER;
  QTemporaryDir dir;
  ASSERT_TRUE(dir.isValid());
  auto w = open_shown(temp_options(dir));
  ASSERT_TRUE(w);
  EXPECT_TRUE(w->editor()->is_valid()) << "the demo experiment loads: "
                                       << w->editor()->errors().join("\n").toStdString();
  EXPECT_EQ(w->run_list()->topLevelItemCount(), 0);

  const json doc = short_run(30);
  w->editor()->set_text(QString::fromStdString(doc.dump(2)));
  ASSERT_TRUE(w->editor()->run_enabled()) << w->editor()->errors().join("\n").toStdString();
  QTest::mouseClick(w->editor()->run_button(), Qt::LeftButton);
  ASSERT_TRUE(w->run_active()) << "Run starts the runner";
  const int64_t id = w->last_started_run();
  EXPECT_TRUE(w->editor()->run_button()->isEnabled()) << "more runs queue behind it";
  EXPECT_TRUE(w->editor()->stop_button()->isEnabled());
  EXPECT_EQ(w->run_list()->selected_run(), id) << "the new run is selected";

  int live_points = 0;
  ASSERT_TRUE(wait_for_run_end(*w, 120000, &live_points)) << "run did not end within 120 s";
  std::printf("[ info ] chart points seen while the run was live: %d\n", live_points);

  const auto row = w->store().run(id);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->status, RunStatus::Completed) << row->message;
  EXPECT_TRUE(w->editor()->run_button()->isEnabled());
  EXPECT_FALSE(w->editor()->stop_button()->isEnabled());

  const int r = w->run_list()->row_of(id);
  ASSERT_GE(r, 0) << "the run list shows the run";
  EXPECT_EQ(w->run_list()->cell(r, RunList::Name).toStdString(), row->name);
  EXPECT_EQ(w->run_list()->cell(r, RunList::Status), "completed");
  EXPECT_EQ(w->run_list()->cell(r, RunList::Step), "30 / 30");

  EXPECT_EQ(w->chart()->title(), "train/loss");
  EXPECT_GT(w->chart()->point_count(), 0);
  EXPECT_EQ(w->chart()->drawn()[0].back().step_hi, 30);

  const ExpertLoad& load = w->heatmap()->snapshot();
  ASSERT_FALSE(load.empty());
  EXPECT_EQ(load.rows, doc["model"]["n_layers"].get<int>());
  EXPECT_EQ(load.cols, doc["model"]["moe"]["num_experts"].get<int>());
  EXPECT_EQ(load.step, 30);
  for (int l = 0; l < load.rows; ++l) {
    double sum = 0;
    for (int e = 0; e < load.cols; ++e) sum += load.at(l, e);
    EXPECT_NEAR(sum, 1.0, 1e-3) << "layer " << l;
  }

  QTest::qWait(200);  // let the last repaint land
  const QImage heat = w->heatmap()->grabFramebuffer();
  EXPECT_GT(test::colour_count(heat), 10) << "the heatmap is drawn, not blank";
  EXPECT_TRUE(heat.save(test::screenshot_path("expert_load.png")));
  EXPECT_TRUE(w->grab().save(test::screenshot_path("main_window.png")));
  std::printf("[ info ] screenshots in %s\n", R1WB_SCREENSHOT_DIR);
}

// Starts `steps` of tiny-moe from the editor and presses Stop once the chart has a point;
// true when the runner then ended within a minute.
bool run_then_stop(MainWindow& w, int steps) {
  w.editor()->set_text(QString::fromStdString(short_run(steps).dump(2)));
  QTest::mouseClick(w.editor()->run_button(), Qt::LeftButton);
  if (!w.run_active()) return false;
  if (!QTest::qWaitFor([&] { return w.chart()->point_count() > 0 || !w.run_active(); }, 120000)) return false;
  if (!w.run_active()) {
    ADD_FAILURE() << "the run ended before Stop: " << w.store().run(w.last_started_run())->message;
    return false;
  }
  QTest::mouseClick(w.editor()->stop_button(), Qt::LeftButton);
  return wait_for_run_end(w, 60000);
}

TEST(MainWindow, StopButtonEndsTheRunGracefully) {
  ASSERT_TRUE(runner_built()) << "runner not built: " << R1WB_RUNNER;
  QTemporaryDir dir;
  QString error;
  auto w = MainWindow::open(temp_options(dir), &error);
  ASSERT_TRUE(w) << error.toStdString();
  w->show();
  ASSERT_TRUE(run_then_stop(*w, 100000)) << "runner did not stop within 60 s";
  const auto row = w->store().run(w->last_started_run());
  EXPECT_EQ(row->status, RunStatus::Stopped) << row->message;
  EXPECT_LT(row->last_step, 100000);
}

TEST(MainWindow, StoppedRunResumesFromItsCheckpointAndCompletes) {
  ASSERT_TRUE(runner_built()) << "runner not built: " << R1WB_RUNNER;
  QTemporaryDir dir;
  QString error;
  auto w = MainWindow::open(temp_options(dir), &error);
  ASSERT_TRUE(w) << error.toStdString();
  w->show();
  ASSERT_TRUE(run_then_stop(*w, 150));
  const int64_t id = w->last_started_run();
  const auto stopped = w->store().run(id);
  ASSERT_EQ(stopped->status, RunStatus::Stopped) << stopped->message;
  ASSERT_LT(stopped->last_step, 150);
  EXPECT_TRUE(w->resume_button()->isEnabled());

  QTest::mouseClick(w->resume_button(), Qt::LeftButton);
  ASSERT_TRUE(w->run_active());
  EXPECT_FALSE(w->resume_button()->isEnabled()) << "one run at a time";
  EXPECT_FALSE(w->delete_button()->isEnabled()) << "the running run cannot be deleted";
  ASSERT_TRUE(wait_for_run_end(*w, 120000));
  const auto done = w->store().run(id);
  EXPECT_EQ(done->status, RunStatus::Completed) << done->message;
  EXPECT_EQ(done->last_step, 150);
  EXPECT_EQ(w->store().list_runs().size(), 1u) << "the same run continued, no new one";
  bool resumed_line = false;
  for (const auto& l : w->store().logs(id, 0)) resumed_line |= l.text.find("resumed from checkpoint at step") == 0;
  EXPECT_TRUE(resumed_line);
  EXPECT_FALSE(w->resume_button()->isEnabled()) << "a completed run has nothing to resume";
}

TEST(MainWindow, DeleteAsksThenRemovesTheRunAndItsDirectory) {
  QTemporaryDir dir;
  const WorkbenchOptions o = temp_options(dir);
  const QString run_dir = dir.filePath("runs/tiny-moe-1");
  QDir().mkpath(run_dir + "/checkpoints");
  QFile(run_dir + "/events.log").open(QIODevice::WriteOnly);
  int64_t id = 0;
  {
    Store st(o.store_path.toStdString());
    id = st.create_run("tiny-moe-1", "tiny-moe", "{}", run_dir.toStdString(), "h");
    st.ingest(id, {{1, wire::Metrics{1, 0, {{"train/loss", 1.0}}}}});
  }
  QString error;
  auto w = MainWindow::open(o, &error);
  ASSERT_TRUE(w) << error.toStdString();
  w->show();
  w->run_list()->select_run(id);
  QString asked;
  w->set_confirm([&](const QString& q) {
    asked = q;
    return false;
  });
  QTest::mouseClick(w->delete_button(), Qt::LeftButton);
  EXPECT_TRUE(asked.contains("tiny-moe-1") && asked.contains(run_dir)) << asked.toStdString();
  EXPECT_EQ(w->store().list_runs().size(), 1u) << "cancelled: nothing removed";
  EXPECT_TRUE(QDir(run_dir).exists());

  w->set_confirm([](const QString&) { return true; });
  QTest::mouseClick(w->delete_button(), Qt::LeftButton);
  EXPECT_TRUE(w->store().list_runs().empty());
  EXPECT_EQ(w->store().count_rows("metrics", id), 0) << "its metrics went with it";
  EXPECT_FALSE(QDir(run_dir).exists());
  EXPECT_EQ(w->run_list()->topLevelItemCount(), 0);
}

TEST(MainWindow, RunnerThatCannotStartLeavesAFailedRunAndRunEnabled) {
  QTemporaryDir dir;
  WorkbenchOptions o = temp_options(dir);
  o.runner_path = dir.filePath("no-such-runner");
  QString error;
  auto w = MainWindow::open(o, &error);
  ASSERT_TRUE(w) << error.toStdString();
  w->show();
  w->editor()->set_text(QString::fromStdString(short_run(10).dump(2)));
  QTest::mouseClick(w->editor()->run_button(), Qt::LeftButton);
  EXPECT_FALSE(w->run_active());
  EXPECT_TRUE(w->editor()->run_button()->isEnabled());
  ASSERT_EQ(w->run_list()->topLevelItemCount(), 1);
  EXPECT_EQ(w->run_list()->cell(0, RunList::Status), "failed");
  const auto runs = w->store().list_runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_NE(runs.front().message.find("no-such-runner"), std::string::npos) << runs.front().message;
}

TEST(MainWindow, FileThatIsNotAStoreIsAClearErrorNotACrash) {
  QTemporaryDir dir;
  WorkbenchOptions o = temp_options(dir);
  o.store_path = dir.filePath("notes.db");
  {
    QFile f(o.store_path);
    ASSERT_TRUE(f.open(QIODevice::WriteOnly));
    for (int i = 0; i < 200; ++i) f.write("these are my notes, not a database\n");
  }
  QString error;
  EXPECT_EQ(MainWindow::open(o, &error), nullptr);
  EXPECT_TRUE(error.contains("notes.db")) << error.toStdString();
  std::printf("[ info ] text file: %s\n", qPrintable(error));

  // A real SQLite file that belongs to another application.
  o.store_path = dir.filePath("contacts.db");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(o.store_path.toUtf8().constData(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE contacts(name TEXT, phone TEXT)", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  error.clear();
  EXPECT_EQ(MainWindow::open(o, &error), nullptr);
  EXPECT_TRUE(error.contains("another application")) << error.toStdString();
  std::printf("[ info ] foreign SQLite: %s\n", qPrintable(error));
}

// Two ways a store cannot be opened: a file that is not SQLite, and a path under a regular
// file (as unwritable as a read-only directory, and for root too).
std::vector<QString> bad_stores(const QTemporaryDir& dir) {
  QFile corrupt(dir.filePath("bad.db"));
  EXPECT_TRUE(corrupt.open(QIODevice::WriteOnly));
  corrupt.write(QByteArray(8192, 'x'));
  QFile plain(dir.filePath("plain-file"));
  EXPECT_TRUE(plain.open(QIODevice::WriteOnly));
  return {dir.filePath("bad.db"), dir.filePath("plain-file/store.db")};
}

TEST(MainWindow, ABadStoreOpensAWindowThatSaysSoAndOffersAnotherStore) {
  QTemporaryDir dir;
  for (const QString& bad : bad_stores(dir)) {
    SCOPED_TRACE(bad.toStdString());
    WorkbenchOptions o = temp_options(dir);
    o.store_path = bad;
    QString error;
    ASSERT_FALSE(MainWindow::open(o, &error)) << "the store opened";
    auto w = MainWindow::open_without_store(o, error);
    ASSERT_TRUE(w);
    w->show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(w.get()));
    QApplication::processEvents();
    EXPECT_TRUE(w->store_problem().contains(bad)) << w->store_problem().toStdString();
    auto* banner = w->findChild<QLabel*>("notification_banner");
    ASSERT_TRUE(banner);
    EXPECT_TRUE(banner->text().contains(bad)) << "said inside the window: " << banner->text().toStdString();
    auto* box = w->findChild<QMessageBox*>("store_problem");
    ASSERT_TRUE(box);
    EXPECT_TRUE(box->isVisible()) << "the message is shown, not only logged";
    EXPECT_TRUE(box->text().contains(error)) << box->text().toStdString();
    EXPECT_TRUE(w->findChild<QPushButton*>("store_problem_open"));
    EXPECT_TRUE(w->editor()->is_valid()) << "the window works: the experiment loads";
    EXPECT_FALSE(w->recent_stores().contains(":memory:")) << "the temporary store is not a recent one";
    w->grab().save(test::screenshot_path("main_window_bad_store.png"));
    box->grab().save(test::screenshot_path("main_window_bad_store_dialog.png"));

    QPointer<MainWindow> temporary(w.release());
    temporary->setAttribute(Qt::WA_DeleteOnClose);
    MainWindow* next = temporary->open_store(dir.filePath("good.db"));
    ASSERT_TRUE(next) << "another store opens from there";
    EXPECT_TRUE(next->store_problem().isEmpty());
    QTest::qWait(50);
    EXPECT_TRUE(temporary.isNull() || !temporary->isVisible()) << "the temporary window gives way";
    next->close();
    delete next;
  }
}

TEST(MainWindow, TheAppStartsWithABadStoreAndSaysWhy) {
  ASSERT_TRUE(QFileInfo(R1WB_APP).isExecutable()) << "app not built: " << R1WB_APP;
  QTemporaryDir dir;
  const QString bad = bad_stores(dir)[0];
  QProcess app;
  QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
  // On the display the tests run on (Xvfb): offscreen crashes in QOpenGLWidget's flush.
  env.insert("XDG_DATA_HOME", dir.filePath("xdg"));
  env.insert("XDG_CONFIG_HOME", dir.filePath("xdg-config"));
  app.setProcessEnvironment(env);
  app.start(R1WB_APP, {"--store", bad, "--runs-dir", dir.filePath("runs")});
  ASSERT_TRUE(app.waitForStarted(10000));
  const bool exited = app.waitForFinished(3000);
  const QString err = QString::fromLocal8Bit(app.readAllStandardError());
  EXPECT_FALSE(exited) << "it exited (code " << app.exitCode() << ", status " << int(app.exitStatus())
                       << ") instead of opening a window: " << err.toStdString();
  EXPECT_TRUE(err.contains("r1wb: cannot open the store") && err.contains("bad.db")) << err.toStdString();
  app.terminate();
  if (!app.waitForFinished(10000)) app.kill();
}

TEST(MainWindow, SelectingSeveralRunsOverlaysThemAndNewStepsAppendLive) {
  QTemporaryDir dir;
  const WorkbenchOptions o = temp_options(dir);
  int64_t a = 0, b = 0;
  {
    Store st(o.store_path.toStdString());
    a = st.create_run("tiny-moe-1", "tiny-moe", "{}", "/ra", "h");
    b = st.create_run("tiny-moe-2", "tiny-moe", "{}", "/rb", "h");
    std::vector<wire::Record> ra, rb;
    for (int64_t s = 1; s <= 300; ++s) {
      ra.push_back(
          {uint64_t(s),
           wire::Metrics{
               s, 100.0 + 2.0 * double(s), {{"train/loss", 5.0 / double(s)}, {"train/tokens", 1000.0 * double(s)}}}});
      if (s <= 200) rb.push_back({uint64_t(s), wire::Metrics{s, 0, {{"train/loss", 4.0 / double(s)}}}});
    }
    st.ingest(a, ra);
    st.ingest(b, rb);
  }
  auto w = open_shown(o);
  ASSERT_TRUE(w);
  w->run_list()->selectAll();
  w->refresh();
  auto last_steps = [&] {
    std::set<int64_t> ends;
    for (const auto& d : w->chart()->drawn()) ends.insert(d.empty() ? -1 : d.back().step_hi);
    return ends;
  };
  ASSERT_EQ(w->chart()->drawn().size(), 2u);
  EXPECT_EQ(last_steps(), (std::set<int64_t>{200, 300}));
  {
    Store st(o.store_path.toStdString());
    std::vector<wire::Record> more;
    for (int64_t s = 201; s <= 250; ++s)
      more.push_back({uint64_t(s), wire::Metrics{s, 0, {{"train/loss", 4.0 / double(s)}}}});
    st.ingest(b, more);
  }
  w->refresh();
  EXPECT_EQ(last_steps(), (std::set<int64_t>{250, 300})) << "the second run's new steps were appended";
  EXPECT_TRUE(w->chart()->drawn_smoothed()[0].empty());
  w->smoothing_slider()->setValue(60);
  ASSERT_EQ(w->chart()->drawn_smoothed().size(), 2u);
  EXPECT_FALSE(w->chart()->drawn_smoothed()[0].empty()) << "the slider smooths every overlaid run";
  EXPECT_FALSE(w->chart()->drawn_smoothed()[1].empty());

  w->x_axis_box()->setCurrentText("tokens");
  ASSERT_EQ(w->chart()->x_axis(), ChartAxis::Tokens);
  EXPECT_EQ(last_steps(), (std::set<int64_t>{-1, 300'000})) << "run 2 logged no train/tokens; run 1's x is its tokens";
  w->x_axis_box()->setCurrentText("wall time");
  EXPECT_EQ(last_steps(), (std::set<int64_t>{0, 598'000})) << "milliseconds since each run's first point";
  w->grab().save(test::screenshot_path("main_window_wall_time.png"));
  w->grab().save(test::screenshot_path("main_window_overlay.png"));
}

TEST(MainWindow, LogViewFiltersByTextAndLevelAndFollowsNewLines) {
  QTemporaryDir dir;
  const WorkbenchOptions o = temp_options(dir);
  int64_t id = 0;
  auto log_line = [](uint64_t seq, wire::LogLevel level, std::string text) {
    return wire::Record{seq, wire::Log{1.7e9 + double(seq), level, std::move(text)}};
  };
  {
    Store st(o.store_path.toStdString());
    id = st.create_run("tiny-moe-1", "tiny-moe", "{}", "/r", "h");
    st.ingest(id, {log_line(1, wire::LogLevel::Info, "resumed from checkpoint at step 100"),
                   log_line(2, wire::LogLevel::Info, "step 120: fp16 gradient overflow at loss scale 65536, skipped"),
                   log_line(3, wire::LogLevel::Warning, "step 130: non-finite loss or gradient, skipped"),
                   log_line(4, wire::LogLevel::Info, "curriculum: phase 1 from step 140")});
  }
  auto w = open_shown(o);
  ASSERT_TRUE(w);
  w->run_list()->select_run(id);
  LogView* view = w->log_view();
  ASSERT_EQ(view->shown_lines().size(), 4);
  view->set_filter("skipped");
  EXPECT_EQ(view->shown_lines().size(), 2);
  view->set_min_level(2);
  ASSERT_EQ(view->shown_lines().size(), 1);
  EXPECT_TRUE(view->shown_lines()[0].contains("WARN")) << view->shown_lines()[0].toStdString();
  view->set_filter("");
  view->set_min_level(0);
  {
    Store st(o.store_path.toStdString());
    st.ingest(id, {log_line(5, wire::LogLevel::Error, "runner exited with code 1")});
  }
  w->refresh();
  ASSERT_EQ(view->shown_lines().size(), 5) << "the new line arrived without re-reading the others";
  EXPECT_TRUE(view->shown_lines().back().contains("runner exited"));
  w->grab().save(test::screenshot_path("main_window_log.png"));
}

TEST(MainWindow, HeatmapRowsAreNamedByTheRunsOwnLayers) {
  QTemporaryDir dir;
  const WorkbenchOptions o = temp_options(dir);
  int64_t id = 0;
  {
    Store st(o.store_path.toStdString());
    const std::string config = R"({"model": {"n_layers": 3, "first_k_dense": 1, "ffn_hidden": 40, "mtp_weight": 0.3}})";
    id = st.create_run("mtp-1", "mtp", config, "/r", "h");
    std::vector<float> rows{0.25f, 0.25f, 0.25f, 0.25f, 0.4f, 0.2f, 0.2f, 0.2f, 0.1f, 0.3f, 0.3f, 0.3f};
    st.ingest(id, {{1, wire::Snapshot{10, "moe/expert_load", 3, 4, rows}}});
  }
  QString error;
  auto w = MainWindow::open(o, &error);
  ASSERT_TRUE(w) << error.toStdString();
  w->show();
  w->run_list()->select_run(id);
  const ExpertLoad& shown = w->heatmap()->snapshot();
  ASSERT_EQ(shown.rows, 3);
  EXPECT_EQ(shown.row_name(0), "layer 1") << "block 0 is dense (first_k_dense 1)";
  EXPECT_EQ(shown.row_name(2), "MTP");
}

TEST(MainWindow, LayoutAndChartChoicesPersistAcrossSessions) {
  QTemporaryDir dir;
  const WorkbenchOptions o = temp_options(dir);
  QString error;
  {
    auto w = open_shown(o);
    ASSERT_TRUE(w);
    w->resize(1100, 700);
    w->x_axis_box()->setCurrentText("tokens");
    w->smoothing_slider()->setValue(35);
    w->findChild<QCheckBox*>("log_y")->setChecked(true);
    ASSERT_TRUE(w->close());
  }
  auto w = MainWindow::open(o, &error);
  ASSERT_TRUE(w) << error.toStdString();
  EXPECT_EQ(w->size(), QSize(1100, 700));
  EXPECT_EQ(w->x_axis_box()->currentText(), "tokens");
  EXPECT_EQ(w->chart()->x_axis(), ChartAxis::Tokens);
  EXPECT_EQ(w->smoothing_slider()->value(), 35);
  EXPECT_TRUE(w->chart()->log_y());
}

TEST(MainWindow, FirstStartFillsMostOfTheScreenCentredWithTheAppIconAndASavedGeometryWins) {
  QTemporaryDir dir;
  const WorkbenchOptions o = temp_options(dir);  // a settings file of its own: nothing saved yet
  ASSERT_FALSE(QFileInfo::exists(o.settings_path));
  {
    auto w = open_shown(o);
    ASSERT_TRUE(w);
    const QRect avail = w->screen()->availableGeometry();
    const QRect g = w->geometry();
    std::printf("[ info ] first start on a %dx%d screen: %dx%d at (%d, %d)\n", avail.width(), avail.height(), g.width(),
                g.height(), g.x(), g.y());
    if (avail.width() >= 1280) EXPECT_GE(g.width(), 1100) << "the 1280x800 test screen";
    EXPECT_GE(g.width(), int(avail.width() * 0.85));
    EXPECT_GE(g.height(), int(avail.height() * 0.85));
    EXPECT_LE(g.width(), avail.width());
    EXPECT_LE(std::abs(g.center().x() - avail.center().x()), 20) << "centred";
    EXPECT_LE(std::abs(g.center().y() - avail.center().y()), 40) << "centred";
    const QIcon icon = w->windowIcon();
    ASSERT_FALSE(icon.isNull()) << "the window carries the app icon";
    EXPECT_EQ(icon.availableSizes().size(), 6) << "16 to 256 pixels";
    EXPECT_GT(test::colour_count(icon.pixmap(64).toImage()), 8) << "drawn, not blank";
    w->grab().save(test::screenshot_path("main_window_first_start.png"));
    w->resize(1120, 700);  // above the window's minimum size, below the first-start one
    ASSERT_TRUE(w->close());
  }
  auto w = open_shown(o);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->size(), QSize(1120, 700)) << "a saved geometry wins over the first-start size";
}

TEST(MainWindow, OpenStoreRemembersRecentStoresAndShortcutsReachTheirTargets) {
  QTemporaryDir dir;
  const WorkbenchOptions o = temp_options(dir);
  auto first = open_shown(o);
  ASSERT_TRUE(first);
  first->activateWindow();
  ASSERT_TRUE(QTest::qWaitForWindowActive(first.get()));
  QTest::keyClick(first->windowHandle(), Qt::Key_F, Qt::ControlModifier);  // through the shortcut map
  EXPECT_EQ(QApplication::focusWidget(), first->search_box()) << "Ctrl+F goes to the run search";

  // A second store: a new window opens on it, the idle first one closes, both are remembered.
  MainWindow* second = first->open_store(dir.filePath("other.db"));
  ASSERT_TRUE(second);
  EXPECT_FALSE(first->isVisible());
  const QStringList recent = second->recent_stores();
  ASSERT_EQ(recent.size(), 2);
  EXPECT_TRUE(recent[0].endsWith("other.db"));
  EXPECT_TRUE(recent[1].endsWith("workbench.db"));
  // A store that cannot be opened: a message, the window stays.
  const QString bad = dir.filePath("bad.db");
  {
    QFile f(bad);
    ASSERT_TRUE(f.open(QIODevice::WriteOnly));
    f.write(QByteArray(4096, 'x'));
  }
  EXPECT_EQ(second->open_store(bad), nullptr);
  EXPECT_TRUE(second->isVisible());
  second->close();
}

// The pid of the runner working in `run_dir`, from /proc (the test plays the OOM killer).
pid_t runner_pid(const QString& run_dir) {
  for (const QString& entry : QDir("/proc").entryList(QDir::Dirs)) {
    bool numeric = false;
    const pid_t pid = entry.toInt(&numeric);
    if (!numeric) continue;
    QFile f("/proc/" + entry + "/cmdline");
    if (!f.open(QIODevice::ReadOnly)) continue;
    const QByteArray cmd = f.readAll();
    if (cmd.contains("r1wb-run") && cmd.contains(run_dir.toUtf8())) return pid;
  }
  return -1;
}

TEST(MainWindow, RunnerKilledMidStreamAndAVanishedRunDirGiveMessagesAndTheWindowGoesOn) {
  QTemporaryDir dir;
  QString error;
  auto w = MainWindow::open(temp_options(dir), &error);
  ASSERT_TRUE(w) << error.toStdString();
  w->show();
  w->editor()->set_text(QString::fromStdString(short_run(2000).dump(2)));
  QTest::mouseClick(w->editor()->run_button(), Qt::LeftButton);
  const int64_t id = w->last_started_run();
  QElapsedTimer t;
  t.start();
  while (w->store().run(id)->last_step < 10 && t.elapsed() < 60000) QTest::qWait(50);
  ASSERT_GE(w->store().run(id)->last_step, 10) << "the run is streaming";
  const pid_t pid = runner_pid(QString::fromStdString(w->store().run(id)->run_dir));
  ASSERT_GT(pid, 0);
  ::kill(pid, SIGKILL);
  ASSERT_TRUE(wait_for_run_end(*w, 20000));
  const auto failed = w->store().run(id);
  EXPECT_EQ(failed->status, RunStatus::Failed);
  EXPECT_NE(failed->message.find("code 137"), std::string::npos) << failed->message;
  EXPECT_TRUE(w->notifier()->last().title.endsWith("failed"));
  EXPECT_GE(w->store().count_rows("metrics", id), 10) << "what streamed before the kill is kept";

  // Its run directory vanishes: Resume says so instead of failing obscurely.
  QDir(QString::fromStdString(failed->run_dir)).removeRecursively();
  w->refresh();
  w->run_list()->select_run(id);
  ASSERT_TRUE(w->resume_button()->isEnabled());
  QTest::mouseClick(w->resume_button(), Qt::LeftButton);
  EXPECT_FALSE(w->run_active());
  EXPECT_TRUE(w->statusBar()->currentMessage().contains("is gone")) << w->statusBar()->currentMessage().toStdString();
  // The window goes on: a new run completes.
  w->editor()->set_text(QString::fromStdString(short_run(10).dump(2)));
  QTest::mouseClick(w->editor()->run_button(), Qt::LeftButton);
  ASSERT_TRUE(wait_for_run_end(*w, 60000));
  EXPECT_EQ(w->store().run(w->last_started_run())->status, RunStatus::Completed);
}

TEST(MainWindow, OpensOnAnEmptyStoreWithAMissingExperiment) {
  QTemporaryDir dir;
  WorkbenchOptions o = temp_options(dir);
  o.experiment_path = dir.filePath("missing.json");
  auto w = open_shown(o);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->run_list()->topLevelItemCount(), 0);
  EXPECT_FALSE(w->editor()->run_enabled()) << "nothing valid to run";
  EXPECT_EQ(w->chart()->point_count(), 0);
  EXPECT_TRUE(w->heatmap()->snapshot().empty());
}

}  // namespace
}  // namespace r1wb::views
