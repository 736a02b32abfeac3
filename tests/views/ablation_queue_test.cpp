// The experiment workflow through real widgets: an ablation grid queued from the Ablation
// tab runs under the queue's concurrency limit and fills the results table; the run browser
// filters by status, tag and config field; a failed run raises a notification that carries
// its last words.
#include "test_support.h"
#include "views/experiment/ablation_panel.h"
#include "views/experiment/config_editor.h"
#include "views/runs/queue_panel.h"
#include "views/runs/run_list.h"
#include "views/shell/run_notifier.h"
#include "window_support.h"

#include <gtest/gtest.h>

#include <QComboBox>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableWidget>
#include <QTreeWidget>

#include <cstdio>
#include <set>

namespace r1wb::views {
namespace {

// Picks a field in the real combo box and types its values into the real line edit.
void choose_axis(AblationPanel& panel, int axis, const QString& path, const QString& values) {
  auto* box = panel.findChild<QComboBox*>(QString("ablation_field_%1").arg(axis));
  auto* edit = panel.findChild<QLineEdit*>(QString("ablation_values_%1").arg(axis));
  ASSERT_TRUE(box && edit);
  const int i = box->findText(path);
  ASSERT_GE(i, 0) << path.toStdString();
  box->setCurrentIndex(i);
  edit->clear();
  QTest::keyClicks(edit, values);
}

std::set<QString> column_values(QTableWidget* t, int column) {
  std::set<QString> out;
  for (int r = 0; r < t->rowCount(); ++r) out.insert(t->item(r, column)->text());
  return out;
}

TEST(Ablation, TwoByTwoGridQueuesFourRunsThatCompleteIntoTheResultsTable) {
  ASSERT_TRUE(runner_built());
  QTemporaryDir dir;
  auto w = open_shown(temp_options(dir));
  ASSERT_TRUE(w);
  json doc = short_run(10);
  doc["train"]["warmup_steps"] = 2;
  w->editor()->set_text(QString::fromStdString(doc.dump(2)));
  ASSERT_TRUE(w->editor()->is_valid());

  w->tabs()->setCurrentWidget(w->queue_panel());
  w->queue_panel()->concurrency()->setValue(2);
  w->tabs()->setCurrentWidget(w->ablation());
  AblationPanel& panel = *w->ablation();
  choose_axis(panel, 0, "model.moe.top_k", "1, 2");
  choose_axis(panel, 1, "train.lr", "1e-3, 3e-3");
  ASSERT_TRUE(panel.plan().ok()) << panel.preview()->text().toStdString();
  EXPECT_EQ(panel.queue_button()->text(), "Queue 4 runs");

  // A bad value is named and blocks queueing, then fixing it restores the grid.
  choose_axis(panel, 0, "model.moe.top_k", "1, two");
  EXPECT_FALSE(panel.queue_button()->isEnabled());
  EXPECT_TRUE(panel.preview()->text().contains("'two' is not an integer")) << panel.preview()->text().toStdString();
  choose_axis(panel, 0, "model.moe.top_k", "1, 2");
  ASSERT_TRUE(panel.queue_button()->isEnabled());

  QTest::mouseClick(panel.queue_button(), Qt::LeftButton);
  ASSERT_EQ(w->ablation_runs().size(), 4u);
  EXPECT_EQ(w->queue().active_runs().size(), 2u) << "two start, two wait";
  EXPECT_EQ(w->queue().queued_runs().size(), 2u);
  EXPECT_EQ(w->queue_panel()->entry_count(), 4);
  for (int64_t id : w->ablation_runs()) {
    const auto r = w->store().run(id);
    ASSERT_EQ(r->tags.size(), 1u);
    EXPECT_EQ(r->tags[0].rfind("ablation-", 0), 0u);
  }
  EXPECT_EQ(w->run_list()->selected_runs().size(), 4u) << "the grid's runs are selected: the chart overlays them";
  w->tabs()->setCurrentWidget(w->queue_panel());
  QElapsedTimer live;
  live.start();
  auto some_eta = [&] {
    for (int64_t id : w->queue().active_runs())
      if (w->queue().progress(id)->eta_seconds()) return true;
    return false;
  };
  while (!some_eta() && w->run_active() && live.elapsed() < 60000) QTest::qWait(50);
  EXPECT_TRUE(some_eta()) << "a running run shows its ETA";
  w->refresh();
  QTest::qWait(200);
  w->grab().save(test::screenshot_path("queue-panel.png"));
  w->tabs()->setCurrentWidget(w->ablation());

  size_t most_active = 0;
  QElapsedTimer t;
  t.start();
  while (w->run_active() && t.elapsed() < 240000) {
    most_active = std::max(most_active, w->queue().active_runs().size());
    QTest::qWait(50);
  }
  ASSERT_FALSE(w->run_active()) << "the grid did not finish in 240 s";
  EXPECT_EQ(most_active, 2u) << "never more than the concurrency limit";

  std::set<std::pair<int64_t, double>> cells;
  for (int64_t id : w->ablation_runs()) {
    const auto r = w->store().run(id);
    EXPECT_EQ(r->status, RunStatus::Completed) << r->name << ": " << r->message;
    const json config = json::parse(r->config_json);
    cells.insert({config["model"]["moe"]["top_k"].get<int64_t>(), config["train"]["lr"].get<double>()});
  }
  EXPECT_EQ(cells, (std::set<std::pair<int64_t, double>>{{1, 1e-3}, {1, 3e-3}, {2, 1e-3}, {2, 3e-3}}));

  w->refresh();
  QTableWidget* table = panel.results();
  ASSERT_EQ(table->rowCount(), 4);
  EXPECT_EQ(column_values(table, 2), (std::set<QString>{"1", "2"}));
  EXPECT_EQ(column_values(table, 3), (std::set<QString>{"0.001", "0.003"}));
  const int final_col = panel.column_of("train/loss", "final"), best_col = panel.column_of("train/loss", "best");
  const int min_col = panel.column_of("train/loss", "min");
  ASSERT_GE(final_col, 0);
  for (int r = 0; r < 4; ++r) {
    const double fin = table->item(r, final_col)->data(Qt::DisplayRole).toDouble();
    const double best = table->item(r, best_col)->data(Qt::DisplayRole).toDouble();
    EXPECT_GT(fin, 0.0);
    EXPECT_LE(best, fin) << "best loss is the minimum";
    EXPECT_EQ(best, table->item(r, min_col)->data(Qt::DisplayRole).toDouble());
  }
  // Sorting by best loss: the header click orders the rows.
  table->horizontalHeader()->setSortIndicator(best_col, Qt::AscendingOrder);
  for (int r = 1; r < 4; ++r)
    EXPECT_LE(table->item(r - 1, best_col)->data(Qt::DisplayRole).toDouble(),
              table->item(r, best_col)->data(Qt::DisplayRole).toDouble());
  // The cross-tab: top_k down, lr across, each cell the run's best loss.
  panel.set_pivot("train/loss", "best");
  QTableWidget* pivot = panel.pivot();
  ASSERT_EQ(pivot->rowCount(), 2);
  ASSERT_EQ(pivot->columnCount(), 2);
  EXPECT_EQ(pivot->verticalHeaderItem(0)->text(), "top_k = 1");
  EXPECT_EQ(pivot->horizontalHeaderItem(1)->text(), "lr = 0.003");
  for (int r = 0; r < 4; ++r) {
    const double k = table->item(r, 2)->data(Qt::DisplayRole).toDouble();
    const double lr = table->item(r, 3)->data(Qt::DisplayRole).toDouble();
    const double best = table->item(r, best_col)->data(Qt::DisplayRole).toDouble();
    EXPECT_NEAR(pivot->item(k == 1 ? 0 : 1, lr < 0.002 ? 0 : 1)->text().toDouble(), best, 1e-4 * best)
        << "the cell of top_k=" << k << " lr=" << lr;
  }
  panel.findChild<QTabWidget*>("ablation_result_tabs")->setCurrentIndex(1);
  QTest::qWait(100);
  w->grab().save(test::screenshot_path("ablation-pivot.png"));
  panel.findChild<QTabWidget*>("ablation_result_tabs")->setCurrentIndex(0);

  // Selecting two rows overlays those runs in the chart.
  table->selectionModel()->select(table->model()->index(0, 0), QItemSelectionModel::Select | QItemSelectionModel::Rows);
  table->selectionModel()->select(table->model()->index(1, 0), QItemSelectionModel::Select | QItemSelectionModel::Rows);
  QTest::qWait(100);
  EXPECT_EQ(w->run_list()->selected_runs().size(), 2u);
  EXPECT_EQ(w->chart()->series_count(), 2);
  std::printf("[ info ] best train/loss of the grid: %.4f .. %.4f\n",
              table->item(0, best_col)->data(Qt::DisplayRole).toDouble(),
              table->item(3, best_col)->data(Qt::DisplayRole).toDouble());
  QTest::qWait(300);
  w->grab().save(test::screenshot_path("ablation-results.png"));

  // Duplicate: the same config, queued and run again.
  const int64_t source = w->ablation_runs().front();
  w->run_list()->select_run(source);
  QTest::mouseClick(w->duplicate_button(), Qt::LeftButton);
  const int64_t copy = w->last_started_run();
  ASSERT_NE(copy, source);
  EXPECT_EQ(w->store().run(copy)->config_json, w->store().run(source)->config_json);
  ASSERT_TRUE(wait_for_run_end(*w, 120000));
  EXPECT_EQ(w->store().run(copy)->status, RunStatus::Completed);
  EXPECT_GE(w->notifier()->count(), 5) << "a notification per finished run";
  EXPECT_TRUE(w->notifier()->last().title.endsWith("completed")) << w->notifier()->last().title.toStdString();
}

TEST(RunBrowser, SearchFiltersByNameStatusTagAndConfigField) {
  QTemporaryDir dir;
  QString error;
  auto w = MainWindow::open(temp_options(dir), &error);
  ASSERT_TRUE(w) << error.toStdString();
  Store& st = w->store();
  json a = short_run(10), b = short_run(10);
  b["model"]["moe"]["top_k"] = 1;
  const int64_t ida = st.create_run("tiny-moe-1", "tiny-moe", a.dump(), dir.filePath("runs/a").toStdString(), "h");
  const int64_t idb = st.create_run("tiny-moe-2", "tiny-moe", b.dump(), dir.filePath("runs/b").toStdString(), "h");
  st.create_run("other-1", "other", a.dump(), dir.filePath("runs/c").toStdString(), "h");
  st.set_status(ida, RunStatus::Completed);
  st.set_status(idb, RunStatus::Failed, "diverged");
  st.set_tags(ida, {"baseline"});
  w->show();
  w->refresh();
  ASSERT_EQ(w->run_list()->topLevelItemCount(), 3);

  auto shown = [&] {
    std::set<QString> names;
    for (int i = 0; i < w->run_list()->topLevelItemCount(); ++i) names.insert(w->run_list()->cell(i, RunList::Name));
    return names;
  };
  QTest::keyClicks(w->search_box(), "tiny");
  EXPECT_EQ(shown(), (std::set<QString>{"tiny-moe-1", "tiny-moe-2"}));
  w->search_box()->clear();
  QTest::keyClicks(w->search_box(), "status:failed");
  EXPECT_EQ(shown(), (std::set<QString>{"tiny-moe-2"}));
  w->search_box()->clear();
  QTest::keyClicks(w->search_box(), "tag:baseline");
  EXPECT_EQ(shown(), (std::set<QString>{"tiny-moe-1"}));
  EXPECT_EQ(w->run_list()->cell(0, RunList::Tags), "baseline");
  EXPECT_EQ(w->run_list()->cell(0, RunList::Experiment), "tiny-moe");
  w->search_box()->clear();
  QTest::keyClicks(w->search_box(), "model.moe.top_k=1");
  EXPECT_EQ(shown(), (std::set<QString>{"tiny-moe-2"}));
  w->search_box()->clear();
  QTest::keyClicks(w->search_box(), "model.moe.topk=1");
  EXPECT_TRUE(w->search_errors()->isVisibleTo(w.get()));
  EXPECT_TRUE(w->search_errors()->text().contains("no config field model.moe.topk"))
      << w->search_errors()->text().toStdString();
  EXPECT_EQ(shown().size(), 3u) << "the bad condition is left out, the rest applies";

  // Tagging and noting a run from the browser: stored, listed and searchable.
  w->search_box()->clear();
  w->run_list()->select_run(idb);
  w->tags_edit()->setText("diverged, lr-sweep");
  w->notes_edit()->setText("loss spikes after warmup");
  emit w->tags_edit()->editingFinished();
  EXPECT_EQ(w->store().run(idb)->tags, (std::vector<std::string>{"diverged", "lr-sweep"}));
  EXPECT_EQ(w->store().run(idb)->notes, "loss spikes after warmup");
  QTest::keyClicks(w->search_box(), "tag:lr-sweep");
  EXPECT_EQ(shown(), (std::set<QString>{"tiny-moe-2"}));
  w->search_box()->clear();
  QTest::keyClicks(w->search_box(), "spikes");
  EXPECT_EQ(shown(), (std::set<QString>{"tiny-moe-2"})) << "words match notes";
}

TEST(RunNotifications, FailedRunNotifiesWithItsReasonAndLastLines) {
  QTemporaryDir dir;
  // A runner that dies the way a real one might: a message on stderr, a non-zero exit.
  const QString runner = dir.filePath("dying-runner.sh");
  {
    QFile f(runner);
    ASSERT_TRUE(f.open(QIODevice::WriteOnly));
    f.write(
        "#!/bin/sh\necho 'loading shards' >&2\necho 'RuntimeError: CUDA out of memory (tried 2.00 GiB)' >&2\nexit 3\n");
  }
  QFile::setPermissions(runner, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
  WorkbenchOptions o = temp_options(dir);
  o.runner_path = runner;
  QString error;
  auto w = MainWindow::open(o, &error);
  ASSERT_TRUE(w) << error.toStdString();
  w->show();
  int finished = 0;
  QObject::connect(w.get(), &MainWindow::run_finished, [&](int64_t) { ++finished; });
  QTest::mouseClick(w->editor()->run_button(), Qt::LeftButton);
  ASSERT_TRUE(wait_for_run_end(*w, 20000));
  EXPECT_EQ(finished, 1);
  const RunNotification& n = w->notifier()->last();
  EXPECT_TRUE(n.title.endsWith("failed")) << n.title.toStdString();
  EXPECT_TRUE(n.body.contains("exited with code 3")) << n.body.toStdString();
  EXPECT_TRUE(n.body.contains("CUDA out of memory")) << n.body.toStdString();
  EXPECT_FALSE(n.via.isEmpty());
  std::printf("[ info ] notification via %s: %s | %s\n", qPrintable(n.via), qPrintable(n.title), qPrintable(n.body));
  // The window still works: the next run can be queued.
  EXPECT_TRUE(w->editor()->run_button()->isEnabled());
}

}  // namespace
}  // namespace r1wb::views
