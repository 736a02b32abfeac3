// Helpers for the tests that open the whole window on a temporary store and drive the real
// runner: options pointing into a temp dir, a short tiny-moe run, waiting for runs to end.
#pragma once
#include "test_support.h"
#include "views/charts/metric_chart.h"
#include "views/shell/main_window.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <gtest/gtest.h>

#include <algorithm>

namespace r1wb::views {

using nlohmann::json;

inline bool runner_built() { return QFileInfo(R1WB_RUNNER).isExecutable(); }

inline WorkbenchOptions temp_options(const QTemporaryDir& dir) {
  WorkbenchOptions o;
  o.store_path = dir.filePath("workbench.db");
  o.runs_dir = dir.filePath("runs");
  o.runner_path = R1WB_RUNNER;
  o.experiment_path = test::source_path("experiments/tiny-moe.json");
  o.settings_path = dir.filePath("settings.ini");
  o.known_hosts = dir.filePath("known_hosts");  // never the user's own
  return o;
}

// A short tiny-moe run: metrics and expert load every 5 steps.
inline json short_run(int steps) {
  json doc = test::tiny_moe();
  doc["train"]["steps"] = steps;
  doc["train"]["warmup_steps"] = 5;
  doc["telemetry"]["log_every"] = 5;
  doc["telemetry"]["expert_load_every"] = 5;
  return doc;
}

// Opens the window on `o` and shows it; null, with the reason reported, when either fails.
inline std::unique_ptr<MainWindow> open_shown(const WorkbenchOptions& o) {
  QString error;
  auto w = MainWindow::open(o, &error);
  if (!w) {
    ADD_FAILURE() << "cannot open the window: " << error.toStdString();
    return nullptr;
  }
  w->show();
  if (!QTest::qWaitForWindowExposed(w.get())) {
    ADD_FAILURE() << "the window was not exposed";
    return nullptr;
  }
  return w;
}

// Waits, with the event loop running, until the window's run has ended.
inline bool wait_for_run_end(MainWindow& w, int timeout_ms, int* chart_points_while_running = nullptr) {
  QElapsedTimer t;
  t.start();
  while (w.run_active() && t.elapsed() < timeout_ms) {
    QTest::qWait(50);
    if (chart_points_while_running && w.run_active())
      *chart_points_while_running = std::max(*chart_points_while_running, w.chart()->point_count());
  }
  return !w.run_active();
}

}  // namespace r1wb::views
